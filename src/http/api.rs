//! The JSON API under `/api/v1`, documented by an OpenAPI document generated from this code
//! (`/api/openapi.json`, browsable at `/api/docs`). Errors are `{"error": {code, message, fields}}`.
use super::AppState;
use super::session::Actor;
use crate::db::accounts::GrantRow;
use crate::db::audit::AuditEntry;
use crate::db::directory::{Organisation, Team};
use crate::db::places::{Building, Compound, Dwelling, HoldingRow, Region};
use crate::error::{AppError, AppResult};
use crate::services::{directory as dir, people, places};
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/regions", get(regions))
        .route("/api/v1/compounds", get(compounds))
        .route(
            "/api/v1/compounds/{id}",
            get(compound).patch(compound_patch),
        )
        .route("/api/v1/regions/{id}/compounds", post(compound_add))
        .route("/api/v1/compounds/{id}/buildings", post(building_add))
        .route("/api/v1/buildings/{id}/dwellings", post(dwelling_add))
        .route("/api/v1/dwellings/{id}/residents", post(resident_add))
        .route("/api/v1/dwellings/{id}/holdings", post(holding_add))
        .route("/api/v1/holdings/{id}/end", post(holding_end))
        .route("/api/v1/organisations/{id}/contracts", post(contract_add))
        .route("/api/v1/contracts/{id}/end", post(contract_end))
        .route(
            "/api/v1/committee-members/{id}/end",
            post(committee_term_end),
        )
        .route(
            "/api/v1/organisations/{id}/committee",
            post(committee_member_add),
        )
        .route("/api/v1/compounds/{id}/dwellings", get(compound_dwellings))
        .route("/api/v1/buildings/{id}", get(building))
        .route(
            "/api/v1/dwellings/{id}",
            get(dwelling).patch(dwelling_patch),
        )
        .route("/api/v1/people/{id}", get(person).patch(person_patch))
        .route("/api/v1/people/{id}/unmask", post(person_unmask))
        .route(
            "/api/v1/organisations",
            get(organisations).post(organisation_create),
        )
        .route(
            "/api/v1/organisations/{id}",
            get(organisation).patch(organisation_patch),
        )
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
        .route("/api/v1/audit", get(audit))
        .merge(super::api_accounts::router())
        .merge(super::api_cases::router())
        .merge(super::api_decisions::router())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", {
            let mut doc = ApiDoc::openapi();
            doc.merge(super::api_accounts::AccountsApi::openapi());
            doc.merge(super::api_cases::CasesApi::openapi());
            doc.merge(super::api_decisions::DecisionsApi::openapi());
            doc
        }))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Red Butler (红管家) API", description = "Places, people, organisations and the Red Butler team of a district. Authenticate with `Authorization: Bearer <token>` (`redbutler token create --username U`) or the browser session (send `X-CSRF-Token` on writes)."),
    paths(me, regions, compounds, compound, compound_patch, compound_add, building_add, dwelling_add, resident_add, holding_add, holding_end, contract_add, contract_end, committee_term_end, organisation_patch, team_create, team_member_remove, team_field_remove, committee_member_add, compound_dwellings, building, dwelling, dwelling_patch, person, person_patch,
          person_unmask, organisations, organisation, organisation_create, teams, team, team_member_add, team_squad_add,
          team_squad_member_add, team_field_add, building_leader_set, audit),
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

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub person_id: Option<i64>,
    pub grants: Vec<GrantRow>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
async fn me(actor: Actor) -> Json<Me> {
    Json(Me {
        user_id: actor.user_id,
        username: actor.username,
        name: actor.display_name,
        person_id: actor.person_id,
        grants: actor.grant_rows,
    })
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "places", responses((status = 200, body = Vec<Region>)))]
async fn regions(State(s): State<AppState>, _actor: Actor) -> AppResult<Json<Vec<Region>>> {
    Ok(Json(s.db.regions().await?))
}

#[utoipa::path(get, path = "/api/v1/compounds", tag = "places", params(PageParams),
    responses((status = 200, description = "The compounds the caller may see", body = Vec<Compound>), (status = 422, body = ApiError)))]
