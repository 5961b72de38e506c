//! Exclusive floor area (专有部分面积) in integer hundredths of a square metre.
//! Votes are weighed by area (RULES.md §1), so areas are never floats.
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AreaCentiM2(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    #[error("empty")]
    Empty,
    #[error("not a number with at most two decimals")]
    Malformed,
    #[error("must be greater than zero")]
    NotPositive,
    #[error("too large")]
    TooLarge,
}

/// The largest single unit we accept: 100,000 m² (a whole shopping centre floor).
const MAX_CENTI: i64 = 100_000 * 100;

impl AreaCentiM2 {
    /// Parses "89.5", "89.50", "120" (square metres, at most two decimals).
    pub fn parse(text: &str) -> Result<Self, AreaError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(AreaError::Empty);
        }
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        if whole.is_empty()
            || whole.len() > 9
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (t.contains('.') && frac.is_empty())
        {
            return Err(AreaError::Malformed);
        }
        let whole: i64 = whole.parse().map_err(|_| AreaError::Malformed)?;
        let mut frac_val: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| AreaError::Malformed)?
        };
        if frac.len() == 1 {
            frac_val *= 10;
        }
        let centi = whole
            .checked_mul(100)
            .and_then(|v| v.checked_add(frac_val))
            .ok_or(AreaError::TooLarge)?;
        Self::from_centi(centi)
    }

    pub fn from_centi(centi: i64) -> Result<Self, AreaError> {
        if centi <= 0 {
            Err(AreaError::NotPositive)
        } else if centi > MAX_CENTI {
            Err(AreaError::TooLarge)
        } else {
            Ok(Self(centi))
        }
    }

    pub fn centi(self) -> i64 {
        self.0
    }
}

/// Which area a unit keeps when a new figure arrives: the register beats the survey, which beats
/// the sales contract (法释〔2009〕7号); a figure from the same or a better source replaces the
/// old one, a worse source never does.
pub fn keep_best(
    existing: (i64, super::kinds::AreaSource),
    incoming: (i64, super::kinds::AreaSource),
) -> (i64, super::kinds::AreaSource) {
    if incoming.1.rank() >= existing.1.rank() {
        incoming
    } else {
        existing
    }
}

impl fmt::Display for AreaCentiM2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_register_beats_the_survey_which_beats_the_contract() {
        use crate::domain::kinds::AreaSource::*;
        assert_eq!(
            keep_best((9000, Register), (9100, Contract)),
            (9000, Register)
        );
        assert_eq!(
            keep_best((9000, Register), (9050, Survey)),
            (9000, Register)
        );
        assert_eq!(keep_best((9000, Contract), (8950, Survey)), (8950, Survey));
        assert_eq!(
            keep_best((9000, Survey), (8990, Register)),
            (8990, Register)
        );
        assert_eq!(
            keep_best((9000, Register), (8990, Register)),
            (8990, Register)
        );
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(AreaCentiM2::parse("89.5"), Ok(AreaCentiM2(8950)));
        assert_eq!(AreaCentiM2::parse("89.05"), Ok(AreaCentiM2(8905)));
        assert_eq!(AreaCentiM2::parse(" 120 "), Ok(AreaCentiM2(12000)));
        assert_eq!(AreaCentiM2::parse("0.01"), Ok(AreaCentiM2(1)));
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in [
            "", "abc", "1.234", "-5", "1.", ".5", "1e3", "0", "0.00", "1,5", "１２",
        ] {
            assert!(AreaCentiM2::parse(bad).is_err(), "{bad} should fail");
        }
        assert_eq!(AreaCentiM2::parse("100000.01"), Err(AreaError::TooLarge));
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(c in 1i64..=MAX_CENTI) {
            let a = AreaCentiM2(c);
            prop_assert_eq!(AreaCentiM2::parse(&a.to_string()), Ok(a));
        }
    }
}
