//! The JSON API of places: regions, compounds, buildings, dwellings and holdings.
use crate::db::places::{Building, Compound, Dwelling, HoldingRow, Region};
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::PageParams;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::http::session::Actor;
use crate::services::places;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/regions", get(regions))
        .route("/api/v1/compounds", get(compounds))
        .route(
            "/api/v1/compounds/{id}",
            get(compound).patch(compound_patch),
        )
        .route("/api/v1/regions/{id}/compounds", post(compound_add))
        .route("/api/v1/compounds/{id}/buildings", post(building_add))
        .route("/api/v1/buildings/{id}/dwellings", post(dwelling_add))
        .route("/api/v1/dwellings/{id}/residents", post(resident_add))
        .route("/api/v1/dwellings/{id}/holdings", post(holding_add))
        .route("/api/v1/holdings/{id}/end", post(holding_end))
        .route("/api/v1/compounds/{id}/dwellings", get(compound_dwellings))
        .route("/api/v1/buildings/{id}", get(building))
        .route(
            "/api/v1/dwellings/{id}",
            get(dwelling).patch(dwelling_patch),
        )
}

/// List the regions
///
/// Any signed-in user: every region (city, district, sub-districts, communities) with its parent
/// and level.
#[utoipa::path(get, path = "/api/v1/regions", tag = "places", responses((status = 200, body = Vec<Region>)))]
async fn regions(State(s): State<AppState>, _actor: Actor) -> AppResult<Json<Vec<Region>>> {
    Ok(Json(s.db.places().regions().await?))
}

/// List the compounds the caller may see
///
/// Any signed-in user: the compounds within their `ViewPlace` grants (none without one), by id.
/// 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/compounds", tag = "places", params(PageParams),
    responses((status = 200, description = "The compounds the caller may see", body = Vec<Compound>), (status = 422, body = ApiError)))]
