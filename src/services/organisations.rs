//! Organisations: property companies, owners' committees, departments, police stations and
//! offices; property contracts (one company per compound at a time) and committee terms.
use super::{Checks, page_limit};
use crate::db::organisations::{CommitteeMember, Contract, Organisation};
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
    Ok(db
        .organisations()
        .organisations(after, page_limit(limit)?)
        .await?)
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
    let organisation = db
        .organisations()
        .organisation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let regions = organisation_regions(db, &organisation).await?;
    Ok(OrganisationView {
        can_edit: actor.can(Action::EditOrganisation, &Target::Region(regions)),
        matters: db.organisations().matters_of(id).await?,
        contracts: db.organisations().contracts(id, 0).await?,
        committee: db.organisations().committee_members(id).await?,
        organisation,
    })
}

/// The organisation, when the actor may edit it (EditOrganisation within its regions).
async fn organisation_for_edit(db: &Db, actor: &Actor, id: i64) -> AppResult<Organisation> {
    let org = db
        .organisations()
        .organisation(id)
        .await?
        .ok_or(AppError::NotFound)?;
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
    // Permission before validation (the place-specific check follows once the region is known).
    if !actor.can_anywhere(Action::EditOrganisation) {
        return Err(AppError::Forbidden);
    }
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 100);
    if OrgKind::parse(&new.kind).is_none() {
        c.fail("kind", "invalid");
    }
    let phone = c
        .optional_text("phone", new.phone.as_deref(), 30)
        .unwrap_or_default();
    let regions = match new.region_id {
        Some(r) => match db.places().region_chain(r).await? {
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
        && db.places().compound(cid).await?.is_none()
    {
        c.fail("compound_id", "unknown");
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let regions = regions.ok_or(AppError::field("region_id", "required"))?;
    actor.require(Action::EditOrganisation, &Target::Region(regions))?;
    let id = work
        .organisations()
        .insert_organisation(&new.kind, &name, new.region_id, new.compound_id, &phone)
        .await?;
    let org = work
        .organisations()
        .organisation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "create",
            entity: "organisation",
            entity_id: Some(id),
            before: None,
            after: Some(serde_json::to_value(&org).map_err(anyhow::Error::from)?),
            reason: "",
        })
        .await?;
    work.commit().await?;
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
    let mut work = db.begin().await?;
    if !work
        .organisations()
        .update_organisation(id, &name, &phone, matters.as_deref())
        .await?
    {
        return Err(AppError::field("name", "taken"));
    }
    let state = |o: &Organisation, matters: &[String]| serde_json::json!({"name": o.name, "phone": o.phone, "matters": matters});
    let changed = work
        .organisations()
        .organisation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let matters = work.organisations().matters_of(id).await?;
    super::audit_change(
        &mut work,
        actor,
        "organisation",
        Some(id),
        Some(&state(&before.organisation, &before.matters)),
        &state(&changed, &matters),
        "",
    )
    .await?;
    work.commit().await?;
    view_organisation(db, actor, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractEnd {
    /// The last day the company manages the compound, YYYY-MM-DD.
    #[serde(default)]
    #[schema(required = true)]
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
    let before = db
        .organisations()
        .contract(contract_id)
        .await?
        .ok_or(AppError::NotFound)?;
    organisation_for_edit(db, actor, before.organisation_id).await?;
    if before.ends_on.is_some() {
        return Err(AppError::field("ends_on", "already_ended"));
    }
    let period = DatePeriod::parse(&before.starts_on, Some(&end.ends_on), "ends_on", "ends_on")
        .map_err(|(f, e)| AppError::field(f, e))?;
    let ends = period
        .to_text()
        .ok_or(AppError::field("ends_on", "required"))?;
    let mut work = db.begin().await?;
    if !work
        .organisations()
        .end_contract(contract_id, &ends)
        .await?
    {
        return Err(AppError::field("ends_on", "already_ended"));
    }
    let after = work
        .organisations()
        .contract(contract_id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::audit_change(
        &mut work,
        actor,
        "property_contract",
        Some(contract_id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    view_organisation(db, actor, before.organisation_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TermEnd {
    /// The member's last day on the committee, YYYY-MM-DD.
    #[serde(default)]
    #[schema(required = true)]
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
        .organisations()
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
    let mut work = db.begin().await?;
    if !work
        .organisations()
        .end_committee_term(member_id, &to)
        .await?
    {
        return Err(AppError::field("term_to", "already_ended"));
    }
    let (_, after) = work
        .organisations()
        .committee_member(member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::audit_change(
        &mut work,
        actor,
        "committee_member",
        Some(member_id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    view_organisation(db, actor, org_id).await
}

// ---------------------------------------------------------------- contracts and committees

/// Where an organisation works, for access checks: its compound's regions, or its region's.
async fn organisation_regions(db: &Db, org: &Organisation) -> AppResult<[i64; 4]> {
    if let Some(c) = org.compound_id
        && let Some(compound) = db.places().compound(c).await?
    {
        return Ok(compound.regions());
    }
    match org.region_id {
        Some(r) => db.places().region_chain(r).await?.ok_or(AppError::NotFound),
        // An organisation tied to no place: only a global grant covers it.
        None => Ok([0; 4]),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractNew {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub compound_id: i64,
    /// First day, e.g. 2026-01-01.
    #[serde(default)]
    #[schema(required = true)]
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
        .organisations()
        .organisation(organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let compound = db.places().compound(new.compound_id).await?;
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
    let mut work = db.begin().await?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    for (from, to) in work
        .organisations()
        .contract_periods(new.compound_id)
        .await?
    {
        if let Ok(other) = DatePeriod::parse(&from, to.as_deref(), "starts_on", "ends_on")
            && other.overlaps(&period)
        {
            return Err(AppError::field("starts_on", "overlaps"));
        }
    }
    let ends = period.to_text();
    let id = work
        .organisations()
        .insert_contract(
            organisation_id,
            new.compound_id,
            &period.from_text(),
            ends.as_deref(),
        )
        .await?;
    let after = (new.compound_id, period.from_text(), ends);
    super::audit_change(
        &mut work,
        actor,
        "property_contract",
        Some(id),
        None,
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    view_organisation(db, actor, organisation_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommitteeMemberNew {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub person_id: i64,
    /// 主任, 副主任, 委员 …
    #[serde(default)]
    #[schema(required = true)]
    pub position: String,
    #[serde(default)]
    #[schema(required = true)]
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
    if db.people().person(new.person_id).await?.is_none() {
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
    let mut work = db.begin().await?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    let to = period.to_text();
    let id = work
        .organisations()
        .insert_committee_member(
            organisation_id,
            new.person_id,
            &position,
            &period.from_text(),
            to.as_deref(),
        )
        .await?;
    let after = (new.person_id, &position, period.from_text(), to);
    super::audit_change(
        &mut work,
        actor,
        "committee_member",
        Some(id),
        None,
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    view_organisation(db, actor, organisation_id).await
}
