//! The JSON API of organisations: the directory, property contracts and owners' committees.
use crate::db::organisations::Organisation;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::PageParams;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::http::session::Actor;
use crate::services::organisations as dir;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organisations/{id}/contracts", post(contract_add))
        .route("/api/v1/contracts/{id}/end", post(contract_end))
        .route(
            "/api/v1/committee-members/{id}/end",
            post(committee_term_end),
        )
        .route(
            "/api/v1/organisations/{id}/committee",
            post(committee_member_add),
        )
        .route(
            "/api/v1/organisations",
            get(organisations).post(organisation_create),
        )
        .route(
            "/api/v1/organisations/{id}",
            get(organisation).patch(organisation_patch),
        )
}

/// Add a property contract
///
/// Needs `EditOrganisation` over the compound's regions (district officials, administrators;
/// 403). The organisation must be a property company and the period must not overlap another
/// contract of the compound (422). 404 unknown organisation. Audited.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/contracts", tag = "organisations", params(("id" = i64, Path)), request_body = dir::ContractNew,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::ContractNew>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::add_contract(&s.db, &actor, id, &new).await?))
}

/// End a property contract
///
/// Needs `EditOrganisation` over the company's regions (district officials, administrators;
/// 403). Sets its last day; 422 when already ended or the date is invalid; 404 unknown contract.
/// Audited.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/end", tag = "organisations", params(("id" = i64, Path)), request_body = dir::ContractEnd,
    responses((status = 200, description = "The company's organisation view", body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<dir::ContractEnd>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::end_contract(&s.db, &actor, id, &end).await?))
}

/// End a committee member's term
///
/// Needs `EditOrganisation` over the committee's regions (district officials, administrators;
/// 403). Sets the member's last day; 422 when already ended or the date is invalid; 404 unknown
/// member. Audited.
#[utoipa::path(post, path = "/api/v1/committee-members/{id}/end", tag = "organisations", params(("id" = i64, Path)), request_body = dir::TermEnd,
    responses((status = 200, description = "The committee's organisation view", body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn committee_term_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<dir::TermEnd>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::end_committee_term(&s.db, &actor, id, &end).await?,
    ))
}

/// Change an organisation
///
/// Needs `EditOrganisation` over its regions (district officials, administrators; 403): name,
/// phone and, for departments and police stations, the matters they own (cases are routed by
/// them). 404 unknown; 422 on a bad field or a taken name. Audited.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)), request_body = dir::OrganisationEdit,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn organisation_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<dir::OrganisationEdit>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::update_organisation(&s.db, &actor, id, &edit).await?,
    ))
}

/// Add a member to an owners' committee
///
/// Needs `EditOrganisation` over the committee's regions (district officials, administrators;
/// 403): a known person with position and term. 422 when it is not an owners' committee or a
/// field is bad; 404 unknown organisation. Audited.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/committee", tag = "organisations", params(("id" = i64, Path)), request_body = dir::CommitteeMemberNew,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn committee_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::CommitteeMemberNew>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::add_committee_member(&s.db, &actor, id, &new).await?,
    ))
}

/// List organisations
///
/// Any signed-in user (public-service information): property companies, owners' committees,
/// departments, police stations and offices, by id. 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(PageParams), responses((status = 200, body = Vec<Organisation>)))]
async fn organisations(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<Organisation>>> {
    Ok(Json(
        dir::list_organisations(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

/// Show one organisation
///
/// Any signed-in user: its matters, property contracts and committee members, and whether the
/// caller may edit it (`can_edit`). 404 unknown organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = dir::OrganisationView), (status = 404, body = ApiError)))]
async fn organisation(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::view_organisation(&s.db, &actor, id).await?))
}

/// Create an organisation
///
/// Needs `EditOrganisation` over the region given (district officials, administrators; 403).
/// 422 names each bad field (kind, name, unknown region or compound); 409 when one of that kind
/// and name exists. Audited.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = dir::OrganisationNew,
    responses((status = 201, body = Organisation), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn organisation_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(new): ApiJson<dir::OrganisationNew>,
) -> AppResult<(axum::http::StatusCode, Json<Organisation>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(dir::create_organisation(&s.db, &actor, &new).await?),
    ))
}

#[derive(OpenApi)]
#[openapi(paths(
    contract_add,
    contract_end,
    committee_term_end,
    organisation_patch,
    committee_member_add,
    organisations,
    organisation,
    organisation_create
))]
pub struct OrganisationsApi;
