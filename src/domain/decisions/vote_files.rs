//! The two audit files of a closed vote, readable without the server (`redbutler tally`):
//!
//! - `ROLL.csv`: `head_id,units,area_m2`, one row per head after the counting rules, units
//!   separated by `;`, area in m² with up to two decimals;
//! - `BALLOTS.csv`: `head_id,choice` with `agree`, `disagree` or `abstain`, for one agenda item.
//!
//! Parsing is strict: an unknown head, a duplicate head or ballot, a bad area or choice is
//! refused with its line number (line 1 is the header).
use super::vote::{Choice, Counts, Weight};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub file: &'static str,
    pub line: u64,
    pub code: &'static str,
    pub detail: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {}: {} ({})",
            self.file, self.line, self.code, self.detail
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollRow {
    pub head_id: String,
    pub units: Vec<String>,
    pub area: i64,
}

/// Area of a head in 0.01 m²: digits with up to two decimals, more than zero.
pub fn parse_area(text: &str) -> Option<i64> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 12
        && frac.len() <= 2
        && !(t.contains('.') && frac.is_empty())
        && whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let centi = whole.parse::<i64>().ok()? * 100 + if frac.len() == 1 { f * 10 } else { f };
    (centi > 0).then_some(centi)
}

pub fn format_area(centi: i64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes())
}

fn records(
    file: &'static str,
    text: &str,
    header: &[&str],
) -> Result<Vec<(u64, Vec<String>)>, LineError> {
    let err = |line, code, detail: String| LineError {
        file,
        line,
        code,
        detail,
    };
    let mut out = Vec::new();
    for (i, rec) in reader(text).records().enumerate() {
        let line = i as u64 + 1;
        let rec = rec.map_err(|e| err(line, "unreadable", e.to_string()))?;
        let fields: Vec<String> = rec.iter().map(|f| f.trim().to_string()).collect();
        if line == 1 {
            if fields != header {
                return Err(err(1, "header", format!("expected `{}`", header.join(","))));
            }
            continue;
        }
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if fields.len() != header.len() {
            return Err(err(
                line,
                "columns",
                format!("expected {} columns, found {}", header.len(), fields.len()),
            ));
        }
        out.push((line, fields));
    }
    if out.is_empty() && text.trim().is_empty() {
        return Err(err(1, "header", format!("expected `{}`", header.join(","))));
    }
    Ok(out)
}

/// The largest total area a roll may have, in 0.01 m² (10^14 m², more than all the land on
/// Earth): every sum and share of a roll this size is computed exactly.
pub const MAX_TOTAL_CENTI: i64 = 10_000_000_000_000_000;

/// The most heads a roll may have.
pub const MAX_HEADS: usize = 10_000_000;

pub fn parse_roll(text: &str) -> Result<Vec<RollRow>, LineError> {
    const F: &str = "ROLL.csv";
    let mut total: i64 = 0;
    let mut seen_heads = HashMap::new();
    let mut seen_units = HashMap::new();
    let mut rows = Vec::new();
    for (line, f) in records(F, text, &["head_id", "units", "area_m2"])? {
        let err = |code, detail: String| LineError {
            file: F,
            line,
            code,
            detail,
        };
        if f[0].is_empty() {
            return Err(err("head_id", "empty head_id".into()));
        }
        if let Some(first) = seen_heads.insert(f[0].clone(), line) {
            return Err(err(
                "duplicate_head",
                format!("head {} is also on line {first}", f[0]),
            ));
        }
        let units: Vec<String> = f[1].split(';').map(|u| u.trim().to_string()).collect();
        if units.iter().any(|u| u.is_empty()) {
            return Err(err("units", "empty unit in the list".into()));
        }
        for u in &units {
            if let Some(first) = seen_units.insert(u.clone(), line) {
                return Err(err(
                    "duplicate_unit",
                    format!("unit {u} is also on line {first}"),
                ));
            }
        }
        let Some(area) = parse_area(&f[2]) else {
            return Err(err(
                "bad_area",
                format!(
                    "`{}` is not an area in m² greater than 0 with at most two decimals",
                    f[2]
                ),
            ));
        };
        total = match total.checked_add(area) {
            Some(t) if t <= MAX_TOTAL_CENTI => t,
            _ => {
                return Err(err(
                    "too_large",
                    format!(
                        "the total area passes {} m² here: not a real roll",
                        format_area(MAX_TOTAL_CENTI)
                    ),
                ));
            }
        };
        if rows.len() >= MAX_HEADS {
            return Err(err(
                "too_many_heads",
                format!("more than {MAX_HEADS} heads: not a real roll"),
            ));
        }
        rows.push(RollRow {
            head_id: f[0].clone(),
            units,
            area,
        });
    }
    if rows.is_empty() {
        return Err(LineError {
            file: F,
            line: 2,
            code: "empty_roll",
            detail: "the roll has no heads".into(),
        });
    }
    Ok(rows)
}

