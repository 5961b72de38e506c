//! The cases part of the JSON API (`/api/v1/cases…`, the inbox, coordination requests).
use crate::db::cases::{Category, CoordinationRow, SlaClassRow};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery, PageParams};
use crate::http::session::Actor;
use crate::services::cases::config::{CaseConfig, CategoryInput, SlaInput};
use crate::services::cases::{
    self, ActionInput, CaseCreated, CaseInput, CasePage, CaseView, MediationInput, MediationView,
    OutcomeInput, PublicIssue, QueueParams, SessionInput,
};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/case-categories",
            get(categories).post(category_create),
        )
        .route(
            "/api/v1/case-categories/{id}",
            axum::routing::put(category_update),
        )
        .route("/api/v1/case-config", get(case_config))
        .route("/api/v1/sla-classes/{code}", axum::routing::put(sla_update))
        .route("/api/v1/cases", get(list).post(create))
        .route("/api/v1/cases/{id}", get(one))
        .route("/api/v1/cases/{id}/actions", post(action))
        .route("/api/v1/cases/{id}/photos/{photo}", get(photo))
        .route("/api/v1/compounds/{id}/issues", get(public_issues))
        .route(
            "/api/v1/cases/{id}/mediation",
            get(mediation).put(mediation_set),
        )
        .route(
            "/api/v1/cases/{id}/mediation/sessions",
            post(mediation_session),
        )
        .route(
            "/api/v1/cases/{id}/mediation/outcome",
            post(mediation_outcome),
        )
        .route("/api/v1/coordination-requests", get(coordination))
        .route("/api/v1/case-figures", get(figures))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        categories,
        category_create,
        category_update,
        case_config,
        sla_update,
        list,
        create,
        one,
        action,
        photo,
        public_issues,
        coordination,
        mediation,
        mediation_set,
        mediation_session,
        mediation_outcome,
        figures
    ),
    components(schemas(ApiError))
)]
pub struct CasesApi;

/// List the case categories
///
/// Any signed-in user: every category (inactive ones too, see `active`) with its code, names,
/// handler and SLA class. The code is what `POST /api/v1/cases` takes as `category`.
#[utoipa::path(get, path = "/api/v1/case-categories", tag = "cases", responses((status = 200, body = Vec<Category>)))]
async fn categories(State(s): State<AppState>, _actor: Actor) -> AppResult<Json<Vec<Category>>> {
    Ok(Json(cases::categories(&s.db).await?))
}

/// Show the case configuration
///
/// Administrators only (`ConfigureCases`; 403 otherwise): the categories, the SLA classes and the
/// handlers a category may name.
#[utoipa::path(get, path = "/api/v1/case-config", tag = "cases",
    responses((status = 200, description = "Categories, SLA classes and the handlers a category may name (administrators)", body = CaseConfig), (status = 403, body = ApiError)))]
async fn case_config(State(s): State<AppState>, actor: Actor) -> AppResult<Json<CaseConfig>> {
    Ok(Json(
        crate::services::cases::config::config(&s.db, &actor).await?,
    ))
}

