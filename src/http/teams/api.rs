//! The JSON API of Red Butler teams: squads, members, fields and building leaders.
use crate::db::places::Building;
use crate::db::teams::Team;
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath};
use crate::http::session::Actor;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/teams", get(teams).post(team_create))
        .route("/api/v1/teams/{id}", get(team))
        .route("/api/v1/teams/{id}/members", post(team_member_add))
        .route("/api/v1/teams/{id}/squads", post(team_squad_add))
        .route(
            "/api/v1/teams/{id}/squads/{squad}/members",
            post(team_squad_member_add),
        )
        .route("/api/v1/teams/{id}/fields", post(team_field_add))
        .route(
            "/api/v1/teams/{id}/members/{member}",
            axum::routing::delete(team_member_remove),
        )
        .route(
            "/api/v1/teams/{id}/fields/{field}",
            axum::routing::delete(team_field_remove),
        )
        .route(
            "/api/v1/buildings/{id}/leader",
            axum::routing::put(building_leader_set),
        )
}

/// Create a Red Butler team
///
/// Needs `EditTeam` over the compound or community it serves (community staff, district
/// officials, administrators; 403). Created with its four standing squads; 422 on a bad or taken
/// name or place. Audited.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = crate::services::teams::TeamNew,
    responses((status = 201, description = "The new team with its four standing squads", body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(new): ApiJson<crate::services::teams::TeamNew>,
) -> AppResult<(
    axum::http::StatusCode,
    Json<crate::services::teams::TeamView>,
)> {
    let t = crate::services::teams::create_team(&s.db, &actor, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(t)))
}

/// List the Red Butler teams
///
/// Any signed-in user (public-service information): every team, by id.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", responses((status = 200, body = Vec<Team>)))]
async fn teams(State(s): State<AppState>, actor: Actor) -> AppResult<Json<Vec<Team>>> {
    Ok(Json(
        crate::services::teams::list_teams(&s.db, &actor).await?,
    ))
}

/// Show a Red Butler team
///
/// Any signed-in user: its squads, members and fields of responsibility, and whether the caller
/// may edit it (`can_edit`). 404 unknown team.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    responses((status = 200, body = crate::services::teams::TeamView), (status = 404, body = ApiError)))]
async fn team(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::view_team(&s.db, &actor, id).await?,
    ))
}

/// Add a member to a team
///
/// Needs `EditTeam` over the team's place (community staff, district officials, administrators;
/// 403; 404 unknown team). 409 when the person is already a member; 422 on an unknown person or
/// home organisation. Audited.
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", params(("id" = i64, Path)), request_body = crate::services::teams::MemberNew,
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn team_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<crate::services::teams::MemberNew>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::add_member(&s.db, &actor, id, &new).await?,
    ))
}

/// Add a squad to a team
///
/// Needs `EditTeam` over the team's place (community staff, district officials, administrators;
/// 403; 404 unknown team). 422 on a bad name or kind. Audited.
#[utoipa::path(post, path = "/api/v1/teams/{id}/squads", tag = "teams", params(("id" = i64, Path)), request_body = crate::services::teams::SquadNew,
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_squad_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<crate::services::teams::SquadNew>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::add_squad(&s.db, &actor, id, &new).await?,
    ))
}

/// Put a team member in a squad
///
/// Needs `EditTeam` over the team's place (403). 404 when the squad is not the team's; 422 when
/// the member is not; 409 when already in the squad. Audited.
#[utoipa::path(post, path = "/api/v1/teams/{id}/squads/{squad}/members", tag = "teams",
    params(("id" = i64, Path), ("squad" = i64, Path)), request_body = crate::services::teams::SquadMemberNew,
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn team_squad_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, squad)): ApiPath<(i64, i64)>,
    ApiJson(new): ApiJson<crate::services::teams::SquadMemberNew>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::add_squad_member(&s.db, &actor, id, squad, &new).await?,
    ))
}

/// Give a member or a squad a field of responsibility
///
/// Needs `EditTeam` over the team's place (403; 404 unknown team): a compound or one building of
/// it, for one member or one squad of the team. 422 names each bad field. Audited.
#[utoipa::path(post, path = "/api/v1/teams/{id}/fields", tag = "teams", params(("id" = i64, Path)), request_body = crate::services::teams::FieldNew,
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_field_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<crate::services::teams::FieldNew>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::add_field(&s.db, &actor, id, &new).await?,
    ))
}

/// Remove a member from a team
///
/// Needs `EditTeam` over the team's place (403; 404 unknown team or member); their squad places
/// and fields go with them. 422 `mediates` when they are the mediator of a mediation record.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{member}", tag = "teams", params(("id" = i64, Path), ("member" = i64, Path)),
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 422, description = "`mediates`: the member is the mediator of a mediation record", body = ApiError)))]
async fn team_member_remove(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, member)): ApiPath<(i64, i64)>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::remove_member(&s.db, &actor, id, member).await?,
    ))
}

/// Remove a field of responsibility
///
/// Needs `EditTeam` over the team's place (403; 404 unknown team or field). Audited.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/fields/{field}", tag = "teams", params(("id" = i64, Path), ("field" = i64, Path)),
    responses((status = 200, body = crate::services::teams::TeamView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn team_field_remove(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, field)): ApiPath<(i64, i64)>,
) -> AppResult<Json<crate::services::teams::TeamView>> {
    Ok(Json(
        crate::services::teams::remove_field(&s.db, &actor, id, field).await?,
    ))
}

/// Appoint the leader of a building
///
/// Needs `EditPlace` at the building (property managers, community staff, administrators; 403;
/// 404 unknown building). The person must live in the building (422 `not_in_building`); null
/// leaves the post empty. Audited.
#[utoipa::path(put, path = "/api/v1/buildings/{id}/leader", tag = "teams", params(("id" = i64, Path)), request_body = crate::services::teams::LeaderSet,
    responses((status = 200, body = Building), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn building_leader_set(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(set): ApiJson<crate::services::teams::LeaderSet>,
) -> AppResult<Json<Building>> {
    Ok(Json(
        crate::services::teams::set_building_leader(&s.db, &actor, id, &set).await?,
    ))
}

#[derive(OpenApi)]
#[openapi(paths(
    team_create,
    teams,
    team,
    team_member_add,
    team_squad_add,
    team_squad_member_add,
    team_field_add,
    team_member_remove,
    team_field_remove,
    building_leader_set
))]
pub struct TeamsApi;
