//! Case figures kept per month (see migration 0020): brought up to date from the months that
//! changed, read from a few rows per region and month whatever the number of cases.
use super::*;
use crate::domain::cases::rates::CaseCounts;
use std::collections::BTreeMap;

/// The region levels a compound's months are added into, with the `cases` column naming them.
const LEVELS: [(&str, &str); 4] = [
    ("community", "community_id"),
    ("subdistrict", "subdistrict_id"),
    ("district", "district_id"),
    ("city", "city_id"),
];

/// When more months than this are dirty (after a bulk load or the migration), everything is
/// counted again in a few statements instead of month by month.
const REBUILD_ABOVE: usize = 2_000;

/// Where the kept figures are read: everything, or these regions (level, id) and compounds,
/// none inside another (the caller removes nested ones, or they would count twice).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupScope {
    pub all: bool,
    pub regions: Vec<(&'static str, i64)>,
    pub compounds: Vec<i64>,
}

/// The local month (YYYYMM, Asia/Shanghai is UTC+8 throughout) of an instant column, in SQL.
fn month_sql(backend: crate::db::Backend, column: &str) -> String {
    match backend {
        crate::db::Backend::Sqlite => {
            format!("CAST(strftime('%Y%m', {column} + 28800, 'unixepoch') AS INTEGER)")
        }
        crate::db::Backend::Postgres => format!(
            "CAST(to_char(to_timestamp({column} + 28800) AT TIME ZONE 'UTC', 'YYYYMM') AS BIGINT)"
        ),
    }
}

/// The instant a local month (YYYYMM) starts.
pub fn month_start(month: i64) -> i64 {
    let (y, m) = (month / 100, month % 100);
    jiff::civil::Date::new(y as i16, m as i8, 1)
        .map(crate::domain::deadline::local_midnight)
        .unwrap_or(0)
}

/// The key of a month's year row (YYYY00): the sum of the year's months.
pub fn year_of(month: i64) -> i64 {
    month / 100 * 100
}

/// Which kept rows make up months `[from, to)`: the year rows of the whole years inside, the
/// month rows of the rest (integers computed here, written into the text).
fn span_sql(from: i64, to: i64) -> String {
    let first_year = if from % 100 == 1 {
        from / 100
    } else {
        from / 100 + 1
    };
    let end_year = to / 100; // a year Y is whole when Y01 >= from and (Y+1)01 <= to
    if first_year >= end_year {
        return format!("(month % 100 <> 0 AND month >= {from} AND month < {to})");
    }
    let years: Vec<String> = (first_year..end_year)
        .map(|y| (y * 100).to_string())
        .collect();
    format!(
        "((month % 100 <> 0 AND ((month >= {from} AND month < {a}) OR (month >= {b} AND month < {to}))) \
         OR month IN ({}))",
        years.join(","),
        a = first_year * 100 + 1,
        b = end_year * 100 + 1,
    )
}

/// The month after a month (YYYYMM).
pub fn next_month(month: i64) -> i64 {
    if month % 100 >= 12 {
        (month / 100 + 1) * 100 + 1
    } else {
        month + 1
    }
}

const COUNTS: &str =
    "total, due_to_sign, signed_in_time, taken_on, closed, rated, satisfied, overdue";

