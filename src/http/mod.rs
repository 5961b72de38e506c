//! HTTP: pages, JSON API, middleware. Handlers are thin: they parse, call a service, render.
//! One folder per capability (`places/`, `cases/`, …) with its `pages.rs` and `api.rs` side by
//! side; `pages.rs` and `api.rs` here hold what the page and API modules share.
pub mod accounts;
pub mod api;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod csv;
pub mod ctx;
pub mod decisions;
pub mod form;
pub mod home;
pub mod imports;
pub mod keep;
pub mod notify;
pub mod open311;
pub mod organisations;
pub mod pages;
pub mod people;
pub mod places;
pub mod session;
pub mod teams;

use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, ErrorInfo};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use ctx::{CsrfToken, cookie, set_cookie};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub actors: Arc<session::ActorCache>,
}

pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(home::router())
        .merge(accounts::pages())
        .merge(places::pages())
        .merge(people::pages())
        .merge(organisations::pages())
        .merge(teams::pages())
        .merge(cases::pages())
        .merge(notify::pages())
        .merge(decisions::pages())
        .merge(audit::pages())
        .merge(calendar::pages())
        .merge(imports::router())
        .merge(open311::router())
        .merge(api::router())
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(css))
        .route("/favicon.ico", get(favicon))
        .route("/static/favicon.svg", get(favicon))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        // Inside the error renderer, so an oversized body gets the documented error (JSON on
        // the API, a page elsewhere), not a bare 413.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            20 * 1024 * 1024,
        ))
        .with_state(state.clone());
    // The whole application as one service under the outer layers: a refused page form goes
    // back to its page, which `keep_forms` asks this service for (a layer on the routes would
    // only reach the route of the form).
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(keep::keep_forms))
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz(State(s): State<AppState>) -> Response {
    if s.db.ping().await {
        (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database unreachable"})),
        )
            .into_response()
    }
}

/// The icon browsers ask for (an SVG: every current browser shows it for `/favicon.ico` too).
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
        .into_response()
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

/// A same-site path to go back to; anything else becomes `/`.
/// Only a printable path of this site: it starts with one `/` (not `//` or `/\\`, which browsers
/// read as another host) and holds only printable ASCII without a backslash: no white space or
/// control character (browsers drop tabs and newlines, so `/<TAB>/evil.example` would become
/// `//evil.example`) and nothing a `Location` header cannot carry (other text comes
/// percent-encoded); at most 2,000 characters. Anything else is the home page.
pub fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.len() <= 2000
                && b.starts_with('/')
                && !b[1..].starts_with(['/', '\\'])
                && b.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            b.to_string()
        }
        _ => "/".into(),
    }
}

