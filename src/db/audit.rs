//! The audit log: every change (before and after) and every unmasked read of personal data.
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// The audit log.
    AuditStore,
    audit
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: String,
}

/// One line to append to the audit log.
pub struct AuditRecord<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: &'a str,
}

impl AuditStore<'_> {
    pub async fn record(&mut self, r: AuditRecord<'_>) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, before_json, after_json, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(super::now())
        .bind(r.actor_user_id)
        .bind(r.action)
        .bind(r.entity)
        .bind(r.entity_id)
        .bind(r.before.map(|v| v.to_string()))
        .bind(r.after.map(|v| v.to_string()))
        .bind(r.reason)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(())
    }

    /// Newest first, keyset on id (`before` = 0 for the first page), narrowed by the filter's
    /// conditions (only those given are written into the query, so each can use its index).
    pub async fn audit_entries(
        &mut self,
        f: &AuditQuery,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT a.id, a.at, a.actor_user_id, u.username AS actor, a.action, a.entity, a.entity_id, a.before_json, \
                    a.after_json, a.reason \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id WHERE a.id < $1",
        );
        let conditions = [
            (f.actor.is_some(), "u.username"),
            (f.action.is_some(), "a.action"),
            (f.entity.is_some(), "a.entity"),
            (f.entity_id.is_some(), "a.entity_id"),
        ];
        let mut n = 1;
        for (_, column) in conditions.iter().filter(|c| c.0) {
            n += 1;
            sql.push_str(&format!(" AND {column} = ${n}"));
        }
        for (given, cond) in [(f.from.is_some(), "a.at >= "), (f.to.is_some(), "a.at < ")] {
            if given {
                n += 1;
                sql.push_str(&format!(" AND {cond}${n}"));
            }
        }
        sql.push_str(&format!(" ORDER BY a.id DESC LIMIT ${}", n + 1));
        let mut q = sqlx::query_as(&sql).bind(crate::db::keyset(before));
        for text in [&f.actor, &f.action, &f.entity].into_iter().flatten() {
            q = q.bind(text.clone());
        }
        for v in [f.entity_id, f.from, f.to].into_iter().flatten() {
            q = q.bind(v);
        }
        q.bind(limit).fetch_all(&mut *self.h.conn().await?).await
    }
}

/// Which audit entries to list (each condition optional).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// The acting user's login name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// Instants: entries at or after `from` and before `to`.
    pub from: Option<i64>,
    pub to: Option<i64>,
}
