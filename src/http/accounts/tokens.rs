//! API tokens and Open311 keys: the API (`/api/v1/tokens`, `/api/v1/open311-keys`) and the page
//! `/admin/tokens` (one's own tokens; administrators also everyone's and the Open311 keys).
use crate::db::accounts::Credential;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::{id_of, render};
use crate::http::session::Actor;
use crate::services::accounts::tokens::{self, NewSecret, TokenInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(token_list).post(token_create))
        .route("/api/v1/tokens/{id}/revoke", post(token_revoke))
        .route("/api/v1/open311-keys", get(key_list).post(key_create))
        .route("/api/v1/open311-keys/{id}/revoke", post(key_revoke))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/admin/tokens", get(tokens_page).post(token_create_submit))
        .route("/admin/tokens/{id}/revoke", post(token_revoke_submit))
        .route("/admin/open311-keys", post(key_create_submit))
        .route("/admin/open311-keys/{id}/revoke", post(key_revoke_submit))
}

#[derive(OpenApi)]
#[openapi(paths(
    token_list,
    token_create,
    token_revoke,
    key_list,
    key_create,
    key_revoke
))]
pub struct TokensApi;

#[derive(Deserialize, IntoParams)]
pub struct TokenQuery {
    /// Administrators: one user's tokens (default: everyone's). Others see their own only.
    pub user_id: Option<i64>,
    /// Keyset cursor: the last id of the previous page.
    pub before: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// List API tokens
///
/// One's own tokens; administrators everyone's or (`user_id`) one user's. Names, owners,
/// creation, expiry and revocation; never the secret. 403 asking for someone else's as a
/// non-administrator.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", params(TokenQuery),
    responses((status = 200, body = [Credential]), (status = 403, body = ApiError)))]
async fn token_list(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> AppResult<Json<Vec<Credential>>> {
    let limit = crate::services::page_limit(q.limit)?;
    let list = tokens::list_tokens(&s.db, &actor, q.user_id, q.before.unwrap_or(0), limit).await?;
    Ok(Json(list))
}

/// Create an API token
///
/// For oneself, or (administrators) for `user_id`; named, valid `expires_in_days` (1–1098) or
/// until revoked. The secret is in the answer this once. 422 on a bad name or lifetime. Audited.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    responses((status = 201, body = NewSecret), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn token_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<TokenInput>,
) -> AppResult<(StatusCode, Json<NewSecret>)> {
    Ok((
        StatusCode::CREATED,
        Json(tokens::create_token(&s.db, &actor, &input).await?),
    ))
}

/// Revoke an API token
///
/// Its owner or an administrator; it stops working at once on this node (others within 5 s).
/// 404 unknown (or someone else's); 409 `already_revoked`. Audited.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Credential), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn token_revoke(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Credential>> {
    let t = tokens::revoke_token(&s.db, &actor, id).await?;
    s.actors.forget_user(t.user_id);
    Ok(Json(t))
}

/// List Open311 keys
///
/// Administrators only (403): the GeoReport v2 clients' keys, named, with expiry and revocation.
#[utoipa::path(get, path = "/api/v1/open311-keys", tag = "accounts",
    responses((status = 200, body = [Credential]), (status = 403, body = ApiError)))]
async fn key_list(State(s): State<AppState>, actor: Actor) -> AppResult<Json<Vec<Credential>>> {
    Ok(Json(tokens::list_keys(&s.db, &actor).await?))
}

/// Create an Open311 key
///
/// Administrators only (403); named, valid `expires_in_days` or until revoked; the key is in
/// the answer this once. 422 on a bad name or lifetime. Audited.
#[utoipa::path(post, path = "/api/v1/open311-keys", tag = "accounts", request_body = TokenInput,
    responses((status = 201, body = NewSecret), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn key_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<TokenInput>,
) -> AppResult<(StatusCode, Json<NewSecret>)> {
    Ok((
        StatusCode::CREATED,
        Json(tokens::create_key(&s.db, &actor, &input).await?),
    ))
}

/// Revoke an Open311 key
///
/// Administrators only (403); the client is refused from the next request. 404 unknown; 409
/// `already_revoked`. Audited.
#[utoipa::path(post, path = "/api/v1/open311-keys/{id}/revoke", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Credential), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn key_revoke(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Credential>> {
    Ok(Json(tokens::revoke_key(&s.db, &actor, id).await?))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<Credential>,
    keys: Option<Vec<Credential>>,
    /// A secret just created, shown this once: (what, secret).
    created: Option<(String, String)>,
    now: i64,
}

impl TokensPage {
    fn state(&self, c: &Credential) -> String {
        if c.revoked_at.is_some() {
            self.ctx.t("tokens.revoked")
        } else if c.expires_at.is_some_and(|e| e <= self.now) {
            self.ctx.t("tokens.expired")
        } else {
            self.ctx.t("tokens.active")
        }
    }
    fn expiry(&self, c: &Credential) -> String {
        c.expires_at
            .map(crate::domain::deadline::local)
            .unwrap_or_else(|| self.ctx.t("tokens.never"))
    }
    fn usable(&self, c: &Credential) -> bool {
        c.revoked_at.is_none() && c.expires_at.is_none_or(|e| e > self.now)
    }
}

async fn page(
    s: &AppState,
    ctx: Ctx,
    actor: &Actor,
    created: Option<(String, String)>,
) -> AppResult<Html<String>> {
    let tokens = tokens::list_tokens(&s.db, actor, None, 0, 200).await?;
    let keys = tokens::list_keys(&s.db, actor).await.ok();
    render(TokensPage {
        ctx,
        tokens,
        keys,
        created,
        now: crate::db::now(),
    })
}

async fn tokens_page(State(s): State<AppState>, ctx: Ctx, actor: Actor) -> AppResult<Html<String>> {
    page(&s, ctx, &actor, None).await
}

async fn token_create_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    PageForm(input): PageForm<TokenInput>,
) -> AppResult<Html<String>> {
    let n = tokens::create_token(&s.db, &actor, &input).await?;
    page(&s, ctx, &actor, Some((n.credential.name, n.secret))).await
}

async fn token_revoke_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let t = tokens::revoke_token(&s.db, &actor, id_of(&id)?).await?;
    s.actors.forget_user(t.user_id);
    page(&s, ctx, &actor, None).await
}

async fn key_create_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    PageForm(input): PageForm<TokenInput>,
) -> AppResult<Html<String>> {
    let n = tokens::create_key(&s.db, &actor, &input).await?;
    page(&s, ctx, &actor, Some((n.credential.name, n.secret))).await
}

async fn key_revoke_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    tokens::revoke_key(&s.db, &actor, id_of(&id)?).await?;
    page(&s, ctx, &actor, None).await
}
