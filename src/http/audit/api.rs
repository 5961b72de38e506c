//! The audit log over the API (administrators).
use crate::db::audit::AuditEntry;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiQuery};
use crate::http::session::Actor;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(audit))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Keyset cursor: entries with a smaller id than this (newest first).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Read the audit log
///
/// Administrators only (`ViewAudit`; 403 otherwise): one keyset page of entries, newest first,
/// each with who acted, on what, the states before and after, and the reason. 422 when `limit`
/// is out of range.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ApiError)))]
async fn audit(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let limit = crate::services::page_limit(p.limit)?;
    Ok(Json(
        crate::http::audit::pages::audit_entries(&s, &actor, p.before.unwrap_or(0), limit).await?,
    ))
}

#[derive(OpenApi)]
#[openapi(paths(audit))]
pub struct AuditApi;
