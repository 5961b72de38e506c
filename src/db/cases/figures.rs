//! Counting cases for the three rates and petitions per year, per place scope.
use super::*;
use serde::Serialize;
use utoipa::ToSchema;

impl CaseStore<'_> {
    /// Case counts of the cases registered in `[from, to)` for every combination of unit,
    /// compound, kind, category and channel that occurs: one scan (of an index, for a district);
    /// the service rolls them up.
    pub async fn case_figure_cells(
        &mut self,
        scope: &PlaceScope,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<Vec<FigureCell>> {
        let Some(scope) = scope.sql() else {
            return Ok(Vec::new());
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
                figure_cells_summed(&file, &rows, from, to, now)
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("figures: {e}")))?;
        }
        self.case_figure_cells_grouped(&scope, from, to, now).await
    }

    /// [`Db::case_figure_cells`] summed by the database (PostgreSQL; on SQLite only for the test
    /// that compares it with the summing in Rust).
    pub async fn case_figure_cells_grouped(
        &mut self,
        scope: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<Vec<FigureCell>> {
        let sql = format!(
            "SELECT owner_kind, owner_id, compound_id, kind, category_id, channel, COUNT(*) AS total, \
             SUM(CASE WHEN signed_in_time IS NOT NULL OR (sign_due IS NOT NULL AND sign_due < $3 AND {UNFINISHED}) THEN 1 ELSE 0 END) AS due_to_sign, \
             SUM(CASE WHEN signed_in_time = 1 THEN 1 ELSE 0 END) AS signed_in_time, \
             SUM(CASE WHEN status = 'withdrawn' OR status = 'not_accepted' OR status = 'merged' THEN 0 ELSE 1 END) AS taken_on, \
             SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed, \
             SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
             SUM(CASE WHEN rating = 'satisfied' OR rating = 'basically_satisfied' THEN 1 ELSE 0 END) AS satisfied, \
             SUM(CASE WHEN next_due IS NOT NULL AND next_due < $3 THEN 1 ELSE 0 END) AS overdue \
             FROM cases WHERE created_at >= $1 AND created_at < $2 AND {scope} GROUP BY 1, 2, 3, 4, 5, 6"
        );
        sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(&mut *self.h.conn().await?)
            .await
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

/// [`Db::case_figure_cells`] on SQLite: the rows read in index order and summed in a map, with
/// the same rules as the SQL of the other path (a test compares the two).
fn figure_cells_summed(
    file: &str,
    sql: &str,
    from: i64,
    to: i64,
    now: i64,
) -> sqlx::Result<Vec<FigureCell>> {
    use crate::db::direct::Param::I;
    type Key = (String, i64, i64, String, i64, String);
    let mut cells: std::collections::HashMap<Key, FigureCell> = std::collections::HashMap::new();
    crate::db::direct::for_each_row(file, sql, &[I(from), I(to)], |r| {
        let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
        let status = text(6)?;
        let signed_in_time: Option<i64> = r.get(7)?;
        let sign_due: Option<i64> = r.get(8)?;
        let rating = r.get_ref(9)?.as_str_or_null()?;
        let next_due: Option<i64> = r.get(10)?;
        let unfinished = !matches!(status, "closed" | "withdrawn" | "not_accepted" | "merged");
        let key: Key = (
            text(0)?.to_string(),
            r.get(1)?,
            r.get(2)?,
            text(3)?.to_string(),
            r.get(4)?,
            text(5)?.to_string(),
        );
        let cell = cells.entry(key).or_insert_with_key(|k| FigureCell {
            owner_kind: k.0.clone(),
            owner_id: k.1,
            compound_id: k.2,
            kind: k.3.clone(),
            category_id: k.4,
            channel: k.5.clone(),
            total: 0,
            due_to_sign: 0,
            signed_in_time: 0,
            taken_on: 0,
            closed: 0,
            rated: 0,
            satisfied: 0,
            overdue: 0,
        });
        let count = |b: bool| i64::from(b);
        cell.total += 1;
        cell.due_to_sign +=
            count(signed_in_time.is_some() || (sign_due.is_some_and(|d| d < now) && unfinished));
        cell.signed_in_time += count(signed_in_time == Some(1));
        cell.taken_on += count(!matches!(status, "withdrawn" | "not_accepted" | "merged"));
        cell.closed += count(status == "closed");
        cell.rated += count(rating.is_some());
        cell.satisfied += count(matches!(rating, Some("satisfied" | "basically_satisfied")));
        cell.overdue += count(next_due.is_some_and(|d| d < now));
        Ok(())
    })?;
    Ok(cells.into_values().collect())
}

/// Counts of one combination of unit, compound, kind, category and channel.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureCell {
    pub owner_kind: String,
    pub owner_id: i64,
    pub compound_id: i64,
    pub kind: String,
    pub category_id: i64,
    pub channel: String,
    pub total: i64,
    pub due_to_sign: i64,
    pub signed_in_time: i64,
    pub taken_on: i64,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub overdue: i64,
}

impl FigureCell {
    pub fn counts(&self) -> crate::domain::cases::rates::CaseCounts {
        crate::domain::cases::rates::CaseCounts {
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
