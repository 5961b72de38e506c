//! The administrator's accounts pages: find, create, grant and revoke roles, disable, reset
//! the password.
use crate::domain::kinds::Role;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::{id_of, opt_number, render};
use crate::http::session::Actor;
use crate::services::accounts::{
    self, Account, AccountInput, AccountPage, AccountPatch, GrantInput,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{id}", get(user_page).post(user_update))
        .route("/admin/users/{id}/grants", post(grant_add))
        .route("/admin/grants/{id}/revoke", post(grant_revoke))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    q: String,
    v: AccountPage,
}

#[derive(Deserialize)]
struct UsersQuery {
    q: Option<String>,
    before: Option<String>,
}

async fn users_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(p): Query<UsersQuery>,
) -> AppResult<Html<String>> {
    let q = p.q.unwrap_or_default();
    let before = opt_number(p.before.as_deref().unwrap_or(""), "before")?.unwrap_or(0);
    let v = accounts::list(&state.db, &actor, &q, before, None).await?;
    render(UsersPage { ctx, q, v })
}

async fn user_create(
    State(state): State<AppState>,
    actor: Actor,
    PageForm(input): PageForm<AccountInput>,
) -> AppResult<Redirect> {
    let a = accounts::create(&state.db, &actor, &input).await?;
    Ok(Redirect::to(&format!("/admin/users/{}", a.account.id)))
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    ctx: Ctx,
    v: Account,
    /// Every role with each scope kind it may be granted within (`role:scope`), so that the
    /// form offers only valid pairs and its first choice is one of them.
    role_scopes: Vec<(&'static str, &'static str)>,
}

async fn user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = accounts::view(&state.db, &actor, id_of(&id)?).await?;
    render(UserPage {
        ctx,
        v,
        role_scopes: Role::ALL
            .iter()
            .flat_map(|r| {
                crate::domain::accounts::scopes_for(*r)
                    .iter()
                    .map(|s| (r.as_str(), s.as_str()))
            })
            .collect(),
    })
}

/// One form per change: `what` says which (disable, enable, password, person).
#[derive(Deserialize)]
struct UpdateForm {
    what: String,
    password: Option<String>,
    person_id: Option<String>,
    locale: Option<String>,
}

async fn user_update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<UpdateForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let patch = match f.what.as_str() {
        "disable" => AccountPatch {
            disabled: Some(true),
            ..Default::default()
        },
        "enable" => AccountPatch {
            disabled: Some(false),
            ..Default::default()
        },
        "password" => AccountPatch {
            password: Some(f.password.unwrap_or_default()),
            ..Default::default()
        },
        "person" => AccountPatch {
            person_id: Some(
                opt_number(f.person_id.as_deref().unwrap_or(""), "person_id")?.unwrap_or(0),
            ),
            ..Default::default()
        },
        "locale" => AccountPatch {
            locale: Some(f.locale.unwrap_or_default()),
            ..Default::default()
        },
        _ => return Err(crate::error::AppError::field("what", "invalid")),
    };
    accounts::update(&state.db, &actor, id, &patch).await?;
    state.actors.forget_user(id);
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

/// The grant form: a `role:scope` pair from one list, and the scope's number.
#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    role_scope: String,
    #[serde(default)]
    scope_id: String,
}

async fn grant_add(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<GrantForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (role, scope_kind) = f
        .role_scope
        .split_once(':')
        .ok_or(crate::error::AppError::field("role_scope", "invalid"))?;
    let input = GrantInput {
        role: role.to_string(),
        scope_kind: scope_kind.to_string(),
        scope_id: opt_number(&f.scope_id, "scope_id")?,
    };
    accounts::add_grant(&state.db, &actor, id, &input).await?;
    state.actors.forget_user(id);
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

async fn grant_revoke(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let a = accounts::revoke_grant(&state.db, &actor, id_of(&id)?).await?;
    state.actors.forget_user(a.account.id);
    Ok(Redirect::to(&format!("/admin/users/{}", a.account.id)))
}
