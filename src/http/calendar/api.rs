//! The working-day calendar over the API.
use crate::db::calendar::CalendarYear;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath};
use crate::http::session::Actor;
use crate::services::calendar::{self, CalendarView, YearInput};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/calendar", get(view)).route(
        "/api/v1/calendar/{year}",
        axum::routing::put(put_year).delete(delete_year),
    )
}

/// Read the working-day calendar
///
/// Anyone signed in: every year entered with its public holidays and working weekend days, and
/// the years (this one and the next) that are missing: deadlines in them count weekends only.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar",
    responses((status = 200, body = CalendarView), (status = 401, body = ApiError)))]
async fn view(State(s): State<AppState>, actor: Actor) -> AppResult<Json<CalendarView>> {
    Ok(Json(calendar::view(&s.db, &actor).await?))
}

/// Enter a year's calendar
///
/// Administrators only (`ConfigureCases`; 403 otherwise); audited. The days replace what was
/// entered for the year before: `holiday` for a day off (even on a weekday), `working` for a
/// weekend day declared a working day. 422 names each bad day (`days[2].day`): not a date, not
/// in the year, twice; a bad kind.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "calendar", request_body = YearInput,
    params(("year" = i64, Path, description = "e.g. 2027")),
    responses((status = 200, body = CalendarYear), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn put_year(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(year): ApiPath<i64>,
    ApiJson(input): ApiJson<YearInput>,
) -> AppResult<Json<CalendarYear>> {
    Ok(Json(calendar::set_year(&s.db, &actor, year, &input).await?))
}

/// Remove a year's calendar
///
/// Administrators only; audited. Deadlines in that year count weekends only again. 404 when
/// the year was not entered.
#[utoipa::path(delete, path = "/api/v1/calendar/{year}", tag = "calendar",
    params(("year" = i64, Path, description = "e.g. 2027")),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_year(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(year): ApiPath<i64>,
) -> AppResult<StatusCode> {
    calendar::remove_year(&s.db, &actor, year).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(paths(view, put_year, delete_year))]
pub struct CalendarApi;
