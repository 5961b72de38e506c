//! Organisations and Red Butler teams.
use super::{Checks, page_limit};
use crate::db::directory::{
    CommitteeMember, Contract, Field, Organisation, Squad, Team, TeamMember,
};
use crate::db::{Db, audit::AuditRecord};
use crate::domain::access::{Action, Target};
use crate::domain::kinds::OrgKind;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
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
    /// May the viewer add contracts or committee members?
    pub can_edit: bool,
}

pub async fn view_organisation(db: &Db, actor: &Actor, id: i64) -> AppResult<OrganisationView> {
    let organisation = db.organisation(id).await?.ok_or(AppError::NotFound)?;
    let regions = organisation_regions(db, &organisation).await?;
    Ok(OrganisationView {
        can_edit: actor.can(Action::EditOrganisation, &Target::Region(regions)),
        matters: db.matters_of(id).await?,
        contracts: db.contracts(id, 0).await?,
        committee: db.committee_members(id).await?,
        organisation,
    })
}

/// The organisation, when the actor may edit it (EditOrganisation within its regions).
async fn organisation_for_edit(db: &Db, actor: &Actor, id: i64) -> AppResult<Organisation> {
    let org = db.organisation(id).await?.ok_or(AppError::NotFound)?;
    actor.require(
        Action::EditOrganisation,
        &Target::Region(organisation_regions(db, &org).await?),
    )?;
    Ok(org)
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganisationEdit {
    pub name: String,
    /// Empty: none.
    pub phone: Option<String>,
    /// What a department owns (e.g. green space, roads, parking planning); replaces the list.
    /// Absent: unchanged. Only departments and police stations own matters.
    pub matters: Option<Vec<String>>,
}

/// Rename an organisation, change its phone, and (departments, police stations) the matters it
/// owns; the case router sends matching cases there.
pub async fn update_organisation(
    db: &Db,
    actor: &Actor,
    id: i64,
    edit: &OrganisationEdit,
) -> AppResult<OrganisationView> {
    organisation_for_edit(db, actor, id).await?;
    let before = view_organisation(db, actor, id).await?;
    let mut c = Checks::default();
    let name = c.text("name", &edit.name, 100);
    let phone = c
        .optional_text("phone", edit.phone.as_deref(), 30)
        .unwrap_or_default();
    let matters = match &edit.matters {
        None => None,
        Some(list) => {
            let owns = matches!(
                OrgKind::parse(&before.organisation.kind),
                Some(OrgKind::Department | OrgKind::PoliceStation)
            );
            if !owns && !list.is_empty() {
                c.fail("matters", "not_a_department");
            }
            if list.len() > 30 {
                c.fail("matters", "too_many");
            }
            let mut out: Vec<String> = Vec::new();
            for m in list {
                let m = c.text("matters", m, 40);
                if !m.is_empty() && !out.contains(&m) {
                    out.push(m);
                }
            }
            Some(out)
        }
    };
    c.finish()?;
    if !db
        .update_organisation(id, &name, &phone, matters.as_deref())
        .await?
    {
        return Err(AppError::field("name", "taken"));
    }
    let after = view_organisation(db, actor, id).await?;
    let state = |v: &OrganisationView| serde_json::json!({"name": v.organisation.name, "phone": v.organisation.phone, "matters": v.matters});
    super::audit_change(
        db,
        actor,
        "organisation",
        Some(id),
        Some(&state(&before)),
        &state(&after),
        "",
    )
    .await?;
    Ok(after)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractEnd {
    /// The last day the company manages the compound, YYYY-MM-DD.
    pub ends_on: String,
}

/// End a property contract (the company leaves); its staff lose the compound from the next day.
pub async fn end_contract(
    db: &Db,
    actor: &Actor,
    contract_id: i64,
    end: &ContractEnd,
) -> AppResult<OrganisationView> {
    use crate::domain::period::DatePeriod;
    let before = db.contract(contract_id).await?.ok_or(AppError::NotFound)?;
    organisation_for_edit(db, actor, before.organisation_id).await?;
    if before.ends_on.is_some() {
        return Err(AppError::field("ends_on", "already_ended"));
    }
    let period = DatePeriod::parse(&before.starts_on, Some(&end.ends_on), "ends_on", "ends_on")
        .map_err(|(f, e)| AppError::field(f, e))?;
    let ends = period
        .to_text()
        .ok_or(AppError::field("ends_on", "required"))?;
    if !db.end_contract(contract_id, &ends).await? {
        return Err(AppError::field("ends_on", "already_ended"));
    }
    let after = db.contract(contract_id).await?.ok_or(AppError::NotFound)?;
    super::audit_change(
        db,
        actor,
        "property_contract",
        Some(contract_id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    view_organisation(db, actor, before.organisation_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TermEnd {
    /// The member's last day on the committee, YYYY-MM-DD.
    pub term_to: String,
}

/// End a committee member's term early (resignation, sale of the home, recall).
pub async fn end_committee_term(
    db: &Db,
    actor: &Actor,
    member_id: i64,
    end: &TermEnd,
) -> AppResult<OrganisationView> {
    use crate::domain::period::DatePeriod;
    let (org_id, before) = db
        .committee_member(member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    organisation_for_edit(db, actor, org_id).await?;
    if before.term_to.is_some() {
        return Err(AppError::field("term_to", "already_ended"));
    }
    let period = DatePeriod::parse(&before.term_from, Some(&end.term_to), "term_to", "term_to")
        .map_err(|(f, e)| AppError::field(f, e))?;
    let to = period
        .to_text()
        .ok_or(AppError::field("term_to", "required"))?;
    if !db.end_committee_term(member_id, &to).await? {
        return Err(AppError::field("term_to", "already_ended"));
    }
    let (_, after) = db
        .committee_member(member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::audit_change(
        db,
        actor,
        "committee_member",
        Some(member_id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    view_organisation(db, actor, org_id).await
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
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 60);
    let address = c
        .optional_text("station_address", Some(&new.station_address), 200)
        .unwrap_or_default();
    let regions = match (new.compound_id, new.community_id) {
        (Some(id), None) => match db.compound(id).await? {
            Some(compound) => Some(compound.regions()),
            None => {
                c.fail("compound_id", "unknown");
                None
            }
        },
        (None, Some(id)) => {
            let level = db
                .regions()
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .map(|r| r.level);
            match level {
                Some(l) if l == RegionLevel::Community.as_str() => db.region_chain(id).await?,
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
    let id = db
        .insert_team(&name, new.community_id, new.compound_id, &address, &squads)
        .await?
        .ok_or(AppError::field("name", "taken"))?;
    let team = db.team(id).await?.ok_or(AppError::NotFound)?;
    super::audit_change(db, actor, "team", Some(id), None, &team, "").await?;
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
        .members_of(team_id)
        .await?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(AppError::NotFound)?;
    if db.mediations_of_member(member_id).await? > 0 {
        return Err(AppError::field("member_id", "mediates"));
    }
    if !db.delete_member(team_id, member_id).await? {
        return Err(AppError::NotFound);
    }
    let gone = serde_json::json!({"team_id": team_id, "person_id": before.person_id, "name": before.name, "title": before.title});
    db.audit(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "delete",
        entity: "team_member",
        entity_id: Some(member_id),
        before: Some(gone),
        after: None,
        reason: "",
    })
    .await?;
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
        .fields_of_team(team_id)
        .await?
        .into_iter()
        .find(|f| f.id == field_id)
        .ok_or(AppError::NotFound)?;
    if !db.delete_field(team_id, field_id).await? {
        return Err(AppError::NotFound);
    }
    db.audit(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "delete",
        entity: "responsibility_field",
        entity_id: Some(field_id),
        before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
        after: None,
        reason: "",
    })
    .await?;
    view_team(db, actor, team_id).await
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

async fn require_team_edit(db: &Db, actor: &Actor, team_id: i64) -> AppResult<Team> {
    let team = db.team(team_id).await?.ok_or(AppError::NotFound)?;
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
    pub kind: String,
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
    let id = db.insert_squad(team_id, &new.kind, &name).await?;
    db.audit(audit_create(
        actor,
        "squad",
        id,
        serde_json::json!({"team_id": team_id, "kind": new.kind, "name": name}),
    ))
    .await?;
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

/// Gives a member or a squad a field of responsibility (责任田): a compound or one building of it.
pub async fn add_field(
    db: &Db,
    actor: &Actor,
    team_id: i64,
    new: &FieldNew,
) -> AppResult<TeamView> {
    require_team_edit(db, actor, team_id).await?;
    let mut c = Checks::default();
    match (new.member_id, new.squad_id) {
        (Some(m), None) => {
            if db.team_of_member(m).await? != Some(team_id) {
                c.fail("member_id", "unknown");
            }
        }
        (None, Some(s)) => {
            if db.team_of_squad(s).await? != Some(team_id) {
                c.fail("squad_id", "unknown");
            }
        }
        _ => c.fail("member_id", "one_of_member_or_squad"),
    }
    if db.compound(new.compound_id).await?.is_none() {
        c.fail("compound_id", "unknown");
    }
    if let Some(b) = new.building_id
        && db
            .building(b)
            .await?
            .is_none_or(|b| b.compound_id != new.compound_id)
    {
        c.fail("building_id", "unknown");
    }
    c.finish()?;
    let id = db
        .add_field(
            new.member_id,
            new.squad_id,
            new.compound_id,
            new.building_id,
        )
        .await?;
    db.audit(audit_create(
        actor,
        "responsibility_field",
        id,
        serde_json::json!({"member_id": new.member_id, "squad_id": new.squad_id, "compound_id": new.compound_id, "building_id": new.building_id}),
    ))
    .await?;
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
    if db.team_of_squad(squad_id).await? != Some(team_id) {
        return Err(AppError::NotFound);
    }
    if db.team_of_member(new.member_id).await? != Some(team_id) {
        return Err(AppError::field("member_id", "unknown"));
    }
    db.add_squad_member(squad_id, new.member_id).await?;
    db.audit(audit_create(
        actor,
        "squad_member",
        squad_id,
        serde_json::json!({"squad_id": squad_id, "member_id": new.member_id}),
    ))
    .await?;
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
    let building = db.building(building_id).await?.ok_or(AppError::NotFound)?;
    let compound = crate::services::places::compound_of(db, building.compound_id).await?;
    actor.require(
        Action::EditPlace,
        &Target::Place(compound.place(Some(building_id))),
    )?;
    if let Some(p) = set.person_id
        && !db.lives_in_building(p, building_id).await?
    {
        return Err(AppError::field("person_id", "not_in_building"));
    }
    db.set_building_leader(building_id, set.person_id).await?;
    db.audit(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action: "update",
        entity: "building_leader",
        entity_id: Some(building_id),
        before: Some(serde_json::json!({"person_id": building.leader_person_id})),
        after: Some(serde_json::json!({"person_id": set.person_id})),
        reason: "",
    })
    .await?;
    db.building(building_id).await?.ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------- contracts and committees

/// Where an organisation works, for access checks: its compound's regions, or its region's.
async fn organisation_regions(db: &Db, org: &Organisation) -> AppResult<[i64; 4]> {
    if let Some(c) = org.compound_id
        && let Some(compound) = db.compound(c).await?
    {
        return Ok(compound.regions());
    }
    match org.region_id {
        Some(r) => db.region_chain(r).await?.ok_or(AppError::NotFound),
        // An organisation tied to no place: only a global grant covers it.
        None => Ok([0; 4]),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractNew {
    pub compound_id: i64,
    /// First day, e.g. 2026-01-01.
    pub starts_on: String,
    /// Last day; absent for an open-ended contract.
    pub ends_on: Option<String>,
}

/// A property company takes on a compound. A compound has one property company at a time, so a
/// contract overlapping another of the same compound is refused.
pub async fn add_contract(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    new: &ContractNew,
) -> AppResult<OrganisationView> {
    use crate::domain::period::DatePeriod;
    let org = db
        .organisation(organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let compound = db.compound(new.compound_id).await?;
    let target = match &compound {
        Some(c) => c.regions(),
        None => organisation_regions(db, &org).await?,
    };
    actor.require(Action::EditOrganisation, &Target::Region(target))?;
    let mut c = Checks::default();
    if org.kind != OrgKind::PropertyCompany.as_str() {
        c.fail("organisation_id", "not_a_property_company");
    }
    if compound.is_none() {
        c.fail("compound_id", "unknown");
    }
    let period = DatePeriod::parse(
        &new.starts_on,
        new.ends_on.as_deref(),
        "starts_on",
        "ends_on",
    );
    if let Err((f, e)) = period {
        c.fail(f, e);
    }
    c.finish()?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    for (from, to) in db.contract_periods(new.compound_id).await? {
        if let Ok(other) = DatePeriod::parse(&from, to.as_deref(), "starts_on", "ends_on")
            && other.overlaps(&period)
        {
            return Err(AppError::field("starts_on", "overlaps"));
        }
    }
    let ends = period.to_text();
    let id = db
        .insert_contract(
            organisation_id,
            new.compound_id,
            &period.from_text(),
            ends.as_deref(),
        )
        .await?;
    let after = (new.compound_id, period.from_text(), ends);
    super::audit_change(db, actor, "property_contract", Some(id), None, &after, "").await?;
    view_organisation(db, actor, organisation_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommitteeMemberNew {
    pub person_id: i64,
    /// 主任, 副主任, 委员 …
    pub position: String,
    pub term_from: String,
    pub term_to: Option<String>,
}

/// A member of an owners' committee, with position and term.
pub async fn add_committee_member(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    new: &CommitteeMemberNew,
) -> AppResult<OrganisationView> {
    use crate::domain::period::DatePeriod;
    let org = organisation_for_edit(db, actor, organisation_id).await?;
    let mut c = Checks::default();
    if org.kind != OrgKind::OwnersCommittee.as_str() {
        c.fail("organisation_id", "not_a_committee");
    }
    if db.person(new.person_id).await?.is_none() {
        c.fail("person_id", "unknown");
    }
    let position = c.text("position", &new.position, 30);
    let period = DatePeriod::parse(
        &new.term_from,
        new.term_to.as_deref(),
        "term_from",
        "term_to",
    );
    if let Err((f, e)) = period {
        c.fail(f, e);
    }
    c.finish()?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    let to = period.to_text();
    let id = db
        .insert_committee_member(
            organisation_id,
            new.person_id,
            &position,
            &period.from_text(),
            to.as_deref(),
        )
        .await?;
    let after = (new.person_id, &position, period.from_text(), to);
    super::audit_change(db, actor, "committee_member", Some(id), None, &after, "").await?;
    view_organisation(db, actor, organisation_id).await
}
