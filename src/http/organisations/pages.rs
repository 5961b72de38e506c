//! Pages of organisations: the directory, one organisation, its contracts and committee.
use crate::db::organisations::Organisation;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::id_of;
use crate::http::pages::render;
use crate::http::places::pages::PageQuery;
use crate::http::session::Actor;
use crate::services::organisations as dir;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations/{id}/contracts", post(contract_submit))
        .route("/organisations/{id}/committee", post(committee_submit))
        .route("/organisations", get(organisations_page))
        .route(
            "/organisations/{id}",
            get(organisation_page).post(organisation_submit),
        )
        .route("/contracts/{id}/end", post(contract_end_submit))
        .route("/committee-members/{id}/end", post(committee_end_submit))
}

// ---------------------------------------------------------------- organisations and teams

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    ctx: Ctx,
    orgs: Vec<Organisation>,
    next_after: Option<i64>,
}

async fn organisations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let orgs = dir::list_organisations(&state.db, &actor, q.after.unwrap_or(0), Some(100)).await?;
    let next_after = (orgs.len() == 100)
        .then(|| orgs.last().map(|o| o.id))
        .flatten();
    render(OrganisationsPage {
        ctx,
        orgs,
        next_after,
    })
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    ctx: Ctx,
    v: dir::OrganisationView,
    /// Compounds to choose from for a new contract (the first 500).
    compounds: Vec<(i64, String)>,
}

async fn organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = dir::view_organisation(&state.db, &actor, id_of(&id)?).await?;
    let compounds = if v.can_edit && v.organisation.kind == "property_company" {
        state
            .db
            .places()
            .compounds(&crate::db::places::CompoundFilter::All, 0, 500)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        vec![]
    };
    render(OrganisationPage { ctx, v, compounds })
}

async fn contract_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<dir::ContractNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    dir::add_contract(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}

/// The page's text area sends the matters one a line, and sends it blank to clear them, so this
/// form keeps its own shape (a blank field elsewhere means "not given").
#[derive(Deserialize)]
struct OrganisationForm {
    name: String,
    phone: Option<String>,
    /// One matter a line (departments and police stations).
    matters: Option<String>,
}

async fn organisation_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<OrganisationForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let edit = dir::OrganisationEdit {
        name: f.name,
        phone: f.phone,
        matters: f.matters.map(|m| {
            m.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }),
    };
    dir::update_organisation(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}

async fn contract_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(end): PageForm<dir::ContractEnd>,
) -> AppResult<Redirect> {
    let v = dir::end_contract(&state.db, &actor, id_of(&id)?, &end).await?;
    Ok(Redirect::to(&format!(
        "/organisations/{}",
        v.organisation.id
    )))
}

async fn committee_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(end): PageForm<dir::TermEnd>,
) -> AppResult<Redirect> {
    let v = dir::end_committee_term(&state.db, &actor, id_of(&id)?, &end).await?;
    Ok(Redirect::to(&format!(
        "/organisations/{}",
        v.organisation.id
    )))
}

async fn committee_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<dir::CommitteeMemberNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    dir::add_committee_member(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}
