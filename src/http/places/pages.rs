//! Pages of places: compounds, buildings, dwellings and who holds them.
use crate::db::places::Compound;
use crate::domain::access::Action;
use crate::domain::kinds::{AreaSource, DwellingUse};
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::id_of;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::services::places;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/places", get(places_page).post(compound_create_submit))
        .route("/compounds/{id}", get(compound_page).post(compound_submit))
        .route("/compounds/{id}/buildings", post(building_submit))
        .route("/buildings/{id}/dwellings", post(new_dwelling_submit))
        .route("/dwellings/{id}/residents", post(resident_submit))
        .route("/dwellings/{id}/holdings", post(holding_submit))
        .route("/holdings/{id}/end", post(holding_end_submit))
        .route("/buildings/{id}", get(building_page))
        .route("/dwellings/{id}", get(dwelling_page).post(dwelling_submit))
}

// ---------------------------------------------------------------- places

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) after: Option<i64>,
}

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    ctx: Ctx,
    rows: Vec<(Compound, String)>,
    next_after: Option<i64>,
    /// Communities where the viewer may add a compound (none: no form).
    communities: Vec<(i64, String)>,
    kinds: Vec<&'static str>,
}

async fn places_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let limit = 50;
    let compounds =
        places::list_compounds(&state.db, &actor, q.after.unwrap_or(0), Some(limit)).await?;
    let regions = state.db.places().regions().await?;
    let next_after = (compounds.len() as i64 == limit)
        .then(|| compounds.last().map(|c| c.id))
        .flatten();
    let rows = compounds
        .into_iter()
        .map(|c| {
            let community = regions
                .iter()
                .find(|r| r.id == c.community_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (c, community)
        })
        .collect();
    // Communities where this actor may add a compound.
    let communities = places::communities_where(&state.db, &actor, Action::EditPlace).await?;
    render(PlacesPage {
        ctx,
        rows,
        next_after,
        communities,
        kinds: crate::domain::kinds::CompoundKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

/// The new-compound form names its community in a field; the API has it in the path.
#[derive(Deserialize)]
struct NewCompoundForm {
    #[serde(deserialize_with = "crate::services::input::int")]
    community_id: i64,
    #[serde(flatten)]
    compound: places::CompoundEdit,
}

async fn compound_create_submit(
    State(state): State<AppState>,
    actor: Actor,
    PageForm(f): PageForm<NewCompoundForm>,
) -> AppResult<Redirect> {
    let c = places::add_compound(&state.db, &actor, f.community_id, &f.compound).await?;
    Ok(Redirect::to(&format!("/compounds/{}", c.id)))
}

#[derive(Template)]
#[template(path = "compound.html")]
struct CompoundPage {
    ctx: Ctx,
    v: places::CompoundView,
    kinds: Vec<&'static str>,
}

async fn compound_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = places::view_compound(&state.db, &actor, id_of(&id)?).await?;
    render(CompoundPage {
        ctx,
        v,
        kinds: crate::domain::kinds::CompoundKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

async fn compound_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(edit): PageForm<places::CompoundEdit>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    places::edit_compound(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/compounds/{id}")))
}

async fn building_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<places::BuildingNew>,
) -> AppResult<Redirect> {
    let b = places::add_building(&state.db, &actor, id_of(&id)?, &new).await?;
    Ok(Redirect::to(&format!("/buildings/{}", b.id)))
}

async fn new_dwelling_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<places::DwellingNew>,
) -> AppResult<Redirect> {
    let d = places::add_dwelling(&state.db, &actor, id_of(&id)?, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{}", d.id)))
}

async fn resident_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<places::ResidentNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    places::add_resident(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}

async fn holding_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<places::HoldingNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    places::add_holding(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}

async fn holding_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(end): PageForm<places::HoldingEnd>,
) -> AppResult<Redirect> {
    let h = places::end_holding(&state.db, &actor, id_of(&id)?, &end).await?;
    Ok(Redirect::to(&format!("/dwellings/{}", h.dwelling_id)))
}

#[derive(Template)]
#[template(path = "building.html")]
struct BuildingPage {
    ctx: Ctx,
    v: places::BuildingView,
    uses: Vec<&'static str>,
    sources: Vec<&'static str>,
}

async fn building_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let v = places::view_building(
        &state.db,
        &actor,
        id_of(&id)?,
        q.after.unwrap_or(0),
        Some(100),
    )
    .await?;
    render(BuildingPage {
        ctx,
        v,
        uses: DwellingUse::ALL.iter().map(|u| u.as_str()).collect(),
        sources: AreaSource::ALL.iter().map(|u| u.as_str()).collect(),
    })
}

#[derive(Template)]
#[template(path = "dwelling.html")]
struct DwellingPage {
    ctx: Ctx,
    v: places::DwellingView,
    uses: Vec<&'static str>,
    sources: Vec<&'static str>,
    relations: Vec<&'static str>,
}

async fn dwelling_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = places::view_dwelling(&state.db, &actor, id_of(&id)?).await?;
    render(DwellingPage {
        ctx,
        v,
        uses: DwellingUse::ALL.iter().map(|u| u.as_str()).collect(),
        sources: AreaSource::ALL.iter().map(|u| u.as_str()).collect(),
        relations: crate::domain::kinds::HoldingRelation::ALL
            .iter()
            .filter(|r| **r != crate::domain::kinds::HoldingRelation::Developer)
            .map(|r| r.as_str())
            .collect(),
    })
}

async fn dwelling_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(edit): PageForm<places::DwellingEdit>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    places::edit_dwelling(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}