impl CaseStore<'_> {
    /// Brings the kept figures up to date as of `now`: the months marked dirty by case changes,
    /// and the months of cases whose deadline passed since the last time (they count as overdue
    /// now). One transaction; one at a time across nodes.
    pub async fn refresh_figures(&mut self, now: i64) -> sqlx::Result<()> {
        let backend = self.db.backend;
        // Usually nothing changed: found out without writing (a write transaction per read
        // would queue readers behind the writer and checkpoint the WAL now and then).
        let mut conn = self.h.conn().await?;
        let last: i64 =
            sqlx::query_scalar("SELECT refreshed_at FROM case_figures_state WHERE id = 1")
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or(0);
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM case_figures_dirty) \
             OR EXISTS (SELECT 1 FROM cases WHERE next_due >= $1 AND next_due < $2)",
        )
        .bind(last)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        drop(conn);
        if pending.is_none() {
            return Ok(());
        }
        let mut work = self.db.begin().await?;
        work.cases().refresh_in_work(backend, now).await?;
        work.commit().await
    }

    async fn refresh_in_work(&mut self, backend: crate::db::Backend, now: i64) -> sqlx::Result<()> {
        let mut conn = self.h.conn().await?;
        if backend == crate::db::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7331013)")
                .execute(&mut *conn)
                .await?;
        }
        let last: i64 =
            sqlx::query_scalar("SELECT refreshed_at FROM case_figures_state WHERE id = 1")
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or(0);
        // Deadlines that passed since: their months count them as overdue from now on. (No
        // DISTINCT: it tempts SQLite into walking a whole compound index in order; the
        // conflict clause drops the repeats.)
        sqlx::query(&format!(
            "INSERT INTO case_figures_dirty (compound_id, month) SELECT compound_id, {} FROM cases \
             WHERE next_due >= $1 AND next_due < $2 ON CONFLICT DO NOTHING",
            month_sql(backend, "created_at")
        ))
        .bind(last)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let dirty: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT compound_id, month FROM case_figures_dirty ORDER BY compound_id, month",
        )
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        if dirty.len() > REBUILD_ABOVE {
            self.rebuild_in_work(backend, now).await?;
        } else {
            for (compound, month) in dirty {
                self.recount_month(compound, month, now).await?;
            }
        }
        sqlx::query("UPDATE case_figures_state SET refreshed_at = $1 WHERE id = 1")
            .bind(now)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// Counts one compound's month again and adds the difference to its regions' months.
    async fn recount_month(&mut self, compound: i64, month: i64, now: i64) -> sqlx::Result<()> {
        let (from, to) = (month_start(month), month_start(next_month(month)));
        let fresh = self
            .case_figures_grouped(&format!("compound_id = {compound}"), from, to, now)
            .await?;
        let mut conn = self.h.conn().await?;
        let old: Vec<super::figures::DimRow> = sqlx::query_as(&format!(
            "SELECT dim, key_text, key_id, {COUNTS} FROM case_figures_monthly \
             WHERE level = 'compound' AND region_id = $1 AND month = $2"
        ))
        .bind(compound)
        .bind(month)
        .fetch_all(&mut *conn)
        .await?;
        let mut delta: BTreeMap<(i64, String, i64), CaseCounts> = BTreeMap::new();
        for r in &old {
            let key = (
                r.dim,
                r.key_text.clone().unwrap_or_default(),
                r.key_id.unwrap_or_default(),
            );
            *delta.entry(key).or_default() -= r.counts();
        }
        let new = cells(&fresh);
        for (k, c) in &new {
            *delta.entry(k.clone()).or_default() += *c;
        }
        delta.retain(|_, c| *c != CaseCounts::default());
        sqlx::query("DELETE FROM case_figures_monthly WHERE level = 'compound' AND region_id = $1 AND month = $2")
            .bind(compound)
            .bind(month)
            .execute(&mut *conn)
            .await?;
        upsert(&mut conn, "compound", compound, month, &new).await?;
        if !delta.is_empty() {
            upsert(&mut conn, "compound", compound, year_of(month), &delta).await?;
            let regions: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT community_id, subdistrict_id, district_id, city_id FROM compounds WHERE id = $1",
            )
            .bind(compound)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((community, subdistrict, district, city)) = regions {
                for (level, id) in [
                    ("community", community),
                    ("subdistrict", subdistrict),
                    ("district", district),
                    ("city", city),
                ] {
                    upsert(&mut conn, level, id, month, &delta).await?;
                    upsert(&mut conn, level, id, year_of(month), &delta).await?;
                }
            }
        }
        sqlx::query("DELETE FROM case_figures_dirty WHERE compound_id = $1 AND month = $2")
            .bind(compound)
            .bind(month)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Counts every month of every compound again, and the regions from the compounds (after a
    /// bulk load). Inside the caller's transaction when there is one.
    pub async fn rebuild_figures(&mut self, now: i64) -> sqlx::Result<()> {
        let backend = self.db.backend;
        let mut work = self.db.begin().await?;
        {
            let mut s = work.cases();
            s.rebuild_in_work(backend, now).await?;
            sqlx::query("UPDATE case_figures_state SET refreshed_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *s.h.conn().await?)
                .await?;
        }
        work.commit().await
    }

    async fn rebuild_in_work(&mut self, backend: crate::db::Backend, now: i64) -> sqlx::Result<()> {
        let mut conn = self.h.conn().await?;
        for sql in [
            "DELETE FROM case_figures_monthly",
            "DELETE FROM case_figures_dirty",
        ] {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        let month = month_sql(backend, "created_at");
        let sums = super::figures::counts_sql("$1");
        for (dim, text, id) in [
            ("0", "owner_kind", "owner_id"),
            ("1", "''", "compound_id"),
            ("2", "kind", "0"),
            ("3", "''", "category_id"),
            ("4", "channel", "0"),
        ] {
            // Constants are not grouped by (SQLite reads a number there as a column position).
            let by: Vec<&str> = [text, id]
                .into_iter()
                .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .collect();
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(", {}", by.join(", "))
            };
            sqlx::query(&format!(
                "INSERT INTO case_figures_monthly (level, region_id, month, dim, key_text, key_id, {COUNTS}) \
                 SELECT 'compound', compound_id, {month}, {dim}, {text}, {id}, {sums} FROM cases \
                 GROUP BY compound_id, {month}{by}"
            ))
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        for (level, column) in LEVELS {
            sqlx::query(&format!(
                "INSERT INTO case_figures_monthly (level, region_id, month, dim, key_text, key_id, {COUNTS}) \
                 SELECT '{level}', c.{column}, m.month, m.dim, m.key_text, m.key_id, SUM(m.total), SUM(m.due_to_sign), \
                 SUM(m.signed_in_time), SUM(m.taken_on), SUM(m.closed), SUM(m.rated), SUM(m.satisfied), SUM(m.overdue) \
                 FROM case_figures_monthly m JOIN compounds c ON c.id = m.region_id WHERE m.level = 'compound' \
                 GROUP BY c.{column}, m.month, m.dim, m.key_text, m.key_id"
            ))
            .execute(&mut *conn)
            .await?;
        }
        // Each year's sum, on every level (month YYYY00).
        sqlx::query(&format!(
            "INSERT INTO case_figures_monthly (level, region_id, month, dim, key_text, key_id, {COUNTS}) \
             SELECT level, region_id, (month / 100) * 100, dim, key_text, key_id, SUM(total), SUM(due_to_sign), \
             SUM(signed_in_time), SUM(taken_on), SUM(closed), SUM(rated), SUM(satisfied), SUM(overdue) \
             FROM case_figures_monthly WHERE month % 100 <> 0 \
             GROUP BY level, region_id, (month / 100) * 100, dim, key_text, key_id"
        ))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The kept figures of months `[from, to)` (YYYYMM) in a scope, per dimension; without the
    /// compounds when `compounds` is false (see [`Self::kept_compounds`]).
    pub async fn kept_figures(
        &mut self,
        scope: &RollupScope,
        from: i64,
        to: i64,
        compounds: bool,
    ) -> sqlx::Result<FigureDims> {
        let Some(place) = scope_sql(scope) else {
            return Ok(FigureDims::default());
        };
        let when = if compounds {
            span_sql(from, to)
        } else {
            format!("{} AND dim <> 1", span_sql(from, to))
        };
        let sql = format!(
            "SELECT dim, key_text, key_id, CAST(SUM(total) AS BIGINT) AS total, \
             CAST(SUM(due_to_sign) AS BIGINT) AS due_to_sign, CAST(SUM(signed_in_time) AS BIGINT) AS signed_in_time, \
             CAST(SUM(taken_on) AS BIGINT) AS taken_on, CAST(SUM(closed) AS BIGINT) AS closed, \
             CAST(SUM(rated) AS BIGINT) AS rated, CAST(SUM(satisfied) AS BIGINT) AS satisfied, \
             CAST(SUM(overdue) AS BIGINT) AS overdue \
             FROM case_figures_monthly WHERE $1 <= $2 AND {when} AND ({place}) \
             GROUP BY dim, key_text, key_id HAVING SUM(total) <> 0"
        );
        if let Some(file) = &self.db.sqlite_file {
            // Thousands of small rows (a district's compounds): read directly, as the other
            // hot SQLite paths, rather than through the generic driver's row conversion.
            let file = file.clone();
            return tokio::task::spawn_blocking(move || {
                use crate::db::direct::Param::I;
                let mut out = FigureDims::default();
                crate::db::direct::for_each_row(&file, &sql, &[I(from), I(to)], |r| {
                    let n = |i: usize| -> rusqlite::Result<i64> { r.get(i) };
                    out.add(&super::figures::DimRow::from_parts(
                        n(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        CaseCounts {
                            total: n(3)?,
                            due_to_sign: n(4)?,
                            signed_in_time: n(5)?,
                            taken_on: n(6)?,
                            closed: n(7)?,
                            rated: n(8)?,
                            satisfied: n(9)?,
                            overdue: n(10)?,
                        },
                    ));
                    Ok(())
                })?;
                Ok(out)
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("figures: {e}")))?;
        }
        let rows: Vec<super::figures::DimRow> = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.h.conn().await?)
            .await?;
        let mut out = FigureDims::default();
        for r in rows {
            out.add(&r);
        }
        Ok(out)
    }

    /// One page of the compounds of one kept month or year row (`month`, see [`kept_row`]),
    /// largest first, and how many compounds have cases there: an ordered walk of
    /// `case_figures_ranked`, so a district of thousands of compounds costs a page.
    pub async fn kept_compounds(
        &mut self,
        scope: &RollupScope,
        month: i64,
        offset: i64,
        limit: i64,
    ) -> sqlx::Result<(Vec<(i64, CaseCounts)>, i64)> {
        let Some(place) = scope_sql(scope) else {
            return Ok((Vec::new(), 0));
        };
        let rows = format!(
            "SELECT key_id, total, due_to_sign, signed_in_time, taken_on, closed, rated, satisfied, overdue \
             FROM case_figures_monthly WHERE month = $1 AND dim = 1 AND total <> 0 AND ({place}) \
             ORDER BY total DESC, key_id LIMIT $2 OFFSET $3"
        );
        let count = format!(
            "SELECT COUNT(*) FROM case_figures_monthly WHERE month = $1 AND dim = 1 AND total <> 0 AND ({place})"
        );
        let read = |r: &sqlx::any::AnyRow| -> sqlx::Result<(i64, CaseCounts)> {
            Ok((
                r.try_get(0)?,
                CaseCounts {
                    total: r.try_get(1)?,
                    due_to_sign: r.try_get(2)?,
                    signed_in_time: r.try_get(3)?,
                    taken_on: r.try_get(4)?,
                    closed: r.try_get(5)?,
                    rated: r.try_get(6)?,
                    satisfied: r.try_get(7)?,
                    overdue: r.try_get(8)?,
                },
            ))
        };
        let mut conn = self.h.conn().await?;
        let page = sqlx::query(&rows)
            .bind(month)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(read)
            .collect::<sqlx::Result<Vec<_>>>()?;
        let n: i64 = sqlx::query_scalar(&count)
            .bind(month)
            .fetch_one(&mut *conn)
            .await?;
        Ok((page, n))
    }
}

/// The one kept row that is exactly months `[from, to)`: the month itself, or a whole
/// calendar year's row (YYYY00).
pub fn kept_row(from: i64, to: i64) -> Option<i64> {
    if next_month(from) == to {
        Some(from)
    } else if from % 100 == 1 && to == from + 100 {
        Some(from / 100 * 100)
    } else {
        None
    }
}

/// The rows of a scope, as a condition on `level` and `region_id` (None: nothing in scope).
fn scope_sql(scope: &RollupScope) -> Option<String> {
    if scope.all {
        return Some("level = 'city'".to_string());
    }
    let mut by_level: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (level, id) in &scope.regions {
        by_level.entry(level).or_default().push(id.to_string());
    }
    if !scope.compounds.is_empty() {
        by_level
            .entry("compound")
            .or_default()
            .extend(scope.compounds.iter().map(i64::to_string));
    }
    let parts: Vec<String> = by_level
        .into_iter()
        .map(|(level, ids)| format!("(level = '{level}' AND region_id IN ({}))", ids.join(",")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// The cells of a counting, keyed by (dimension, text key, id key).
fn cells(d: &FigureDims) -> BTreeMap<(i64, String, i64), CaseCounts> {
    let mut out = BTreeMap::new();
    for (kind, ids) in &d.by_unit {
        for (id, c) in ids {
            out.insert((0, kind.clone(), *id), *c);
        }
    }
    for (id, c) in &d.by_compound {
        out.insert((1, String::new(), *id), *c);
    }
    for (k, c) in &d.by_kind {
        out.insert((2, k.clone(), 0), *c);
    }
    for (id, c) in &d.by_category {
        out.insert((3, String::new(), *id), *c);
    }
    for (k, c) in &d.by_channel {
        out.insert((4, k.clone(), 0), *c);
    }
    out
}

/// Adds cells to a level's month (creating the rows that are not there).
async fn upsert(
    conn: &mut sqlx::AnyConnection,
    level: &str,
    region: i64,
    month: i64,
    cells: &BTreeMap<(i64, String, i64), CaseCounts>,
) -> sqlx::Result<()> {
    for chunk in cells.iter().collect::<Vec<_>>().chunks(50) {
        // The keys are bound; the counts are integers computed here.
        let rendered: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (_, c))| {
                format!(
                    "('{level}', {region}, {month}, ${}, ${}, ${}, {}, {}, {}, {}, {}, {}, {}, {})",
                    i * 3 + 1,
                    i * 3 + 2,
                    i * 3 + 3,
                    c.total,
                    c.due_to_sign,
                    c.signed_in_time,
                    c.taken_on,
                    c.closed,
                    c.rated,
                    c.satisfied,
                    c.overdue
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO case_figures_monthly (level, region_id, month, dim, key_text, key_id, {COUNTS}) VALUES {} \
             ON CONFLICT (level, region_id, month, dim, key_text, key_id) DO UPDATE SET \
             total = case_figures_monthly.total + excluded.total, \
             due_to_sign = case_figures_monthly.due_to_sign + excluded.due_to_sign, \
             signed_in_time = case_figures_monthly.signed_in_time + excluded.signed_in_time, \
             taken_on = case_figures_monthly.taken_on + excluded.taken_on, \
             closed = case_figures_monthly.closed + excluded.closed, \
             rated = case_figures_monthly.rated + excluded.rated, \
             satisfied = case_figures_monthly.satisfied + excluded.satisfied, \
             overdue = case_figures_monthly.overdue + excluded.overdue",
            rendered.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((dim, text, id), _) in chunk {
            q = q.bind(*dim).bind(text.clone()).bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
