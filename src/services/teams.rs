//! Red Butler teams: the four standing squads, members, fields of responsibility (the compounds
//! a member answers for) and building leaders.
use super::Checks;
use crate::db::teams::{Field, Squad, Team, TeamMember};
use crate::db::{Db, audit::AuditRecord};
use crate::domain::access::{Action, Target};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub async fn list_teams(db: &Db, _actor: &Actor) -> AppResult<Vec<Team>> {
    Ok(db.teams().teams().await?)
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
        && let Some(c) = db.places().compound(c).await?
    {
        return Ok(c.regions());
    }
    match team.community_id {
        Some(r) => Ok(db.places().region_chain(r).await?.unwrap_or([0; 4])),
        None => Ok([0; 4]),
    }
}

/// Teams, squads and members are public-service information for every logged-in user.
pub async fn view_team(db: &Db, actor: &Actor, id: i64) -> AppResult<TeamView> {
    let team = db.teams().team(id).await?.ok_or(AppError::NotFound)?;
    let regions = team_regions(db, &team).await?;
    let can_edit = actor.can(Action::EditTeam, &Target::Region(regions));
    let mut members = db.teams().members_of(id).await?;
    if !can_edit {
        // Party membership is shown to those who run the team, not to every resident.
        members.iter_mut().for_each(|m| m.party_member = None);
    }
    Ok(TeamView {
        squads: db.teams().squads_of(id).await?,
        members,
        fields: db.teams().fields_of_team(id).await?,
        can_edit,
        team,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamNew {
    /// e.g. "凤栖阁红管家工作站"; unique.
    pub name: String,
    /// The compound the team works for; or
    pub compound_id: Option<i64>,
    /// the community, for a team serving several compounds.
    pub community_id: Option<i64>,
    #[serde(default)]
    pub station_address: String,
}

/// A new Red Butler team with its four standing squads (party building, policy publicity,
/// property services, dispute mediation); custom squads are added afterwards.
pub async fn create_team(db: &Db, actor: &Actor, new: &TeamNew) -> AppResult<TeamView> {
    use crate::domain::kinds::{RegionLevel, SquadKind};
    // Permission before validation (the place-specific check follows once the place is known).
    if !actor.can_anywhere(Action::EditTeam) {
        return Err(AppError::Forbidden);
    }
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 60);
    let address = c
        .optional_text("station_address", Some(&new.station_address), 200)
        .unwrap_or_default();
    let regions = match (new.compound_id, new.community_id) {
        (Some(id), None) => match db.places().compound(id).await? {
            Some(compound) => Some(compound.regions()),
            None => {
                c.fail("compound_id", "unknown");
                None
            }
        },
        (None, Some(id)) => {
            let level = db
                .places()
                .regions()
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .map(|r| r.level);
            match level {
                Some(l) if l == RegionLevel::Community.as_str() => {
                    db.places().region_chain(id).await?
                }
                Some(_) => {
                    c.fail("community_id", "invalid");
                    None
                }
                None => {
                    c.fail("community_id", "unknown");
                    None
                }
            }
        }
        _ => {
            c.fail("compound_id", "one_of_compound_or_community");
            None
        }
    };
    c.finish()?;
    let mut work = db.begin().await?;
    let regions = regions.ok_or(AppError::field("compound_id", "unknown"))?;
    actor.require(Action::EditTeam, &Target::Region(regions))?;
    let squads: Vec<(&str, String)> = SquadKind::ALL
        .iter()
        .filter(|k| **k != SquadKind::Custom)
        .map(|k| {
            let key = k.label_key();
            let label = rust_i18n::t!(&key, locale = "zh-CN").to_string();
            (k.as_str(), format!("{label}分队"))
        })
        .collect();
    let id = work
        .teams()
        .insert_team(&name, new.community_id, new.compound_id, &address, &squads)
        .await?
        .ok_or(AppError::field("name", "taken"))?;
    let team = work.teams().team(id).await?.ok_or(AppError::NotFound)?;
    super::audit_change(&mut work, actor, "team", Some(id), None, &team, "").await?;
    work.commit().await?;
    view_team(db, actor, id).await
}

/// A member leaves the team; their squad places and responsibility fields go with them. A
/// member named as mediator in a mediation record stays (the record must keep its mediator).
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    member_id: i64,
) -> AppResult<TeamView> {
    require_team_edit(db, actor, team_id).await?;
    let before = db
        .teams()
        .members_of(team_id)
        .await?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(AppError::NotFound)?;
    if db.teams().mediations_of_member(member_id).await? > 0 {
        return Err(AppError::field("member_id", "mediates"));
    }
    let mut work = db.begin().await?;
    if !work.teams().delete_member(team_id, member_id).await? {
        return Err(AppError::NotFound);
    }
    let gone = serde_json::json!({"team_id": team_id, "person_id": before.person_id, "name": before.name, "title": before.title});
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "delete",
            entity: "team_member",
            entity_id: Some(member_id),
            before: Some(gone),
            after: None,
            reason: "",
        })
        .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

