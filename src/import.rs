//! CSV import of dwellings and residents: UTF-8, UTF-8 with BOM or GBK; every bad row and column
//! is reported; all or nothing (one transaction); importing the same file twice changes nothing.
use crate::db::Db;
use crate::domain::access::{Action, PlaceRef, Target};
use crate::domain::area::AreaCentiM2;
use crate::domain::kinds::{AreaSource, CompoundKind, DwellingUse, HoldingRelation};
use crate::domain::personal::{parse_id_number, parse_phone};
use crate::locale::Locale;
use crate::services::actor::Actor;
use sqlx::Any;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Dwellings,
    Residents,
}

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
    fn new(line: usize, column: &str, code: &str) -> Self {
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

#[derive(Debug)]
pub enum ImportError {
    Rows(Vec<RowProblem>),
    Other(anyhow::Error),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Other(e.into())
    }
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl ImportReport {
    pub fn describe(&self, l: Locale) -> String {
        format!(
            "{}: {} · {}: {} · {}: {} · {}: {}",
            l.t("import.rows"),
            self.rows,
            l.t("import.created"),
            self.created,
            l.t("import.updated"),
            self.updated,
            l.t("import.unchanged"),
            self.unchanged
        )
    }
}

/// Text of a file in UTF-8 (with or without BOM) or GBK.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

fn records(text: &str, header: &[&str]) -> Result<Vec<(usize, Vec<String>)>, Vec<RowProblem>> {
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

struct DwellingRow {
    line: usize,
    community_code: String,
    compound: String,
    compound_kind: String,
    building: String,
    entrance: String,
    number: String,
    floor: i64,
    use_kind: String,
    area: i64,
    area_source: String,
}

struct ResidentRow {
    line: usize,
    community_code: String,
    compound: String,
    building: String,
    number: String,
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
    relation: String,
    since: String,
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

fn parse_dwellings(rows: Vec<(usize, Vec<String>)>) -> Result<Vec<DwellingRow>, Vec<RowProblem>> {
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

fn parse_residents(rows: Vec<(usize, Vec<String>)>) -> Result<Vec<ResidentRow>, Vec<RowProblem>> {
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

/// Imports a file. With an actor, every row's place must be one the actor may import into.
pub async fn import(
    db: &Db,
    actor: Option<&Actor>,
    kind: ImportKind,
    bytes: &[u8],
) -> Result<ImportReport, ImportError> {
    let text = decode(bytes);
    let header = match kind {
        ImportKind::Dwellings => DWELLING_HEADER,
        ImportKind::Residents => RESIDENT_HEADER,
    };
    let rows = records(&text, header).map_err(ImportError::Rows)?;
    let regions = db.places().regions().await?;
    let chain_of = |code: &str| -> Option<(i64, [i64; 4])> {
        let r = regions
            .iter()
            .find(|r| r.code == code && r.level == "community")?;
        let mut chain = [0; 4];
        chain[3] = r.id;
        let sub = regions.iter().find(|x| Some(x.id) == r.parent_id)?;
        chain[2] = sub.id;
        let dis = regions.iter().find(|x| Some(x.id) == sub.parent_id)?;
        chain[1] = dis.id;
        let city = regions.iter().find(|x| Some(x.id) == dis.parent_id)?;
        chain[0] = city.id;
        Some((r.id, chain))
    };
    let mut tx = db.pool.begin().await?;
    let mut report = ImportReport::default();
    let mut problems = vec![];
    match kind {
        ImportKind::Dwellings => {
            let rows = parse_dwellings(rows).map_err(ImportError::Rows)?;
            report.rows = rows.len();
            for r in rows {
                let Some((community, chain)) = chain_of(&r.community_code) else {
                    problems.push(RowProblem::new(r.line, "community_code", "unknown"));
                    continue;
                };
                let compound: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM compounds WHERE community_id = $1 AND name = $2",
                )
                .bind(community)
                .bind(&r.compound)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(a) = actor {
                    let place = PlaceRef {
                        regions: chain,
                        compound,
                        building: None,
                    };
                    if !a.can(Action::ImportData, &Target::Place(place)) {
                        problems.push(RowProblem::new(r.line, "compound", "not_allowed"));
                        continue;
                    }
                }
                let compound = match compound {
                    Some(c) => c,
                    None => {
                        sqlx::query_scalar::<Any, i64>(
                            "INSERT INTO compounds (community_id, subdistrict_id, district_id, city_id, name, kind, address) \
                             VALUES ($1, $2, $3, $4, $5, $6, '') RETURNING id",
                        )
                        .bind(chain[3])
                        .bind(chain[2])
                        .bind(chain[1])
                        .bind(chain[0])
                        .bind(&r.compound)
                        .bind(&r.compound_kind)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                let building = match sqlx::query_scalar::<Any, i64>(
                    "SELECT id FROM buildings WHERE compound_id = $1 AND name = $2",
                )
                .bind(compound)
                .bind(&r.building)
                .fetch_optional(&mut *tx)
                .await?
                {
                    Some(b) => b,
                    None => sqlx::query_scalar::<Any, i64>(
                        "INSERT INTO buildings (compound_id, name) VALUES ($1, $2) RETURNING id",
                    )
                    .bind(compound)
                    .bind(&r.building)
                    .fetch_one(&mut *tx)
                    .await?,
                };
                let entrance = if r.entrance.is_empty() {
                    None
                } else {
                    match sqlx::query_scalar::<Any, i64>("SELECT id FROM entrances WHERE building_id = $1 AND name = $2")
                        .bind(building)
                        .bind(&r.entrance)
                        .fetch_optional(&mut *tx)
                        .await?
                    {
                        Some(e) => Some(e),
                        None => Some(
                            sqlx::query_scalar::<Any, i64>("INSERT INTO entrances (building_id, name) VALUES ($1, $2) RETURNING id")
                                .bind(building)
                                .bind(&r.entrance)
                                .fetch_one(&mut *tx)
                                .await?,
                        ),
                    }
                };
                let existing: Option<(i64, Option<i64>, i64, String, i64, String)> = sqlx::query_as(
                    "SELECT id, entrance_id, floor, use_kind, area_centi_m2, area_source FROM dwellings WHERE building_id = $1 AND number = $2",
                )
                .bind(building)
                .bind(&r.number)
                .fetch_optional(&mut *tx)
                .await?;
                // A worse source never replaces a better area (register > survey > contract).
                let best = |a: i64, s: &str| {
                    let source = |w: &str| AreaSource::parse(w).unwrap_or(AreaSource::Contract);
                    let (area, src) = crate::domain::area::keep_best(
                        (a, source(s)),
                        (r.area, source(&r.area_source)),
                    );
                    (area, src.as_str().to_string())
                };
                match existing {
                    Some((_, e, f, u, a, s))
                        if e == entrance
                            && f == r.floor
                            && u == r.use_kind
                            && best(a, &s) == (a, s.clone()) =>
                    {
                        report.unchanged += 1
                    }
                    Some((id, _, _, _, a, s)) => {
                        let (area, source) = best(a, &s);
                        sqlx::query("UPDATE dwellings SET entrance_id = $1, floor = $2, use_kind = $3, area_centi_m2 = $4, area_source = $5 WHERE id = $6")
                            .bind(entrance)
                            .bind(r.floor)
                            .bind(&r.use_kind)
                            .bind(area)
                            .bind(&source)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        report.updated += 1;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO dwellings (compound_id, building_id, entrance_id, number, floor, use_kind, area_centi_m2, area_source) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(compound)
                        .bind(building)
                        .bind(entrance)
                        .bind(&r.number)
                        .bind(r.floor)
                        .bind(&r.use_kind)
                        .bind(r.area)
                        .bind(&r.area_source)
                        .execute(&mut *tx)
                        .await?;
                        report.created += 1;
                    }
                }
            }
        }
        ImportKind::Residents => {
            let rows = parse_residents(rows).map_err(ImportError::Rows)?;
            report.rows = rows.len();
            for r in rows {
                let Some((community, chain)) = chain_of(&r.community_code) else {
                    problems.push(RowProblem::new(r.line, "community_code", "unknown"));
                    continue;
                };
                let found: Option<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT d.id, d.compound_id, d.building_id FROM dwellings d JOIN buildings b ON b.id = d.building_id \
                     JOIN compounds c ON c.id = d.compound_id WHERE c.community_id = $1 AND c.name = $2 AND b.name = $3 AND d.number = $4",
                )
                .bind(community)
                .bind(&r.compound)
                .bind(&r.building)
                .bind(&r.number)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((dwelling, compound, building)) = found else {
                    problems.push(RowProblem::new(r.line, "number", "unknown_dwelling"));
                    continue;
                };
                if let Some(a) = actor {
                    let place = PlaceRef {
                        regions: chain,
                        compound: Some(compound),
                        building: Some(building),
                    };
                    if !a.can(Action::ImportData, &Target::Place(place)) {
                        problems.push(RowProblem::new(r.line, "compound", "not_allowed"));
                        continue;
                    }
                }
                // The same person: by ID number; else by name and phone; else by name among
                // the people already linked to this dwelling.
                let person: Option<(i64, String, Option<String>)> = match (&r.id_number, &r.phone) {
                    (Some(idn), _) => {
                        sqlx::query_as("SELECT id, name, phone FROM people WHERE id_number = $1")
                            .bind(idn)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    (None, Some(phone)) => {
                        sqlx::query_as("SELECT id, name, phone FROM people WHERE name = $1 AND phone = $2 ORDER BY id LIMIT 1")
                            .bind(&r.name)
                            .bind(phone)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    (None, None) => {
                        sqlx::query_as(
                            "SELECT p.id, p.name, p.phone FROM people p JOIN holdings h ON h.person_id = p.id \
                             WHERE h.dwelling_id = $1 AND p.name = $2 AND h.until IS NULL ORDER BY p.id LIMIT 1",
                        )
                        .bind(dwelling)
                        .bind(&r.name)
                        .fetch_optional(&mut *tx)
                        .await?
                    }
                };
                let mut changed = false;
                let person = match person {
                    Some((id, name, phone)) => {
                        if name != r.name || (r.phone.is_some() && phone != r.phone) {
                            sqlx::query("UPDATE people SET name = $1, phone = COALESCE($2, phone) WHERE id = $3")
                                .bind(&r.name)
                                .bind(r.phone.clone())
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            report.updated += 1;
                            changed = true;
                        }
                        id
                    }
                    None => {
                        report.created += 1;
                        changed = true;
                        sqlx::query_scalar::<Any, i64>(
                            "INSERT INTO people (name, phone, id_number, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                        )
                        .bind(&r.name)
                        .bind(r.phone.clone())
                        .bind(r.id_number.clone())
                        .bind(crate::db::now())
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                let holding: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM holdings WHERE dwelling_id = $1 AND person_id = $2 AND relation = $3 AND until IS NULL",
                )
                .bind(dwelling)
                .bind(person)
                .bind(&r.relation)
                .fetch_optional(&mut *tx)
                .await?;
                if holding.is_none() {
                    sqlx::query("INSERT INTO holdings (dwelling_id, person_id, relation, since) VALUES ($1, $2, $3, $4)")
                        .bind(dwelling)
                        .bind(person)
                        .bind(&r.relation)
                        .bind(&r.since)
                        .execute(&mut *tx)
                        .await?;
                    if !changed {
                        report.updated += 1;
                        changed = true;
                    }
                }
                if !changed {
                    report.unchanged += 1;
                }
            }
        }
    }
    if !problems.is_empty() {
        tx.rollback().await?;
        return Err(ImportError::Rows(problems));
    }
    let changes = report.created + report.updated;
    if changes > 0 {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, before_json, after_json, reason) \
             VALUES ($1, $2, 'import', $3, NULL, NULL, $4, '')",
        )
        .bind(crate::db::now())
        .bind(actor.map(|a| a.user_id))
        .bind(match kind {
            ImportKind::Dwellings => "dwellings",
            ImportKind::Residents => "residents",
        })
        .bind(serde_json::to_string(&report).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    db.forget_compounds();
    Ok(report)
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
