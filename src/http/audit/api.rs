//! The audit log over the API (administrators).
use crate::db::audit::AuditEntry;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiQuery};
use crate::http::session::Actor;
use crate::services::audit::{self, AuditFilter};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(audit))
}

/// Read the audit log
///
/// Administrators only (`ViewAudit`; 403 otherwise): one keyset page of entries, newest first,
/// each with who acted, on what, the states before and after, and the reason; narrowed by the
/// acting user, the action, the record and the days (Asia/Shanghai). 422 when `limit` is out of
/// range or a day is not a date.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ApiError)))]
async fn audit(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AuditFilter>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    Ok(Json(audit::entries(&s.db, &actor, &p).await?))
}

#[derive(OpenApi)]
#[openapi(paths(audit))]
pub struct AuditApi;
