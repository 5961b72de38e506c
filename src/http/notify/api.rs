//! Notifications over the API: the inbox and marking read.
use crate::db::notify::NotificationRow;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiJson, ApiQuery, PageParams};
use crate::http::session::Actor;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(notifications_read))
}

#[derive(Serialize, ToSchema)]
pub struct Inbox {
    /// Unread notifications, counted up to 100 (100 means "100 or more").
    pub unread: i64,
    pub items: Vec<NotificationRow>,
}

/// List the caller's notifications
///
/// Any signed-in user, their own inbox only: the unread count and one page of notifications,
/// newest first. 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notify", params(PageParams),
    responses((status = 200, body = Inbox)))]
async fn notifications(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Inbox>> {
    let limit = crate::services::page_limit(p.limit)?;
    Ok(Json(Inbox {
        unread: s.db.notify().unread_count(actor.user_id).await?,
        items: s
            .db
            .notify()
            .notifications(actor.user_id, p.after.unwrap_or(0), limit)
            .await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MarkRead {
    /// One notification; absent marks all read.
    pub id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
    /// Still unread, counted up to 100 (100 means "100 or more").
    pub unread: i64,
}

/// Mark notifications read
///
/// Any signed-in user, their own only: one notification (`id`) or, without it, all of them.
/// Returns how many were marked and how many are still unread.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notify", request_body = MarkRead, responses((status = 200, body = Marked)))]
async fn notifications_read(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(m): ApiJson<MarkRead>,
) -> AppResult<Json<Marked>> {
    let marked =
        s.db.notify()
            .mark_read(actor.user_id, m.id, crate::db::now())
            .await?;
    Ok(Json(Marked {
        marked,
        unread: s.db.notify().unread_count(actor.user_id).await?,
    }))
}

#[derive(OpenApi)]
#[openapi(paths(notifications, notifications_read))]
pub struct NotifyApi;
