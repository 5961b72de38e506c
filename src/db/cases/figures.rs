//! Counting cases for the three rates and petitions per year, per place scope.
use super::*;
use crate::domain::cases::rates::CaseCounts;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

impl CaseStore<'_> {
    /// Case counts of the cases registered in `[from, to)` per dimension (handling unit,
    /// compound, kind, category, channel): one scan (of an index, for a district). The memory
    /// follows the number of units, compounds and categories, never the number of cases.
    pub async fn case_figures(
        &mut self,
        scope: &PlaceScope,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<FigureDims> {
        let Some(scope) = scope.sql() else {
            return Ok(FigureDims::default());
        };
        if let Some(file) = &self.db.sqlite_file {
            // SQLite sorts the rows for a GROUP BY (a month of a large district: 70,000 rows
            // into 14,000 groups took 300 ms, the index scan 9 ms); the rows are summed here.
            let rows = format!(
                "SELECT owner_kind, owner_id, compound_id, kind, category_id, channel, status, signed_in_time, \
                 sign_due, rating, next_due FROM cases WHERE created_at >= $1 AND created_at < $2 AND {scope}"
            );
            // On a blocking thread, so that the service's two halves of a period run in parallel.
            let file = file.clone();
            return tokio::task::spawn_blocking(move || {
                figures_summed(&file, &rows, from, to, now)
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("figures: {e}")))?;
        }
        self.case_figures_grouped(&scope, from, to, now).await
    }

    /// [`Self::case_figures`] counted by the database: GROUPING SETS on PostgreSQL, five
    /// GROUP BYs on SQLite (used there only by the test that compares it with the summing).
    pub async fn case_figures_grouped(
        &mut self,
        scope: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<FigureDims> {
        let sums = counts_sql("$3");
        let from_where =
            format!("FROM cases WHERE created_at >= $1 AND created_at < $2 AND {scope}");
        let sql = match self.db.backend {
            crate::db::Backend::Postgres => format!(
                "SELECT CAST(CASE WHEN GROUPING(owner_kind) = 0 THEN 0 WHEN GROUPING(compound_id) = 0 THEN 1 \
                 WHEN GROUPING(kind) = 0 THEN 2 WHEN GROUPING(category_id) = 0 THEN 3 ELSE 4 END AS BIGINT) AS dim, \
                 COALESCE(owner_kind, kind, channel) AS key_text, COALESCE(owner_id, compound_id, category_id) AS key_id, {sums} \
                 {from_where} GROUP BY GROUPING SETS ((owner_kind, owner_id), (compound_id), (kind), (category_id), (channel))"
            ),
            crate::db::Backend::Sqlite => [
                ("0", "owner_kind", "owner_id", "owner_kind, owner_id"),
                ("1", "NULL", "compound_id", "compound_id"),
                ("2", "kind", "NULL", "kind"),
                ("3", "NULL", "category_id", "category_id"),
                ("4", "channel", "NULL", "channel"),
            ]
            .iter()
            .map(|(dim, text, id, by)| {
                format!("SELECT {dim} AS dim, {text} AS key_text, {id} AS key_id, {sums} {from_where} GROUP BY {by}")
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL "),
        };
        let rows: Vec<DimRow> = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(&mut *self.h.conn().await?)
            .await?;
        let mut out = FigureDims::default();
        for r in rows {
            out.add(&r);
        }
        Ok(out)
    }

    /// Names of organisations, teams, squads or compounds by id (`table` is one of those four).
    pub async fn names_of(
        &mut self,
        table: &'static str,
        ids: &[i64],
    ) -> sqlx::Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "SELECT id, name FROM {table} WHERE id IN ({})",
            list.join(",")
        ))
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Petitions per year, compound and cause, for the years whose starts are given (ascending).
    pub async fn petitions_by_year(
        &mut self,
        scope: &PlaceScope,
        year_starts: &[(i64, i64)],
    ) -> sqlx::Result<Vec<PetitionRow>> {
        let Some(scope) = scope.sql() else {
            return Ok(Vec::new());
        };
        let Some(&(first_year, first_start)) = year_starts.first() else {
            return Ok(Vec::new());
        };
        let mut year = String::from("CASE");
        for w in year_starts.windows(2) {
            year.push_str(&format!(" WHEN created_at < {} THEN {}", w[1].1, w[0].0));
        }
        let last = year_starts.last().map_or(first_year, |l| l.0);
        year.push_str(&format!(" ELSE {last} END"));
        let sql = format!(
            "SELECT g.year, g.compound_id, (SELECT c.name FROM compounds c WHERE c.id = g.compound_id) AS compound, \
             (SELECT k.code FROM case_categories k WHERE k.id = g.category_id) AS category, g.petitions FROM ( \
             SELECT CAST({year} AS BIGINT) AS year, compound_id, category_id, COUNT(*) AS petitions FROM cases \
             WHERE kind = 'petition' AND created_at >= {first_start} AND {scope} GROUP BY 1, 2, 3) g \
             ORDER BY g.year, g.petitions DESC, g.compound_id"
        );
        sqlx::query_as(&sql)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }
}

/// The sums of the three rates over `cases` rows, named as [`DimRow`] reads them; `now` is the
/// parameter holding the instant deadlines are compared with. Shared with the figures kept per
/// month, which must count the same way.
pub(super) fn counts_sql(now: &str) -> String {
    format!(
        "COUNT(*) AS total, \
         SUM(CASE WHEN signed_in_time IS NOT NULL OR (sign_due IS NOT NULL AND sign_due < {now} AND {UNFINISHED}) THEN 1 ELSE 0 END) AS due_to_sign, \
         SUM(CASE WHEN signed_in_time = 1 THEN 1 ELSE 0 END) AS signed_in_time, \
         SUM(CASE WHEN status = 'withdrawn' OR status = 'not_accepted' OR status = 'merged' THEN 0 ELSE 1 END) AS taken_on, \
         SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed, \
         SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
         SUM(CASE WHEN rating = 'satisfied' OR rating = 'basically_satisfied' THEN 1 ELSE 0 END) AS satisfied, \
         SUM(CASE WHEN next_due IS NOT NULL AND next_due < {now} THEN 1 ELSE 0 END) AS overdue"
    )
}

/// `status` is one of the finished ones. Written out with `=` rather than `IN (…)`: SQLite
/// builds a temporary b-tree for an `IN` list on every execution, which showed in profiles.
pub(crate) const FINISHED: &str =
    "(status = 'closed' OR status = 'withdrawn' OR status = 'not_accepted' OR status = 'merged')";

pub(crate) const UNFINISHED: &str = "(status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged')";

/// Which places' cases a worker's queue or figures cover: everything, or these regions or
/// compounds (built from the grants that permit the action, see `services::cases::place_scope`).
#[derive(Debug, Clone, Default)]
pub struct PlaceScope {
    pub all: bool,
    /// (column, region id), see `Db::region_column`.
    pub regions: Vec<(&'static str, i64)>,
    pub compounds: Vec<i64>,
}

impl PlaceScope {
    pub fn sql(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.all {
            parts.push("1 = 1".to_string());
        }
        for (column, r) in &self.regions {
            parts.push(format!("{column} = {r}"));
        }
        if !self.compounds.is_empty() {
            let ids: Vec<String> = self.compounds.iter().map(i64::to_string).collect();
            parts.push(format!("compound_id IN ({})", ids.join(",")));
        }
        (!parts.is_empty()).then(|| format!("({})", parts.join(" OR ")))
    }
}

/// [`CaseStore::case_figures`] on SQLite: the rows read in index order and summed per
/// dimension, with the same rules as the SQL of the other path (a test compares the two).
fn figures_summed(file: &str, sql: &str, from: i64, to: i64, now: i64) -> sqlx::Result<FigureDims> {
    use crate::db::direct::Param::I;
    let mut out = FigureDims::default();
    crate::db::direct::for_each_row(file, sql, &[I(from), I(to)], |r| {
        let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
        let status = text(6)?;
        let signed_in_time: Option<i64> = r.get(7)?;
        let sign_due: Option<i64> = r.get(8)?;
        let rating = r.get_ref(9)?.as_str_or_null()?;
        let next_due: Option<i64> = r.get(10)?;
        let unfinished = !matches!(status, "closed" | "withdrawn" | "not_accepted" | "merged");
        let count = |b: bool| i64::from(b);
        let c = CaseCounts {
            total: 1,
            due_to_sign: count(
                signed_in_time.is_some() || (sign_due.is_some_and(|d| d < now) && unfinished),
            ),
            signed_in_time: count(signed_in_time == Some(1)),
            taken_on: count(!matches!(status, "withdrawn" | "not_accepted" | "merged")),
            closed: count(status == "closed"),
            rated: count(rating.is_some()),
            satisfied: count(matches!(rating, Some("satisfied" | "basically_satisfied"))),
            overdue: count(next_due.is_some_and(|d| d < now)),
        };
        // Text keys are looked up borrowed: a string is allocated once per distinct value,
        // not once per row.
        fn add(map: &mut BTreeMap<String, CaseCounts>, key: &str, c: CaseCounts) {
            match map.get_mut(key) {
                Some(v) => *v += c,
                None => {
                    map.insert(key.to_string(), c);
                }
            }
        }
        let unit_kind = text(0)?;
        let unit = match out.by_unit.get_mut(unit_kind) {
            Some(m) => m,
            None => out.by_unit.entry(unit_kind.to_string()).or_default(),
        };
        *unit.entry(r.get(1)?).or_default() += c;
        *out.by_compound.entry(r.get(2)?).or_default() += c;
        add(&mut out.by_kind, text(3)?, c);
        *out.by_category.entry(r.get(4)?).or_default() += c;
        add(&mut out.by_channel, text(5)?, c);
        Ok(())
    })?;
    Ok(out)
}

/// Case counts per dimension of the figures: handling unit (kind word → id), compound, kind,
/// category and channel. Ordered maps, so two countings compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FigureDims {
    pub by_unit: BTreeMap<String, BTreeMap<i64, CaseCounts>>,
    pub by_compound: BTreeMap<i64, CaseCounts>,
    pub by_kind: BTreeMap<String, CaseCounts>,
    pub by_category: BTreeMap<i64, CaseCounts>,
    pub by_channel: BTreeMap<String, CaseCounts>,
}

impl FigureDims {
    /// Adds one grouped row to its dimension.
    pub(super) fn add(&mut self, r: &DimRow) {
        let c = r.counts();
        let text = r.key_text.clone().unwrap_or_default();
        let id = r.key_id.unwrap_or_default();
        match r.dim {
            0 => *self.by_unit.entry(text).or_default().entry(id).or_default() += c,
            1 => *self.by_compound.entry(id).or_default() += c,
            2 => *self.by_kind.entry(text).or_default() += c,
            3 => *self.by_category.entry(id).or_default() += c,
            _ => *self.by_channel.entry(text).or_default() += c,
        }
    }

    /// Adds another counting (e.g. the other half of a period).
    pub fn merge(&mut self, o: FigureDims) {
        for (k, m) in o.by_unit {
            let mine = self.by_unit.entry(k).or_default();
            for (id, c) in m {
                *mine.entry(id).or_default() += c;
            }
        }
        for (k, c) in o.by_compound {
            *self.by_compound.entry(k).or_default() += c;
        }
        for (k, c) in o.by_kind {
            *self.by_kind.entry(k).or_default() += c;
        }
        for (k, c) in o.by_category {
            *self.by_category.entry(k).or_default() += c;
        }
        for (k, c) in o.by_channel {
            *self.by_channel.entry(k).or_default() += c;
        }
    }
}

/// One row of the grouped counting: a dimension (0 unit, 1 compound, 2 kind, 3 category,
/// 4 channel) and its key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct DimRow {
    pub(super) dim: i64,
    pub(super) key_text: Option<String>,
    pub(super) key_id: Option<i64>,
    total: i64,
    due_to_sign: i64,
    signed_in_time: i64,
    taken_on: i64,
    closed: i64,
    rated: i64,
    satisfied: i64,
    overdue: i64,
}

impl DimRow {
    /// A row from its key and counts (read by another path than sqlx).
    pub(super) fn from_parts(
        dim: i64,
        key_text: Option<String>,
        key_id: Option<i64>,
        c: CaseCounts,
    ) -> Self {
        DimRow {
            dim,
            key_text,
            key_id,
            total: c.total,
            due_to_sign: c.due_to_sign,
            signed_in_time: c.signed_in_time,
            taken_on: c.taken_on,
            closed: c.closed,
            rated: c.rated,
            satisfied: c.satisfied,
            overdue: c.overdue,
        }
    }

    pub(super) fn counts(&self) -> CaseCounts {
        CaseCounts {
            total: self.total,
            due_to_sign: self.due_to_sign,
            signed_in_time: self.signed_in_time,
            taken_on: self.taken_on,
            closed: self.closed,
            rated: self.rated,
            satisfied: self.satisfied,
            overdue: self.overdue,
        }
    }
}

/// Petitions of one year, compound and cause (category).
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct PetitionRow {
    pub year: i64,
    pub compound_id: i64,
    pub compound: Option<String>,
    pub category: Option<String>,
    pub petitions: i64,
}
