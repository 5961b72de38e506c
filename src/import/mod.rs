//! CSV import of dwellings and residents: UTF-8, UTF-8 with BOM or GBK; every bad row and column
//! is reported; all or nothing (one transaction); importing the same file twice changes nothing.
//! `rows` reads and checks the file; this module writes it.
mod rows;

pub use rows::{DWELLING_HEADER, RESIDENT_HEADER, RowProblem, decode};
use rows::{parse_dwellings, parse_residents, records};

use crate::db::Db;
use crate::domain::access::{Action, PlaceRef, Target};
use crate::domain::kinds::AreaSource;
use crate::locale::Locale;
use crate::services::actor::Actor;
use sqlx::Any;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Dwellings,
    Residents,
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
