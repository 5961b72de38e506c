//! Working days and the end of periods (RULES.md §7). Pure: the calendar is data (the State
//! Council's public holidays and the weekend days it declares working days), loaded by the
//! services and passed in.
//!
//! - A working day is Monday–Friday unless it is a public holiday, plus the declared working
//!   weekend days (调休上班).
//! - A year whose calendar has not been entered counts weekends only, and says so
//!   ([`Calendar::unknown_years`]).
//! - A period counted in calendar days whose last day is a holiday or a rest day ends at the
//!   end of the first working day after it (Civil Code art. 203; [`Calendar::period_end`]).
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use std::collections::{BTreeMap, BTreeSet};

word_enum!(
    /// What a calendar entry makes of a day: a public holiday (a day off even on a weekday), or
    /// a weekend day declared a working day.
    DayKind { Holiday = "holiday", Working = "working" }
);

/// One day of the calendar that differs from Monday–Friday.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    /// `2026-10-01`.
    #[schema(value_type = String)]
    pub day: Date,
    pub kind: DayKind,
    /// The holiday it belongs to (`国庆节`, `National Day`), free text.
    pub name: String,
}

/// Why a calendar entry is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayProblem {
    /// Outside the year being entered.
    OtherYear,
    /// The same day twice.
    Twice,
}

impl DayProblem {
    pub fn code(&self) -> &'static str {
        match self {
            DayProblem::OtherYear => "other_year",
            DayProblem::Twice => "duplicate_day",
        }
    }
}

fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Checks the entries of one year: each day once, and in that year. (A holiday on a weekend
/// or a working day on a weekday changes nothing and is accepted: official lists name every day
/// of a holiday.) The position of the first bad entry and what is wrong with it.
pub fn check_year(year: i16, days: &[CalendarDay]) -> Result<(), (usize, DayProblem)> {
    let mut seen = BTreeSet::new();
    for (i, d) in days.iter().enumerate() {
        if d.day.year() != year {
            return Err((i, DayProblem::OtherYear));
        }
        if !seen.insert(d.day) {
            return Err((i, DayProblem::Twice));
        }
    }
    Ok(())
}

/// The working-day calendar: the years entered and their days that differ from Monday–Friday.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i16>,
    days: BTreeMap<Date, DayKind>,
}

impl Calendar {
    /// A calendar of the `years` entered, with their `days`. Days of other years are ignored.
    pub fn new(years: impl IntoIterator<Item = i16>, days: &[CalendarDay]) -> Self {
        let years: BTreeSet<i16> = years.into_iter().collect();
        let days = days
            .iter()
            .filter(|d| years.contains(&d.day.year()))
            .map(|d| (d.day, d.kind))
            .collect();
        Calendar { years, days }
    }

