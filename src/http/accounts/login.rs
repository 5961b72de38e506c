//! Logging in and out and changing one's own password (the use cases are in
//! `services::accounts::{login, password}`).
use crate::error::{AppError, AppResult};
use crate::http::ctx::{Ctx, set_cookie};
use crate::http::keep::Resume;
use crate::http::pages::redirect_setting_cookie;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::http::{AppState, safe_back};
use crate::services::accounts::{login, password};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/password", get(password_page).post(password_submit))
}

// ---------------------------------------------------------------- login, logout, switches

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    next: String,
    login: String,
    /// A form whose sending found the session expired (JSON of [`Resume`]), carried through
    /// the login so that it can be sent again; empty otherwise.
    resume: String,
}

/// After logging in with a form carried through: the form again, with a fresh CSRF token, and
/// one button to send it.
#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    ctx: Ctx,
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
    token: String,
}

/// The login page answering a form sent with an expired session (401): the typed text rides
/// along in the login form, and the user comes back to `next` (the form's page) after.
pub fn expired_page(
    headers: &HeaderMap,
    locale: crate::http::ctx::Locale,
    next: &str,
    resume: &Resume,
) -> Option<Response> {
    let ctx = Ctx {
        locale,
        csrf: crate::http::ctx::cookie(headers, "rb_csrf").unwrap_or_default(),
        large: crate::http::ctx::cookie(headers, "rb_large").as_deref() == Some("1"),
        here: "/login".into(),
        user: None,
        is_admin: false,
        form: None,
    };
    let page = LoginPage {
        error: Some(ctx.t("login.expired")),
        next: next.to_string(),
        login: String::new(),
        resume: serde_json::to_string(resume).ok()?,
        ctx,
    };
    let html = render(page).ok()?;
    Some((axum::http::StatusCode::UNAUTHORIZED, html).into_response())
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_back(q.next.as_deref())).into_response());
    }
    Ok(render(LoginPage {
        ctx,
        error: None,
        next: safe_back(q.next.as_deref()),
        login: String::new(),
        resume: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
    #[serde(default)]
    resume: String,
}

/// The TCP peer, when the server was started with connection info.
pub struct PeerAddr(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

pub fn client_addr(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> String {
    if state.config.trust_forwarded_for
        && let Some(f) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = f.split(',').next()
    {
        return first.trim().to_string();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PeerAddr(peer): PeerAddr,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let addr = client_addr(&state, &headers, peer);
    let next = safe_back(f.next.as_deref());
    let hours = state.config.session_hours;
    // The CSRF token rotates at login: the session is bound to a fresh one, so a token planted
    // or read before logging in is worth nothing after.
    let csrf = crate::services::accounts::credentials::new_token();
    match login::log_in(&state.db, &f.login, &f.password, &addr, &csrf, hours).await {
        Ok(token) => {
            let secure = state.config.secure_cookies;
            let session = set_cookie("rb_session", &token, Some(hours * 3600), "Lax", secure);
            let mut resp = match serde_json::from_str::<Resume>(&f.resume) {
                Ok(r) => {
                    let page = ResumePage {
                        action: r.action_with(&csrf),
                        multipart: r.multipart,
                        fields: r.fields().cloned().collect(),
                        token: csrf.clone(),
                        ctx,
                    };
                    let mut resp = render(page)?.into_response();
                    resp.headers_mut().append(
                        axum::http::header::SET_COOKIE,
                        axum::http::HeaderValue::from_str(&session).map_err(anyhow::Error::from)?,
                    );
                    resp
                }
                Err(_) => redirect_setting_cookie(&next, &session)?,
            };
            resp.headers_mut().append(
                axum::http::header::SET_COOKIE,
                axum::http::HeaderValue::from_str(&set_cookie(
                    "rb_csrf", &csrf, None, "Strict", secure,
                ))
                .map_err(anyhow::Error::from)?,
            );
            Ok(resp)
        }
        Err(e @ (AppError::Unauthenticated | AppError::TooManyAttempts(_))) => {
            let message = match e {
                // Said in whole minutes, rounded up: "try again in 2 minutes".
                AppError::TooManyAttempts(wait) => ctx
                    .t("login.throttled")
                    .replace("{minutes}", &((wait + 59) / 60).max(1).to_string()),
                _ => ctx.t("login.failed"),
            };
            let status = e.status();
            let page = LoginPage {
                error: Some(message),
                next,
                login: f.login.chars().take(100).collect(),
                resume: f.resume,
                ctx,
            };
            Ok((status, render(page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(t) = crate::http::ctx::cookie(&headers, "rb_session") {
        let hash = login::log_out(&state.db, &t).await?;
        state.actors.forget(&hash);
    }
    let cookie = set_cookie(
        "rb_session",
        "",
        Some(0),
        "Lax",
        state.config.secure_cookies,
    );
    redirect_setting_cookie("/login", &cookie)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    done: bool,
}

async fn password_page(ctx: Ctx, _actor: Actor) -> AppResult<Html<String>> {
    render(PasswordPage { ctx, done: false })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Form(f): Form<PasswordForm>,
) -> AppResult<Html<String>> {
    password::change_own(&state.db, &actor, f.current, f.new).await?;
    // Ends at once on this node what the change revoked (other sessions, tokens).
    state.actors.forget_user(actor.user_id);
    render(PasswordPage { ctx, done: true })
}
