//! Case categories as a district configures them: who handles a category by default (its
//! handler) and how fast (its SLA class), and the periods of each SLA class. Pure: the checks an
//! administrator's change must pass before it is stored.
use crate::domain::deadline::SlaPeriods;
use crate::domain::kinds::SquadKind;

/// The default handling unit of a category, stored as a short word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// The property company managing the compound on the day of the report.
    PropertyCompany,
    /// The compound's Red Butler team itself.
    Team,
    /// A squad of the compound's team (dispute mediation, policy publicity, …).
    Squad(SquadKind),
    /// A named organisation, e.g. the landscaping bureau for parking planning.
    Organisation(i64),
}

impl Handler {
    pub fn parse(s: &str) -> Option<Handler> {
        match s {
            "property_company" => Some(Handler::PropertyCompany),
            "team" => Some(Handler::Team),
            _ => {
                if let Some(kind) = s.strip_prefix("squad:") {
                    SquadKind::parse(kind)
                        .filter(|k| *k != SquadKind::Custom)
                        .map(Handler::Squad)
                } else {
                    let id: i64 = s.strip_prefix("organisation:")?.parse().ok()?;
                    (id > 0 && !s.contains('+')).then_some(Handler::Organisation(id))
                }
            }
        }
    }

    pub fn word(&self) -> String {
        match self {
            Handler::PropertyCompany => "property_company".into(),
            Handler::Team => "team".into(),
            Handler::Squad(k) => format!("squad:{}", k.as_str()),
            Handler::Organisation(id) => format!("organisation:{id}"),
        }
    }
}

/// Why a category or SLA change is refused (`field`, `code`), for the one error type.
pub type Refusal = (&'static str, &'static str);

/// A category's code: 2–32 of `a-z`, `0-9` and `_`, starting with a letter (it is the Open311
/// service code and appears in URLs and CSV files).
pub fn check_code(code: &str) -> Result<(), Refusal> {
    let ok = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(("code", "invalid_code"))
    }
}

/// A category's name in one language: 1–40 characters after trimming.
pub fn check_name(field: &'static str, name: &str) -> Result<(), Refusal> {
    match name.trim().chars().count() {
        0 => Err((field, "required")),
        1..=40 => Ok(()),
        _ => Err((field, "too_long")),
    }
}

/// The shortest and longest periods an SLA class may set.
pub const MIN_PERIOD_SECONDS: i64 = 10 * 60;
pub const MAX_PERIOD_SECONDS: i64 = 90 * 86_400;

/// An SLA class's periods: signing for within 10 minutes to 90 days, the reply no sooner than the
/// signing and at most 90 days.
/// At most this many working days to reply (about two months).
pub const MAX_REPLY_WORKING_DAYS: i64 = 40;

pub fn check_periods(p: SlaPeriods) -> Result<(), Refusal> {
    let in_range = |s: i64| (MIN_PERIOD_SECONDS..=MAX_PERIOD_SECONDS).contains(&s);
    if !in_range(p.sign_seconds) {
        return Err(("sign_minutes", "out_of_range"));
    }
    if !in_range(p.reply_seconds) {
        return Err(("reply_hours", "out_of_range"));
    }
    if p.reply_seconds < p.sign_seconds {
        return Err(("reply_hours", "reply_before_sign"));
    }
    if !(0..=MAX_REPLY_WORKING_DAYS).contains(&p.reply_working_days) {
        return Err(("reply_working_days", "out_of_range"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn handler_words() {
        assert_eq!(
            Handler::parse("property_company"),
            Some(Handler::PropertyCompany)
        );
        assert_eq!(
            Handler::parse("squad:dispute_mediation"),
            Some(Handler::Squad(SquadKind::DisputeMediation))
        );
        assert_eq!(
            Handler::parse("organisation:12"),
            Some(Handler::Organisation(12))
        );
        for bad in [
            "",
            "squad:",
            "squad:custom",
            "squad:cooks",
            "organisation:",
            "organisation:0",
            "organisation:-3",
            "organisation:+3",
            "organisation:x",
            "Team",
        ] {
            assert_eq!(Handler::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_and_names() {
        assert!(check_code("parking").is_ok());
        assert!(check_code("e_bikes2").is_ok());
        for bad in [
            "",
            "p",
            "Parking",
            "2bikes",
            "e-bikes",
            "停车",
            &"a".repeat(33),
        ] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
        assert_eq!(check_name("name_zh", "  "), Err(("name_zh", "required")));
        assert!(check_name("name_zh", &"停".repeat(40)).is_ok());
        assert_eq!(
            check_name("name_zh", &"停".repeat(41)),
            Err(("name_zh", "too_long"))
        );
    }

    #[test]
    fn periods_at_the_bounds() {
        let p = |s, r| SlaPeriods {
            sign_seconds: s,
            reply_seconds: r,
            reply_working_days: 0,
        };
        assert!(check_periods(p(MIN_PERIOD_SECONDS, MIN_PERIOD_SECONDS)).is_ok());
        assert!(check_periods(p(MAX_PERIOD_SECONDS, MAX_PERIOD_SECONDS)).is_ok());
        assert!(check_periods(p(MIN_PERIOD_SECONDS - 1, 3600)).is_err());
        assert!(check_periods(p(3600, MAX_PERIOD_SECONDS + 1)).is_err());
        assert_eq!(
            check_periods(p(7200, 7199)),
            Err(("reply_hours", "reply_before_sign"))
        );
        for class in super::super::deadline::SlaClass::ALL {
            assert!(check_periods(class.default_periods()).is_ok());
        }
    }

    proptest! {
        /// Every handler reads back as itself from its word.
        #[test]
        fn handler_round_trip(which in 0u8..4, kind in 0usize..4, id in 1i64..i64::MAX) {
            let h = match which {
                0 => Handler::PropertyCompany,
                1 => Handler::Team,
                2 => Handler::Squad(SquadKind::ALL[kind]),
                _ => Handler::Organisation(id),
            };
            prop_assert_eq!(Handler::parse(&h.word()), Some(h));
        }
    }
}