    /// Has the calendar of `year` been entered?
    pub fn knows(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.iter().copied()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Working) => true,
            None => !weekend(d),
        }
    }

    /// The `n`-th working day after `d` (n ≥ 1; n = 0 is `d` itself).
    pub fn working_days_after(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = next_day(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// `d` if it is a working day, else the first working day after it.
    pub fn first_working_day_from(&self, d: Date) -> Date {
        let mut day = d;
        // Never more than a few weeks: bounded so a malformed calendar cannot loop forever.
        for _ in 0..366 {
            if self.is_working_day(day) {
                return day;
            }
            day = next_day(day);
        }
        d
    }

    /// The last day of a period of `days` calendar days starting the day after `start`,
    /// moved to the first working day after it when it is a holiday or a rest day.
    pub fn period_end(&self, start: Date, days: i64) -> Date {
        let last = start.checked_add(days.days()).unwrap_or(start);
        self.first_working_day_from(last)
    }

    /// The years from `from` to `to` (inclusive) whose calendar is missing.
    pub fn unknown_years(&self, from: Date, to: Date) -> Vec<i16> {
        let (a, b) = (from.year().min(to.year()), from.year().max(to.year()));
        (a..=b).filter(|y| !self.knows(*y)).collect()
    }
}

fn next_day(d: Date) -> Date {
    d.tomorrow().unwrap_or(d)
}

/// The calendar of 2026 as published by the State Council General Office on 2025-11-04
/// (RULES.md §7): what a new installation starts with.
pub fn shipped_2026() -> Vec<CalendarDay> {
    let mut out = Vec::new();
    let mut add = |m: i8, from: i8, to: i8, kind: DayKind, name: &str| {
        for d in from..=to {
            if let Ok(day) = Date::new(2026, m, d) {
                out.push(CalendarDay {
                    day,
                    kind,
                    name: name.to_string(),
                });
            }
        }
    };
    use DayKind::{Holiday as H, Working as W};
    add(1, 1, 3, H, "元旦");
    add(1, 4, 4, W, "元旦");
    add(2, 14, 14, W, "春节");
    add(2, 15, 23, H, "春节");
    add(2, 28, 28, W, "春节");
    add(4, 4, 6, H, "清明节");
    add(5, 1, 5, H, "劳动节");
    add(5, 9, 9, W, "劳动节");
    add(6, 19, 21, H, "端午节");
    add(9, 20, 20, W, "国庆节");
    add(9, 25, 27, H, "中秋节");
    add(10, 1, 7, H, "国庆节");
    add(10, 10, 10, W, "国庆节");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new([2026], &shipped_2026())
    }

    #[test]
    fn the_shipped_2026_calendar_is_valid_and_as_published() {
        let days = shipped_2026();
        assert_eq!(check_year(2026, &days), Ok(()));
        let c = cal();
        // Spring Festival: 15–23 Feb off (the weekdays among them), Sat 14 and Sat 28 worked.
        assert!(!c.is_working_day(date("2026-02-16")));
        assert!(!c.is_working_day(date("2026-02-23")));
        assert!(c.is_working_day(date("2026-02-14")));
        assert!(c.is_working_day(date("2026-02-28")));
        assert!(c.is_working_day(date("2026-02-24")));
        // National Day: 1–7 Oct off, Sun 20 Sep and Sat 10 Oct worked.
        assert!(!c.is_working_day(date("2026-10-01")));
        assert!(!c.is_working_day(date("2026-10-07")));
        assert!(c.is_working_day(date("2026-09-20")));
        assert!(c.is_working_day(date("2026-10-10")));
        assert!(c.is_working_day(date("2026-01-04")));
        assert!(!c.is_working_day(date("2026-01-02")));
        // An ordinary weekend.
        assert!(!c.is_working_day(date("2026-03-07")));
    }

    #[test]
    fn a_period_ending_on_a_holiday_ends_on_the_next_working_day() {
        // RULES.md §7: 15 days from 2026-09-16 end on 1 October, a holiday: 8 October.
        assert_eq!(cal().period_end(date("2026-09-16"), 15), date("2026-10-08"));
        // Ending on a Saturday that is an ordinary rest day: the Monday.
        assert_eq!(cal().period_end(date("2026-02-27"), 8), date("2026-03-09"));
        // Ending on a declared working Saturday: that day.
        assert_eq!(cal().period_end(date("2026-02-13"), 15), date("2026-02-28"));
        // Across the Spring Festival: 23 Feb is the last day off.
        assert_eq!(cal().period_end(date("2026-02-05"), 12), date("2026-02-24"));
    }

    #[test]
    fn working_days_skip_the_holidays_and_count_the_working_weekends() {
        let c = cal();
        // From Wed 30 Sep: Thu 1 – Wed 7 Oct off, Thu 8, Fri 9, Sat 10 (worked), Mon 12, Tue 13.
        assert_eq!(
            c.working_days_after(date("2026-09-30"), 1),
            date("2026-10-08")
        );
        assert_eq!(
            c.working_days_after(date("2026-09-30"), 3),
            date("2026-10-10")
        );
        assert_eq!(
            c.working_days_after(date("2026-09-30"), 5),
            date("2026-10-13")
        );
        // From Fri 13 Feb: Sat 14 is worked, then the festival until Mon 23.
        assert_eq!(
            c.working_days_after(date("2026-02-13"), 1),
            date("2026-02-14")
        );
        assert_eq!(
            c.working_days_after(date("2026-02-13"), 2),
            date("2026-02-24")
        );
        // A year without a calendar: weekends only, and it says which year.
        assert_eq!(
            c.working_days_after(date("2027-10-01"), 1),
            date("2027-10-04")
        );
        assert_eq!(
            c.unknown_years(date("2026-12-30"), date("2027-01-05")),
            vec![2027]
        );
        assert!(
            c.unknown_years(date("2026-01-01"), date("2026-12-31"))
                .is_empty()
        );
    }

    #[test]
    fn a_year_takes_each_of_its_days_once() {
        let d = |day: &str, kind| CalendarDay {
            day: date(day),
            kind,
            name: String::new(),
        };
        // A holiday on a weekend is accepted (and changes nothing).
        assert_eq!(
            check_year(2027, &[d("2027-10-02", DayKind::Holiday)]),
            Ok(())
        );
        assert_eq!(
            check_year(2027, &[d("2026-10-01", DayKind::Holiday)]),
            Err((0, DayProblem::OtherYear))
        );
        let twice = [
            d("2027-10-01", DayKind::Holiday),
            d("2027-10-01", DayKind::Holiday),
        ];
        assert_eq!(check_year(2027, &twice), Err((1, DayProblem::Twice)));
    }

    proptest! {
        /// Whatever the calendar: the n-th working day after d is a working day, n of the days
        /// after d up to it are working days, and a period never ends on a day off.
        #[test]
        fn working_days_and_periods_agree_with_the_day_test(
            offs in prop::collection::btree_set(0i64..120, 0..30),
            ons in prop::collection::btree_set(0i64..120, 0..10),
            start in 0i64..100,
            n in 1u32..15,
            days in 0i64..70,
        ) {
            let base = date("2026-09-01");
            let at = |o: i64| base.checked_add(o.days()).unwrap();
            let mut entries = Vec::new();
            for o in &offs {
                entries.push(CalendarDay { day: at(*o), kind: DayKind::Holiday, name: String::new() });
            }
            for o in ons.difference(&offs) {
                entries.push(CalendarDay { day: at(*o), kind: DayKind::Working, name: String::new() });
            }
            let c = Calendar::new([2026, 2027], &entries);
            let d = at(start);
            let end = c.working_days_after(d, n);
            prop_assert!(c.is_working_day(end));
            let mut counted = 0;
            let mut day = d;
            while day < end {
                day = day.tomorrow().unwrap();
                if c.is_working_day(day) { counted += 1; }
            }
            prop_assert_eq!(counted, n);
            let p = c.period_end(d, days);
            let last = d.checked_add(days.days()).unwrap();
            prop_assert!(p >= last);
            prop_assert!(c.is_working_day(p));
            // Every day between the nominal last day and the end is a day off.
            let mut day = last;
            while day < p {
                prop_assert!(!c.is_working_day(day));
                day = day.tomorrow().unwrap();
            }
        }
    }
}
