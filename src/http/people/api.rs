//! The JSON API of people: masked reads, edits, and unmasking with a logged reason.
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath};
use crate::http::session::Actor;
use crate::services::people;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people/{id}", get(person).patch(person_patch))
        .route("/api/v1/people/{id}/unmask", post(person_unmask))
}

/// Show a person, masked
///
/// The person themselves, administrators, and whoever has `ViewPeople` at one of their
/// dwellings; 404 for anyone else. Phone and ID number are masked (in full for oneself).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, description = "Phone and ID number masked", body = people::PersonView), (status = 404, body = ApiError)))]
async fn person(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(people::view_person(&s.db, &actor, id).await?))
}

/// Change a person's name, phone or ID number
///
/// The person themselves, administrators, or `EditPeople` at one of their dwellings (403; 404
/// when not visible). 422 on a bad name, phone or ID number. Audited with masked values.
#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = people::PersonEdit,
    responses((status = 200, body = people::PersonView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn person_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<people::PersonEdit>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(people::edit_person(&s.db, &actor, id, &edit).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UnmaskRequest {
    /// Why the full numbers are needed; stored in the audit log.
    pub reason: String,
}

/// Show a person's full phone and ID number
///
/// Whoever has `UnmaskPersonal` at one of their dwellings, and administrators (403; 404 when not
/// visible). Each read is logged with its `reason` (422 when empty); one's own numbers come
/// without a log entry.
#[utoipa::path(post, path = "/api/v1/people/{id}/unmask", tag = "people", params(("id" = i64, Path)), request_body = UnmaskRequest,
    responses((status = 200, description = "Full phone and ID number; the read is logged", body = people::PersonView), (status = 403, body = ApiError)))]
async fn person_unmask(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<UnmaskRequest>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(
        people::unmask_person(&s.db, &actor, id, &r.reason).await?,
    ))
}

#[derive(OpenApi)]
#[openapi(paths(person, person_patch, person_unmask))]
pub struct PeopleApi;