/// A responsibility field is given up (the patch goes to someone else).
pub async fn remove_field(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    field_id: i64,
) -> AppResult<TeamView> {
    require_team_edit(db, actor, team_id).await?;
    let before = db
        .teams()
        .fields_of_team(team_id)
        .await?
        .into_iter()
        .find(|f| f.id == field_id)
        .ok_or(AppError::NotFound)?;
    let mut work = db.begin().await?;
    if !work.teams().delete_field(team_id, field_id).await? {
        return Err(AppError::NotFound);
    }
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "delete",
            entity: "responsibility_field",
            entity_id: Some(field_id),
            before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
            after: None,
            reason: "",
        })
        .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberNew {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub person_id: i64,
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub home_organisation_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::services::input::flag")]
    pub party_member: bool,
    #[serde(default, deserialize_with = "crate::services::input::flag")]
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
    let team = db.teams().team(team_id).await?.ok_or(AppError::NotFound)?;
    actor.require(
        Action::EditTeam,
        &Target::Region(team_regions(db, &team).await?),
    )?;
    let mut c = Checks::default();
    if new.title.chars().count() > 50 {
        c.fail("title", "too_long");
    }
    if db.people().person(new.person_id).await?.is_none() {
        c.fail("person_id", "unknown");
    }
    if let Some(o) = new.home_organisation_id
        && db.organisations().organisation(o).await?.is_none()
    {
        c.fail("home_organisation_id", "unknown");
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work
        .teams()
        .add_team_member(
            team_id,
            new.person_id,
            new.home_organisation_id,
            new.party_member,
            new.volunteer,
            new.title.trim(),
        )
        .await?;
    work.audit().record(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "create",
        entity: "team_member",
        entity_id: Some(id),
        before: None,
        after: Some(serde_json::json!({"team_id": team_id, "person_id": new.person_id, "title": new.title.trim()})),
        reason: "",
    })
    .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

async fn require_team_edit(db: &Db, actor: &Actor, team_id: i64) -> AppResult<Team> {
    let team = db.teams().team(team_id).await?.ok_or(AppError::NotFound)?;
    actor.require(
        Action::EditTeam,
        &Target::Region(team_regions(db, &team).await?),
    )?;
    Ok(team)
}

fn audit_create<'a>(
    actor: &Actor,
    entity: &'a str,
    id: i64,
    after: serde_json::Value,
) -> AuditRecord<'a> {
    AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "create",
        entity,
        entity_id: Some(id),
        before: None,
        after: Some(after),
        reason: "",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SquadNew {
    /// party_building | policy_publicity | property_services | dispute_mediation | custom
    #[serde(default)]
    #[schema(required = true)]
    pub kind: String,
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
}

