//! The tally of an owners' decision (业主共同决定), exactly as the Civil Code counts it
//! (RULES.md §1, art. 278 and art. 1259): pure integer arithmetic, never floats.
//!
//! - Participation gate: the heads who took part hold at least 2/3 of the total area AND are at
//!   least 2/3 of all heads ("以上" includes the boundary).
//! - Major matters (items 6–8): at least 3/4 of the participating area AND of participating heads.
//! - Ordinary matters: more than 1/2 of both ("过半数" excludes the boundary).
//! - Abstentions take part but do not agree; non-voters count towards neither.
//!
//! Areas are in 0.01 m² (see `area.rs`). This is the first part of issue 4 (votes); rolls,
//! ballots and the hash chain build on it.
use serde::Serialize;

word_enum!(
    /// A ballot's choice on one agenda item.
    Choice { Agree = "agree", Disagree = "disagree", Abstain = "abstain" }
);

word_enum!(
    /// Art. 278 approval class.
    MatterClass { Ordinary = "ordinary", Major = "major" }
);

/// The approval class of an art. 278 item (1–9); None for any other number.
pub fn matter_class(item: u8) -> Option<MatterClass> {
    match item {
        6..=8 => Some(MatterClass::Major),
        1..=5 | 9 => Some(MatterClass::Ordinary),
        _ => None,
    }
}

/// Heads and area (0.01 m²) of a group of owners.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Weight {
    pub heads: i64,
    pub area: i64,
}

impl std::ops::Add for Weight {
    type Output = Weight;
    fn add(self, o: Weight) -> Weight {
        Weight {
            heads: self.heads + o.heads,
            area: self.area + o.area,
        }
    }
}

/// What the ballots of one agenda item add up to, with the roll's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: Weight,
    pub agree: Weight,
    pub disagree: Weight,
    pub abstain: Weight,
}

word_enum!(
    /// A threshold of the tally.
    Threshold {
        ParticipationArea = "participation_area",
        ParticipationHeads = "participation_heads",
        ApprovalArea = "approval_area",
        ApprovalHeads = "approval_heads",
        EmptyRoll = "empty_roll",
    }
);

/// A threshold that was not met, and how many more heads or 0.01 m² it needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Shortfall {
    pub threshold: Threshold,
    pub needed: i64,
    pub had: i64,
    pub missing: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TallyResult {
    pub class: MatterClass,
    pub passed: bool,
    pub participating: Weight,
    pub agree: Weight,
    pub disagree: Weight,
    pub abstain: Weight,
    pub total: Weight,
    /// The thresholds that failed, each with its shortfall; empty when passed.
    pub failed: Vec<Shortfall>,
}

/// ceil(value × num / den): the least whole amount that reaches the fraction num/den of value.
fn ceil_frac(value: i64, num: i64, den: i64) -> i64 {
    let p = value as i128 * num as i128;
    let d = den as i128;
    ((p + d - 1).div_euclid(d)) as i64
}

/// The smallest integer strictly greater than value / 2.
fn more_than_half(value: i64) -> i64 {
    value.div_euclid(2) + 1
}

