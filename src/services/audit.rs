//! The audit log: every change (before and after) and every unmasked read, for
//! administrators, narrowed by who, what, which record and when.
use crate::db::Db;
use crate::db::audit::{AuditEntry, AuditQuery};
use crate::domain::access::{Action, Target};
use crate::domain::deadline;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Deserialize;

/// The filters of the audit log page and API (all optional; blank means not given).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    /// Keyset cursor: entries with a smaller id than this (newest first).
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub before: Option<i64>,
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub limit: Option<i64>,
    /// The acting user's login name.
    pub actor: Option<String>,
    /// create | update | delete | unmask | import | revoke | a case step (`replied`, …) | …
    pub action: Option<String>,
    /// case | person | user | decision | compound | …
    pub entity: Option<String>,
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub entity_id: Option<i64>,
    /// First day (`2026-12-01`, Asia/Shanghai), inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

impl AuditFilter {
    /// The filter as a database query: blank texts dropped, days turned into instants.
    fn query(&self) -> AppResult<AuditQuery> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let day = |v: &Option<String>, field: &'static str, next: bool| -> AppResult<Option<i64>> {
            let Some(v) = text(v) else { return Ok(None) };
            let d: jiff::civil::Date = v
                .parse()
                .map_err(|_| AppError::field(field, "invalid_date"))?;
            let d = if next {
                d.tomorrow()
                    .map_err(|_| AppError::field(field, "out_of_range"))?
            } else {
                d
            };
            Ok(Some(deadline::local_midnight(d)))
        };
        let q = AuditQuery {
            actor: text(&self.actor).map(|a| a.to_lowercase()),
            action: text(&self.action),
            entity: text(&self.entity),
            entity_id: self.entity_id,
            from: day(&self.from, "from", false)?,
            to: day(&self.to, "to", true)?,
        };
        if let (Some(f), Some(t)) = (q.from, q.to)
            && t <= f
        {
            return Err(AppError::field("to", "before_start"));
        }
        Ok(q)
    }
}

/// One page of the audit log (administrators only: `ViewAudit`).
pub async fn entries(db: &Db, actor: &Actor, f: &AuditFilter) -> AppResult<Vec<AuditEntry>> {
    actor.require(Action::ViewAudit, &Target::System)?;
    let limit = crate::services::page_limit(f.limit)?;
    let q = f.query()?;
    Ok(db
        .audit()
        .audit_entries(&q, f.before.unwrap_or(0), limit)
        .await?)
}

/// Every entry the filter selects, a thousand at a time, for the CSV download.
pub async fn each_entry(
    db: &Db,
    actor: &Actor,
    f: &AuditFilter,
    mut each: impl FnMut(&AuditEntry) -> AppResult<()>,
) -> AppResult<()> {
    actor.require(Action::ViewAudit, &Target::System)?;
    let q = f.query()?;
    let mut before = 0;
    loop {
        let page = db.audit().audit_entries(&q, before, 1000).await?;
        for e in &page {
            each(e)?;
        }
        match page.last() {
            Some(l) if page.len() == 1000 => before = l.id,
            _ => return Ok(()),
        }
    }
}
