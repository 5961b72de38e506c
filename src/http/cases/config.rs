//! Administrators set up case categories and SLA periods (`/admin/case-config`).
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::form_number;
use crate::http::pages::{id_of, render};
use crate::http::session::Actor;
use crate::services::cases::config::{CaseConfig, CategoryInput, SlaInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
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

#[derive(Deserialize)]
struct CategoryForm {
    code: Option<String>,
    name_zh: String,
    name_en: String,
    handler: String,
    sla_class: String,
    /// A checkbox: present when ticked.
    active: Option<String>,
}

impl CategoryForm {
    fn input(self) -> CategoryInput {
        CategoryInput {
            code: self.code,
            name_zh: self.name_zh,
            name_en: self.name_en,
            handler: self.handler,
            sla_class: self.sla_class,
            active: self.active.is_some(),
        }
    }
}

async fn category_create(
    State(state): State<AppState>,
    actor: Actor,
    Form(f): Form<CategoryForm>,
) -> AppResult<Redirect> {
    crate::services::cases::config::create_category(&state.db, &actor, &f.input()).await?;
    Ok(Redirect::to("/admin/case-config"))
}

async fn category_update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<CategoryForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let mut input = f.input();
    input.code = None;
    crate::services::cases::config::update_category(&state.db, &actor, id, &input).await?;
    Ok(Redirect::to("/admin/case-config"))
}

#[derive(Deserialize)]
struct SlaForm {
    sign_minutes: String,
    reply_hours: String,
}

async fn sla_update(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    Form(f): Form<SlaForm>,
) -> AppResult<Redirect> {
    let input = SlaInput {
        sign_minutes: form_number(&f.sign_minutes, "sign_minutes")?,
        reply_hours: form_number(&f.reply_hours, "reply_hours")?,
    };
    crate::services::cases::config::update_sla(&state.db, &actor, &code, &input).await?;
    Ok(Redirect::to("/admin/case-config"))
}