async fn compounds(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<Compound>>> {
    Ok(Json(
        places::list_compounds(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

/// Show a compound
///
/// Needs `ViewPlace` at the compound (403; 404 unknown): its figures, buildings, property
/// contracts and the teams serving it, and whether the caller may edit it.
#[utoipa::path(get, path = "/api/v1/compounds/{id}", tag = "places", params(("id" = i64, Path)),
    responses((status = 200, body = places::CompoundView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn compound(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<places::CompoundView>> {
    Ok(Json(places::view_compound(&s.db, &actor, id).await?))
}

/// Change a compound
///
/// Needs `EditPlace` at the compound (property managers, community staff, administrators; 403):
/// name, kind and address. 404 unknown; 422 on a bad field or a taken name. Audited.
#[utoipa::path(patch, path = "/api/v1/compounds/{id}", tag = "places", params(("id" = i64, Path)), request_body = places::CompoundEdit,
    responses((status = 200, body = Compound), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn compound_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<places::CompoundEdit>,
) -> AppResult<Json<Compound>> {
    Ok(Json(places::edit_compound(&s.db, &actor, id, &edit).await?))
}

/// Add a compound to a community
///
/// Needs `EditPlace` over the community (community staff, administrators; 403). 404 unknown
/// region; 422 when it is not a community, on a bad field or a taken name. Audited.
#[utoipa::path(post, path = "/api/v1/regions/{id}/compounds", tag = "places", params(("id" = i64, Path, description = "The community")), request_body = places::CompoundEdit,
    responses((status = 201, body = Compound), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn compound_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::CompoundEdit>,
) -> AppResult<(axum::http::StatusCode, Json<Compound>)> {
    let c = places::add_compound(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(c)))
}

/// Add a building to a compound
///
/// Needs `EditPlace` at the compound (property managers, community staff, administrators; 403;
/// 404 unknown compound). 422 when the name is empty, too long or taken there. Audited.
#[utoipa::path(post, path = "/api/v1/compounds/{id}/buildings", tag = "places", params(("id" = i64, Path)), request_body = places::BuildingNew,
    responses((status = 201, body = Building), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn building_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::BuildingNew>,
) -> AppResult<(axum::http::StatusCode, Json<Building>)> {
    let b = places::add_building(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(b)))
}

/// Add a dwelling to a building
///
/// Needs `EditPlace` at the building (property managers, community staff, administrators; 403;
/// 404 unknown building). 422 names each bad field, or a number taken in the building. Audited.
#[utoipa::path(post, path = "/api/v1/buildings/{id}/dwellings", tag = "places", params(("id" = i64, Path)), request_body = places::DwellingNew,
    responses((status = 201, body = Dwelling), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn dwelling_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::DwellingNew>,
) -> AppResult<(axum::http::StatusCode, Json<Dwelling>)> {
    let d = places::add_dwelling(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(d)))
}

/// Add a new resident to a dwelling
///
/// Needs `EditPeople` at the dwelling (403; 404 unknown dwelling): creates the person and their
/// holding together. A known ID number is 422 `taken` (link them with /holdings). Audited, masked.
#[utoipa::path(post, path = "/api/v1/dwellings/{id}/residents", tag = "places", params(("id" = i64, Path)), request_body = places::ResidentNew,
    responses((status = 201, description = "The new person's holding of the dwelling", body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 422, description = "`id_number` `taken`: the person is known; link them with /holdings", body = ApiError)))]
async fn resident_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::ResidentNew>,
) -> AppResult<(axum::http::StatusCode, Json<HoldingRow>)> {
    let h = places::add_resident(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(h)))
}

/// Link a known person to a dwelling
///
/// Needs `EditPeople` at the dwelling (403; 404 unknown dwelling). 422 on an unknown person, a bad
/// relation or dates, or an overlapping holding of the same kind. Audited.
#[utoipa::path(post, path = "/api/v1/dwellings/{id}/holdings", tag = "places", params(("id" = i64, Path)), request_body = places::HoldingNew,
    responses((status = 201, body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn holding_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::HoldingNew>,
) -> AppResult<(axum::http::StatusCode, Json<HoldingRow>)> {
    let h = places::add_holding(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(h)))
}

/// End a holding
///
/// Needs `EditPeople` at the dwelling (403; 404 unknown holding), e.g. after a sale or a move;
/// the history stays. 422 when already ended or the date is invalid. Audited.
#[utoipa::path(post, path = "/api/v1/holdings/{id}/end", tag = "places", params(("id" = i64, Path)), request_body = places::HoldingEnd,
    responses((status = 200, body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn holding_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<places::HoldingEnd>,
) -> AppResult<Json<HoldingRow>> {
    Ok(Json(places::end_holding(&s.db, &actor, id, &end).await?))
}

/// List the dwellings of a compound
///
/// Needs `ViewPlace` at the compound (403; 404 unknown): one keyset page of dwellings with
/// `next_after` for the next. 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/compounds/{id}/dwellings", tag = "places", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = places::DwellingPage), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn compound_dwellings(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let body =
        places::list_dwellings_json(&s.db, &actor, id, p.after.unwrap_or(0), p.limit).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Show a building
///
/// Needs `ViewPlace` at the building (403; 404 unknown): a page of its dwellings and, with
/// `ViewPeople` there, its current residents with masked phones (on the first page only).
#[utoipa::path(get, path = "/api/v1/buildings/{id}", tag = "places", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = places::BuildingView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn building(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<places::BuildingView>> {
    Ok(Json(
        places::view_building(&s.db, &actor, id, p.after.unwrap_or(0), p.limit).await?,
    ))
}

/// Show a dwelling
///
/// Needs `ViewPlace` at the dwelling (403; 404 unknown): the dwelling, its holders with masked
/// phones only with `ViewPeople` there, and whether the caller may edit it.
#[utoipa::path(get, path = "/api/v1/dwellings/{id}", tag = "places", params(("id" = i64, Path)),
    responses((status = 200, body = places::DwellingView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn dwelling(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<places::DwellingView>> {
    Ok(Json(places::view_dwelling(&s.db, &actor, id).await?))
}

/// Change a dwelling
///
/// Needs `EditPlace` at the dwelling (property managers, community staff, administrators; 403;
/// 404 unknown): floor, use, area and its source. 422 names each bad field. Audited.
#[utoipa::path(patch, path = "/api/v1/dwellings/{id}", tag = "places", params(("id" = i64, Path)), request_body = places::DwellingEdit,
    responses((status = 200, body = Dwelling), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn dwelling_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<places::DwellingEdit>,
) -> AppResult<Json<Dwelling>> {
    Ok(Json(places::edit_dwelling(&s.db, &actor, id, &edit).await?))
}

#[derive(OpenApi)]
#[openapi(paths(
    regions,
    compounds,
    compound,
    compound_patch,
    compound_add,
    building_add,
    dwelling_add,
    resident_add,
    holding_add,
    holding_end,
    compound_dwellings,
    building,
    dwelling,
    dwelling_patch
))]
pub struct PlacesApi;