pub fn tally(class: MatterClass, c: &Counts) -> TallyResult {
    let participating = c.agree + c.disagree + c.abstain;
    let mut failed = Vec::new();
    let mut check = |threshold, needed: i64, had: i64| {
        if had < needed {
            failed.push(Shortfall {
                threshold,
                needed,
                had,
                missing: needed - had,
            });
        }
    };
    if c.total.heads <= 0 || c.total.area <= 0 {
        failed.push(Shortfall {
            threshold: Threshold::EmptyRoll,
            needed: 1,
            had: 0,
            missing: 1,
        });
    } else {
        // At least 2/3 ("以上" includes the boundary).
        check(
            Threshold::ParticipationArea,
            ceil_frac(c.total.area, 2, 3),
            participating.area,
        );
        check(
            Threshold::ParticipationHeads,
            ceil_frac(c.total.heads, 2, 3),
            participating.heads,
        );
        let (area_needed, heads_needed) = match class {
            // At least 3/4 of those taking part.
            MatterClass::Major => (
                ceil_frac(participating.area, 3, 4),
                ceil_frac(participating.heads, 3, 4),
            ),
            // More than half ("过半数" excludes the boundary).
            MatterClass::Ordinary => (
                more_than_half(participating.area),
                more_than_half(participating.heads),
            ),
        };
        check(Threshold::ApprovalArea, area_needed, c.agree.area);
        check(Threshold::ApprovalHeads, heads_needed, c.agree.heads);
    }
    TallyResult {
        class,
        passed: failed.is_empty(),
        participating,
        agree: c.agree,
        disagree: c.disagree,
        abstain: c.abstain,
        total: c.total,
        failed,
    }
}

/// The thresholds a published share is read against (RULES.md §1): an extraordinary meeting's
/// 1/5, the ordinary approval's 1/2, the participation gate's 2/3 and the major approval's 3/4.
pub const THRESHOLDS: [(i64, i64); 4] = [(1, 5), (1, 2), (2, 3), (3, 4)];

/// `part / whole` as a percentage for publication: two decimals, rounded half up, and as many
/// more as it takes for the number never to read as a threshold, or on its wrong side, when the
/// exact fraction is not that threshold (50.004 % is "50.004", not "50.00"; just under 3/4 is
/// "74.996", not "75.00"). Exact integer arithmetic; "0.00" when `whole` is not positive.
pub fn share_percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0.00".into();
    }
    let (p, w) = (i128::from(part.clamp(0, whole)), i128::from(whole));
    // Rounded half up: num / den × 100 × 10^d.
    let shown = |num: i128, den: i128, scale: i128| -> Option<i128> {
        let x = num.checked_mul(scale)?.checked_mul(2)?.checked_add(den)?;
        Some(x / (2 * den))
    };
    let mut fallback = None;
    for decimals in 2u32..=20 {
        let Some(scale) = 10i128.checked_pow(decimals + 2) else {
            break;
        };
        let Some(value) = shown(p, w, scale) else {
            break;
        };
        let text = {
            let unit = 10i128.pow(decimals);
            format!(
                "{}.{:0width$}",
                value / unit,
                value % unit,
                width = decimals as usize
            )
        };
        let clear = THRESHOLDS.iter().all(|&(n, m)| {
            let (n, m) = (i128::from(n), i128::from(m));
            let Some(t) = shown(n, m, scale) else {
                return false;
            };
            match (p * m).cmp(&(n * w)) {
                std::cmp::Ordering::Equal => true,
                std::cmp::Ordering::Greater => value > t,
                std::cmp::Ordering::Less => value < t,
            }
        });
        if clear {
            return text;
        }
        fallback = Some(text);
    }
    fallback.unwrap_or_else(|| "0.00".into())
}

/// Heads and area of one group, with its share of a reference group ([`share_percent`]) and
/// the reference's own heads and area, so that every percentage is shown with its exact counts
/// (heads n / N, area m² / m²).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Measure {
    pub heads: i64,
    pub area_centi_m2: i64,
    pub area_m2: String,
    pub heads_percent: String,
    pub area_percent: String,
    /// The heads the percentage is of (N); absent in results stored before it was published.
    #[serde(default)]
    pub of_heads: i64,
    /// The area the percentage is of, in m² to 0.01.
    #[serde(default)]
    pub of_area_m2: String,
}

impl Measure {
    fn of(w: Weight, reference: Weight) -> Measure {
        Measure {
            heads: w.heads,
            area_centi_m2: w.area,
            area_m2: super::vote_files::format_area(w.area),
            heads_percent: share_percent(w.heads, reference.heads),
            area_percent: share_percent(w.area, reference.area),
            of_heads: reference.heads,
            of_area_m2: super::vote_files::format_area(reference.area),
        }
    }

