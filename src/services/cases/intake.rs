//! Registering a case: from a resident's phone, a call, a visit, a letter, a building leader or
//! Open311; routed by its category to the handling unit, the team staying first receiver.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::cases::NewCase;
use crate::db::places::Compound;
use crate::domain::access::{Action, Target};
use crate::domain::cases::{CaseAction, CaseKind, CaseState, Channel, Level, Unit, UnitKind};
use crate::domain::deadline::{self};
use crate::domain::kinds::Role;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a reporter (or staff on their behalf) sends.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CaseInput {
    /// complaint | repair | consultation | suggestion | dispute | petition | wellbeing
    pub kind: String,
    /// A category code from `GET /api/v1/case-categories`.
    pub category: String,
    pub compound_id: i64,
    pub building_id: Option<i64>,
    pub dwelling_id: Option<i64>,
    /// A public area of the compound ("north gate", "lane by building 3"), when not a building.
    #[serde(default)]
    pub public_area: String,
    pub description: String,
    /// Show the description in the compound's public list of open issues.
    #[serde(default)]
    pub description_public: bool,
    /// online (default) | phone | visit | letter | building_leader
    #[serde(default)]
    pub channel: Option<String>,
    /// Staff and building leaders registering for someone else: the reporter's name and phone.
    #[serde(default)]
    pub reporter_name: Option<String>,
    #[serde(default)]
    pub reporter_phone: Option<String>,
    /// Petitions by visit: how many people came.
    #[serde(default)]
    pub visitors: Option<i64>,
    /// Petitions registered after the day they arrived: the day of receipt (YYYY-MM-DD, local),
    /// not in the future, at most a year ago. The 15 days to decide run from it.
    #[serde(default)]
    pub received_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseCreated {
    pub id: i64,
    pub number: String,
    pub status: String,
    /// The unit that will handle it.
    pub unit_name: String,
    /// When a reply is due (Unix seconds), if a deadline already runs.
    pub reply_due: Option<i64>,
}

/// Resolve a category's handler to a unit for a compound, falling back to the compound's team.
async fn route(db: &Db, compound: &Compound, handler: &str) -> AppResult<(Unit, Option<Unit>)> {
    let key = (compound.id, handler.to_string());
    if let Some(r) = db.caches.routes.get(&key) {
        return Ok(r);
    }
    let r = route_uncached(db, compound, handler).await?;
    db.caches.routes.put(key, r);
    Ok(r)
}

async fn route_uncached(
    db: &Db,
    compound: &Compound,
    handler: &str,
) -> AppResult<(Unit, Option<Unit>)> {
    let team = db
        .cases()
        .team_for_compound(compound.id, compound.community_id)
        .await?
        .map(|id| Unit {
            kind: UnitKind::Team,
            id,
        });
    let today = deadline::local(crate::db::now());
    let today = today.get(..10).unwrap_or("");
    let handling = if handler == "property_company" {
        db.cases()
            .property_company_of(compound.id, today)
            .await?
            .map(|id| Unit {
                kind: UnitKind::Organisation,
                id,
            })
    } else if let Some(kind) = handler.strip_prefix("squad:") {
        match team {
            Some(t) => db.cases().squad_of_team(t.id, kind).await?.map(|id| Unit {
                kind: UnitKind::Squad,
                id,
            }),
            None => None,
        }
    } else if let Some(id) = handler.strip_prefix("organisation:") {
        id.parse().ok().map(|id| Unit {
            kind: UnitKind::Organisation,
            id,
        })
    } else {
        None
    };
    // The first receiver: the compound's team; where there is none, up the ladder (RULES.md §3:
    // compound → community → sub-district → district), and only then the handling unit itself.
    let org = |id: Option<i64>| {
        id.map(|id| Unit {
            kind: UnitKind::Organisation,
            id,
        })
    };
    let intake = match team {
        Some(t) => t,
        None => {
            let mut found = org(db
                .cases()
                .office_of("community_office", compound.community_id)
                .await?);
            if found.is_none() {
                found = org(db
                    .cases()
                    .office_of("subdistrict_office", compound.subdistrict_id)
                    .await?);
            }
            if found.is_none() {
                found = org(db
                    .cases()
                    .office_of("department", compound.district_id)
                    .await?);
            }
            match found.or(handling) {
                Some(u) => u,
                None => return Err(AppError::Conflict("no_handling_unit")),
            }
        }
    };
    Ok((intake, handling.filter(|h| *h != intake)))
}

/// Is this unit a government organ that may accept and answer petitions (a department, a
/// community or sub-district office)?
pub async fn is_organ(db: &Db, unit: Unit) -> AppResult<bool> {
    if unit.kind != UnitKind::Organisation {
        return Ok(false);
    }
    Ok(matches!(
        db.cases().organisation_kind(unit.id).await?.as_deref(),
        Some("department" | "community_office" | "subdistrict_office")
    ))
}

/// Where a petition goes: received by the nearest petition office up the ladder (the
/// community's, else the sub-district's, else the district's department), handled by the
/// category's department when it names one.
async fn petition_route(
    db: &Db,
    compound: &Compound,
    handling: Option<Unit>,
) -> AppResult<(Unit, Option<Unit>)> {
    let org = |id: Option<i64>| {
        id.map(|id| Unit {
            kind: UnitKind::Organisation,
            id,
        })
    };
    let mut office = org(db
        .cases()
        .office_of("community_office", compound.community_id)
        .await?);
    if office.is_none() {
        office = org(db
            .cases()
            .office_of("subdistrict_office", compound.subdistrict_id)
            .await?);
    }
    if office.is_none() {
        office = org(db
            .cases()
            .office_of("department", compound.district_id)
            .await?);
    }
    let competent = match handling {
        Some(u) if is_organ(db, u).await? => Some(u),
        _ => None,
    };
    match (office, competent) {
        (Some(o), c) => Ok((o, c.filter(|c| *c != o))),
        (None, Some(c)) => Ok((c, None)),
        (None, None) => Err(AppError::Conflict("no_handling_unit")),
    }
}

/// Register a case for a logged-in user (a resident, a building leader, or staff on someone's behalf).
pub async fn submit(
    db: &Db,
    prefix: &str,
    actor: &Actor,
    input: &CaseInput,
    photos: Vec<Vec<u8>>,
) -> AppResult<CaseCreated> {
    register(db, prefix, Some(actor), input, photos).await
}

/// Register a case that came through Open311 (the client's API key was checked by the caller).
pub async fn submit_open311(db: &Db, prefix: &str, input: &CaseInput) -> AppResult<CaseCreated> {
    register(db, prefix, None, input, Vec::new()).await
}

async fn register(
    db: &Db,
    prefix: &str,
    actor: Option<&Actor>,
    input: &CaseInput,
    photos: Vec<Vec<u8>>,
) -> AppResult<CaseCreated> {
    let mut c = Checks::default();
    let kind = CaseKind::parse(&input.kind);
    if kind.is_none() {
        c.fail("kind", "invalid");
    }
    let channel = match (actor, input.channel.as_deref().map(str::trim)) {
        (None, _) => Some(Channel::Open311),
        (Some(_), None | Some("")) => Some(Channel::Online),
        (Some(_), Some(ch)) => Channel::parse(ch).filter(|c| *c != Channel::Open311),
    };
    if channel.is_none() {
        c.fail("channel", "invalid");
    }
    let categories = db.cases().categories().await?;
    let category = categories
        .iter()
        .find(|k| k.code == input.category && k.active == 1);
    if category.is_none() {
        c.fail("category", "invalid");
    }
    let description = c.text("description", &input.description, MAX_DESCRIPTION);
    let public_area = input.public_area.trim();
    if public_area.chars().count() > 200 {
        c.fail("public_area", "too_long");
    }
    if photos.len() > MAX_PHOTOS {
        c.fail("photos", "too_many");
    }
    let mut typed = Vec::new();
    for bytes in photos {
        if bytes.len() > MAX_PHOTO_BYTES {
            c.fail("photos", "too_large");
        } else if let Some(t) = sniff_image(&bytes) {
            // Decoding and scaling take a CPU for a moment: off the async threads.
            let prepared = tokio::task::spawn_blocking(move || super::photos::prepare(t, bytes))
                .await
                .map_err(|e| anyhow::anyhow!("photo: {e}"))?;
            match prepared {
                Ok(p) => typed.push(p),
                Err(code) => c.fail("photos", code),
            }
        } else {
            c.fail("photos", "not_an_image");
        }
    }
    let visitors = input.visitors.unwrap_or(0);
    if !(0..=1000).contains(&visitors) {
        c.fail("visitors", "out_of_range");
    }
    if kind == Some(CaseKind::Petition)
        && !matches!(
            channel,
            Some(Channel::Letter | Channel::Visit | Channel::Online)
        )
    {
        c.fail("channel", "petition_channel");
    }
    if channel == Some(Channel::Visit) && kind == Some(CaseKind::Petition) {
        if visitors < 1 {
            c.fail("visitors", "required");
        } else if visitors > MAX_PETITION_REPRESENTATIVES {
            // 信访工作条例: many people with one matter choose representatives, at most 5.
            c.fail("visitors", "too_many_representatives");
        }
    }
    let today = deadline::local_day(crate::db::now());
    let received_on: Option<jiff::civil::Date> = match input.received_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) if kind != Some(CaseKind::Petition) => {
            c.fail("received_on", "only_petitions");
            None
        }
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Err(_) => {
                c.fail("received_on", "invalid_date");
                None
            }
            Ok(day) if day > today => {
                c.fail("received_on", "in_future");
                None
            }
            Ok(day) if today.since(day).map_or(true, |s| s.get_days() > 366) => {
                c.fail("received_on", "too_old");
                None
            }
            // Received today: nothing to carry.
            Ok(day) if day == today => None,
            Ok(day) => Some(day),
        },
    };
    let on_behalf = channel.is_some_and(|ch| ch != Channel::Online);
    let reporter_name = match actor {
        Some(a) if !on_behalf => a.display_name.clone(),
        _ => c.text(
            "reporter_name",
            input.reporter_name.as_deref().unwrap_or(""),
            100,
        ),
    };
    let reporter_phone = match input.reporter_phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => match crate::domain::personal::parse_phone(p) {
            Ok(p) => Some(p),
            Err(_) => {
                c.fail("reporter_phone", "invalid_phone");
                None
            }
        },
    };
    let compound = db.places().compound(input.compound_id).await?;
    if compound.is_none() {
        c.fail("compound_id", "unknown");
    }
    c.finish()?;
    let (Some(kind), Some(channel), Some(category), Some(compound)) =
        (kind, channel, category, compound)
    else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    let mut building_id = input.building_id;
    if let Some(dwelling_id) = input.dwelling_id {
        let d = db
            .places()
            .dwelling(dwelling_id)
            .await?
            .filter(|d| d.compound_id == compound.id)
            .ok_or_else(|| AppError::field("dwelling_id", "unknown"))?;
        if building_id.is_some_and(|b| b != d.building_id) {
            return Err(AppError::field("dwelling_id", "not_in_building"));
        }
        building_id = Some(d.building_id);
    }
    if let Some(b) = building_id {
        db.places()
            .building(b)
            .await?
            .filter(|b| b.compound_id == compound.id)
            .ok_or_else(|| AppError::field("building_id", "unknown"))?;
    }
    let place = Target::Place(compound.place(building_id));
    // Anyone who may see a place may report about it; registering for someone else needs a
    // case worker, or (channel building_leader) the leader of that building.
    match (actor, channel) {
        (None, Channel::Open311) => {}
        (None, _) => return Err(AppError::Forbidden),
        (Some(actor), Channel::Online) => actor.require(Action::ViewPlace, &place)?,
        (Some(actor), Channel::BuildingLeader) => {
            let leads = actor.grants.iter().any(|g| {
                g.role == Role::BuildingLeader
                    && building_id.is_some()
                    && g.reach.covers(&place, true)
            });
            if !leads {
                return Err(AppError::Forbidden);
            }
        }
        (Some(actor), _) => actor.require(Action::HandleCases, &place)?,
    }
    let sla_class = category.sla_class.clone();
    let sla = db
        .cases()
        .sla_periods(&sla_class)
        .await?
        .unwrap_or_else(|| deadline::SlaClass::Ordinary.default_periods());
    let now = crate::db::now();
    let (intake, handling) = route(db, &compound, &category.handler).await?;
    // A petition is received and answered by a government organ (RULES.md §2), never by a
    // property company, a team or a squad.
    let (intake, handling) = if kind == CaseKind::Petition {
        petition_route(db, &compound, handling).await?
    } else {
        (intake, handling)
    };
    let cal = crate::services::calendar::current(db).await?;
    let mut submitted = CaseState::new(kind, intake, Level::Compound, sla, now, &cal);
    // A petition registered after the day it arrived: its clock runs from the day of receipt.
    if let Some(day) = received_on {
        submitted.accept_due = Some(deadline::petition_accept_due(
            &cal,
            deadline::local_midnight(day),
        ));
    }
    // 派单 at once to the category's handling unit; the team stays first receiver (it is who a
    // return goes back to).
    let state = match handling {
        Some(to) => {
            crate::domain::cases::apply(&submitted, &CaseAction::Dispatch { to }, now, &cal)?.0
        }
        None => submitted,
    };
    let actor_id = actor.map(|a| a.user_id);
    let reporter_user = if !on_behalf || channel == Channel::BuildingLeader {
        actor_id
    } else {
        None
    };
    let notify = db.cases().unit_users(state.owner).await?;
    let (id, number) = db
        .cases()
        .insert_case(NewCase {
            prefix: prefix.to_string(),
            received_on: received_on.map(|d| d.to_string()),
            kind,
            category_id: category.id,
            channel: channel.as_str().to_string(),
            compound: compound.clone(),
            building_id,
            dwelling_id: input.dwelling_id,
            public_area: public_area.to_string(),
            description: description.clone(),
            description_public: input.description_public,
            reporter_user_id: if channel == Channel::BuildingLeader {
                None
            } else {
                reporter_user
            },
            reporter_name: reporter_name.clone(),
            reporter_phone: reporter_phone.clone(),
            visitors,
            registered_by: if on_behalf { actor_id } else { None },
            sla_class: sla_class.clone(),
            intake,
            state: state.clone(),
            photos: typed,
            note: String::new(),
            notify: notify.to_vec(),
            now,
        })
        .await?;
    let unit_name = db.cases().unit_name(state.owner).await?.unwrap_or_default();
    Ok(CaseCreated {
        id,
        number,
        status: state.status.as_str().into(),
        unit_name,
        reply_due: state.reply_due,
    })
}

/// People received for a petition brought by a visit: a group sends at most 5 representatives.
pub const MAX_PETITION_REPRESENTATIVES: i64 = 5;

pub(crate) async fn notify_unit(
    db: &Db,
    unit: Unit,
    case_id: i64,
    kind: &str,
    key: &str,
    now: i64,
) -> AppResult<()> {
    for &user in db.cases().unit_users(unit).await?.iter() {
        db.notify()
            .notify(user, Some(case_id), kind, &format!("{key}:{user}"), now)
            .await?;
    }
    Ok(())
}
