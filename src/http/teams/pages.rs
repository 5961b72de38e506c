//! Pages of Red Butler teams: squads, members, fields of responsibility, building leaders.
use crate::db::teams::Team;
use crate::domain::access::{Action, Target};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::form_number;
use crate::http::pages::id_of;
use crate::http::pages::opt_number;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::services::places;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teams", get(teams_page).post(team_create_submit))
        .route("/teams/{id}", get(team_page))
        .route("/teams/{id}/members", post(team_member_submit))
        .route("/teams/{id}/squads", post(team_squad_submit))
        .route("/teams/{id}/fields", post(team_field_submit))
        .route(
            "/teams/{id}/members/{member}/remove",
            post(team_member_remove_submit),
        )
        .route(
            "/teams/{id}/fields/{field}/remove",
            post(team_field_remove_submit),
        )
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    ctx: Ctx,
    teams: Vec<Team>,
    /// Where a new team may work ("compound:ID" or "community:ID", name), for those who may
    /// create teams; empty otherwise.
    places: Vec<(String, String)>,
}

async fn teams_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
) -> AppResult<Html<String>> {
    let teams = crate::services::teams::list_teams(&state.db, &actor).await?;
    let may_create = actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::EditTeam));
    let mut places = Vec::new();
    if may_create {
        // Only where this actor may create a team.
        for (id, name) in places::communities_where(&state.db, &actor, Action::EditTeam).await? {
            places.push((format!("community:{id}"), name));
        }
        if let Some(filter) = places::visible_compounds(&actor) {
            for c in state.db.places().compounds(&filter, 0, 500).await? {
                if actor.can(Action::EditTeam, &Target::Region(c.regions())) {
                    places.push((format!("compound:{}", c.id), c.name));
                }
            }
        }
    }
    render(TeamsPage { ctx, teams, places })
}

#[derive(Deserialize)]
struct TeamForm {
    name: String,
    /// "compound:ID" or "community:ID"
    place: String,
    station_address: Option<String>,
}

async fn team_create_submit(
    State(state): State<AppState>,
    actor: Actor,
    Form(f): Form<TeamForm>,
) -> AppResult<Redirect> {
    let (compound_id, community_id) = match f.place.split_once(':') {
        Some(("compound", id)) => (Some(form_number(id, "compound_id")?), None),
        Some(("community", id)) => (None, Some(form_number(id, "community_id")?)),
        _ => {
            return Err(AppError::field(
                "compound_id",
                "one_of_compound_or_community",
            ));
        }
    };
    let new = crate::services::teams::TeamNew {
        name: f.name,
        compound_id,
        community_id,
        station_address: f.station_address.unwrap_or_default(),
    };
    let v = crate::services::teams::create_team(&state.db, &actor, &new).await?;
    Ok(Redirect::to(&format!("/teams/{}", v.team.id)))
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    ctx: Ctx,
    v: crate::services::teams::TeamView,
    squad_kinds: Vec<&'static str>,
    /// Compounds a field may be given in (those the editor sees), for the form.
    compounds: Vec<(i64, String)>,
}

async fn team_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = crate::services::teams::view_team(&state.db, &actor, id_of(&id)?).await?;
    let compounds = if v.can_edit {
        places::list_compounds(&state.db, &actor, 0, Some(200))
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        vec![]
    };
    let squad_kinds = crate::domain::kinds::SquadKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    render(TeamPage {
        ctx,
        v,
        squad_kinds,
        compounds,
    })
}

async fn team_member_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<crate::services::teams::MemberNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    crate::services::teams::add_member(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

async fn team_squad_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(new): PageForm<crate::services::teams::SquadNew>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    crate::services::teams::add_squad(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

#[derive(Deserialize)]
struct FieldForm {
    /// "m:<member id>" or "s:<squad id>"
    holder: String,
    compound_id: String,
    building_id: Option<String>,
}

async fn team_member_remove_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, member)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    crate::services::teams::remove_member(&state.db, &actor, id, id_of(&member)?).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

async fn team_field_remove_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, field)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    crate::services::teams::remove_field(&state.db, &actor, id, id_of(&field)?).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

async fn team_field_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<FieldForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (member_id, squad_id) = match f.holder.split_once(':') {
        Some(("m", v)) => (Some(form_number(v, "member_id")?), None),
        Some(("s", v)) => (None, Some(form_number(v, "squad_id")?)),
        _ => return Err(AppError::field("member_id", "one_of_member_or_squad")),
    };
    let building_id = opt_number(f.building_id.as_deref().unwrap_or(""), "building_id")?;
    let new = crate::services::teams::FieldNew {
        member_id,
        squad_id,
        compound_id: form_number(&f.compound_id, "compound_id")?,
        building_id,
    };
    crate::services::teams::add_field(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}
