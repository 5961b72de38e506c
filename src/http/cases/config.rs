//! Administrators set up case categories and SLA periods (`/admin/case-config`).
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::{id_of, render};
use crate::http::session::Actor;
use crate::services::cases::config::{CaseConfig, CategoryInput, SlaInput};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/case-config", get(config_page))
        .route("/admin/case-config/categories", post(category_create))
        .route("/admin/case-config/categories/{id}", post(category_update))
        .route("/admin/case-config/sla/{code}", post(sla_update))
}

#[derive(Template)]
#[template(path = "case_config.html")]
struct ConfigPage {
    ctx: Ctx,
    v: CaseConfig,
}

impl ConfigPage {
    /// A handler word as people read it: a squad by its kind, an organisation by its name.
    fn handler_name(&self, word: &str) -> String {
        if let Some(kind) = word.strip_prefix("squad:") {
            return self.ctx.label("SquadKind", kind);
        }
        if word.starts_with("organisation:")
            && let Some((_, name)) = self.v.handlers.iter().find(|(w, _)| w == word)
        {
            return name.clone();
        }
        self.ctx.t(&format!("config.handler.{word}"))
    }
}

async fn config_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
) -> AppResult<Html<String>> {
    let v = crate::services::cases::config::config(&state.db, &actor).await?;
    render(ConfigPage { ctx, v })
}

/// The category as the service reads it, except that `active` is a checkbox here: absent when
/// unticked (the API's default for an absent `active` is "yes").
#[derive(Deserialize)]
struct CategoryForm {
    #[serde(flatten)]
    input: CategoryInput,
    #[serde(default, deserialize_with = "crate::services::input::flag")]
    active: bool,
}

impl CategoryForm {
    fn input(self) -> CategoryInput {
        CategoryInput {
            active: self.active,
            ..self.input
        }
    }
}

async fn category_create(
    State(state): State<AppState>,
    actor: Actor,
    PageForm(f): PageForm<CategoryForm>,
) -> AppResult<Redirect> {
    crate::services::cases::config::create_category(&state.db, &actor, &f.input()).await?;
    Ok(Redirect::to("/admin/case-config"))
}

async fn category_update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(f): PageForm<CategoryForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let mut input = f.input();
    input.code = None;
    crate::services::cases::config::update_category(&state.db, &actor, id, &input).await?;
    Ok(Redirect::to("/admin/case-config"))
}

async fn sla_update(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    PageForm(input): PageForm<SlaInput>,
) -> AppResult<Redirect> {
    crate::services::cases::config::update_sla(&state.db, &actor, &code, &input).await?;
    Ok(Redirect::to("/admin/case-config"))
}
