//! The one error type. Handlers return `Result<_, AppError>`; the response carries an
//! [`ErrorInfo`] that the `render_errors` middleware turns into a page (HTML, in the user's
//! language) or into structured JSON for the API.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// A stable code (`required`, `too_long`, `invalid`, …); the message is localised.
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not logged in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form sent without this browser's CSRF token (often an expired page).
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// A body, path or query the extractors could not read; keeps their status (400, 415, 422).
    #[error("unreadable request: {1}")]
    Unreadable(StatusCode, String),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many tries: wait this many seconds.
    #[error("too many attempts")]
    TooManyAttempts(i64),
    #[error("payload too large")]
    TooLarge,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            if d.is_unique_violation() {
                return AppError::Conflict("duplicate");
            }
            if d.is_foreign_key_violation() {
                return AppError::Conflict("referenced");
            }
        }
        AppError::Internal(e.into())
    }
}

impl From<crate::domain::cases::Refusal> for AppError {
    fn from(r: crate::domain::cases::Refusal) -> Self {
        AppError::Conflict(r.code())
    }
}

impl AppError {
    pub fn field(field: &str, code: &str) -> Self {
        AppError::Invalid(vec![FieldError::new(field, code)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) | AppError::Csrf => StatusCode::BAD_REQUEST,
            AppError::Unreadable(s, _) => *s,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) | AppError::Unreadable(..) => "bad_request",
            AppError::Csrf => "csrf",
            AppError::Conflict(c) => c,
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::TooLarge => "too_large",
            AppError::Internal(_) => "internal",
        }
    }
}

/// What the error middleware needs to render an error in the user's language.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    /// Technical detail safe to show (a parser's message); never internal causes.
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            // The whole cause chain goes to the log; the user gets an opaque message.
            tracing::error!(error = ?e, "internal error");
        }
        let info = ErrorInfo {
            status: self.status(),
            code: self.code(),
            fields: match &self {
                AppError::Invalid(f) => f.clone(),
                _ => vec![],
            },
            detail: match &self {
                AppError::BadRequest(d) | AppError::Unreadable(_, d) => Some(d.clone()),
                _ => None,
            },
        };
        let retry_after = match &self {
            AppError::TooManyAttempts(wait) => Some(*wait),
            _ => None,
        };
        let mut resp = (info.status, info.code).into_response();
        if let Some(w) = retry_after {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(w.max(1)),
            );
        }
        resp.extensions_mut().insert(info);
        resp
    }
}

macro_rules! rejection_into_app_error {
    ($($t:ty),+) => {$(
        impl From<$t> for AppError {
            fn from(r: $t) -> Self {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::Unreadable(r.status(), r.body_text())
                }
            }
        }
    )+};
}
rejection_into_app_error!(
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::FormRejection,
    axum::extract::rejection::QueryRejection,
    axum::extract::rejection::PathRejection
);

pub type AppResult<T> = Result<T, AppError>;
