//! Periods between dates, as holdings, property contracts and committee terms have them: from a
//! first day to a last day (both included), or open-ended. Pure.
use jiff::civil::Date;

/// A period of whole days; `to` is the last day, None while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatePeriod {
    pub from: Date,
    pub to: Option<Date>,
}

/// Why a period is refused: (field, code).
pub type Refusal = (&'static str, &'static str);

/// A date written as `2026-01-31`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

impl DatePeriod {
    /// From the text of a form or a request; an empty `to` means open-ended. The fields named in
    /// a refusal are `from_field` and `to_field`.
    pub fn parse(
        from: &str,
        to: Option<&str>,
        from_field: &'static str,
        to_field: &'static str,
    ) -> Result<DatePeriod, Refusal> {
        let from = parse_date(from).ok_or((from_field, "invalid_date"))?;
        let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some(parse_date(t).ok_or((to_field, "invalid_date"))?),
        };
        if to.is_some_and(|t| t < from) {
            return Err((to_field, "before_start"));
        }
        Ok(DatePeriod { from, to })
    }

    /// Do the two periods share at least one day?
    pub fn overlaps(&self, other: &DatePeriod) -> bool {
        let starts_before_other_ends = other.to.is_none_or(|t| self.from <= t);
        let other_starts_before_this_ends = self.to.is_none_or(|t| other.from <= t);
        starts_before_other_ends && other_starts_before_this_ends
    }

    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }

    pub fn from_text(&self) -> String {
        self.from.to_string()
    }

    pub fn to_text(&self) -> Option<String> {
        self.to.map(|t| t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> Date {
        Date::constant(2026, 1, 1)
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
    }

    #[test]
    fn parsing() {
        let p = DatePeriod::parse("2026-01-01", Some(""), "since", "until").unwrap();
        assert_eq!((p.from, p.to), (day(0), None));
        assert_eq!(
            DatePeriod::parse("2026-02-30", None, "since", "until"),
            Err(("since", "invalid_date"))
        );
        assert_eq!(
            DatePeriod::parse("2026-1-1", None, "since", "until"),
            Err(("since", "invalid_date"))
        );
        assert_eq!(
            DatePeriod::parse("2026-01-02", Some("2026-01-01"), "since", "until"),
            Err(("until", "before_start"))
        );
        // A period of one day is allowed.
        assert!(DatePeriod::parse("2026-01-02", Some("2026-01-02"), "since", "until").is_ok());
    }

    #[test]
    fn touching_periods_overlap_by_one_day_and_adjacent_ones_do_not() {
        let a = DatePeriod {
            from: day(0),
            to: Some(day(10)),
        };
        let touching = DatePeriod {
            from: day(10),
            to: None,
        };
        let next = DatePeriod {
            from: day(11),
            to: None,
        };
        assert!(a.overlaps(&touching));
        assert!(!a.overlaps(&next));
    }

    fn period() -> impl Strategy<Value = DatePeriod> {
        (0i64..40, proptest::option::of(0i64..20)).prop_map(|(f, len)| DatePeriod {
            from: day(f),
            to: len.map(|l| day(f + l)),
        })
    }

    proptest! {
        /// Overlap is exactly "some day lies in both" (checked day by day), and symmetric.
        #[test]
        fn overlap_is_a_shared_day(a in period(), b in period()) {
            let shared = (0..100).any(|n| a.contains(day(n)) && b.contains(day(n)));
            prop_assert_eq!(a.overlaps(&b), shared);
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }
    }
}
