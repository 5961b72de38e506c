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

#[utoipa::path(post, path = "/api/v1/organisations/{id}/contracts", tag = "directory", params(("id" = i64, Path)), request_body = dir::ContractNew,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::ContractNew>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::add_contract(&s.db, &actor, id, &new).await?))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/end", tag = "directory", params(("id" = i64, Path)), request_body = dir::ContractEnd,
    responses((status = 200, description = "The company's organisation view", body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<dir::ContractEnd>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::end_contract(&s.db, &actor, id, &end).await?))
}

#[utoipa::path(post, path = "/api/v1/committee-members/{id}/end", tag = "directory", params(("id" = i64, Path)), request_body = dir::TermEnd,
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

#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "directory", params(("id" = i64, Path)), request_body = dir::OrganisationEdit,
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

#[utoipa::path(post, path = "/api/v1/organisations/{id}/committee", tag = "directory", params(("id" = i64, Path)), request_body = dir::CommitteeMemberNew,
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

#[utoipa::path(get, path = "/api/v1/organisations", tag = "directory", params(PageParams), responses((status = 200, body = Vec<Organisation>)))]
async fn organisations(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<Organisation>>> {
    Ok(Json(
        dir::list_organisations(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = dir::OrganisationView), (status = 404, body = ApiError)))]
async fn organisation(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::view_organisation(&s.db, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "directory", request_body = dir::OrganisationNew,
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
