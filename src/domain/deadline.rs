//! Deadlines of cases, in Asia/Shanghai time (RULES.md §2–3). Pure: times are Unix seconds.
//!
//! Statutory periods in days (信访工作条例) end at the end of the last day: a petition registered on
//! 10 January, 10:00, must be decided by the end of 25 January (day 1 is the day after). Hotline
//! SLA periods (接诉即办) are plain durations from the moment of dispatch.
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::sync::LazyLock;

pub use super::calendar::Calendar;

static SHANGHAI: LazyLock<TimeZone> =
    LazyLock::new(|| TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC));

/// How long a unit has to sign for a case and to reply, by SLA class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlaPeriods {
    pub sign_seconds: i64,
    pub reply_seconds: i64,
    /// When more than 0, the reply is due at the end of this many working days after the day
    /// of dispatch (RULES.md §7) instead of `reply_seconds` later.
    #[serde(default)]
    pub reply_working_days: i64,
}

word_enum!(
    /// Published service targets (RULES.md §3): danger 2 h, utilities 24 h, ordinary 7 days,
    /// complex 15 days. The periods are configurable per installation (table `sla_classes`).
    SlaClass { Danger = "danger", Utilities = "utilities", Ordinary = "ordinary", Complex = "complex" }
);

impl SlaClass {
    pub fn default_periods(self) -> SlaPeriods {
        const H: i64 = 3600;
        let (sign, reply) = match self {
            SlaClass::Danger => (H / 2, 2 * H),
            SlaClass::Utilities => (2 * H, 24 * H),
            SlaClass::Ordinary => (24 * H, 7 * 24 * H),
            SlaClass::Complex => (24 * H, 15 * 24 * H),
        };
        SlaPeriods {
            sign_seconds: sign,
            reply_seconds: reply,
            reply_working_days: 0,
        }
    }
}

/// The end (exclusive: the first second after) of the `days`-th day after the day of `at`.
pub fn end_of_day_after(at: i64, days: i64) -> i64 {
    let Ok(ts) = Timestamp::from_second(at) else {
        return at + (days + 1) * 86_400;
    };
    let date = ts.to_zoned_datetime(SHANGHAI.clone()).date();
    date.checked_add((days + 1).days())
        .and_then(|d| d.to_zoned_datetime(SHANGHAI.clone()))
        .map(|z| z.timestamp().as_second())
        .unwrap_or(at + (days + 1) * 86_400)
}

/// Is the local day of `at` a Saturday or a Sunday?
pub fn is_weekend(at: i64) -> bool {
    Timestamp::from_second(at)
        .map(|t| {
            matches!(
                t.to_zoned_datetime(SHANGHAI.clone()).weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            )
        })
        .unwrap_or(false)
}

