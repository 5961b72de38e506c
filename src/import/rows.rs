//! Reading an import file: its headings (English or Chinese, in any order), its rows, and every
//! problem of every row, in the reader's language.
use crate::domain::area::AreaCentiM2;
use crate::domain::kinds::{AreaSource, CompoundKind, DwellingUse, HoldingRelation};
use crate::domain::personal::{parse_id_number, parse_phone};
use crate::locale::Locale;
use std::collections::HashMap;

pub const DWELLING_HEADER: &[&str] = &[
    "community_code",
    "compound",
    "compound_kind",
    "building",
    "entrance",
    "number",
    "floor",
    "use",
    "area_m2",
    "area_source",
];
pub const RESIDENT_HEADER: &[&str] = &[
    "community_code",
    "compound",
    "building",
    "number",
    "name",
    "phone",
    "id_number",
    "relation",
    "since",
];

/// The Chinese headings accepted for each column (a file may use either these or the English
/// names, in any order).
const HEADINGS: &[(&str, &[&str])] = &[
    ("community_code", &["社区代码", "社区编码", "社区编号"]),
    ("compound", &["小区", "小区名称"]),
    ("compound_kind", &["小区类型", "类型"]),
    ("building", &["楼栋", "楼号", "楼栋号"]),
    ("entrance", &["单元", "单元号"]),
    ("number", &["房号", "门牌号", "室号"]),
    ("floor", &["楼层", "所在楼层"]),
    ("use", &["用途", "房屋用途"]),
    (
        "area_m2",
        &["面积", "建筑面积", "面积（m²）", "面积(m2)", "专有部分面积"],
    ),
    ("area_source", &["面积来源", "面积依据"]),
    ("name", &["姓名"]),
    ("phone", &["电话", "手机", "手机号", "联系电话"]),
    ("id_number", &["身份证号", "身份证号码", "证件号码"]),
    ("relation", &["关系", "身份", "与房屋关系"]),
    ("since", &["起始日期", "入住日期", "登记日期"]),
];

/// The column a heading names (an English name or one of its Chinese headings).
fn column_of(heading: &str) -> Option<&'static str> {
    let h = heading.trim().trim_start_matches('\u{feff}');
    HEADINGS
        .iter()
        .find(|(name, zh)| name.eq_ignore_ascii_case(h) || zh.contains(&h))
        .map(|(name, _)| *name)
}

/// How a column is shown to a reader: its Chinese heading and its name in zh-CN, the name in en.
fn column_label(column: &str, l: Locale) -> String {
    match (l, HEADINGS.iter().find(|(n, _)| *n == column)) {
        (Locale::Zh, Some((n, zh))) => format!("{}（{n}）", zh[0]),
        _ => column.to_string(),
    }
}

/// One problem: the line in the file (1 = header), the column, a code, and where a value must
/// be one of a list or within a range, what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub column: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// The vocabulary of the allowed codes, to name them in the reader's language.
    #[serde(skip)]
    vocabulary: Option<&'static str>,
}

impl RowProblem {
    pub(super) fn new(line: usize, column: &str, code: &str) -> Self {
        Self {
            line,
            column: column.into(),
            code: code.into(),
            allowed: Vec::new(),
            vocabulary: None,
        }
    }
    fn allowing(mut self, allowed: Vec<String>) -> Self {
        self.allowed = allowed;
        self
    }
    pub fn describe(&self, l: Locale) -> String {
        let columns: Vec<String> = self.column.split(',').map(|c| column_label(c, l)).collect();
        let mut out = format!(
            "{} · {}：{}",
            l.t("import.line_n").replace("%{n}", &self.line.to_string()),
            columns.join(if l == Locale::Zh { "、" } else { ", " }),
            l.t(&format!("check.{}", self.code))
        );
        if !self.allowed.is_empty() {
            let allowed: Vec<String> = self
                .allowed
                .iter()
                .map(|code| match self.vocabulary {
                    Some(v) => format!("{code}（{}）", l.t(&format!("{v}.{code}"))),
                    None => code.clone(),
                })
                .collect();
            out.push_str(&format!(
                " · {}{}",
                l.t("import.allowed"),
                allowed.join(if l == Locale::Zh { "、" } else { ", " })
            ));
        }
        out
    }
}

