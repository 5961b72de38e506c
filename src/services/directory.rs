//! Organisations and Red Butler teams.
use super::{Checks, page_limit};
use crate::db::directory::{
    CommitteeMember, Contract, Field, Organisation, Squad, Team, TeamMember,
};
use crate::db::{Db, audit::AuditRecord};
use crate::domain::access::{Action, Target};
use crate::domain::kinds::OrgKind;
use crate::error::{AppError, AppResult};
use crate::http::session::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The directory of organisations is open to every logged-in user (it is public-service information).
pub async fn list_organisations(
    db: &Db,
    _actor: &Actor,
    after: i64,
    limit: Option<i64>,
) -> AppResult<Vec<Organisation>> {
    Ok(db.organisations(after, page_limit(limit)?).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub organisation: Organisation,
    pub matters: Vec<String>,
    pub contracts: Vec<Contract>,
    pub committee: Vec<CommitteeMember>,
}

pub async fn view_organisation(db: &Db, _actor: &Actor, id: i64) -> AppResult<OrganisationView> {
    let organisation = db.organisation(id).await?.ok_or(AppError::NotFound)?;
    Ok(OrganisationView {
        matters: db.matters_of(id).await?,
        contracts: db.contracts(id, 0).await?,
        committee: db.committee_members(id).await?,
        organisation,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganisationNew {
    pub kind: String,
    pub name: String,
    pub region_id: Option<i64>,
    pub compound_id: Option<i64>,
    pub phone: Option<String>,
}

pub async fn create_organisation(
    db: &Db,
    actor: &Actor,
    new: &OrganisationNew,
) -> AppResult<Organisation> {
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 100);
    if OrgKind::parse(&new.kind).is_none() {
        c.fail("kind", "invalid");
    }
    let phone = c
        .optional_text("phone", new.phone.as_deref(), 30)
        .unwrap_or_default();
    let regions = match new.region_id {
        Some(r) => match db.region_chain(r).await? {
            Some(chain) => Some(chain),
            None => {
                c.fail("region_id", "unknown");
                None
            }
        },
        None => {
            c.fail("region_id", "required");
            None
        }
    };
    if let Some(cid) = new.compound_id
        && db.compound(cid).await?.is_none()
    {
        c.fail("compound_id", "unknown");
    }
    c.finish()?;
    let regions = regions.ok_or(AppError::field("region_id", "required"))?;
    actor.require(Action::EditOrganisation, &Target::Region(regions))?;
    let id = db
        .insert_organisation(&new.kind, &name, new.region_id, new.compound_id, &phone)
        .await?;
    let org = db.organisation(id).await?.ok_or(AppError::NotFound)?;
    db.audit(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "create",
        entity: "organisation",
        entity_id: Some(id),
        before: None,
        after: Some(serde_json::to_value(&org).map_err(anyhow::Error::from)?),
        reason: "",
    })
    .await?;
    Ok(org)
}

pub async fn list_teams(db: &Db, _actor: &Actor) -> AppResult<Vec<Team>> {
    Ok(db.teams().await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub team: Team,
    pub squads: Vec<Squad>,
    pub members: Vec<TeamMember>,
    pub fields: Vec<Field>,
    pub can_edit: bool,
}

async fn team_regions(db: &Db, team: &Team) -> AppResult<[i64; 4]> {
    if let Some(c) = team.compound_id
        && let Some(c) = db.compound(c).await?
    {
        return Ok(c.regions());
    }
    match team.community_id {
        Some(r) => Ok(db.region_chain(r).await?.unwrap_or([0; 4])),
        None => Ok([0; 4]),
    }
}

/// Teams, squads and members are public-service information for every logged-in user.
pub async fn view_team(db: &Db, actor: &Actor, id: i64) -> AppResult<TeamView> {
    let team = db.team(id).await?.ok_or(AppError::NotFound)?;
    let regions = team_regions(db, &team).await?;
    Ok(TeamView {
        squads: db.squads_of(id).await?,
        members: db.members_of(id).await?,
        fields: db.fields_of_team(id).await?,
        can_edit: actor.can(Action::EditTeam, &Target::Region(regions)),
        team,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberNew {
    pub person_id: i64,
    pub home_organisation_id: Option<i64>,
    #[serde(default)]
    pub party_member: bool,
    #[serde(default)]
    pub volunteer: bool,
    #[serde(default)]
    pub title: String,
}

pub async fn add_member(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    new: &MemberNew,
) -> AppResult<TeamView> {
    let team = db.team(team_id).await?.ok_or(AppError::NotFound)?;
    actor.require(
        Action::EditTeam,
        &Target::Region(team_regions(db, &team).await?),
    )?;
    let mut c = Checks::default();
    if new.title.chars().count() > 50 {
        c.fail("title", "too_long");
    }
    if db.person(new.person_id).await?.is_none() {
        c.fail("person_id", "unknown");
    }
    if let Some(o) = new.home_organisation_id
        && db.organisation(o).await?.is_none()
    {
        c.fail("home_organisation_id", "unknown");
    }
    c.finish()?;
    let id = db
        .add_team_member(
            team_id,
            new.person_id,
            new.home_organisation_id,
            new.party_member,
            new.volunteer,
            new.title.trim(),
        )
        .await?;
    db.audit(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "create",
        entity: "team_member",
        entity_id: Some(id),
        before: None,
        after: Some(serde_json::json!({"team_id": team_id, "person_id": new.person_id, "title": new.title.trim()})),
        reason: "",
    })
    .await?;
    view_team(db, actor, team_id).await
}
