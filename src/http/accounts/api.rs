//! The JSON API under `/api/v1`, documented by an OpenAPI document generated from this code
//! (`/api/openapi.json`, browsable at `/api/docs`). Errors are `{"error": {code, message, fields}}`.
use crate::db::accounts::GrantRow;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::http::session::Actor;
use crate::services::accounts::{
    self, Account, AccountInput, AccountPage, AccountPatch, GrantInput,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::delete;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(one).patch(update))
        .route("/api/v1/users/{id}/grants", post(grant_add))
        .route("/api/v1/grants/{id}", delete(grant_revoke))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub person_id: Option<i64>,
    pub grants: Vec<GrantRow>,
}

/// Show the signed-in account
///
/// Any signed-in user (session cookie or API token): their user id, username, display name,
/// linked person and role grants. 401 without a valid credential.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
async fn me(actor: Actor) -> Json<Me> {
    Json(Me {
        user_id: actor.user_id,
        username: actor.username,
        name: actor.display_name,
        person_id: actor.person_id,
        grants: actor.grant_rows,
    })
}

#[derive(OpenApi)]
#[openapi(
    paths(me, list, create, one, update, grant_add, grant_revoke),
    components(schemas(ApiError))
)]
pub struct AccountsApi;

#[derive(Deserialize, IntoParams)]
pub struct AccountQuery {
    /// The start of a username or part of a person's name.
    pub q: Option<String>,
    /// Keyset cursor: `next_before` of the previous page.
    pub before: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// List accounts
///
/// Administrators only (`ManageUsers`; 403 otherwise). One keyset page of accounts with their
/// grants, filtered by `q`; 422 when `q` is over 40 characters or `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = AccountPage), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn list(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AccountQuery>,
) -> AppResult<Json<AccountPage>> {
    Ok(Json(
        accounts::list(
            &s.db,
            &actor,
            p.q.as_deref().unwrap_or(""),
            p.before.unwrap_or(0),
            p.limit,
        )
        .await?,
    ))
}

/// Create an account
///
/// Administrators only (`ManageUsers`; 403 otherwise); optionally linked to a person; audited,
/// never with the password. 422 names each bad field: username invalid or taken, password
/// refused, unknown `person_id`, `locale` other than zh-CN or en.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = AccountInput,
    responses((status = 201, body = Account), (status = 403, body = ApiError), (status = 422, description = "`fields` names each bad field (username taken, password too short …)", body = ApiError)))]
async fn create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<AccountInput>,
) -> AppResult<(StatusCode, Json<Account>)> {
    Ok((
        StatusCode::CREATED,
        Json(accounts::create(&s.db, &actor, &input).await?),
    ))
}

/// Show one account
///
/// Administrators only (`ManageUsers`; 403 otherwise): the account with its role grants. 404 when
/// there is no such account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Account), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn one(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Account>> {
    Ok(Json(accounts::view(&s.db, &actor, id).await?))
}

/// Change an account
///
/// Administrators only (`ManageUsers`; 403 otherwise): disable or enable it, set a new password,
/// link a person (0 unlinks), set the language of their notifications (`zh-CN`, `en`); audited. 404 unknown account; 422 when nothing is to change, on a
/// bad password or person, or when disabling oneself or the last administrator.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = i64, Path)), request_body = AccountPatch,
    responses((status = 200, body = Account), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn update(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> AppResult<Json<Account>> {
    let a = accounts::update(&s.db, &actor, id, &patch).await?;
    s.actors.forget_user(id);
    Ok(Json(a))
}

/// Grant a role to an account
///
/// Administrators only (`ManageUsers`; 403 otherwise): a role within a scope (global, region,
/// compound, building, organisation or team); audited. 404 unknown account; 422 on an invalid
/// role, scope or pair of them, an unknown `scope_id`, a team they are not in, or a repeat grant.
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", tag = "accounts", params(("id" = i64, Path)), request_body = GrantInput,
    responses((status = 201, body = Account), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn grant_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<GrantInput>,
) -> AppResult<(StatusCode, Json<Account>)> {
    let a = accounts::add_grant(&s.db, &actor, id, &input).await?;
    s.actors.forget_user(id);
    Ok((StatusCode::CREATED, Json(a)))
}

/// Revoke a role grant
///
/// Administrators only (`ManageUsers`; 403 otherwise): removes the grant, audits it and returns
/// the account it belonged to. 404 unknown grant; 422 `last_admin` for the last administrator.
#[utoipa::path(delete, path = "/api/v1/grants/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, description = "The account the grant belonged to", body = Account), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 422, description = "`last_admin`: the last administrator keeps the role", body = ApiError)))]
async fn grant_revoke(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Account>> {
    let a = accounts::revoke_grant(&s.db, &actor, id).await?;
    s.actors.forget_user(a.account.id);
    Ok(Json(a))
}