/// A value from a fixed list: its code, or its name in either language; a problem listing the
/// codes and names otherwise.
fn word(
    p: &mut Vec<RowProblem>,
    line: usize,
    col: &str,
    v: &str,
    vocabulary: &'static str,
    codes: &[&str],
) -> String {
    let label = |code: &str, l: Locale| l.t(&format!("{vocabulary}.{code}"));
    if let Some(code) = codes.iter().find(|c| {
        c.eq_ignore_ascii_case(v)
            || label(c, Locale::Zh) == v
            || label(c, Locale::En).eq_ignore_ascii_case(v)
    }) {
        return code.to_string();
    }
    let mut problem = RowProblem::new(line, col, "invalid")
        .allowing(codes.iter().map(|c| c.to_string()).collect());
    problem.vocabulary = Some(vocabulary);
    p.push(problem);
    v.to_string()
}

/// Text of a file in UTF-8 (with or without BOM) or GBK.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

pub(super) fn records(
    text: &str,
    header: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, Vec<RowProblem>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let got: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(_) => return Err(vec![RowProblem::new(1, "-", "bad_header")]),
    };
    // Where each of the expected columns is in the file (headings in English or Chinese, in
    // any order); a missing, unknown or repeated heading is named.
    let mut problems = vec![];
    let columns: Vec<Option<&'static str>> = got.iter().map(|h| column_of(h)).collect();
    let mut position = vec![0usize; header.len()];
    for (i, want) in header.iter().enumerate() {
        let at: Vec<usize> = (0..columns.len())
            .filter(|j| columns[*j] == Some(*want))
            .collect();
        match at.as_slice() {
            [one] => position[i] = *one,
            [] => problems.push(RowProblem::new(1, want, "missing_column")),
            _ => problems.push(RowProblem::new(1, want, "duplicate")),
        }
    }
    for (h, c) in got.iter().zip(&columns) {
        if !c.is_some_and(|c| header.contains(&c)) {
            problems.push(
                RowProblem::new(1, h, "unknown_column")
                    .allowing(header.iter().map(|c| c.to_string()).collect()),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = vec![];
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        match rec {
            Ok(rec) if rec.len() == got.len() => out.push((
                line,
                position
                    .iter()
                    .map(|j| rec.get(*j).unwrap_or("").trim().to_string())
                    .collect(),
            )),
            Ok(_) => problems.push(RowProblem::new(line, "-", "wrong_column_count")),
            Err(_) => problems.push(RowProblem::new(line, "-", "unreadable")),
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(RowProblem::new(2, "-", "no_rows"));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

pub(super) struct DwellingRow {
    pub(super) line: usize,
    pub(super) community_code: String,
    pub(super) compound: String,
    pub(super) compound_kind: String,
    pub(super) building: String,
    pub(super) entrance: String,
    pub(super) number: String,
    pub(super) floor: i64,
    pub(super) use_kind: String,
    pub(super) area: i64,
    pub(super) area_source: String,
}

pub(super) struct ResidentRow {
    pub(super) line: usize,
    pub(super) community_code: String,
    pub(super) compound: String,
    pub(super) building: String,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) phone: Option<String>,
    pub(super) id_number: Option<String>,
    pub(super) relation: String,
    pub(super) since: String,
}

fn text(p: &mut Vec<RowProblem>, line: usize, col: &str, v: &str, max: usize) -> String {
    if v.is_empty() {
        p.push(RowProblem::new(line, col, "required"));
    } else if v.chars().count() > max {
        p.push(RowProblem::new(line, col, "too_long"));
    }
    v.to_string()
}

/// The floors a dwelling may be on.
const FLOORS: (i64, i64) = (-10, 300);

pub(super) fn parse_dwellings(
    rows: Vec<(usize, Vec<String>)>,
) -> Result<Vec<DwellingRow>, Vec<RowProblem>> {
    let mut p = vec![];
    let mut out = vec![];
    let mut seen = HashMap::new();
    for (line, f) in rows {
        let area = AreaCentiM2::parse(&f[8])
            .map(|a| a.centi())
            .unwrap_or_else(|_| {
                p.push(RowProblem::new(line, "area_m2", "invalid_area"));
                0
            });
        let floor = match f[6].parse::<i64>() {
            Ok(v) if (FLOORS.0..=FLOORS.1).contains(&v) => v,
            Ok(_) => {
                p.push(
                    RowProblem::new(line, "floor", "out_of_range")
                        .allowing(vec![format!("{} … {}", FLOORS.0, FLOORS.1)]),
                );
                0
            }
            Err(_) => {
                p.push(RowProblem::new(line, "floor", "not_a_number"));
                0
            }
        };
        let compound_kind = word(
            &mut p,
            line,
            "compound_kind",
            &f[2],
            "CompoundKind",
            &CompoundKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        );
        let use_kind = word(
            &mut p,
            line,
            "use",
            &f[7],
            "DwellingUse",
            &DwellingUse::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        );
        let area_source = word(
            &mut p,
            line,
            "area_source",
            &f[9],
            "AreaSource",
            &AreaSource::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        );
        let row = DwellingRow {
            line,
            community_code: text(&mut p, line, "community_code", &f[0], 30),
            compound: text(&mut p, line, "compound", &f[1], 100),
            compound_kind,
            building: text(&mut p, line, "building", &f[3], 50),
            entrance: if f[4].chars().count() > 50 {
                p.push(RowProblem::new(line, "entrance", "too_long"));
                String::new()
            } else {
                f[4].clone()
            },
            number: text(&mut p, line, "number", &f[5], 50),
            floor,
            use_kind,
            area,
            area_source,
        };
        let key = (
            row.community_code.clone(),
            row.compound.clone(),
            row.building.clone(),
            row.number.clone(),
        );
        if let Some(first) = seen.insert(key, line) {
            p.push(RowProblem::new(
                line,
                &format!("number (= {first})"),
                "duplicate_row",
            ));
        }
        out.push(row);
    }
    if p.is_empty() { Ok(out) } else { Err(p) }
}

pub(super) fn parse_residents(
    rows: Vec<(usize, Vec<String>)>,
) -> Result<Vec<ResidentRow>, Vec<RowProblem>> {
    let mut p = vec![];
    let mut out = vec![];
    for (line, f) in rows {
        let phone = (!f[5].is_empty())
            .then(|| parse_phone(&f[5]))
            .transpose()
            .unwrap_or_else(|_| {
                p.push(RowProblem::new(line, "phone", "invalid_phone"));
                None
            });
        let id_number = (!f[6].is_empty())
            .then(|| parse_id_number(&f[6]))
            .transpose()
            .unwrap_or_else(|_| {
                p.push(RowProblem::new(line, "id_number", "invalid_id_number"));
                None
            });
        let relation = word(
            &mut p,
            line,
            "relation",
            &f[7],
            "HoldingRelation",
            &[
                HoldingRelation::Owner,
                HoldingRelation::CoOwner,
                HoldingRelation::Tenant,
                HoldingRelation::Family,
            ]
            .map(|r| r.as_str()),
        );
        if jiff::civil::Date::strptime("%Y-%m-%d", &f[8]).is_err() {
            p.push(RowProblem::new(line, "since", "invalid_date"));
        }
        out.push(ResidentRow {
            line,
            community_code: text(&mut p, line, "community_code", &f[0], 30),
            compound: text(&mut p, line, "compound", &f[1], 100),
            building: text(&mut p, line, "building", &f[2], 50),
            number: text(&mut p, line, "number", &f[3], 50),
            name: text(&mut p, line, "name", &f[4], 50),
            phone,
            id_number,
            relation,
            since: f[8].clone(),
        });
    }
    if p.is_empty() { Ok(out) } else { Err(p) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_supported_encoding() {
        let s = "小区,栋\n国税佳苑,1栋\n";
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(s.as_bytes());
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        assert_eq!(decode(s.as_bytes()), s);
        assert_eq!(decode(&bom), s);
        assert_eq!(decode(&gbk), s);
    }

    #[test]
    fn reports_every_bad_row_and_column() {
        let text = "community_code,compound,compound_kind,building,entrance,number,floor,use,area_m2,area_source\n\
                    C1,甲,owner_occupied,1栋,1单元,101,1,residential,89.5,register\n\
                    C1,甲,villa,1栋,1单元,102,x,residential,-3,register\n\
                    C1,甲,owner_occupied,1栋,1单元,101,1,residential,89.5,register\n";
        let rows = records(text, DWELLING_HEADER).unwrap();
        let problems = parse_dwellings(rows).err().unwrap();
        let cols: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.column.as_str()))
            .collect();
        assert!(cols.contains(&(3, "compound_kind")));
        assert!(cols.contains(&(3, "floor")));
        assert!(cols.contains(&(3, "area_m2")));
        assert!(
            problems
                .iter()
                .any(|p| p.line == 4 && p.code == "duplicate_row"),
            "duplicate row reported: {cols:?}"
        );
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let problems = records("a,b\n1,2\n", DWELLING_HEADER).err().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.code == "missing_column" && p.column == "floor")
        );
        assert!(
            problems
                .iter()
                .any(|p| p.code == "unknown_column" && p.column == "a")
        );
    }

    /// Chinese headings in another order, and values by their Chinese names, read the same as
    /// the template; a floor in words is "not a number", a floor too high "out of range", and
    /// an unknown code lists the valid ones in the reader's language.
    #[test]
    fn chinese_headings_and_names_are_understood_and_problems_say_what_fits() {
        let zh = "小区,社区代码,小区类型,楼栋,单元,房号,楼层,用途,建筑面积,面积来源\n\
                  甲,C1,商品房,1栋,1单元,101,3,住宅,89.5,不动产登记\n\
                  甲,C1,商品房,1栋,1单元,102,一楼,住宅,89.5,不动产登记\n\
                  甲,C1,villa,1栋,1单元,103,301,住宅,89.5,register\n";
        let rows = records(zh, DWELLING_HEADER).unwrap();
        assert_eq!(rows[0].1[0], "C1");
        assert_eq!(rows[0].1[1], "甲");
        let problems = parse_dwellings(rows.clone()).err().unwrap();
        let floor_words = problems.iter().find(|p| p.line == 3).unwrap();
        assert_eq!(
            (floor_words.column.as_str(), floor_words.code.as_str()),
            ("floor", "not_a_number")
        );
        let high = problems
            .iter()
            .find(|p| p.line == 4 && p.column == "floor")
            .unwrap();
        assert_eq!(high.code, "out_of_range");
        assert!(high.describe(Locale::Zh).contains("-10 … 300"));
        let kind = problems
            .iter()
            .find(|p| p.line == 4 && p.column == "compound_kind")
            .unwrap();
        let zh_text = kind.describe(Locale::Zh);
        assert!(
            zh_text.contains("第 4 行") && zh_text.contains("owner_occupied（商品房）"),
            "{zh_text}"
        );
        assert!(kind.describe(Locale::En).contains("Line 4"));
        assert_eq!(problems.len(), 3, "{problems:?}");
        let good = parse_dwellings(rows[..1].to_vec()).ok().unwrap();
        assert_eq!(
            (
                good[0].compound_kind.as_str(),
                good[0].use_kind.as_str(),
                good[0].area_source.as_str()
            ),
            ("owner_occupied", "residential", "register")
        );
    }
}
