//! The "three rates" of hotline-style case handling (RULES.md §3), per unit and period. Pure and
//! in integers: a rate is in basis points (1/100 of a percent), rounded half up; no rate when
//! there is nothing to measure (never a division by zero, never a made-up 100 %).
//!
//! - response rate (响应率): cases signed for in time / cases that had to be signed for by now
//!   (signed, or unsigned past their sign-for deadline);
//! - resolution rate (解决率): closed cases / cases taken on (all but withdrawn, merged, not accepted);
//! - satisfaction rate (满意率): satisfied + basically satisfied / rated cases.
use serde::Serialize;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct CaseCounts {
    pub total: i64,
    pub due_to_sign: i64,
    pub signed_in_time: i64,
    pub taken_on: i64,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub overdue: i64,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Rates {
    /// Basis points (10000 = 100 %), absent when nothing was measured.
    pub response_bp: Option<i64>,
    pub resolution_bp: Option<i64>,
    pub satisfaction_bp: Option<i64>,
}

/// `part / whole` in basis points, rounded half up; None when `whole` is 0.
pub fn basis_points(part: i64, whole: i64) -> Option<i64> {
    // In i128: `part × 20,000` of a large whole does not fit in i64.
    (whole > 0).then(|| {
        let (p, w) = (i128::from(part.clamp(0, whole)), i128::from(whole));
        ((p * 20_000 + w) / (2 * w)) as i64
    })
}

pub fn rates(c: &CaseCounts) -> Rates {
    Rates {
        response_bp: basis_points(c.signed_in_time, c.due_to_sign),
        resolution_bp: basis_points(c.closed, c.taken_on),
        satisfaction_bp: basis_points(c.satisfied, c.rated),
    }
}

/// `98.75 %` from basis points; `—` when absent.
pub fn percent(bp: Option<i64>) -> String {
    match bp {
        Some(b) => format!("{}.{:02} %", b / 100, b % 100),
        None => "—".into(),
    }
}

impl std::ops::AddAssign for CaseCounts {
    fn add_assign(&mut self, o: Self) {
        self.total += o.total;
        self.due_to_sign += o.due_to_sign;
        self.signed_in_time += o.signed_in_time;
        self.taken_on += o.taken_on;
        self.closed += o.closed;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.overdue += o.overdue;
    }
}

impl std::ops::SubAssign for CaseCounts {
    fn sub_assign(&mut self, o: Self) {
        self.total -= o.total;
        self.due_to_sign -= o.due_to_sign;
        self.signed_in_time -= o.signed_in_time;
        self.taken_on -= o.taken_on;
        self.closed -= o.closed;
        self.rated -= o.rated;
        self.satisfied -= o.satisfied;
        self.overdue -= o.overdue;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(basis_points(1, 3), Some(3333));
        assert_eq!(basis_points(2, 3), Some(6667));
        assert_eq!(basis_points(1, 8), Some(1250));
        assert_eq!(basis_points(0, 0), None);
        assert_eq!(basis_points(5, 5), Some(10000));
        assert_eq!(percent(Some(9875)), "98.75 %");
        assert_eq!(percent(Some(5)), "0.05 %");
        assert_eq!(percent(None), "—");
        let r = rates(&CaseCounts {
            total: 10,
            due_to_sign: 8,
            signed_in_time: 6,
            taken_on: 9,
            closed: 3,
            rated: 3,
            satisfied: 2,
            overdue: 1,
        });
        assert_eq!(r.response_bp, Some(7500));
        assert_eq!(r.resolution_bp, Some(3333));
        assert_eq!(r.satisfaction_bp, Some(6667));
    }

    proptest! {
        #[test]
        fn rates_are_exact_and_bounded(part in 0i64..1_000_000, extra in 0i64..1_000_000) {
            let whole = part + extra;
            match basis_points(part, whole) {
                None => prop_assert_eq!(whole, 0),
                Some(bp) => {
                    prop_assert!((0..=10_000).contains(&bp));
                    // Within half a basis point of the exact value.
                    let exact2 = part * 20_000; // twice the exact value times whole
                    prop_assert!((bp * 2 * whole - exact2).abs() <= whole);
                    if part == whole { prop_assert_eq!(bp, 10_000); }
                    if part == 0 { prop_assert_eq!(bp, 0); }
                }
            }
        }

        #[test]
        fn more_success_never_lowers_a_rate(part in 0i64..10_000, whole in 1i64..10_000) {
            let part = part.min(whole);
            if part < whole {
                prop_assert!(basis_points(part + 1, whole) >= basis_points(part, whole));
            }
        }
    }
}
