//! The audit log for administrators, as a page and as CSV.
use crate::db::audit::AuditEntry;
use crate::domain::access::{Action, Target};
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::render;
use crate::http::session::Actor;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit.csv", get(audit_csv))
}

// ---------------------------------------------------------------- audit

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<AuditEntry>,
    next_before: Option<i64>,
}

#[derive(Deserialize)]
struct BeforeQuery {
    before: Option<i64>,
}

pub async fn audit_entries(
    state: &AppState,
    actor: &Actor,
    before: i64,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    actor.require(Action::ViewAudit, &Target::System)?;
    Ok(state.db.audit().audit_entries(before, limit).await?)
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<BeforeQuery>,
) -> AppResult<Html<String>> {
    let entries = audit_entries(&state, &actor, q.before.unwrap_or(0), 100).await?;
    let next_before = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    render(AuditPage {
        ctx,
        entries,
        next_before,
    })
}

/// The whole audit log as CSV (UTF-8 with BOM so that Excel opens it in Chinese).
async fn audit_csv(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    actor.require(Action::ViewAudit, &Target::System)?;
    let mut w = crate::http::csv::CsvExport::new(&[
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "before",
        "after",
        "reason",
    ])?;
    let mut before = 0;
    loop {
        let page = state.db.audit().audit_entries(before, 1000).await?;
        for e in &page {
            // Local time (Asia/Shanghai, to the second), like every time the product shows.
            let at = crate::domain::deadline::format_local(e.at, "%Y-%m-%d %H:%M:%S%:z");
            w.row([
                e.id.to_string(),
                at,
                e.actor.clone().unwrap_or_default(),
                e.action.clone(),
                e.entity.clone(),
                e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                e.before_json.clone().unwrap_or_default(),
                e.after_json.clone().unwrap_or_default(),
                e.reason.clone(),
            ])?;
        }
        match page.last() {
            Some(l) if page.len() == 1000 => before = l.id,
            _ => break,
        }
    }
    w.into_response("audit-log.csv")
}