/// What every answer carries: no sniffing, no framing, same-origin referrers, a content security
/// policy (scripts and everything else from this site only; the API explorer under `/api/docs`
/// runs its own inline set-up and is left without), and behind HTTPS (`secure_cookies`) HSTS.
async fn security_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !docs {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
    if s.config.secure_cookies {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    resp
}

/// Double-submit CSRF protection for every state-changing request made with the browser session:
/// the `_csrf` form field (or `X-CSRF-Token` header, or `_csrf` query parameter for uploads) must
/// equal the `rb_csrf` cookie. Requests with a Bearer token carry no ambient authority and pass.
async fn csrf_guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    // Bearer requests and Open311 clients (an api_key on each POST) send no cookies: nothing to
    // check and no token to hand out.
    if bearer || req.uri().path().starts_with("/open311/") {
        return next.run(req).await;
    }
    let existing = cookie(req.headers(), "rb_csrf").filter(|t| t.len() == 64);
    let token = existing
        .clone()
        .unwrap_or_else(crate::services::accounts::credentials::new_token);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (mut parts, body) = req.into_parts();
    let mut body = body;
    if unsafe_method && !bearer {
        let from_query = parts.uri.query().and_then(|q| {
            form_pairs(q.as_bytes())
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v)
        });
        let from_header = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let mut from_form = None;
        if is_form && from_query.is_none() && from_header.is_none() {
            let bytes = match axum::body::to_bytes(body, 2 * 1024 * 1024).await {
                Ok(b) => b,
                Err(_) => return AppError::TooLarge.into_response(),
            };
            from_form = form_pairs(&bytes)
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v);
            body = Body::from(bytes);
        }
        let given = from_query.or(from_header).or(from_form);
        let ok = matches!((&existing, &given), (Some(e), Some(g)) if e == g);
        if !ok {
            return AppError::Csrf.into_response();
        }
    }
    parts.extensions.insert(CsrfToken(token.clone()));
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    // A handler that rotated the token (login) has set the cookie itself.
    let rotated = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(b"rb_csrf="));
    if existing.is_none()
        && !rotated
        && let Ok(v) = HeaderValue::from_str(&set_cookie(
            "rb_csrf",
            &token,
            None,
            "Strict",
            s.config.secure_cookies,
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A query string of the given pairs, leaving out those not given or blank (a filter form
/// carried to the next page or a CSV link).
pub(crate) fn query_of<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> String {
    let given: Vec<(&str, String)> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
        .collect();
    serde_urlencoded::to_string(given).unwrap_or_default()
}

pub(crate) fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).unwrap_or_default()
}

/// Turns an [`ErrorInfo`] into a page in the user's language, or into structured JSON for the API.
async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let locale = ctx::locale_from_headers(req.headers());
    let large = cookie(req.headers(), "rb_large").as_deref() == Some("1");
    let is_get = req.method() == Method::GET;
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE
        && resp.extensions().get::<ErrorInfo>().is_none()
    {
        // The body limit answered before any handler ran.
        resp = AppError::TooLarge.into_response();
    }
    let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() else {
        return resp;
    };
    let message = locale.t(&format!("error.{}", info.code));
    if is_api_path(&path) {
        let fields: Vec<serde_json::Value> = info
            .fields
            .iter()
            .map(|f| {
                serde_json::json!({
                    "field": f.field,
                    "code": f.code,
                    "message": format!("{}: {}", ctx::field_label(locale, &f.field), locale.t(&format!("check.{}", f.code))),
                })
            })
            .collect();
        let body = serde_json::json!({"error": {
            "status": info.status.as_u16(),
            "code": info.code,
            "message": message,
            "detail": info.detail,
            "fields": fields,
        }});
        return (info.status, Json(body)).into_response();
    }
    if info.status == StatusCode::UNAUTHORIZED && is_get {
        let next = serde_urlencoded::to_string([("next", here.as_str())]).unwrap_or_default();
        return Redirect::to(&format!("/login?{next}")).into_response();
    }
    let page = pages::ErrorPage {
        ctx: ctx::Ctx {
            locale,
            csrf: String::new(),
            large,
            here,
            user: None,
            is_admin: false,
            form: None,
        },
        status: info.status.as_u16(),
        title: {
            let key = format!("error_title.{}", info.code);
            let title = locale.t(&key);
            if title == key {
                locale.t("error_title.case")
            } else {
                title
            }
        },
        message,
        fields: info
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    ctx::field_label(locale, &f.field),
                    locale.t(&format!("check.{}", f.code))
                )
            })
            .collect(),
    };
    match askama::Template::render(&page) {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(_) => (info.status, info.code).into_response(),
    }
}

#[cfg(test)]
mod safe_back_tests {
    use super::safe_back;
    use proptest::prelude::*;

    #[test]
    fn off_site_and_odd_paths_go_home() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example/",
            "/\n/x",
            "https://x",
            "x",
            "/ /x",
            "",
        ] {
            assert_eq!(safe_back(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_back(Some("/cases/12?tab=1")), "/cases/12?tab=1");
        assert_eq!(safe_back(Some("/places/%E5%87%A4")), "/places/%E5%87%A4");
        assert_eq!(safe_back(None), "/");
    }

    proptest! {
        #[test]
        fn whatever_comes_in_the_answer_is_a_same_site_path(s in any::<String>()) {
            let out = safe_back(Some(&s));
            prop_assert!(out.starts_with('/'));
            prop_assert!(!out.starts_with("//") && !out.starts_with("/\\"));
            let browser_view: String = out.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
            prop_assert!(!browser_view.starts_with("//"));
            prop_assert!(out.chars().all(|c| c.is_ascii_graphic()));
            prop_assert!(axum::http::HeaderValue::from_str(&out).is_ok(), "a valid Location");
        }
    }
}
