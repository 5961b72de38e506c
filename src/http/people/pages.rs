//! A person's page: masked by default, unmasked with a reason that is logged.
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::id_of;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::services::people;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{id}", get(person_page).post(person_submit))
        .route("/people/{id}/unmask", post(person_unmask))
}

// ---------------------------------------------------------------- people

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: Ctx,
    v: people::PersonView,
}

async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = people::view_person(&state.db, &actor, id_of(&id)?).await?;
    render(PersonPage { ctx, v })
}

#[derive(Deserialize)]
struct UnmaskForm {
    reason: String,
}

async fn person_unmask(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<UnmaskForm>,
) -> AppResult<Response> {
    let v = people::unmask_person(&state.db, &actor, id_of(&id)?, &f.reason).await?;
    let mut resp = render(PersonPage { ctx, v })?.into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// On the page a blank box keeps the stored number (it is shown masked, never pre-filled); the
/// form reader drops blank fields, which is what "absent" means to the service.
async fn person_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(edit): PageForm<people::PersonEdit>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    people::edit_person(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/people/{id}")))
}