pub async fn add_squad(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    new: &SquadNew,
) -> AppResult<TeamView> {
    require_team_edit(db, actor, team_id).await?;
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 50);
    if crate::domain::kinds::SquadKind::parse(&new.kind).is_none() {
        c.fail("kind", "invalid");
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work.teams().insert_squad(team_id, &new.kind, &name).await?;
    work.audit()
        .record(audit_create(
            actor,
            "squad",
            id,
            serde_json::json!({"team_id": team_id, "kind": new.kind, "name": name}),
        ))
        .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FieldNew {
    /// Either a member of the team …
    pub member_id: Option<i64>,
    /// … or a squad of it answers for the field.
    pub squad_id: Option<i64>,
    pub compound_id: i64,
    /// A single building of the compound; absent for the whole compound.
    pub building_id: Option<i64>,
}

/// Where the team works: its compound, or the compounds of its community.
fn area_of(team: &Team) -> Option<crate::domain::access::TeamArea> {
    use crate::domain::access::TeamArea;
    match (team.compound_id, team.community_id) {
        (Some(c), _) => Some(TeamArea::Compound(c)),
        (None, Some(r)) => Some(TeamArea::Community(r)),
        (None, None) => None,
    }
}

/// Gives a member or a squad a field of responsibility (责任田): a compound or one building of it.
pub async fn add_field(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    new: &FieldNew,
) -> AppResult<TeamView> {
    let team = require_team_edit(db, actor, team_id).await?;
    let compound = db.places().compound(new.compound_id).await?;
    // The field's compound must lie in the editor's own reach (not only the team's): 403.
    if let Some(k) = &compound {
        actor.require(Action::EditTeam, &Target::Place(k.place(new.building_id)))?;
    }
    let mut c = Checks::default();
    match (new.member_id, new.squad_id) {
        (Some(m), None) => {
            if db.teams().team_of_member(m).await? != Some(team_id) {
                c.fail("member_id", "unknown");
            }
        }
        (None, Some(s)) => {
            if db.teams().team_of_squad(s).await? != Some(team_id) {
                c.fail("squad_id", "unknown");
            }
        }
        _ => c.fail("member_id", "one_of_member_or_squad"),
    }
    match &compound {
        None => c.fail("compound_id", "unknown"),
        Some(k) if !area_of(&team).is_some_and(|a| a.contains(&k.place(None))) => {
            c.fail("compound_id", "outside_team")
        }
        Some(_) => {}
    }
    if let Some(b) = new.building_id
        && db
            .places()
            .building(b)
            .await?
            .is_none_or(|b| b.compound_id != new.compound_id)
    {
        c.fail("building_id", "unknown");
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work
        .teams()
        .add_field(
            new.member_id,
            new.squad_id,
            new.compound_id,
            new.building_id,
        )
        .await?;
    work.audit().record(audit_create(
        actor,
        "responsibility_field",
        id,
        serde_json::json!({"member_id": new.member_id, "squad_id": new.squad_id, "compound_id": new.compound_id, "building_id": new.building_id}),
    ))
    .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SquadMemberNew {
    pub member_id: i64,
}

pub async fn add_squad_member(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    squad_id: i64,
    new: &SquadMemberNew,
) -> AppResult<TeamView> {
    require_team_edit(db, actor, team_id).await?;
    if db.teams().team_of_squad(squad_id).await? != Some(team_id) {
        return Err(AppError::NotFound);
    }
    if db.teams().team_of_member(new.member_id).await? != Some(team_id) {
        return Err(AppError::field("member_id", "unknown"));
    }
    let mut work = db.begin().await?;
    work.teams()
        .add_squad_member(squad_id, new.member_id)
        .await?;
    work.audit()
        .record(audit_create(
            actor,
            "squad_member",
            squad_id,
            serde_json::json!({"squad_id": squad_id, "member_id": new.member_id}),
        ))
        .await?;
    work.commit().await?;
    view_team(db, actor, team_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LeaderSet {
    /// A person living in the building; null to leave the post empty.
    pub person_id: Option<i64>,
}

/// Appoints the building leader (楼长): someone who lives in the building.
pub async fn set_building_leader(
    db: &Db,
    actor: &Actor,
    building_id: i64,
    set: &LeaderSet,
) -> AppResult<crate::db::places::Building> {
    let building = db
        .places()
        .building(building_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let compound = crate::services::places::compound_of(db, building.compound_id).await?;
    actor.require(
        Action::EditPlace,
        &Target::Place(compound.place(Some(building_id))),
    )?;
    if let Some(p) = set.person_id
        && !db.teams().lives_in_building(p, building_id).await?
    {
        return Err(AppError::field("person_id", "not_in_building"));
    }
    let mut work = db.begin().await?;
    work.teams()
        .set_building_leader(building_id, set.person_id)
        .await?;
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "update",
            entity: "building_leader",
            entity_id: Some(building_id),
            before: Some(serde_json::json!({"person_id": building.leader_person_id})),
            after: Some(serde_json::json!({"person_id": set.person_id})),
            reason: "",
        })
        .await?;
    work.commit().await?;
    db.places()
        .building(building_id)
        .await?
        .ok_or(AppError::NotFound)
}
