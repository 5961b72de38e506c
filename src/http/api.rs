//! The JSON API under `/api/v1`, documented by an OpenAPI document generated from this code
//! (`/api/openapi.json`, browsable at `/api/docs`). Errors are `{"error": {code, message, fields}}`.
//! Each capability's endpoints live in `http/<capability>/api.rs`; this file holds the extractors
//! and error shape they share and puts the document together.
use crate::error::AppError;
use crate::http::AppState;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(crate::http::accounts::api::router())
        .merge(crate::http::accounts::tokens::api_router())
        .merge(crate::http::places::api::router())
        .merge(crate::http::people::api::router())
        .merge(crate::http::organisations::api::router())
        .merge(crate::http::teams::api::router())
        .merge(crate::http::audit::api::router())
        .merge(crate::http::calendar::api::router())
        .merge(crate::http::cases::api::router())
        .merge(crate::http::notify::api::router())
        .merge(crate::http::decisions::api::router())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
}

/// The OpenAPI document of the whole API: the common parts, then each capability's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        crate::http::accounts::api::AccountsApi::openapi(),
        crate::http::accounts::tokens::TokensApi::openapi(),
        crate::http::places::api::PlacesApi::openapi(),
        crate::http::people::api::PeopleApi::openapi(),
        crate::http::organisations::api::OrganisationsApi::openapi(),
        crate::http::teams::api::TeamsApi::openapi(),
        crate::http::audit::api::AuditApi::openapi(),
        crate::http::calendar::api::CalendarApi::openapi(),
        crate::http::cases::api::CasesApi::openapi(),
        crate::http::notify::api::NotifyApi::openapi(),
        crate::http::decisions::api::DecisionsApi::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

#[derive(OpenApi)]
#[openapi(
    info(title = "Red Butler (红管家) API", description = "Places, people, organisations and the Red Butler team of a district. Authenticate with `Authorization: Bearer <token>` (`redbutler token create --username U`) or the browser session (send `X-CSRF-Token` on writes)."),
    components(schemas(ApiError, crate::error::FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// `{status, code, message, detail, fields: [{field, code, message}]}`
    pub error: serde_json::Value,
}

#[derive(Deserialize, IntoParams)]
pub struct PageParams {
    /// Keyset cursor: the last id of the previous page.
    pub after: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}
