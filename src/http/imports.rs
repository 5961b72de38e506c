//! CSV import of dwellings and residents from a page (the same import as `redbutler import`).
use crate::domain::access::Action;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::render;
use crate::http::session::Actor;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_page)
                .post(import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024)),
        )
        .route("/import/sample/{file}", get(import_sample))
}

// ---------------------------------------------------------------- import

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    report: Option<String>,
    problems: Vec<String>,
}

/// Staff who may import somewhere (property managers, community staff, administrators).
fn may_import(actor: &Actor) -> AppResult<()> {
    if actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::ImportData))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn import_page(ctx: Ctx, actor: Actor) -> AppResult<Html<String>> {
    may_import(&actor)?;
    render(ImportPage {
        ctx,
        report: None,
        problems: vec![],
    })
}

async fn import_sample(_actor: Actor, Path(file): Path<String>) -> AppResult<Response> {
    let body = match file.as_str() {
        "dwellings.csv" => include_str!("../../samples/dwellings.csv"),
        "residents.csv" => include_str!("../../samples/residents.csv"),
        _ => return Err(AppError::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    mut form: axum::extract::Multipart,
) -> AppResult<Response> {
    may_import(&actor)?;
    let mut kind = None;
    let mut bytes = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        match field.name() {
            Some("kind") => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?;
                kind = match v.as_str() {
                    "dwellings" => Some(crate::import::ImportKind::Dwellings),
                    "residents" => Some(crate::import::ImportKind::Residents),
                    _ => return Err(AppError::field("kind_of_import", "invalid")),
                };
            }
            Some("file") => {
                bytes = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::BadRequest(e.body_text()))?,
                )
            }
            _ => {}
        }
    }
    let kind = kind.ok_or(AppError::field("kind_of_import", "required"))?;
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or(AppError::field("file", "required"))?;
    let locale = ctx.locale;
    match crate::import::import(&state.db, Some(&actor), kind, &bytes).await {
        Ok(r) => Ok(render(ImportPage {
            report: Some(r.describe(locale)),
            problems: vec![],
            ctx,
        })?
        .into_response()),
        Err(crate::import::ImportError::Rows(p)) => {
            let problems = p.iter().map(|p| p.describe(locale)).collect();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(ImportPage {
                    report: None,
                    problems,
                    ctx,
                })?,
            )
                .into_response())
        }
        Err(crate::import::ImportError::Other(e)) => Err(AppError::Internal(e)),
    }
}