/// The ballots of one item, checked against the roll: (head_id, choice) in file order.
pub fn parse_ballots(text: &str, roll: &[RollRow]) -> Result<Vec<(String, Choice)>, LineError> {
    const F: &str = "BALLOTS.csv";
    let heads: HashMap<&str, ()> = roll.iter().map(|r| (r.head_id.as_str(), ())).collect();
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (line, f) in records(F, text, &["head_id", "choice"])? {
        let err = |code, detail: String| LineError {
            file: F,
            line,
            code,
            detail,
        };
        if !heads.contains_key(f[0].as_str()) {
            return Err(err(
                "unknown_head",
                format!("head {} is not on the roll", f[0]),
            ));
        }
        if let Some(first) = seen.insert(f[0].clone(), line) {
            return Err(err(
                "duplicate_ballot",
                format!("head {} voted already on line {first}", f[0]),
            ));
        }
        let Some(choice) = Choice::parse(&f[1]) else {
            return Err(err(
                "bad_choice",
                format!("`{}` is not agree, disagree or abstain", f[1]),
            ));
        };
        out.push((f[0].clone(), choice));
    }
    Ok(out)
}

/// Adds the ballots up against the roll.
pub fn count(roll: &[RollRow], ballots: &[(String, Choice)]) -> Counts {
    let area: HashMap<&str, i64> = roll.iter().map(|r| (r.head_id.as_str(), r.area)).collect();
    let mut c = Counts {
        total: Weight {
            heads: roll.len() as i64,
            area: roll.iter().map(|r| r.area).sum(),
        },
        ..Counts::default()
    };
    for (head, choice) in ballots {
        let w = Weight {
            heads: 1,
            area: area.get(head.as_str()).copied().unwrap_or(0),
        };
        let slot = match choice {
            Choice::Agree => &mut c.agree,
            Choice::Disagree => &mut c.disagree,
            Choice::Abstain => &mut c.abstain,
        };
        *slot = *slot + w;
    }
    c
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes `ROLL.csv`; unit labels lose any `;` (the list separator).
pub fn write_roll(rows: &[RollRow]) -> String {
    let mut w = writer();
    let _ = w.write_record(["head_id", "units", "area_m2"]);
    for r in rows {
        let units: Vec<String> = r.units.iter().map(|u| u.replace(';', "_")).collect();
        let _ = w.write_record([r.head_id.as_str(), &units.join(";"), &format_area(r.area)]);
    }
    finish(w)
}

pub fn write_ballots(ballots: &[(String, Choice)]) -> String {
    let mut w = writer();
    let _ = w.write_record(["head_id", "choice"]);
    for (h, c) in ballots {
        let _ = w.write_record([h.as_str(), c.as_str()]);
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ROLL: &str = "head_id,units,area_m2\n1,1-101;1-102,150.5\n2,1-201,80\n3,2-101,99.99\n";

    #[test]
    fn reads_the_documented_format() {
        let roll = parse_roll(ROLL).unwrap();
        assert_eq!(roll[0].units, vec!["1-101", "1-102"]);
        assert_eq!(
            roll.iter().map(|r| r.area).collect::<Vec<_>>(),
            vec![15050, 8000, 9999]
        );
        let b = parse_ballots("head_id,choice\n1,agree\n3,abstain\n", &roll).unwrap();
        let c = count(&roll, &b);
        assert_eq!(
            c.total,
            Weight {
                heads: 3,
                area: 33049
            }
        );
        assert_eq!(
            c.agree,
            Weight {
                heads: 1,
                area: 15050
            }
        );
        assert_eq!(
            c.abstain,
            Weight {
                heads: 1,
                area: 9999
            }
        );
    }

    #[test]
    fn malformed_files_are_refused_with_the_line() {
        let bad = |text: &str| parse_roll(text).unwrap_err();
        assert_eq!(bad("head,units,area\n").code, "header");
        assert_eq!(bad("").code, "header");
        let e = bad("head_id,units,area_m2\n1,a,10\n2,b,1.234\n");
        assert_eq!((e.line, e.code), (3, "bad_area"));
        assert_eq!(bad("head_id,units,area_m2\n1,a,0\n").code, "bad_area");
        assert_eq!(bad("head_id,units,area_m2\n1,a,-3\n").code, "bad_area");
        assert_eq!(bad("head_id,units,area_m2\n1,a,10\n1,b,10\n").line, 3);
        assert_eq!(
            bad("head_id,units,area_m2\n1,a,10\n2,a,10\n").code,
            "duplicate_unit"
        );
        assert_eq!(bad("head_id,units,area_m2\n1,a\n").code, "columns");
        let roll = parse_roll(ROLL).unwrap();
        let e = parse_ballots("head_id,choice\n1,agree\n9,agree\n", &roll).unwrap_err();
        assert_eq!((e.line, e.code), (3, "unknown_head"));
        let e = parse_ballots("head_id,choice\n1,agree\n2,no\n1,agree\n", &roll).unwrap_err();
        assert_eq!((e.line, e.code), (3, "bad_choice"));
        let e = parse_ballots("head_id,choice\n1,agree\n1,disagree\n", &roll).unwrap_err();
        assert_eq!((e.line, e.code), (3, "duplicate_ballot"));
    }

    /// A number as published: digits, a point, at least two decimals.
    fn well_formed(n: &str) -> bool {
        n.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty() && b.len() >= 2 && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        })
    }

    #[test]
    fn twelve_digit_areas_are_counted_exactly() {
        // Twelve heads of 999,999,999,999.99 m², ten of them agree: 83.33 % take part.
        let mut roll = String::from("head_id,units,area_m2\n");
        let mut ballots = String::from("head_id,choice\n");
        for i in 0..12 {
            roll.push_str(&format!("H{i},U{i},999999999999.99\n"));
            if i < 10 {
                ballots.push_str(&format!("H{i},agree\n"));
            }
        }
        let r = parse_roll(&roll).unwrap();
        let b = parse_ballots(&ballots, &r).unwrap();
        let o = crate::domain::decisions::vote::outcome(5, &count(&r, &b)).unwrap();
        assert_eq!(o.participating.heads_percent, "83.33");
        assert_eq!(o.participating.area_percent, "83.33");
        assert_eq!(o.total.area_m2, "11999999999999.88");
        assert!(o.passed);
        // A total past the limit is refused on the line where it passes it.
        let mut huge = String::from("head_id,units,area_m2\n");
        for i in 0..101 {
            huge.push_str(&format!("H{i},U{i},999999999999.99\n"));
        }
        let e = parse_roll(&huge).unwrap_err();
        assert_eq!((e.line, e.code), (102, "too_large"));
    }

    proptest! {
        /// Whatever roll and ballots the tool accepts, every number it prints is well formed,
        /// every share lies between 0 and 100, and the counts add up.
        #[test]
        fn no_accepted_input_prints_a_malformed_number(
            areas in prop::collection::vec(1i64..=99_999_999_999_999, 1..30),
            choices in prop::collection::vec(0usize..4, 30),
            matter in 1u8..=9,
        ) {
            let mut roll = String::from("head_id,units,area_m2\n");
            let mut ballots = String::from("head_id,choice\n");
            for (i, a) in areas.iter().enumerate() {
                roll.push_str(&format!("H{i},U{i},{}\n", format_area(*a)));
                if let Some(c) = ["agree", "disagree", "abstain"].get(choices[i]) {
                    ballots.push_str(&format!("H{i},{c}\n"));
                }
            }
            let Ok(r) = parse_roll(&roll) else {
                // Refused (a total past the limit): nothing is printed.
                prop_assert!(areas.iter().map(|a| i128::from(*a)).sum::<i128>() > i128::from(MAX_TOTAL_CENTI));
                return Ok(());
            };
            let b = parse_ballots(&ballots, &r).unwrap();
            let o = crate::domain::decisions::vote::outcome(matter, &count(&r, &b)).unwrap();
            for m in [&o.total, &o.participating, &o.agreeing, &o.disagreeing, &o.abstaining] {
                prop_assert!(well_formed(&m.heads_percent), "{}", m.heads_percent);
                prop_assert!(well_formed(&m.area_percent), "{}", m.area_percent);
                prop_assert!(well_formed(&m.area_m2) && well_formed(&m.of_area_m2), "{}", m.area_m2);
                for p in [&m.heads_percent, &m.area_percent] {
                    let whole: i64 = p.split('.').next().unwrap().parse().unwrap();
                    prop_assert!((0..=100).contains(&whole), "{p}");
                }
                prop_assert!(m.heads >= 0 && m.heads <= m.of_heads.max(o.total.heads));
            }
            prop_assert_eq!(o.agreeing.heads + o.disagreeing.heads + o.abstaining.heads, o.participating.heads);
        }

        #[test]
        fn what_is_written_reads_back(areas in prop::collection::vec(1i64..10_000_000, 1..40), choices in prop::collection::vec(0usize..4, 40)) {
            let roll: Vec<RollRow> = areas.iter().enumerate().map(|(i, a)| RollRow {
                head_id: (i + 1).to_string(),
                units: vec![format!("{}栋-{}", i % 3, i), format!("x,{i}")],
                area: *a,
            }).collect();
            let ballots: Vec<(String, Choice)> = roll.iter().zip(&choices)
                .filter(|(_, c)| **c < 3)
                .map(|(r, c)| (r.head_id.clone(), Choice::ALL[*c]))
                .collect();
            prop_assert_eq!(parse_roll(&write_roll(&roll)).unwrap(), roll.clone());
            prop_assert_eq!(parse_ballots(&write_ballots(&ballots), &roll).unwrap(), ballots);
        }
    }
}
