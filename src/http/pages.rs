//! Helpers every page module shares: rendering, the error page, path ids and form numbers.
//! The pages themselves live with their capability (`http/<capability>/pages.rs`).
use crate::error::{AppError, AppResult};
use crate::http::ctx::Ctx;
use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

pub fn render<T: Template>(t: T) -> AppResult<Html<String>> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(e.into()))
}

/// Path ids must be positive integers; anything else is a plain 404.
pub(crate) fn id_of(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: u16,
    pub title: String,
    pub message: String,
    pub fields: Vec<String>,
}

/// A redirect that also sets one cookie.
pub(crate) fn redirect_setting_cookie(to: &str, cookie: &str) -> AppResult<Response> {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(cookie).map_err(anyhow::Error::from)?,
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub(crate) struct BackQuery {
    pub(crate) back: Option<String>,
}

/// A number typed into a form field, or the field's "not a number" error.
pub(crate) fn form_number(value: &str, field: &str) -> AppResult<i64> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::field(field, "not_a_number"))
}

/// An optional number of a form: blank is none, anything else must be a number.
pub(crate) fn opt_number(value: &str, field: &str) -> AppResult<Option<i64>> {
    match value.trim() {
        "" => Ok(None),
        v => form_number(v, field).map(Some),
    }
}
