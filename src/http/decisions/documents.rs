//! Decision documents (PDFs and images) uploaded by the convenor and read by whoever sees the vote.
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::pages::id_of;
use crate::http::session::Actor;
use crate::services::decisions::{self as svc};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/decisions/{id}/documents",
            post(document_submit).layer(axum::extract::DefaultBodyLimit::max(
                svc::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/decisions/{id}/documents/{doc}", get(document_get))
}

/// The `file` part of a multipart upload: (file name, bytes).
pub async fn file_field(mut form: axum::extract::Multipart) -> AppResult<(String, Vec<u8>)> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::field("file", "too_large_document")
        } else {
            AppError::BadRequest(e.body_text())
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(AppError::field("file", "required"))
}

/// A stored document, shown in the browser (PDF viewer or image) under its own name.
pub fn document_response(
    name: &str,
    content_type: String,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{encoded}"),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=3600".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn document_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (name, bytes) = file_field(form).await?;
    svc::add_document(&s.db, &actor, id, &name, &bytes).await?;
    Ok(Redirect::to(&format!("/decisions/{id}#documents")))
}

async fn document_get(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, doc)): Path<(String, String)>,
) -> AppResult<axum::response::Response> {
    let (name, ct, bytes) = svc::document(&s.db, &actor, id_of(&id)?, id_of(&doc)?).await?;
    Ok(document_response(&name, ct, bytes))
}