/// Create a case category
///
/// Administrators only (`ConfigureCases`; 403 otherwise); audited. 422 names each bad field: a
/// missing, invalid or taken `code`, bad names, an unknown `handler` or `sla_class`.
#[utoipa::path(post, path = "/api/v1/case-categories", tag = "cases", request_body = CategoryInput,
    responses((status = 201, body = Category), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn category_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<(StatusCode, Json<Category>)> {
    let c = crate::services::cases::config::create_category(&s.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Change a case category
///
/// Administrators only (`ConfigureCases`; 403 otherwise): names, handler, SLA class and whether it
/// is active; audited. The code never changes (422 `fixed`). 404 unknown category; 422 on bad
/// names or an unknown handler or SLA class.
#[utoipa::path(put, path = "/api/v1/case-categories/{id}", tag = "cases", params(("id" = i64, Path)), request_body = CategoryInput,
    responses((status = 200, body = Category), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn category_update(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<Json<Category>> {
    Ok(Json(
        crate::services::cases::config::update_category(&s.db, &actor, id, &input).await?,
    ))
}

/// Change the periods of an SLA class
///
/// Administrators only (`ConfigureCases`; 403 otherwise): minutes to sign for, hours to reply;
/// audited. Cases already registered keep their deadlines. 404 unknown class; 422 when a period is
/// out of range or the reply period is shorter than the signing one.
#[utoipa::path(put, path = "/api/v1/sla-classes/{code}", tag = "cases", params(("code" = String, Path)), request_body = SlaInput,
    responses((status = 200, body = SlaClassRow), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn sla_update(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<SlaInput>,
) -> AppResult<Json<SlaClassRow>> {
    Ok(Json(
        crate::services::cases::config::update_sla(&s.db, &actor, &code, &input).await?,
    ))
}

/// List the caller's case queue
///
/// Any signed-in user. `show=open|all|overdue`: cases their units own and cases where they may
/// handle cases (`HandleCases`); `show=mine`: cases they reported. 422 on an invalid `show`,
/// `status`, `kind` or `limit`.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(QueueParams),
    responses((status = 200, description = "The caller's queue (or, with show=mine, the cases they reported)", body = CasePage), (status = 422, body = ApiError)))]
async fn list(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> AppResult<Response> {
    let json = cases::queue_json(&s.db, &actor, &p).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// Register a case
///
/// Online: anyone who may see the place (`ViewPlace`). For someone else (phone, visit, letter):
/// case workers (`HandleCases`); channel `building_leader`: that building's leader. 403 otherwise.
/// Routed to the category's handling unit; 422 names each bad field.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, description = "Registered: the number is the acknowledgement", body = CaseCreated),
              (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<CaseInput>,
) -> AppResult<(StatusCode, Json<CaseCreated>)> {
    let created = cases::submit(&s.db, &s.config.case_prefix, &actor, &input, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Show one case
///
/// Its workers, its reporter, reporters of a merged duplicate and departments asked for
/// coordination, each seeing their part (reporters never internal notes). 404 for anyone else, so
/// case numbers cannot be probed.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "What this caller may see of the case", body = CaseView), (status = 404, body = ApiError)))]
async fn one(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CaseView>> {
    Ok(Json(cases::view(&s.db, &actor, id).await?))
}

/// Act on a case
///
/// Workers (the owning unit, or `HandleCases` at the place) take the steps; the reporter may also
/// rate, withdraw or ask for review; a department answers its own coordination request. 403
/// otherwise, 404 when not visible; 409 when the step is not possible now; 422 on a bad field.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", params(("id" = i64, Path)), request_body = ActionInput,
    responses((status = 200, body = CaseView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "Not possible now; `code` says why (e.g. case_wrong_status)", body = ApiError),
              (status = 422, body = ApiError)))]
async fn action(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<CaseView>> {
    Ok(Json(cases::act(&s.db, &actor, id, &input).await?))
}

/// Download a case photo
///
/// Whoever may see the case, except departments asked for coordination; 404 for them, for others
/// and when the photo is not the case's. `size=screen` (the default: upright, at most 1600 px,
/// JPEG without metadata), `size=thumb` (at most 320 px) or `size=original` (as sent, with its
/// metadata: the case's workers and its reporter only, 403 for others; each read is logged).
#[utoipa::path(get, path = "/api/v1/cases/{id}/photos/{photo}", tag = "cases",
    params(("id" = i64, Path), ("photo" = i64, Path), PhotoQuery),
    responses((status = 200, description = "The image", content_type = "image/jpeg"), (status = 403, body = ApiError),
              (status = 404, body = ApiError)))]
async fn photo(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, photo)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<PhotoQuery>,
) -> AppResult<Response> {
    photo_response(&s, &actor, id, photo, q.size.as_deref()).await
}

/// Which copy of a photo.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct PhotoQuery {
    /// screen (default) | thumb | original
    pub size: Option<String>,
}

pub async fn photo_response(
    s: &AppState,
    actor: &Actor,
    id: i64,
    photo: i64,
    size: Option<&str>,
) -> AppResult<Response> {
    let size = cases::photos::size(size).ok_or(AppError::field("size", "invalid"))?;
    let (content_type, bytes) = cases::photos::photo(&s.db, actor, id, photo, size).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// List a compound's open issues
///
/// Anyone who may see the compound (`ViewPlace`; 403 otherwise, 404 unknown compound): up to 100
/// open issues without names, with the description only where the reporter agreed.
#[utoipa::path(get, path = "/api/v1/compounds/{id}/issues", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "The compound's open issues, without names", body = Vec<PublicIssue>), (status = 403, body = ApiError)))]
async fn public_issues(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<PublicIssue>>> {
    Ok(Json(cases::public_issues(&s.db, &actor, id).await?))
}

/// List coordination requests to the caller's departments
///
/// Any signed-in user; empty unless they work for an organisation. The requests addressed to
/// their organisations, newest first; 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/coordination-requests", tag = "cases", params(PageParams),
    responses((status = 200, description = "Coordination requests addressed to the caller's departments, newest first", body = Vec<CoordinationRow>)))]
async fn coordination(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<CoordinationRow>>> {
    Ok(Json(
        cases::coordination_requests(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

/// Show the mediation of a dispute
///
/// Workers of the case only (403 for others who see it; 404 when not visible): the mediator, the
/// parties and the sessions. 409 `not_a_dispute` for other kinds of case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/mediation", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = MediationView), (status = 403, body = ApiError), (status = 409, description = "not a dispute", body = ApiError)))]
async fn mediation(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<MediationView>> {
    Ok(Json(cases::mediation(&s.db, &actor, id).await?))
}

/// Name the mediator and parties of a dispute
///
/// Workers of the case only (403 otherwise). The mediator must be in a dispute-mediation squad
/// (422 `not_a_mediator`); 409 when the case is not a dispute or is finished.
#[utoipa::path(put, path = "/api/v1/cases/{id}/mediation", tag = "cases", params(("id" = i64, Path)), request_body = MediationInput,
    responses((status = 200, body = MediationView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn mediation_set(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(m): ApiJson<MediationInput>,
) -> AppResult<Json<MediationView>> {
    Ok(Json(cases::set_mediation(&s.db, &actor, id, &m).await?))
}

/// Record a mediation session
///
/// Workers of the case only (403 otherwise): its date, attendees and notes. 409 when the case is
/// not a dispute or has no mediator yet; 422 on a bad date or missing attendees.
#[utoipa::path(post, path = "/api/v1/cases/{id}/mediation/sessions", tag = "cases", params(("id" = i64, Path)), request_body = SessionInput,
    responses((status = 200, body = MediationView), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn mediation_session(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(m): ApiJson<SessionInput>,
) -> AppResult<Json<MediationView>> {
    Ok(Json(cases::add_session(&s.db, &actor, id, &m).await?))
}

/// Record the outcome of a mediation
///
/// Workers of the case only (403 otherwise): agreement (text required), referral (to a mediation
/// committee or a court) or withdrawn. 409 when there is no mediator yet or an outcome is already
/// recorded; 422 names each bad field.
#[utoipa::path(post, path = "/api/v1/cases/{id}/mediation/outcome", tag = "cases", params(("id" = i64, Path)), request_body = OutcomeInput,
    responses((status = 200, body = MediationView), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn mediation_outcome(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(m): ApiJson<OutcomeInput>,
) -> AppResult<Json<MediationView>> {
    Ok(Json(cases::record_outcome(&s.db, &actor, id, &m).await?))
}

/// Show case figures
///
/// Callers with `ViewCaseFigures` somewhere (property managers, community staff, district
/// officials, administrators; 403 otherwise): the three rates and case counts of the places in
/// their reach for a month, a year or dates (default this month). 422 on a bad period.
#[utoipa::path(get, path = "/api/v1/case-figures", tag = "cases", params(cases::PeriodParams),
    responses((status = 200, description = "The three rates and case counts for the caller's area and the period (default: this month)", body = cases::Figures),
              (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn figures(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<cases::PeriodParams>,
) -> AppResult<Json<cases::Figures>> {
    Ok(Json(cases::figures(&s.db, &actor, &p).await?))
}