async fn compounds(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<Compound>>> {
    Ok(Json(
        places::list_compounds(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/compounds/{id}", tag = "places", params(("id" = i64, Path)),
    responses((status = 200, body = places::CompoundView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn compound(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<places::CompoundView>> {
    Ok(Json(places::view_compound(&s.db, &actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/compounds/{id}", tag = "places", params(("id" = i64, Path)), request_body = places::CompoundEdit,
    responses((status = 200, body = Compound), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn compound_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<places::CompoundEdit>,
) -> AppResult<Json<Compound>> {
    Ok(Json(places::edit_compound(&s.db, &actor, id, &edit).await?))
}

#[utoipa::path(post, path = "/api/v1/regions/{id}/compounds", tag = "places", params(("id" = i64, Path, description = "The community")), request_body = places::CompoundEdit,
    responses((status = 201, body = Compound), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn compound_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::CompoundEdit>,
) -> AppResult<(axum::http::StatusCode, Json<Compound>)> {
    let c = places::add_compound(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(c)))
}

#[utoipa::path(post, path = "/api/v1/compounds/{id}/buildings", tag = "places", params(("id" = i64, Path)), request_body = places::BuildingNew,
    responses((status = 201, body = Building), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn building_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::BuildingNew>,
) -> AppResult<(axum::http::StatusCode, Json<Building>)> {
    let b = places::add_building(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(b)))
}

#[utoipa::path(post, path = "/api/v1/buildings/{id}/dwellings", tag = "places", params(("id" = i64, Path)), request_body = places::DwellingNew,
    responses((status = 201, body = Dwelling), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn dwelling_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::DwellingNew>,
) -> AppResult<(axum::http::StatusCode, Json<Dwelling>)> {
    let d = places::add_dwelling(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(d)))
}

#[utoipa::path(post, path = "/api/v1/dwellings/{id}/residents", tag = "places", params(("id" = i64, Path)), request_body = places::ResidentNew,
    responses((status = 201, description = "The new person's holding of the dwelling", body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 422, description = "`id_number` `taken`: the person is known; link them with /holdings", body = ApiError)))]
async fn resident_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::ResidentNew>,
) -> AppResult<(axum::http::StatusCode, Json<HoldingRow>)> {
    let h = places::add_resident(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(h)))
}

#[utoipa::path(post, path = "/api/v1/dwellings/{id}/holdings", tag = "places", params(("id" = i64, Path)), request_body = places::HoldingNew,
    responses((status = 201, body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn holding_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<places::HoldingNew>,
) -> AppResult<(axum::http::StatusCode, Json<HoldingRow>)> {
    let h = places::add_holding(&s.db, &actor, id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(h)))
}

#[utoipa::path(post, path = "/api/v1/holdings/{id}/end", tag = "places", params(("id" = i64, Path)), request_body = places::HoldingEnd,
    responses((status = 200, body = HoldingRow), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn holding_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<places::HoldingEnd>,
) -> AppResult<Json<HoldingRow>> {
    Ok(Json(places::end_holding(&s.db, &actor, id, &end).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/contracts", tag = "directory", params(("id" = i64, Path)), request_body = dir::ContractNew,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::ContractNew>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::add_contract(&s.db, &actor, id, &new).await?))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/end", tag = "directory", params(("id" = i64, Path)), request_body = dir::ContractEnd,
    responses((status = 200, description = "The company's organisation view", body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn contract_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<dir::ContractEnd>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::end_contract(&s.db, &actor, id, &end).await?))
}

#[utoipa::path(post, path = "/api/v1/committee-members/{id}/end", tag = "directory", params(("id" = i64, Path)), request_body = dir::TermEnd,
    responses((status = 200, description = "The committee's organisation view", body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn committee_term_end(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(end): ApiJson<dir::TermEnd>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::end_committee_term(&s.db, &actor, id, &end).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "directory", params(("id" = i64, Path)), request_body = dir::OrganisationEdit,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn organisation_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<dir::OrganisationEdit>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::update_organisation(&s.db, &actor, id, &edit).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "directory", request_body = dir::TeamNew,
    responses((status = 201, description = "The new team with its four standing squads", body = dir::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(new): ApiJson<dir::TeamNew>,
) -> AppResult<(axum::http::StatusCode, Json<dir::TeamView>)> {
    let t = dir::create_team(&s.db, &actor, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(t)))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/committee", tag = "directory", params(("id" = i64, Path)), request_body = dir::CommitteeMemberNew,
    responses((status = 200, body = dir::OrganisationView), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn committee_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::CommitteeMemberNew>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(
        dir::add_committee_member(&s.db, &actor, id, &new).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/compounds/{id}/dwellings", tag = "places", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = places::DwellingPage), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn compound_dwellings(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let body =
        places::list_dwellings_json(&s.db, &actor, id, p.after.unwrap_or(0), p.limit).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/buildings/{id}", tag = "places", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = places::BuildingView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn building(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<places::BuildingView>> {
    Ok(Json(
        places::view_building(&s.db, &actor, id, p.after.unwrap_or(0), p.limit).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/dwellings/{id}", tag = "places", params(("id" = i64, Path)),
    responses((status = 200, body = places::DwellingView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn dwelling(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<places::DwellingView>> {
    Ok(Json(places::view_dwelling(&s.db, &actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/dwellings/{id}", tag = "places", params(("id" = i64, Path)), request_body = places::DwellingEdit,
    responses((status = 200, body = Dwelling), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn dwelling_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<places::DwellingEdit>,
) -> AppResult<Json<Dwelling>> {
    Ok(Json(places::edit_dwelling(&s.db, &actor, id, &edit).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, description = "Phone and ID number masked", body = people::PersonView), (status = 404, body = ApiError)))]
async fn person(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(people::view_person(&s.db, &actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = people::PersonEdit,
    responses((status = 200, body = people::PersonView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn person_patch(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<people::PersonEdit>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(people::edit_person(&s.db, &actor, id, &edit).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UnmaskRequest {
    /// Why the full numbers are needed; stored in the audit log.
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/unmask", tag = "people", params(("id" = i64, Path)), request_body = UnmaskRequest,
    responses((status = 200, description = "Full phone and ID number; the read is logged", body = people::PersonView), (status = 403, body = ApiError)))]
async fn person_unmask(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<UnmaskRequest>,
) -> AppResult<Json<people::PersonView>> {
    Ok(Json(
        people::unmask_person(&s.db, &actor, id, &r.reason).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "directory", params(PageParams), responses((status = 200, body = Vec<Organisation>)))]
async fn organisations(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<Organisation>>> {
    Ok(Json(
        dir::list_organisations(&s.db, &actor, p.after.unwrap_or(0), p.limit).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = dir::OrganisationView), (status = 404, body = ApiError)))]
async fn organisation(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<dir::OrganisationView>> {
    Ok(Json(dir::view_organisation(&s.db, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "directory", request_body = dir::OrganisationNew,
    responses((status = 201, body = Organisation), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn organisation_create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(new): ApiJson<dir::OrganisationNew>,
) -> AppResult<(axum::http::StatusCode, Json<Organisation>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(dir::create_organisation(&s.db, &actor, &new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "directory", responses((status = 200, body = Vec<Team>)))]
async fn teams(State(s): State<AppState>, actor: Actor) -> AppResult<Json<Vec<Team>>> {
    Ok(Json(dir::list_teams(&s.db, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = dir::TeamView), (status = 404, body = ApiError)))]
async fn team(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::view_team(&s.db, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "directory", params(("id" = i64, Path)), request_body = dir::MemberNew,
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn team_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::MemberNew>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::add_member(&s.db, &actor, id, &new).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Keyset cursor: entries with a smaller id than this (newest first).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts", params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ApiError)))]
async fn audit(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let limit = crate::services::page_limit(p.limit)?;
    Ok(Json(
        super::pages::audit_entries(&s, &actor, p.before.unwrap_or(0), limit).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/squads", tag = "directory", params(("id" = i64, Path)), request_body = dir::SquadNew,
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_squad_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::SquadNew>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::add_squad(&s.db, &actor, id, &new).await?))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/squads/{squad}/members", tag = "directory",
    params(("id" = i64, Path), ("squad" = i64, Path)), request_body = dir::SquadMemberNew,
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn team_squad_member_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, squad)): ApiPath<(i64, i64)>,
    ApiJson(new): ApiJson<dir::SquadMemberNew>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(
        dir::add_squad_member(&s.db, &actor, id, squad, &new).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/fields", tag = "directory", params(("id" = i64, Path)), request_body = dir::FieldNew,
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn team_field_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<dir::FieldNew>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::add_field(&s.db, &actor, id, &new).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{member}", tag = "directory", params(("id" = i64, Path), ("member" = i64, Path)),
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 422, description = "`mediates`: the member is the mediator of a mediation record", body = ApiError)))]
async fn team_member_remove(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, member)): ApiPath<(i64, i64)>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::remove_member(&s.db, &actor, id, member).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/fields/{field}", tag = "directory", params(("id" = i64, Path), ("field" = i64, Path)),
    responses((status = 200, body = dir::TeamView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn team_field_remove(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, field)): ApiPath<(i64, i64)>,
) -> AppResult<Json<dir::TeamView>> {
    Ok(Json(dir::remove_field(&s.db, &actor, id, field).await?))
}

#[utoipa::path(put, path = "/api/v1/buildings/{id}/leader", tag = "places", params(("id" = i64, Path)), request_body = dir::LeaderSet,
    responses((status = 200, body = Building), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn building_leader_set(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(set): ApiJson<dir::LeaderSet>,
) -> AppResult<Json<Building>> {
    Ok(Json(
        dir::set_building_leader(&s.db, &actor, id, &set).await?,
    ))
}
