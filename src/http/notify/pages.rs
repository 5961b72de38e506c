//! The inbox: a user's notifications, read and marked read.
use crate::db::notify::NotificationRow;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::{opt_number, render};
use crate::http::session::Actor;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox_page))
        .route("/inbox/read", post(inbox_read))
}

// ---------------------------------------------------------------- inbox

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: Ctx,
    unread: i64,
    rows: Vec<NotificationRow>,
}

async fn inbox_page(State(s): State<AppState>, ctx: Ctx, actor: Actor) -> AppResult<Html<String>> {
    render(InboxPage {
        ctx,
        unread: s.db.notify().unread_count(actor.user_id).await?,
        rows: s.db.notify().notifications(actor.user_id, 0, 100).await?,
    })
}

#[derive(Deserialize)]
struct ReadForm {
    id: Option<String>,
}

async fn inbox_read(
    State(s): State<AppState>,
    actor: Actor,
    Form(f): Form<ReadForm>,
) -> AppResult<Redirect> {
    let id = opt_number(f.id.as_deref().unwrap_or(""), "id")?;
    s.db.notify()
        .mark_read(actor.user_id, id, crate::db::now())
        .await?;
    Ok(Redirect::to("/inbox"))
}
