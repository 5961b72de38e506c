//! Owners' demands for an extraordinary meeting (20 % of heads and of area).
use crate::db::decisions::DemandRow;
use crate::domain::decisions::vote::share_percent;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::{id_of, render};
use crate::http::session::Actor;
use crate::services::decisions::{self as svc, DemandStatus};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/compounds/{id}/demands",
            get(demands_page).post(demand_start_submit),
        )
        .route("/demands/{id}", get(demand_page))
        .route("/demands/{id}/sign", post(demand_sign_submit))
}

// ---------------------------------------------------------------- meeting demands

#[derive(Template)]
#[template(path = "demands.html")]
struct DemandsPage {
    ctx: Ctx,
    compound_id: i64,
    rows: Vec<DemandRow>,
    may_demand: bool,
}

async fn demands_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let rows = svc::demands_of(&s.db, &actor, id).await?;
    let may_demand = svc::may_demand(&s.db, &actor, id).await?;
    render(DemandsPage {
        ctx,
        compound_id: id,
        rows,
        may_demand,
    })
}

#[derive(Deserialize)]
struct DemandForm {
    subject: String,
}

async fn demand_start_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<DemandForm>,
) -> AppResult<Redirect> {
    let demand = svc::start_demand(&s.db, &actor, id_of(&id)?, &f.subject).await?;
    Ok(Redirect::to(&format!("/demands/{demand}")))
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandPage {
    ctx: Ctx,
    d: DemandStatus,
    heads_pct: String,
    area_pct: String,
}

async fn demand_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let d = svc::demand(&s.db, &actor, id_of(&id)?).await?;
    render(DemandPage {
        ctx,
        // The exact counts are beside them on the page.
        heads_pct: format!("{} %", share_percent(d.signed.heads, d.total.heads)),
        area_pct: format!("{} %", share_percent(d.signed.area, d.total.area)),
        d,
    })
}

async fn demand_sign_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::sign_demand(&s.db, &s.config.case_prefix, &actor, id).await?;
    Ok(Redirect::to(&format!("/demands/{id}")))
}
