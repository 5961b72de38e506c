//! Cases: intake, routing, the workflow, who sees what, the inbox and the deadline job.
use super::Checks;
use crate::db::Db;
use crate::db::cases::{
    CaseEventRow, CaseLine, CaseRow, Category, CoordinationRow, NewCase, PlaceScope, QueueFilter,
    TransitionExtra,
};
use crate::db::places::Compound;
use crate::domain::access::{Action, Reach, Target};
use crate::domain::cases::{
    CaseAction, CaseKind, CaseState, CaseStatus, Channel, EventKind, Level, Rating, Unit, UnitKind,
};
use crate::domain::deadline::{self, SlaPeriods};
use crate::domain::kinds::Role;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MAX_PHOTOS: usize = 3;
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_NOTE: usize = 2000;

/// The image type of an upload, from its first bytes (never from its name).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

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
        .team_for_compound(compound.id, compound.community_id)
        .await?
        .map(|id| Unit {
            kind: UnitKind::Team,
            id,
        });
    let today = deadline::local(crate::db::now());
    let today = today.get(..10).unwrap_or("");
    let handling = if handler == "property_company" {
        db.property_company_of(compound.id, today)
            .await?
            .map(|id| Unit {
                kind: UnitKind::Organisation,
                id,
            })
    } else if let Some(kind) = handler.strip_prefix("squad:") {
        match team {
            Some(t) => db.squad_of_team(t.id, kind).await?.map(|id| Unit {
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
    // The first receiver: the compound's team; where there is none, the community office.
    let intake = match team {
        Some(t) => t,
        None => match db
            .office_of("community_office", compound.community_id)
            .await?
        {
            Some(id) => Unit {
                kind: UnitKind::Organisation,
                id,
            },
            None => handling.ok_or(AppError::Conflict("no_handling_unit"))?,
        },
    };
    Ok((intake, handling.filter(|h| *h != intake)))
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
    let categories = db.categories().await?;
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
            typed.push((t.to_string(), bytes));
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
    let compound = db.compound(input.compound_id).await?;
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
        db.building(b)
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
        .sla_periods(&sla_class)
        .await?
        .unwrap_or_else(|| deadline::SlaClass::Ordinary.default_periods());
    let now = crate::db::now();
    let (intake, handling) = route(db, &compound, &category.handler).await?;
    let submitted = CaseState::new(kind, intake, Level::Compound, sla, now);
    // 派单 at once to the category's handling unit; the team stays first receiver (it is who a
    // return goes back to).
    let state = match handling {
        Some(to) => crate::domain::cases::apply(&submitted, &CaseAction::Dispatch { to }, now)?.0,
        None => submitted,
    };
    let actor_id = actor.map(|a| a.user_id);
    let reporter_user = if !on_behalf || channel == Channel::BuildingLeader {
        actor_id
    } else {
        None
    };
    let notify = db.unit_users(state.owner).await?;
    let (id, number) = db
        .insert_case(NewCase {
            prefix: prefix.to_string(),
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
    let unit_name = db.unit_name(state.owner).await?.unwrap_or_default();
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

async fn notify_unit(
    db: &Db,
    unit: Unit,
    case_id: i64,
    kind: &str,
    key: &str,
    now: i64,
) -> AppResult<()> {
    for &user in db.unit_users(unit).await?.iter() {
        db.notify(user, Some(case_id), kind, &format!("{key}:{user}"), now)
            .await?;
    }
    Ok(())
}

/// How the actor stands towards one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Works on it: a member of the owning unit or a case worker for its place.
    Worker,
    /// Reported it (or a building leader who reported it for a neighbour).
    Reporter,
    /// A department asked for coordination: sees the summary and its own request.
    Department,
    /// Reported a duplicate that was merged into this case: sees what the reporter sees, may do
    /// nothing with it.
    Follower,
}

async fn standing(
    db: &Db,
    actor: &Actor,
    row: &CaseRow,
    compound: &Compound,
    asked: Option<&[CoordinationRow]>,
) -> AppResult<Option<Standing>> {
    let place = Target::Place(compound.place(row.building_id));
    if actor.can(Action::HandleCases, &place) {
        return Ok(Some(Standing::Worker));
    }
    if row.owner().is_some_and(|o| actor.units.contains(&o)) {
        return Ok(Some(Standing::Worker));
    }
    if row.reporter_user_id == Some(actor.user_id) || row.registered_by == Some(actor.user_id) {
        return Ok(Some(Standing::Reporter));
    }
    // Whoever reported a duplicate merged into this case follows this one (its public timeline).
    if db
        .merged_reporters(row.id)
        .await?
        .iter()
        .any(|(_, u)| *u == actor.user_id)
    {
        return Ok(Some(Standing::Follower));
    }
    let orgs = actor.organisations();
    if !orgs.is_empty() {
        let fetched;
        let asked = match asked {
            Some(a) => a,
            None => {
                fetched = db.coordination_requests(row.id).await?;
                &fetched[..]
            }
        };
        if asked.iter().any(|r| orgs.contains(&r.organisation_id)) {
            return Ok(Some(Standing::Department));
        }
    }
    Ok(None)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub category: String,
    pub category_id: i64,
    pub channel: String,
    pub status: String,
    pub compound_id: i64,
    pub compound_name: String,
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
    pub public_area: String,
    /// The description (absent for a department, which sees the summary and its own request).
    pub description: Option<String>,
    /// Reporter's name and masked phone: only for workers.
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub owner_kind: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub level: String,
    pub created_at: i64,
    pub sign_due: Option<i64>,
    pub reply_due: Option<i64>,
    pub accept_due: Option<i64>,
    pub review_due: Option<i64>,
    pub next_due: Option<i64>,
    pub overdue: bool,
    pub rating: Option<String>,
    pub rating_comment: String,
    pub extended: bool,
    pub reopened: bool,
    pub merged_into: Option<i64>,
    pub photo_ids: Vec<i64>,
    /// Public steps for the reporter; everything (internal notes too) for workers; none for a department.
    pub events: Vec<CaseEventRow>,
    pub coordination: Vec<CoordinationRow>,
    pub standing: Standing,
    /// What this viewer may do now (action words for `POST /api/v1/cases/{id}/actions`).
    pub actions: Vec<String>,
}

pub async fn load(db: &Db, actor: &Actor, id: i64) -> AppResult<(CaseRow, Compound, Standing)> {
    let row = db.case_row(id).await?.ok_or(AppError::NotFound)?;
    let compound = db
        .compound(row.compound_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A case one may not see does not exist for them (no probing of numbers).
    let standing = standing(db, actor, &row, &compound, None)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row, compound, standing))
}

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<CaseView> {
    let crate::db::cases::CaseFull {
        row,
        building_name,
        owner_name,
        events,
        mut coordination,
        photos,
    } = db.case_full(id).await?.ok_or(AppError::NotFound)?;
    let compound = db
        .compound(row.compound_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A case one may not see does not exist for them (no probing of numbers).
    let standing = standing(db, actor, &row, &compound, Some(&coordination))
        .await?
        .ok_or(AppError::NotFound)?;
    let worker = standing == Standing::Worker;
    let events = match standing {
        Standing::Worker => events,
        Standing::Reporter | Standing::Follower => {
            events.into_iter().filter(|e| e.internal == 0).collect()
        }
        Standing::Department => Vec::new(),
    };
    if standing == Standing::Department {
        let orgs = actor.organisations();
        coordination.retain(|r| orgs.contains(&r.organisation_id));
    } else if matches!(standing, Standing::Reporter | Standing::Follower) {
        coordination.clear();
    }
    let categories = db.categories().await?;
    let category = categories
        .iter()
        .find(|c| c.id == row.category_id)
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let owner_name = owner_name.unwrap_or_default();
    let now = crate::db::now();
    let actions = available_actions(&row, standing);
    Ok(CaseView {
        id: row.id,
        number: row.number.clone(),
        kind: row.kind.clone(),
        category,
        category_id: row.category_id,
        channel: row.channel.clone(),
        status: row.status.clone(),
        compound_id: row.compound_id,
        compound_name: compound.name.clone(),
        building_id: row.building_id,
        building_name,
        public_area: row.public_area.clone(),
        description: (standing != Standing::Department).then(|| row.description.clone()),
        reporter_name: worker.then(|| row.reporter_name.clone()),
        reporter_phone: if worker {
            row.reporter_phone
                .as_deref()
                .map(crate::domain::personal::mask_phone)
        } else {
            None
        },
        owner_kind: row.owner_kind.clone(),
        owner_id: row.owner_id,
        owner_name,
        level: row.level.clone(),
        created_at: row.created_at,
        sign_due: row.sign_due,
        reply_due: row.reply_due,
        accept_due: row.accept_due,
        review_due: row.review_due,
        next_due: row.next_due,
        overdue: row.next_due.is_some_and(|d| d <= now),
        rating: row.rating.clone(),
        rating_comment: row.rating_comment.clone(),
        extended: row.extended != 0,
        reopened: row.reopened != 0,
        merged_into: row.merged_into,
        photo_ids: if standing == Standing::Department {
            Vec::new()
        } else {
            photos
        },
        events,
        coordination,
        standing,
        actions,
    })
}

/// The action words a viewer may try now (the state machine has the last word).
fn available_actions(row: &CaseRow, standing: Standing) -> Vec<String> {
    let Some(state) = row.state() else {
        return Vec::new();
    };
    let probe = Unit {
        kind: UnitKind::Team,
        id: -1,
    };
    let candidates: Vec<(&str, CaseAction)> = match standing {
        Standing::Worker => vec![
            ("dispatch", CaseAction::Dispatch { to: probe }),
            ("sign_for", CaseAction::SignFor { user: 0 }),
            ("start", CaseAction::Start),
            ("reply", CaseAction::Reply),
            (
                "follow_up",
                CaseAction::FollowUp {
                    rating: Rating::Satisfied,
                },
            ),
            ("no_follow_up", CaseAction::NoFollowUp),
            ("close", CaseAction::Close),
            ("return", CaseAction::Return),
            ("transfer", CaseAction::Transfer { to: probe }),
            (
                "escalate",
                CaseAction::Escalate {
                    to: probe,
                    level: Level::District,
                },
            ),
            ("request_coordination", CaseAction::RequestCoordination),
            ("extend", CaseAction::Extend { days: 1 }),
            ("reopen", CaseAction::Reopen { supervisor: probe }),
            ("merge", CaseAction::Merge),
            ("withdraw", CaseAction::Withdraw),
            ("not_accept", CaseAction::NotAccept),
            ("accept", CaseAction::Accept),
            ("note", CaseAction::Note),
        ],
        Standing::Reporter => vec![
            (
                "follow_up",
                CaseAction::FollowUp {
                    rating: Rating::Satisfied,
                },
            ),
            ("withdraw", CaseAction::Withdraw),
            ("request_review", CaseAction::RequestReview),
        ],
        Standing::Department => vec![("answer_coordination", CaseAction::AnswerCoordination)],
        Standing::Follower => vec![],
    };
    candidates
        .into_iter()
        .filter(|(_, a)| crate::domain::cases::apply(&state, a, crate::db::now()).is_ok())
        .map(|(w, _)| w.to_string())
        .collect()
}

/// One action on a case, as sent by a form or the API.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ActionInput {
    /// dispatch | sign_for | start | reply | follow_up | no_follow_up | close | return | transfer |
    /// escalate | request_coordination | answer_coordination | extend | reopen | merge | withdraw |
    /// not_accept | accept | request_review | note
    pub action: String,
    /// Reason, reply text or note. Required for return, escalate, extend, not_accept, no_follow_up,
    /// reply, merge and note.
    #[serde(default)]
    pub note: String,
    /// Internal notes are never shown to the reporter (workers only).
    #[serde(default)]
    pub internal: bool,
    /// dispatch / transfer: `squad`, `team` or `organisation`, with `unit_id`.
    pub unit_kind: Option<String>,
    pub unit_id: Option<i64>,
    /// escalate: team | community | subdistrict | district
    pub level: Option<String>,
    /// follow_up: satisfied | basically_satisfied | unsatisfied
    pub rating: Option<String>,
    /// extend: 1..=30 days
    pub days: Option<i64>,
    /// merge: the number or id of the case this one duplicates
    pub into: Option<String>,
    /// request_coordination: the department (organisation id) and days to answer (default 7)
    pub organisation_id: Option<i64>,
    /// answer_coordination: which request
    pub request_id: Option<i64>,
}

const NEEDS_NOTE: &[&str] = &[
    "return",
    "escalate",
    "extend",
    "not_accept",
    "no_follow_up",
    "reply",
    "merge",
    "note",
    "request_coordination",
    "answer_coordination",
];

async fn unit_exists(db: &Db, u: Unit) -> AppResult<bool> {
    Ok(db.unit_name(u).await?.is_some())
}

/// The unit at a level of the ladder for a compound.
async fn unit_at_level(db: &Db, compound: &Compound, level: Level) -> AppResult<Option<Unit>> {
    let org = |id: Option<i64>| {
        id.map(|id| Unit {
            kind: UnitKind::Organisation,
            id,
        })
    };
    Ok(match level {
        Level::Compound => None,
        Level::Team => db
            .team_for_compound(compound.id, compound.community_id)
            .await?
            .map(|id| Unit {
                kind: UnitKind::Team,
                id,
            }),
        Level::Community => org(db
            .office_of("community_office", compound.community_id)
            .await?),
        Level::Subdistrict => org(db
            .office_of("subdistrict_office", compound.subdistrict_id)
            .await?),
        Level::District => org(db.office_of("department", compound.district_id).await?),
    })
}

pub async fn act(db: &Db, actor: &Actor, id: i64, input: &ActionInput) -> AppResult<CaseView> {
    let (row, compound, standing) = load(db, actor, id).await?;
    let state = row
        .state()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case {id} has an unknown word")))?;
    let word = input.action.trim();
    let mut c = Checks::default();
    let note = input.note.trim();
    if note.chars().count() > MAX_NOTE {
        c.fail("note", "too_long");
    }
    if NEEDS_NOTE.contains(&word) && note.is_empty() {
        c.fail("note", "required");
    }
    let allowed_for = |s: &[Standing]| s.contains(&standing);
    use Standing::*;
    let now = crate::db::now();
    let mut extra = TransitionExtra::default();
    let mut merged_target: Option<CaseRow> = None;
    let action = match word {
        "dispatch" | "transfer" => {
            let unit = match (
                input.unit_kind.as_deref().and_then(UnitKind::parse),
                input.unit_id,
            ) {
                (Some(kind), Some(id)) => Some(Unit { kind, id }),
                _ => {
                    c.fail("unit_id", "required");
                    None
                }
            };
            std::mem::take(&mut c).finish()?;
            let unit = unit.ok_or(AppError::field("unit_id", "required"))?;
            if !unit_exists(db, unit).await? {
                return Err(AppError::field("unit_id", "unknown"));
            }
            if word == "dispatch" {
                CaseAction::Dispatch { to: unit }
            } else {
                CaseAction::Transfer { to: unit }
            }
        }
        "escalate" => {
            let level = input.level.as_deref().and_then(Level::parse);
            if level.is_none() {
                c.fail("level", "invalid");
            }
            std::mem::take(&mut c).finish()?;
            let level = level.ok_or(AppError::field("level", "invalid"))?;
            let to = unit_at_level(db, &compound, level)
                .await?
                .ok_or(AppError::field("level", "no_unit_at_level"))?;
            CaseAction::Escalate { to, level }
        }
        "sign_for" => CaseAction::SignFor {
            user: actor.user_id,
        },
        "start" => CaseAction::Start,
        "reply" => CaseAction::Reply,
        "follow_up" => {
            let rating = input.rating.as_deref().and_then(Rating::parse);
            if rating.is_none() {
                c.fail("rating", "invalid");
            }
            std::mem::take(&mut c).finish()?;
            extra.rating_comment = Some(note);
            CaseAction::FollowUp {
                rating: rating.ok_or(AppError::field("rating", "invalid"))?,
            }
        }
        "no_follow_up" => CaseAction::NoFollowUp,
        "close" => CaseAction::Close,
        "return" => CaseAction::Return,
        "request_coordination" => {
            let org = input.organisation_id;
            let days = input.days.unwrap_or(7);
            if !(1..=60).contains(&days) {
                c.fail("days", "out_of_range");
            }
            match org {
                None => c.fail("organisation_id", "required"),
                Some(o) => {
                    if db.organisation_kind(o).await?.as_deref() != Some("department") {
                        c.fail("organisation_id", "not_a_department");
                    }
                }
            }
            std::mem::take(&mut c).finish()?;
            extra.coordination = org.map(|o| (o, note, deadline::end_of_day_after(now, days)));
            CaseAction::RequestCoordination
        }
        "answer_coordination" => {
            let req = input.request_id;
            if req.is_none() {
                c.fail("request_id", "required");
            }
            std::mem::take(&mut c).finish()?;
            let req = req.ok_or(AppError::field("request_id", "required"))?;
            let asked = db.coordination_requests(id).await?;
            let orgs = actor.organisations();
            let r = asked
                .iter()
                .find(|r| r.id == req)
                .ok_or(AppError::field("request_id", "unknown"))?;
            if !orgs.contains(&r.organisation_id) {
                return Err(AppError::Forbidden);
            }
            if r.answer.is_some() {
                return Err(AppError::Conflict("already_answered"));
            }
            extra.answer = Some((req, note));
            CaseAction::AnswerCoordination
        }
        "extend" => {
            let days = input.days.unwrap_or(0);
            CaseAction::Extend { days }
        }
        "reopen" => {
            let up = match Level::ALL.iter().find(|l| **l > state.level) {
                Some(l) => unit_at_level(db, &compound, *l).await?,
                None => None,
            };
            let supervisor = match up.filter(|u| *u != state.owner) {
                Some(u) => u,
                None => unit_at_level(db, &compound, Level::Community)
                    .await?
                    .ok_or(AppError::Conflict("no_supervisor"))?,
            };
            CaseAction::Reopen { supervisor }
        }
        "merge" => {
            let into = input.into.as_deref().map(str::trim).unwrap_or("");
            let target = match into.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => db.case_by_number(into).await?,
            };
            let target = target.filter(|t| *t != id);
            let Some(target) = target else {
                return Err(AppError::field("into", "unknown"));
            };
            let (t, _, t_standing) = load(db, actor, target)
                .await
                .map_err(|_| AppError::field("into", "unknown"))?;
            if t_standing != Worker || CaseStatus::parse(&t.status).is_none_or(|s| s.is_final()) {
                return Err(AppError::field("into", "not_open"));
            }
            extra.merged_into = Some(t.id);
            merged_target = Some(t);
            CaseAction::Merge
        }
        "withdraw" => CaseAction::Withdraw,
        "not_accept" => CaseAction::NotAccept,
        "accept" => CaseAction::Accept,
        "request_review" => CaseAction::RequestReview,
        "note" => CaseAction::Note,
        _ => {
            c.fail("action", "invalid");
            std::mem::take(&mut c).finish()?;
            return Err(AppError::field("action", "invalid"));
        }
    };
    std::mem::take(&mut c).finish()?;
    // Who may do what: the reporter rates, withdraws and asks for review; a department answers
    // its own request; workers do the rest (and may record a follow-up made by phone).
    let permitted = match &action {
        CaseAction::FollowUp { .. } | CaseAction::Withdraw => allowed_for(&[Worker, Reporter]),
        CaseAction::RequestReview => allowed_for(&[Worker, Reporter]),
        CaseAction::AnswerCoordination => allowed_for(&[Department]),
        _ => allowed_for(&[Worker]),
    };
    if !permitted {
        return Err(AppError::Forbidden);
    }
    let internal = input.internal && standing == Worker;
    let (next, event) = crate::domain::cases::apply(&state, &action, now)?;
    if !db
        .record_transition(
            &row,
            &next,
            &event,
            Some(actor.user_id),
            note,
            internal,
            &extra,
            now,
        )
        .await?
    {
        return Err(AppError::Conflict("case_changed"));
    }
    // Tell the people concerned.
    match event.kind {
        EventKind::Dispatched
        | EventKind::Transferred
        | EventKind::Escalated
        | EventKind::Returned
        | EventKind::Reopened => {
            if let Some(u) = event.unit {
                notify_unit(
                    db,
                    u,
                    id,
                    "assigned",
                    &format!("assigned:{id}:{}", row.version + 1),
                    now,
                )
                .await?;
            }
        }
        EventKind::Replied => {
            // The reporter, and the reporters of the duplicates merged into this case.
            let mut reporters: Vec<i64> = row.reporter_user_id.into_iter().collect();
            reporters.extend(db.merged_reporters(id).await?.into_iter().map(|(_, u)| u));
            reporters.sort_unstable();
            reporters.dedup();
            for r in reporters {
                db.notify(
                    r,
                    Some(id),
                    "replied",
                    &format!("replied:{id}:{}:{r}", row.version + 1),
                    now,
                )
                .await?;
            }
        }
        EventKind::CoordinationRequested => {
            if let Some((org, _, _)) = extra.coordination {
                notify_unit(
                    db,
                    Unit {
                        kind: UnitKind::Organisation,
                        id: org,
                    },
                    id,
                    "coordination",
                    &format!("coordination:{id}:{}", row.version + 1),
                    now,
                )
                .await?;
            }
        }
        EventKind::Merged => {
            if let Some(t) = &merged_target {
                for r in [row.reporter_user_id, t.reporter_user_id]
                    .into_iter()
                    .flatten()
                {
                    db.notify(r, Some(id), "merged", &format!("merged:{id}:{r}"), now)
                        .await?;
                }
            }
        }
        _ => {}
    }
    view(db, actor, id).await
}

/// Query parameters of a case list.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// open (default) | all | overdue | mine (cases I reported)
    pub show: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub category_id: Option<i64>,
    pub compound_id: Option<i64>,
    /// Keyset: the last id of the previous page.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseLine>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The queue ([`queue_json`]) as typed lines, for pages.
pub async fn queue(db: &Db, actor: &Actor, p: &QueueParams) -> AppResult<CasePage> {
    let json = queue_json(db, actor, p).await?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
}

/// The queue: cases the actor's units own and cases in the places where the actor works cases;
/// or (`show=mine`) the cases the actor reported. One page, as the JSON of a [`CasePage`]
/// serialised by the database.
pub async fn queue_json(db: &Db, actor: &Actor, p: &QueueParams) -> AppResult<String> {
    let limit = super::page_limit(p.limit)?;
    let mut f = QueueFilter::default();
    let show = p.show.as_deref().unwrap_or("open");
    match show {
        "mine" => f.reporter = Some(actor.user_id),
        "open" | "all" | "overdue" => {
            f.units = actor.units.clone();
            f.places = place_scope(db, actor, Action::HandleCases).await?;
            f.open_only = show != "all";
            if show == "overdue" {
                f.overdue_at = Some(crate::db::now());
            }
        }
        _ => return Err(AppError::field("show", "invalid")),
    }
    if let Some(s) = p.status.as_deref().filter(|s| !s.is_empty()) {
        if CaseStatus::parse(s).is_none() {
            return Err(AppError::field("status", "invalid"));
        }
        f.status = Some(s.into());
    }
    if let Some(k) = p.kind.as_deref().filter(|s| !s.is_empty()) {
        if CaseKind::parse(k).is_none() {
            return Err(AppError::field("kind", "invalid"));
        }
        f.kind = Some(k.into());
    }
    f.category_id = p.category_id;
    f.compound = p.compound_id;
    let (items, count, last) = db.case_queue(&f, p.before.unwrap_or(0), limit).await?;
    let next = match last {
        Some(id) if count == limit => id.to_string(),
        _ => "null".into(),
    };
    let mut page = String::with_capacity(items.len() + 40);
    page.push_str("{\"items\":");
    page.push_str(&items);
    page.push_str(",\"next_before\":");
    page.push_str(&next);
    page.push('}');
    Ok(page)
}

/// The places where the actor's grants permit `action`: the scope of their queue or figures.
pub async fn place_scope(db: &Db, actor: &Actor, action: Action) -> AppResult<PlaceScope> {
    let mut scope = PlaceScope::default();
    for g in &actor.grants {
        if !crate::domain::access::role_permits(g.role, action) {
            continue;
        }
        match &g.reach {
            Reach::Global => scope.all = true,
            Reach::Region(r) => scope.regions.push((db.region_column(*r).await?, *r)),
            Reach::Compounds(list) => scope.compounds.extend(list),
            Reach::Buildings(pairs) => scope.compounds.extend(pairs.iter().map(|p| p.0)),
            Reach::Nowhere => {}
        }
    }
    scope.compounds.sort_unstable();
    scope.compounds.dedup();
    Ok(scope)
}

/// A compound's open issues as its residents see them: no names, the description only where
/// the reporter agreed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicIssue {
    pub id: i64,
    pub number: String,
    pub category_id: i64,
    pub building_id: Option<i64>,
    pub public_area: String,
    pub status: String,
    pub created_at: i64,
    pub description: Option<String>,
}

pub async fn public_issues(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
) -> AppResult<Vec<PublicIssue>> {
    let compound = db.compound(compound_id).await?.ok_or(AppError::NotFound)?;
    actor.require(Action::ViewPlace, &Target::Place(compound.place(None)))?;
    Ok(db
        .public_issues(compound_id, 100)
        .await?
        .into_iter()
        .map(
            |(
                id,
                number,
                category_id,
                building_id,
                public_area,
                status,
                created_at,
                description,
                public,
            )| PublicIssue {
                id,
                number,
                category_id,
                building_id,
                public_area,
                status,
                created_at,
                description: (public != 0).then_some(description),
            },
        )
        .collect())
}

/// Coordination requests addressed to the actor's departments.
pub async fn coordination_requests(
    db: &Db,
    actor: &Actor,
    before: i64,
    limit: Option<i64>,
) -> AppResult<Vec<CoordinationRow>> {
    let limit = super::page_limit(limit)?;
    let orgs = actor.organisations();
    Ok(db.coordination_for(&orgs, before, limit).await?)
}

pub async fn categories(db: &Db) -> AppResult<Vec<Category>> {
    Ok(db.categories().await?.to_vec())
}

/// One pass of the deadline job: announce due-soon and overdue deadlines to the assignee (or the
/// owning unit) and the community's staff. Claims each announcement in the database first, so it
/// happens once however many nodes run the job. Returns how many cases were announced.
pub async fn deadline_pass(db: &Db, now: i64) -> AppResult<usize> {
    let mut announced = 0;
    loop {
        let rows = db.cases_to_announce(now, 200).await?;
        if rows.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &rows {
            let Some(due) = row.next_due else { continue };
            let overdue = due <= now;
            if !db.claim_deadline_notice(row.id, due, overdue).await? {
                continue;
            }
            progressed = true;
            announced += 1;
            let kind = if overdue { "overdue" } else { "due_soon" };
            let mut users = match row.assignee_user_id {
                Some(u) => vec![u],
                None => match row.owner() {
                    Some(u) => db.unit_users(u).await?.to_vec(),
                    None => Vec::new(),
                },
            };
            users.extend(db.supervisors_of(row.community_id).await?.iter().copied());
            users.sort_unstable();
            users.dedup();
            for u in users {
                db.notify(
                    u,
                    Some(row.id),
                    kind,
                    &format!("{kind}:{}:{due}:{u}", row.id),
                    now,
                )
                .await?;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(announced)
}

/// The units a case of this compound can be dispatched or transferred to, as (`kind:id`, name):
/// the compound's team and its squads, the property company, the community office and the
/// district's departments.
pub async fn units_for(db: &Db, compound: &Compound) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(team) = db
        .team_for_compound(compound.id, compound.community_id)
        .await?
    {
        if let Some(name) = db
            .unit_name(Unit {
                kind: UnitKind::Team,
                id: team,
            })
            .await?
        {
            out.push((format!("team:{team}"), name));
        }
        for squad in db.squads_of(team).await? {
            out.push((format!("squad:{}", squad.id), squad.name));
        }
    }
    let today = deadline::local(crate::db::now());
    if let Some(id) = db
        .property_company_of(compound.id, today.get(..10).unwrap_or(""))
        .await?
        && let Some(name) = db
            .unit_name(Unit {
                kind: UnitKind::Organisation,
                id,
            })
            .await?
    {
        out.push((format!("organisation:{id}"), name));
    }
    if let Some(id) = db
        .office_of("community_office", compound.community_id)
        .await?
        && let Some(name) = db
            .unit_name(Unit {
                kind: UnitKind::Organisation,
                id,
            })
            .await?
    {
        out.push((format!("organisation:{id}"), name));
    }
    for (id, name) in db.departments().await? {
        out.push((format!("organisation:{id}"), name));
    }
    Ok(out)
}

// ---------------------------------------------------------------- figures: the three rates

/// The period of a figures page: `month=2026-11`, `year=2026`, or `from`/`to` dates (to exclusive).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PeriodParams {
    pub month: Option<String>,
    pub year: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Period {
    /// `2026-11`, `2026` or `2026-11-01..2026-12-01`.
    pub label: String,
    pub from: i64,
    pub to: i64,
}

pub fn period(p: &PeriodParams, now: i64) -> AppResult<Period> {
    use jiff::civil::Date;
    let parse_date = |s: &str, field: &str| {
        s.trim()
            .parse::<Date>()
            .map_err(|_| AppError::field(field, "invalid_date"))
    };
    let today: Date = deadline::local(now)
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| Date::constant(2026, 1, 1));
    let (label, from, to) = if let (Some(f), Some(t)) = (p.from.as_deref(), p.to.as_deref()) {
        let (f, t) = (parse_date(f, "from")?, parse_date(t, "to")?);
        if t <= f {
            return Err(AppError::field("to", "out_of_range"));
        }
        (format!("{f}..{t}"), f, t)
    } else if let Some(y) = p.year {
        if !(2000..=2100).contains(&y) {
            return Err(AppError::field("year", "out_of_range"));
        }
        let f = Date::new(y as i16, 1, 1).map_err(|_| AppError::field("year", "out_of_range"))?;
        let t =
            Date::new(y as i16 + 1, 1, 1).map_err(|_| AppError::field("year", "out_of_range"))?;
        (y.to_string(), f, t)
    } else {
        let m = match p.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => parse_date(&format!("{m}-01"), "month")?,
            None => today.first_of_month(),
        };
        let next = m
            .checked_add(jiff::ToSpan::months(1))
            .map_err(|_| AppError::field("month", "out_of_range"))?;
        (format!("{:04}-{:02}", m.year(), m.month()), m, next)
    };
    Ok(Period {
        label,
        from: deadline::local_midnight(from),
        to: deadline::local_midnight(to),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FigureLine {
    /// organisation | team | squad | compound | category, or the kind / channel word.
    pub group: String,
    pub id: i64,
    pub name: String,
    pub counts: crate::domain::cases::rates::CaseCounts,
    pub rates: crate::domain::cases::rates::Rates,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub period: Period,
    /// When these figures were counted (they are kept for up to 30 s).
    pub counted_at: i64,
    pub total: FigureLine,
    pub by_unit: Vec<FigureLine>,
    pub by_compound: Vec<FigureLine>,
    pub by_kind: Vec<FigureLine>,
    pub by_category: Vec<FigureLine>,
    pub by_channel: Vec<FigureLine>,
    /// Petitions per year (from 2014, the programme's baseline), compound and cause (S3).
    pub petitions: Vec<crate::db::cases::PetitionRow>,
}

/// Sum cells into lines by a key (group word, id), largest first; the name is the group word
/// until [`named`] fills it in.
fn roll_up(
    cells: &[crate::db::cases::FigureCell],
    key: impl Fn(&crate::db::cases::FigureCell) -> (String, i64),
) -> Vec<FigureLine> {
    let mut sums: std::collections::BTreeMap<
        (String, i64),
        crate::domain::cases::rates::CaseCounts,
    > = Default::default();
    for c in cells {
        *sums.entry(key(c)).or_default() += c.counts();
    }
    let mut out: Vec<FigureLine> = sums
        .into_iter()
        .map(|((group, id), counts)| FigureLine {
            name: group.clone(),
            group,
            id,
            rates: crate::domain::cases::rates::rates(&counts),
            counts,
        })
        .collect();
    out.sort_by(|a, b| {
        b.counts
            .total
            .cmp(&a.counts.total)
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// Fill in the names of units, compounds and categories (a query per kind of name).
async fn named(db: &Db, mut lines: Vec<FigureLine>) -> AppResult<Vec<FigureLine>> {
    let categories = db.categories().await?;
    for (group, table) in [
        ("organisation", "organisations"),
        ("team", "teams"),
        ("squad", "squads"),
        ("compound", "compounds"),
    ] {
        let ids: Vec<i64> = lines
            .iter()
            .filter(|l| l.group == group)
            .map(|l| l.id)
            .collect();
        let names: std::collections::HashMap<i64, String> =
            db.names_of(table, &ids).await?.into_iter().collect();
        for l in lines.iter_mut().filter(|l| l.group == group) {
            l.name = names.get(&l.id).cloned().unwrap_or_default();
        }
    }
    for l in lines.iter_mut().filter(|l| l.group == "category") {
        l.name = categories
            .iter()
            .find(|c| c.id == l.id)
            .map(|c| c.code.clone())
            .unwrap_or_default();
    }
    Ok(lines)
}

pub async fn figures(db: &Db, actor: &Actor, p: &PeriodParams) -> AppResult<Figures> {
    let now = crate::db::now();
    let period = period(p, now)?;
    let scope = place_scope(db, actor, Action::ViewCaseFigures).await?;
    if !scope.all && scope.regions.is_empty() && scope.compounds.is_empty() {
        return Err(AppError::Forbidden);
    }
    let key = (scope.sql().unwrap_or_default(), period.from, period.to);
    if let Some(json) = db.caches.figures.get(&key)
        && let Ok(f) = serde_json::from_str::<Figures>(&json)
    {
        return Ok(f);
    }
    // Two halves of the period at once, on two connections: the scan is CPU-bound in SQLite,
    // so this halves the wait on a machine with two cores or more. Cells of the same
    // combination from both halves are summed by `roll_up`.
    let mid = period.from + (period.to - period.from) / 2;
    let (first, second) = tokio::try_join!(
        db.case_figure_cells(&scope, period.from, mid, now),
        db.case_figure_cells(&scope, mid, period.to, now)
    )?;
    let mut cells = first;
    cells.extend(second);
    let by_unit = roll_up(&cells, |c| (c.owner_kind.clone(), c.owner_id));
    let by_compound = roll_up(&cells, |c| ("compound".to_string(), c.compound_id));
    let by_kind = roll_up(&cells, |c| (c.kind.clone(), 0));
    let by_category = roll_up(&cells, |c| ("category".to_string(), c.category_id));
    let by_channel = roll_up(&cells, |c| (c.channel.clone(), 0));
    let by_unit = named(db, by_unit).await?;
    let by_compound = named(db, by_compound).await?;
    let by_category = named(db, by_category).await?;
    let mut counts = crate::domain::cases::rates::CaseCounts::default();
    for l in &by_kind {
        counts += l.counts;
    }
    let this_year: i64 = deadline::local(now)
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(2026);
    let year_starts: Vec<(i64, i64)> = (2014..=this_year)
        .filter_map(|y| {
            jiff::civil::Date::new(y as i16, 1, 1)
                .ok()
                .map(|d| (y, deadline::local_midnight(d)))
        })
        .collect();
    let petitions = db.petitions_by_year(&scope, &year_starts).await?;
    let figures = Figures {
        counted_at: now,
        total: FigureLine {
            group: "total".into(),
            id: 0,
            name: String::new(),
            rates: crate::domain::cases::rates::rates(&counts),
            counts,
        },
        period,
        by_unit,
        by_compound,
        by_kind,
        by_category,
        by_channel,
        petitions,
    };
    if let Ok(json) = serde_json::to_string(&figures) {
        db.caches.figures.put(key, std::sync::Arc::new(json));
    }
    Ok(figures)
}

// ---------------------------------------------------------------- mediation (调解) of disputes

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationView {
    pub mediation: Option<crate::db::cases::MediationRow>,
    pub sessions: Vec<crate::db::cases::MediationSessionRow>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MediationInput {
    /// A Red Butler team member of a dispute-mediation squad.
    pub mediator_member_id: i64,
    /// Who the parties are (free text: names or households).
    pub parties: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SessionInput {
    /// The date, `2026-11-20`.
    pub held_on: String,
    pub attendees: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OutcomeInput {
    /// agreement | referral | withdrawn
    pub outcome: String,
    /// The agreement's text (required for an agreement), or why.
    #[serde(default)]
    pub text: String,
    /// For a referral: mediation_committee | court
    pub referral: Option<String>,
}

/// Only workers of a dispute case see and change its mediation.
async fn dispute_worker(db: &Db, actor: &Actor, case_id: i64) -> AppResult<CaseRow> {
    let (row, _, standing) = load(db, actor, case_id).await?;
    if standing != Standing::Worker {
        return Err(AppError::Forbidden);
    }
    if row.kind != CaseKind::Dispute.as_str() {
        return Err(AppError::Conflict("not_a_dispute"));
    }
    Ok(row)
}

pub async fn mediation(db: &Db, actor: &Actor, case_id: i64) -> AppResult<MediationView> {
    dispute_worker(db, actor, case_id).await?;
    Ok(MediationView {
        mediation: db.mediation(case_id).await?,
        sessions: db.mediation_sessions(case_id).await?,
    })
}

pub async fn set_mediation(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    m: &MediationInput,
) -> AppResult<MediationView> {
    let row = dispute_worker(db, actor, case_id).await?;
    let mut c = Checks::default();
    let parties = c.text("parties", &m.parties, 500);
    if !db.is_mediator(m.mediator_member_id).await? {
        c.fail("mediator_member_id", "not_a_mediator");
    }
    c.finish()?;
    if CaseStatus::parse(&row.status).is_none_or(|s| s.is_final()) {
        return Err(AppError::Conflict("case_finished"));
    }
    db.upsert_mediation(case_id, m.mediator_member_id, &parties)
        .await?;
    mediation(db, actor, case_id).await
}

pub async fn add_session(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    s: &SessionInput,
) -> AppResult<MediationView> {
    dispute_worker(db, actor, case_id).await?;
    let mut c = Checks::default();
    let attendees = c.text("attendees", &s.attendees, 500);
    let notes = c
        .optional_text("notes", Some(&s.notes), 4000)
        .unwrap_or_default();
    if s.held_on.trim().parse::<jiff::civil::Date>().is_err() {
        c.fail("held_on", "invalid_date");
    }
    c.finish()?;
    if db.mediation(case_id).await?.is_none() {
        return Err(AppError::Conflict("no_mediator"));
    }
    db.insert_mediation_session(case_id, s.held_on.trim(), &attendees, &notes)
        .await?;
    mediation(db, actor, case_id).await
}

pub async fn record_outcome(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    o: &OutcomeInput,
) -> AppResult<MediationView> {
    dispute_worker(db, actor, case_id).await?;
    use crate::domain::cases::{MediationOutcome, Referral};
    let mut c = Checks::default();
    let outcome = MediationOutcome::parse(o.outcome.trim());
    if outcome.is_none() {
        c.fail("outcome", "invalid");
    }
    let text = o.text.trim();
    if text.chars().count() > 4000 {
        c.fail("text", "too_long");
    }
    if outcome == Some(MediationOutcome::Agreement) && text.is_empty() {
        c.fail("text", "required");
    }
    let referral = o
        .referral
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if outcome == Some(MediationOutcome::Referral) && referral.and_then(Referral::parse).is_none() {
        c.fail("referral", "invalid");
    }
    c.finish()?;
    if db.mediation(case_id).await?.is_none() {
        return Err(AppError::Conflict("no_mediator"));
    }
    let referral = (outcome == Some(MediationOutcome::Referral))
        .then_some(referral)
        .flatten();
    if !db
        .set_mediation_outcome(case_id, o.outcome.trim(), text, referral)
        .await?
    {
        return Err(AppError::Conflict("outcome_recorded"));
    }
    mediation(db, actor, case_id).await
}

/// SLA periods of a class as configured.
pub async fn sla(db: &Db, class: &str) -> AppResult<SlaPeriods> {
    Ok(db
        .sla_periods(class)
        .await?
        .unwrap_or_else(|| deadline::SlaClass::Ordinary.default_periods()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_content() {
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<svg xmlns="), None);
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