/// Reads a local Asia/Shanghai time as written in forms: `2026-12-20T09:00`, `2026-12-20 09:00`
/// (seconds optional).
pub fn parse_local(text: &str) -> Option<i64> {
    let t = text.trim().replacen(' ', "T", 1);
    let dt: jiff::civil::DateTime = t.parse().ok()?;
    dt.to_zoned_datetime(SHANGHAI.clone())
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// The local calendar date of `at`, `2026-01-25`: holdings are dated this way.
pub fn local_date(at: i64) -> String {
    local(at).get(..10).unwrap_or("").to_string()
}

/// The first second of a local calendar day.
pub fn local_midnight(date: jiff::civil::Date) -> i64 {
    date.to_zoned_datetime(SHANGHAI.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// Move a deadline later by whole calendar days (an extension).
pub fn add_days(due: i64, days: i64) -> i64 {
    let Ok(ts) = Timestamp::from_second(due) else {
        return due + days * 86_400;
    };
    ts.to_zoned_datetime(SHANGHAI.clone())
        .checked_add(days.days())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(due + days * 86_400)
}

/// The local calendar day of an instant.
pub fn local_day(at: i64) -> jiff::civil::Date {
    Timestamp::from_second(at)
        .map(|t| t.to_zoned_datetime(SHANGHAI.clone()).date())
        .unwrap_or_default()
}

/// The end (exclusive: the first second after) of a local calendar day.
pub fn end_of_date(d: jiff::civil::Date) -> i64 {
    local_midnight(d.tomorrow().unwrap_or(d))
}

/// The end of a statutory period of `days` calendar days after the day of `at` (day 1 is the
/// day after), moved to the end of the first working day after it when its last day is a
/// holiday or a rest day (RULES.md §7).
pub fn period_due(cal: &Calendar, at: i64, days: i64) -> i64 {
    end_of_date(cal.period_end(local_day(at), days))
}

/// The end of the `n`-th working day after the day of `at`.
pub fn working_days_due(cal: &Calendar, at: i64, n: u32) -> i64 {
    end_of_date(cal.working_days_after(local_day(at), n))
}

/// When the reply to a case dispatched at `now` is due: a plain duration, or working days when
/// the SLA class counts in working days.
pub fn reply_due(cal: &Calendar, sla: SlaPeriods, now: i64) -> i64 {
    match u32::try_from(sla.reply_working_days) {
        Ok(n) if n > 0 => working_days_due(cal, now, n),
        _ => now.saturating_add(sla.reply_seconds),
    }
}

/// Register and decide (accept or route) within 15 days.
pub fn petition_accept_due(cal: &Calendar, registered: i64) -> i64 {
    period_due(cal, registered, 15)
}

/// A receiving organ that disputes it is competent for a petition says so within 5 working
/// days of receiving it: the end of the fifth working day after the day of `received`.
pub fn competence_dispute_due(cal: &Calendar, received: i64) -> i64 {
    working_days_due(cal, received, 5)
}

/// Handle and reply in writing within 60 days of acceptance.
pub fn petition_reply_due(cal: &Calendar, accepted: i64) -> i64 {
    period_due(cal, accepted, 60)
}

/// An extension of a reply deadline by `days` calendar days, from the last day of the current
/// one, ending on a working day like any period.
pub fn extended_due(cal: &Calendar, due: i64, days: i64) -> i64 {
    period_due(cal, due - 1, days)
}

/// The petitioner may ask for a review (复查 / 复核) within 30 days of the reply.
pub fn review_request_due(cal: &Calendar, replied: i64) -> i64 {
    period_due(cal, replied, 30)
}

/// A review is answered within 30 days of the request.
pub fn review_answer_due(cal: &Calendar, requested: i64) -> i64 {
    period_due(cal, requested, 30)
}

/// How close to a deadline a case counts as due soon: a quarter of the period that deadline
/// closes (signing for, or the reply; four days for the long legal periods), at most a day. A
/// new case is never "due soon" in its first three quarters of the period.
pub fn due_soon_margin(period_seconds: i64) -> i64 {
    (period_seconds.max(0) / 4).min(86_400)
}

/// The period the current deadline closes: the signing period when it is the signing deadline,
/// the reply period when it is the reply deadline, else (acceptance, review) four days.
pub fn period_of_deadline(
    next_due: i64,
    sign_due: Option<i64>,
    reply_due: Option<i64>,
    sla: SlaPeriods,
) -> i64 {
    if sign_due == Some(next_due) {
        sla.sign_seconds
    } else if reply_due == Some(next_due) {
        sla.reply_seconds
    } else {
        4 * 86_400
    }
}

/// Unix seconds as Asia/Shanghai time in a `strftime` format, e.g. `%Y-%m-%dT%H:%M:%S%:z`. Uses
/// the time zone loaded once (looking it up by name per call cost 0.1 ms: a list of 1,000 rows
/// spent a third of a second on it).
pub fn format_local(at: i64, format: &str) -> String {
    Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned_datetime(SHANGHAI.clone())
                .strftime(format)
                .to_string()
        })
        .unwrap_or_default()
}

/// Render Unix seconds as local time, `2026-01-25 23:59`.
pub fn local(at: i64) -> String {
    Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned_datetime(SHANGHAI.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shipped 2026 calendar (2027 not entered: weekends only).
    fn cal() -> Calendar {
        Calendar::new([2026], &crate::domain::calendar::shipped_2026())
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned_datetime(SHANGHAI.clone())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_competence_dispute_has_five_working_days() {
        // Received on Wednesday 2026-03-04: Thu, Fri, Mon, Tue, Wed; due at the end of 11 March.
        let received = at("2026-03-04T16:00");
        let due = competence_dispute_due(&cal(), received);
        assert_eq!(due, at("2026-03-12T00:00"));
        assert!(
            at("2026-03-11T23:59:59") < due,
            "the fifth working day is still in time"
        );
        // Received on Friday: Mon … Fri of the next week.
        assert_eq!(
            competence_dispute_due(&cal(), at("2026-03-06T09:00")),
            at("2026-03-14T00:00")
        );
        // Received on Saturday: the same.
        assert_eq!(
            competence_dispute_due(&cal(), at("2026-03-07T09:00")),
            at("2026-03-14T00:00")
        );
    }

    #[test]
    fn day_15_is_the_last_day_to_accept() {
        let registered = at("2026-01-12T10:00");
        let due = petition_accept_due(&cal(), registered);
        assert_eq!(due, at("2026-01-28T00:00"));
        assert!(at("2026-01-27T23:59:59") < due, "day 15 still in time");
        assert!(at("2026-01-28T00:00") >= due, "day 16 is late");
        // Registered a second before midnight: the same calendar day counts.
        assert_eq!(petition_accept_due(&cal(), at("2026-01-12T23:59:59")), due);
        // A second later it is the next day.
        assert_eq!(
            petition_accept_due(&cal(), at("2026-01-13T00:00")),
            at("2026-01-29T00:00")
        );
        // Day 15 on a Sunday (25 January): the period ends with Monday.
        assert_eq!(
            petition_accept_due(&cal(), at("2026-01-10T10:00")),
            at("2026-01-27T00:00")
        );
    }

    #[test]
    fn periods_ending_on_a_holiday_end_on_the_next_working_day() {
        // RULES.md §7: 15 days from 16 September end on 1 October, a holiday: 8 October.
        assert_eq!(
            petition_accept_due(&cal(), at("2026-09-16T15:00")),
            at("2026-10-09T00:00")
        );
        // 60 days from 20 December 2025 end on 18 February 2026, in the Spring Festival: 24 Feb.
        let cal = Calendar::new([2025, 2026], &crate::domain::calendar::shipped_2026());
        assert_eq!(
            petition_reply_due(&cal, at("2025-12-20T09:00")),
            at("2026-02-25T00:00")
        );
        // The competence dispute across National Day: received Wed 30 Sep, the fifth working
        // day is Tue 13 Oct (Sat 10 Oct is worked).
        assert_eq!(
            competence_dispute_due(&cal, at("2026-09-30T09:00")),
            at("2026-10-14T00:00")
        );
        // An SLA class in working days: 3 working days from Fri 13 Feb (Sat 14 worked, then the
        // festival): 14, 24, 25 Feb.
        let sla = SlaPeriods {
            sign_seconds: 3600,
            reply_seconds: 3 * 86_400,
            reply_working_days: 3,
        };
        assert_eq!(
            reply_due(&cal, sla, at("2026-02-13T10:00")),
            at("2026-02-26T00:00")
        );
        let hours = SlaPeriods {
            reply_working_days: 0,
            ..sla
        };
        assert_eq!(
            reply_due(&cal, hours, at("2026-02-13T10:00")),
            at("2026-02-16T10:00")
        );
    }

    #[test]
    fn day_60_and_day_90_with_an_extension() {
        let accepted = at("2026-03-01T09:00");
        let due = petition_reply_due(&cal(), accepted);
        assert_eq!(due, at("2026-05-01T00:00"), "day 60 is 30 April");
        // Day 90 is Saturday 30 May: the period ends with Monday 1 June.
        let extended = extended_due(&cal(), due, 30);
        assert_eq!(extended, at("2026-06-02T00:00"));
    }

    #[test]
    fn review_windows_are_30_days() {
        let replied = at("2026-12-20T16:00");
        assert_eq!(review_request_due(&cal(), replied), at("2027-01-20T00:00"));
        let asked = at("2027-01-19T08:00");
        assert_eq!(review_answer_due(&cal(), asked), at("2027-02-19T00:00"));
    }

    #[test]
    fn deadlines_are_in_china_time_not_utc() {
        // 2026-01-10 23:30 UTC is 11 January 07:30 in Chongqing.
        let utc_evening = Timestamp::from_second(at("2026-01-11T07:30"))
            .unwrap()
            .as_second();
        assert_eq!(
            petition_accept_due(&cal(), utc_evening),
            at("2026-01-27T00:00")
        );
        assert_eq!(local(at("2026-01-25T23:59")), "2026-01-25 23:59");
    }

    #[test]
    fn sla_defaults_follow_the_published_targets() {
        assert_eq!(SlaClass::Danger.default_periods().reply_seconds, 2 * 3600);
        assert_eq!(
            SlaClass::Utilities.default_periods().reply_seconds,
            24 * 3600
        );
        assert_eq!(
            SlaClass::Ordinary.default_periods().reply_seconds,
            7 * 86_400
        );
        assert_eq!(
            SlaClass::Complex.default_periods().reply_seconds,
            15 * 86_400
        );
    }

    proptest! {
        /// Five working days end 5 to 7 calendar days after the day of receipt, at midnight, the last
        /// of them a weekday.
        #[test]
        fn competence_dispute_ends_after_five_weekdays(t in 1_700_000_000i64..1_900_000_000) {
            let due = competence_dispute_due(&Calendar::default(), t);
            let calendar = (due - end_of_day_after(t, 0)) / 86_400;
            prop_assert!((5..=7).contains(&calendar), "{calendar}");
            prop_assert!(!is_weekend(due - 1));
            prop_assert_eq!(due, end_of_day_after(t, calendar));
            let weekdays = (1..=calendar).filter(|d| !is_weekend(end_of_day_after(t, *d) - 1)).count();
            prop_assert_eq!(weekdays, 5);
        }

        #[test]
        fn a_period_ends_at_a_local_midnight_after_the_start(start in 1_600_000_000i64..2_000_000_000, days in 0i64..400) {
            let due = end_of_day_after(start, days);
            prop_assert!(due > start + days * 86_400 - 86_400);
            prop_assert!(due <= start + (days + 1) * 86_400);
            let z = Timestamp::from_second(due).unwrap().to_zoned_datetime(SHANGHAI.clone());
            prop_assert_eq!((z.hour(), z.minute(), z.second()), (0, 0, 0));
            prop_assert!(end_of_day_after(start, days + 1) == due + 86_400);
        }
    }
}