    fn weight(&self) -> Weight {
        Weight {
            heads: self.heads,
            area: self.area_centi_m2,
        }
    }

    /// "n / N" of heads.
    pub fn heads_exact(&self) -> String {
        format!("{} / {}", self.heads, self.of_heads)
    }

    /// "a / A m²" of area.
    pub fn area_exact(&self) -> String {
        format!("{} / {} m²", self.area_m2, self.of_area_m2)
    }
}

/// The published result of one agenda item (also what `redbutler tally` prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The art. 278 item (1–9).
    pub matter: u8,
    pub class: MatterClass,
    pub passed: bool,
    /// Heads and area on the roll (percentages 100).
    pub total: Measure,
    /// Who took part, as a share of the roll.
    pub participating: Measure,
    /// Each option as a share of those who took part.
    pub agreeing: Measure,
    pub disagreeing: Measure,
    pub abstaining: Measure,
    /// Failed thresholds with what was needed; areas in 0.01 m².
    pub failed: Vec<ShortfallOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ShortfallOut {
    pub threshold: String,
    pub needed: i64,
    pub had: i64,
    pub missing: i64,
}

/// The tally of an art. 278 item, ready to publish; None for an item number outside 1–9.
pub fn outcome(matter: u8, c: &Counts) -> Option<Outcome> {
    let class = matter_class(matter)?;
    let r = tally(class, c);
    Some(Outcome {
        matter,
        class,
        passed: r.passed,
        total: Measure::of(r.total, r.total),
        participating: Measure::of(r.participating, r.total),
        agreeing: Measure::of(r.agree, r.participating),
        disagreeing: Measure::of(r.disagree, r.participating),
        abstaining: Measure::of(r.abstain, r.participating),
        failed: r
            .failed
            .iter()
            .map(|s| ShortfallOut {
                threshold: s.threshold.as_str().to_string(),
                needed: s.needed,
                had: s.had,
                missing: s.missing,
            })
            .collect(),
    })
}

impl Outcome {
    /// The counts it was computed from.
    pub fn counts(&self) -> Counts {
        Counts {
            total: self.total.weight(),
            agree: self.agreeing.weight(),
            disagree: self.disagreeing.weight(),
            abstain: self.abstaining.weight(),
        }
    }
}

impl Advisory {
    /// The counts it was computed from.
    pub fn counts(&self) -> Counts {
        Counts {
            total: self.total.weight(),
            agree: self.agreeing.weight(),
            disagree: self.disagreeing.weight(),
            abstain: self.abstaining.weight(),
        }
    }
}

/// The result of a resident consultation (居民协商): one vote per household, advisory, no legal
/// thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Advisory {
    /// Always true: the result binds nobody and says so.
    pub advisory: bool,
    pub total: Measure,
    pub participating: Measure,
    pub agreeing: Measure,
    pub disagreeing: Measure,
    pub abstaining: Measure,
}

