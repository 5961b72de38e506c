//! Lists of cases: queues, a compound's public issues, the deadline job's work list and claims.
use super::*;
use crate::domain::cases::Unit;
use serde::Serialize;
use utoipa::ToSchema;

/// A line of a case list: enough for a queue, no personal data.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CaseLine {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub category_id: i64,
    pub status: String,
    pub compound_id: i64,
    pub building_id: Option<i64>,
    pub owner_kind: String,
    pub owner_id: i64,
    pub created_at: i64,
    pub next_due: Option<i64>,
}

/// Which cases a queue shows. Every filter is optional; `units` and `compounds` are OR-ed (a
/// worker sees what their units own and what lies in their places).
#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    /// Places whose cases the worker sees, OR-ed with `units`.
    pub places: PlaceScope,
    pub units: Vec<Unit>,
    pub reporter: Option<i64>,
    pub status: Option<String>,
    pub open_only: bool,
    pub overdue_at: Option<i64>,
    pub compound: Option<i64>,
    pub kind: Option<String>,
    pub category_id: Option<i64>,
}

impl CaseStore<'_> {
    /// One keyset page of a queue, newest first (`before` = 0 for the first page).
    /// One keyset page of a queue as the JSON array of its lines, made by the database in one
    /// value; with the number of lines and the last id (for the next page).
    pub async fn case_queue(
        &mut self,
        f: &QueueFilter,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<(String, i64, Option<i64>)> {
        // Only integers and known words reach the text of the query; values are bound.
        let mut scope: Vec<String> = f.places.sql().into_iter().collect();
        for u in &f.units {
            scope.push(format!(
                "(owner_kind = '{}' AND owner_id = {})",
                u.kind.as_str(),
                u.id
            ));
        }
        if let Some(u) = f.reporter {
            scope.push(format!("reporter_user_id = {u}"));
        }
        if scope.is_empty() {
            return Ok(("[]".into(), 0, None));
        }
        let mut sql = format!(
            "SELECT id, number, kind, category_id, status, compound_id, building_id, owner_kind, owner_id, created_at, next_due \
             FROM cases WHERE ({}) AND id < $1",
            scope.join(" OR ")
        );
        if f.open_only {
            sql.push_str(&format!(" AND {UNFINISHED}"));
        }
        if let Some(at) = f.overdue_at {
            sql.push_str(&format!(" AND next_due IS NOT NULL AND next_due < {at}"));
        }
        if let Some(c) = f.compound {
            sql.push_str(&format!(" AND compound_id = {c}"));
        }
        if let Some(cat) = f.category_id {
            sql.push_str(&format!(" AND category_id = {cat}"));
        }
        // Only the filters given reach the SQL, so that the planner can use the matching index.
        let mut n = 1;
        let mut texts = Vec::new();
        if let Some(st) = &f.status {
            n += 1;
            sql.push_str(&format!(" AND status = ${n}"));
            texts.push(st.clone());
        }
        if let Some(k) = &f.kind {
            n += 1;
            sql.push_str(&format!(" AND kind = ${n}"));
            texts.push(k.clone());
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", n + 1));
        if let Some(file) = &self.db.sqlite_file {
            // Plain rows serialised here: SQLite's JSON functions cost more than the reading
            // (the same finding as for a compound's dwellings page).
            use crate::db::direct::Param;
            let mut params = vec![Param::I(crate::db::keyset(before))];
            params.extend(texts.iter().map(|t| Param::T(t)));
            params.push(Param::I(limit));
            let lines = crate::db::direct::rows(file, &sql, &params, |r| {
                Ok(CaseLine {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    kind: r.get(2)?,
                    category_id: r.get(3)?,
                    status: r.get(4)?,
                    compound_id: r.get(5)?,
                    building_id: r.get(6)?,
                    owner_kind: r.get(7)?,
                    owner_id: r.get(8)?,
                    created_at: r.get(9)?,
                    next_due: r.get(10)?,
                })
            })?;
            let items =
                serde_json::to_string(&lines).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            return Ok((items, lines.len() as i64, lines.last().map(|l| l.id)));
        }
        let fields = "'id', id, 'number', number, 'kind', kind, 'category_id', category_id, 'status', status, \
                      'compound_id', compound_id, 'building_id', building_id, 'owner_kind', owner_kind, 'owner_id', owner_id, \
                      'created_at', created_at, 'next_due', next_due";
        let inner = sql;
        let sql = match self.db.backend {
            crate::db::Backend::Sqlite => format!(
                "SELECT COALESCE(json_group_array(json_object({fields})), '[]') AS items, COUNT(*) AS n, MIN(id) AS last_id FROM ({inner}) page"
            ),
            crate::db::Backend::Postgres => format!(
                "SELECT COALESCE(CAST(json_agg(json_build_object({fields}) ORDER BY id DESC) AS TEXT), '[]') AS items, \
                 COUNT(*) AS n, MIN(id) AS last_id FROM ({inner}) page"
            ),
        };
        let mut q = sqlx::query_as(&sql).bind(crate::db::keyset(before));
        for t in texts {
            q = q.bind(t);
        }
        q.bind(limit).fetch_one(&mut *self.h.conn().await?).await
    }

    /// Cases with a deadline to announce now: overdue and not yet announced as overdue, or due
    /// soon (within a quarter of the period that deadline closes, at most a day: the SQL form of
    /// `deadline::due_soon_margin(deadline::period_of_deadline(..))`) and not yet announced as
    /// due soon. Earliest deadline first.
    pub async fn cases_to_announce(&mut self, now: i64, limit: i64) -> sqlx::Result<Vec<CaseRow>> {
        const PERIOD: &str = "(CASE WHEN next_due = sign_due THEN sign_seconds WHEN next_due = reply_due THEN reply_seconds ELSE 345600 END)";
        sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE next_due IS NOT NULL AND (overdue_for IS NULL OR overdue_for <> next_due) \
             AND next_due < $1 + 86400 \
             AND (next_due <= $1 \
               OR (next_due > $1 AND next_due - (CASE WHEN {PERIOD} / 4 < 86400 THEN {PERIOD} / 4 ELSE 86400 END) <= $1 \
                   AND (due_soon_for IS NULL OR due_soon_for <> next_due))) \
             ORDER BY next_due LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Who supervises case work in a community: its community staff (cached 30 s).
    pub async fn supervisors_of(
        &mut self,
        community_id: i64,
    ) -> sqlx::Result<std::sync::Arc<Vec<i64>>> {
        if let Some(v) = self.db.caches.supervisors.get(&community_id) {
            return Ok(v);
        }
        let v: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM role_grants WHERE role = 'community_staff' AND ((scope_kind = 'region' AND scope_id = $1) \
             OR (scope_kind = 'organisation' AND scope_id IN (SELECT id FROM organisations WHERE kind = 'community_office' AND region_id = $1)))",
        )
        .bind(community_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let v = std::sync::Arc::new(v);
        self.db.caches.supervisors.put(community_id, v.clone());
        Ok(v)
    }

    /// A compound's open cases for its public list, newest first.
    #[allow(clippy::type_complexity)]
    pub async fn public_issues(
        &mut self,
        compound_id: i64,
        limit: i64,
    ) -> sqlx::Result<
        Vec<(
            i64,
            String,
            i64,
            Option<i64>,
            String,
            String,
            i64,
            String,
            i64,
        )>,
    > {
        sqlx::query_as(
            "SELECT id, number, category_id, building_id, public_area, status, created_at, description, description_public \
             FROM cases WHERE compound_id = $1 AND (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged') \
             AND kind <> 'petition' AND kind <> 'wellbeing' ORDER BY id DESC LIMIT $2",
        )
        .bind(compound_id)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Claim the due-soon (or overdue) announcement of a case's current deadline. Exactly one
    /// caller wins, whichever node it runs on.
    pub async fn claim_deadline_notice(
        &mut self,
        case_id: i64,
        due: i64,
        overdue: bool,
    ) -> sqlx::Result<bool> {
        let sql = if overdue {
            "UPDATE cases SET overdue_for = $1, due_soon_for = $1 WHERE id = $2 AND next_due = $1 \
             AND (overdue_for IS NULL OR overdue_for <> $1)"
        } else {
            "UPDATE cases SET due_soon_for = $1 WHERE id = $2 AND next_due = $1 \
             AND (due_soon_for IS NULL OR due_soon_for <> $1)"
        };
        Ok(sqlx::query(sql)
            .bind(due)
            .bind(case_id)
            .execute(&mut *self.h.conn().await?)
            .await?
            .rows_affected()
            == 1)
    }
}