pub fn advisory(c: &Counts) -> Advisory {
    let participating = c.agree + c.disagree + c.abstain;
    Advisory {
        advisory: true,
        total: Measure::of(c.total, c.total),
        participating: Measure::of(participating, c.total),
        agreeing: Measure::of(c.agree, participating),
        disagreeing: Measure::of(c.disagree, participating),
        abstaining: Measure::of(c.abstain, participating),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(heads: i64, area: i64) -> Weight {
        Weight { heads, area }
    }

    fn counts(total: Weight, agree: Weight, disagree: Weight, abstain: Weight) -> Counts {
        Counts {
            total,
            agree,
            disagree,
            abstain,
        }
    }

    #[test]
    fn published_percentages_never_read_as_the_wrong_side_of_a_threshold() {
        // RULES.md §1: 50.005 % that passes is not "50.00 %".
        assert_eq!(
            share_percent(10_001, 20_000),
            "50.01",
            "rounded up: on its side"
        );
        assert_eq!(share_percent(50_004, 100_000), "50.004");
        // Exactly half: that is the threshold, and it fails; shown as such.
        assert_eq!(share_percent(1, 2), "50.00");
        // Just under 3/4: not "75.00".
        assert_eq!(share_percent(74_996, 100_000), "74.996");
        assert_eq!(share_percent(3, 4), "75.00");
        // 2/3 exactly reads as 66.67; just under it needs more digits.
        assert_eq!(share_percent(2, 3), "66.67");
        assert_eq!(share_percent(199_999, 300_000), "66.666");
        assert_eq!(share_percent(200_001, 300_000), "66.6670");
        // Far from any threshold: two decimals.
        assert_eq!(share_percent(1, 3), "33.33");
        assert_eq!(share_percent(0, 3), "0.00");
        assert_eq!(share_percent(3, 3), "100.00");
        assert_eq!(share_percent(1, 0), "0.00");
    }

    #[test]
    fn items_6_to_8_are_major() {
        assert_eq!(matter_class(8), Some(MatterClass::Major));
        assert_eq!(matter_class(5), Some(MatterClass::Ordinary));
        assert_eq!(matter_class(9), Some(MatterClass::Ordinary));
        assert_eq!(matter_class(0), None);
        assert_eq!(matter_class(10), None);
    }

    #[test]
    fn exactly_two_thirds_takes_part_and_exactly_three_quarters_carries_a_major_matter() {
        // 300 heads, 30,000 m²: 200 heads with 20,000 m² take part; 150 / 15,000 agree.
        let c = counts(
            w(300, 3_000_000),
            w(150, 1_500_000),
            w(50, 500_000),
            w(0, 0),
        );
        let r = tally(MatterClass::Major, &c);
        assert!(r.passed, "{r:?}");
        // One head fewer taking part (a disagreeing head leaves): the gate fails by one head.
        let c = counts(
            w(300, 3_000_000),
            w(150, 1_500_000),
            w(49, 500_000),
            w(0, 0),
        );
        let r = tally(MatterClass::Major, &c);
        assert!(!r.passed);
        assert_eq!(
            r.failed,
            vec![Shortfall {
                threshold: Threshold::ParticipationHeads,
                needed: 200,
                had: 199,
                missing: 1
            }]
        );
    }

    #[test]
    fn one_hundredth_of_a_square_metre_less_fails_the_gate_and_the_major_approval() {
        // Participation exactly 2/3 of 30,000.00 m², then 0.01 m² less.
        let at = counts(
            w(300, 3_000_000),
            w(150, 1_500_000),
            w(50, 500_000),
            w(0, 0),
        );
        assert!(tally(MatterClass::Major, &at).passed);
        let less = counts(
            w(300, 3_000_000),
            w(150, 1_500_000),
            w(50, 499_999),
            w(0, 0),
        );
        let r = tally(MatterClass::Major, &less);
        assert!(!r.passed);
        assert_eq!(r.failed[0].threshold, Threshold::ParticipationArea);
        assert_eq!(r.failed[0].missing, 1);
        // Approval exactly 3/4 of the participating area passes; 0.01 m² less fails.
        let at = counts(
            w(300, 3_000_000),
            w(150, 1_500_000),
            w(50, 500_000),
            w(0, 0),
        );
        assert!(tally(MatterClass::Major, &at).passed);
        let less = counts(
            w(300, 3_000_000),
            w(150, 1_499_999),
            w(50, 500_001),
            w(0, 0),
        );
        let r = tally(MatterClass::Major, &less);
        assert_eq!(
            r.failed,
            vec![Shortfall {
                threshold: Threshold::ApprovalArea,
                needed: 1_500_000,
                had: 1_499_999,
                missing: 1
            }]
        );
    }

    #[test]
    fn heads_pass_but_area_fails_and_the_reverse() {
        // Many small owners agree, the large ones do not: heads 8/10, area 60 %.
        let c = counts(w(10, 1000), w(8, 600), w(2, 400), w(0, 0));
        let r = tally(MatterClass::Major, &c);
        assert_eq!(
            r.failed.iter().map(|f| f.threshold).collect::<Vec<_>>(),
            vec![Threshold::ApprovalArea]
        );
        // Participation: 90 % of the area but 6 of 10 heads.
        let c = counts(w(10, 1000), w(6, 900), w(0, 0), w(0, 0));
        let r = tally(MatterClass::Ordinary, &c);
        assert_eq!(
            r.failed.iter().map(|f| f.threshold).collect::<Vec<_>>(),
            vec![Threshold::ParticipationHeads]
        );
        // And 7 of 10 heads with 60 % of the area.
        let c = counts(w(10, 1000), w(7, 600), w(0, 0), w(0, 0));
        let r = tally(MatterClass::Ordinary, &c);
        assert_eq!(
            r.failed.iter().map(|f| f.threshold).collect::<Vec<_>>(),
            vec![Threshold::ParticipationArea]
        );
    }

    #[test]
    fn exactly_half_fails_an_ordinary_matter() {
        let c = counts(w(4, 400), w(2, 200), w(2, 200), w(0, 0));
        let r = tally(MatterClass::Ordinary, &c);
        assert!(!r.passed);
        assert_eq!(r.failed.len(), 2);
        let c = counts(w(4, 400), w(3, 201), w(1, 199), w(0, 0));
        assert!(tally(MatterClass::Ordinary, &c).passed);
    }

    #[test]
    fn both_measures_are_needed_and_abstentions_do_not_agree() {
        // 80 % of the area but 70 % of the heads agree: a major matter fails on heads.
        let c = counts(w(10, 1000), w(7, 800), w(3, 200), w(0, 0));
        let r = tally(MatterClass::Major, &c);
        assert_eq!(r.failed.len(), 1);
        assert_eq!(r.failed[0].threshold, Threshold::ApprovalHeads);
        assert_eq!(r.failed[0].missing, 1);
        // Abstentions count towards participation, not approval.
        let c = counts(w(10, 1000), w(5, 500), w(0, 0), w(5, 500));
        let r = tally(MatterClass::Ordinary, &c);
        assert_eq!(r.participating, w(10, 1000));
        assert!(!r.passed);
    }

    #[test]
    fn an_empty_roll_never_passes() {
        let r = tally(MatterClass::Ordinary, &Counts::default());
        assert!(!r.passed);
        assert_eq!(r.failed[0].threshold, Threshold::EmptyRoll);
    }

    /// A roll of heads (area in 0.01 m²) with each head's choice (None: did not vote).
    fn roll() -> impl Strategy<Value = Vec<(i64, Option<Choice>)>> {
        proptest::collection::vec(
            (
                1i64..2_000_000,
                proptest::option::of(proptest::sample::select(Choice::ALL.to_vec())),
            ),
            1..60,
        )
    }

    fn count(roll: &[(i64, Option<Choice>)]) -> Counts {
        let mut c = Counts::default();
        for &(area, choice) in roll {
            let one = w(1, area);
            c.total = c.total + one;
            match choice {
                Some(Choice::Agree) => c.agree = c.agree + one,
                Some(Choice::Disagree) => c.disagree = c.disagree + one,
                Some(Choice::Abstain) => c.abstain = c.abstain + one,
                None => {}
            }
        }
        c
    }

    /// The rules written a second way: as comparisons of fractions by cross-multiplication.
    fn reference(class: MatterClass, c: &Counts) -> bool {
        let p = c.agree + c.disagree + c.abstain;
        let (ta, th) = (c.total.area as i128, c.total.heads as i128);
        let (pa, ph) = (p.area as i128, p.heads as i128);
        let (aa, ah) = (c.agree.area as i128, c.agree.heads as i128);
        let gate = 3 * pa >= 2 * ta && 3 * ph >= 2 * th;
        let approval = match class {
            MatterClass::Major => 4 * aa >= 3 * pa && 4 * ah >= 3 * ph,
            MatterClass::Ordinary => 2 * aa > pa && 2 * ah > ph,
        };
        th > 0 && gate && approval
    }

    /// The exact comparison of a shown percentage with a threshold, as a reader makes it: the
    /// decimal text against the threshold's own decimals at the same precision.
    fn reads(shown: &str, n: i64, m: i64) -> std::cmp::Ordering {
        let decimals = shown.split_once('.').map_or(0, |(_, f)| f.len() as u32);
        let value: i128 = shown.replace('.', "").parse().unwrap();
        let scale = 10i128.pow(decimals + 2);
        let t = (i128::from(n) * scale * 2 + i128::from(m)) / (2 * i128::from(m));
        value.cmp(&t)
    }

    proptest! {
        /// No share of any size is published on the wrong side of a threshold, or as the
        /// threshold when it is not exactly that.
        #[test]
        fn a_share_is_always_on_its_side_of_every_threshold(whole in 1i64..10_000_000_000_000_000, frac in 0.0f64..=1.0) {
            let part = ((whole as f64) * frac) as i64;
            let shown = share_percent(part, whole);
            prop_assert!(shown.split_once('.').is_some_and(|(a, b)| !a.is_empty() && b.len() >= 2
                && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())), "{shown}");
            for (n, m) in THRESHOLDS {
                let exact = (i128::from(part) * i128::from(m)).cmp(&(i128::from(n) * i128::from(whole)));
                prop_assert_eq!(reads(&shown, n, m), exact, "{}/{} shown {} vs {}/{}", part, whole, shown, n, m);
            }
        }

        #[test]
        fn near_a_threshold_too(m_whole in 1i64..1_000_000_000_000, k in 0usize..4, delta in -3i64..=3) {
            let (n, m) = THRESHOLDS[k];
            let whole = m_whole * m;
            let part = (whole / m * n + delta).clamp(0, whole);
            let shown = share_percent(part, whole);
            for (n, m) in THRESHOLDS {
                let exact = (i128::from(part) * i128::from(m)).cmp(&(i128::from(n) * i128::from(whole)));
                prop_assert_eq!(reads(&shown, n, m), exact, "{}/{} shown {}", part, whole, shown);
            }
        }

        #[test]
        fn the_tally_agrees_with_the_rules_written_as_fractions(roll in roll(), major in any::<bool>()) {
            let class = if major { MatterClass::Major } else { MatterClass::Ordinary };
            let c = count(&roll);
            let r = tally(class, &c);
            prop_assert_eq!(r.passed, reference(class, &c));
            // Every shortfall is real: the missing amount is exactly what was needed.
            for f in &r.failed {
                prop_assert!(f.missing > 0 && f.needed - f.had == f.missing);
            }
        }

        #[test]
        fn one_more_agreeing_owner_never_turns_a_pass_into_a_failure(roll in roll(), major in any::<bool>(), pick in any::<proptest::sample::Index>()) {
            let class = if major { MatterClass::Major } else { MatterClass::Ordinary };
            let before = tally(class, &count(&roll)).passed;
            let mut changed = roll.clone();
            let i = pick.index(changed.len());
            if changed[i].1 != Some(Choice::Agree) {
                changed[i].1 = Some(Choice::Agree);
                let after = tally(class, &count(&changed)).passed;
                prop_assert!(!before || after, "agreeing more cannot fail a passed vote");
            }
        }

        #[test]
        fn scaling_every_area_changes_nothing(roll in roll(), major in any::<bool>(), k in 1i64..50) {
            let class = if major { MatterClass::Major } else { MatterClass::Ordinary };
            let scaled: Vec<_> = roll.iter().map(|&(a, ch)| (a * k, ch)).collect();
            prop_assert_eq!(tally(class, &count(&roll)).passed, tally(class, &count(&scaled)).passed);
        }
    }
}
