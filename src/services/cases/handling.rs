//! Acting on a case: every step of the workflow (`domain::cases::apply`) with its checks, its
//! event, its notifications and the new deadlines.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::cases::{CaseRow, TransitionExtra};
use crate::db::places::Compound;
use crate::domain::cases::{
    CaseAction, CaseKind, CaseStatus, EventKind, Level, NotAcceptOutcome, Rating, Unit, UnitKind,
};
use crate::domain::deadline::{self};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Deserialize;
use utoipa::ToSchema;

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
    /// not_accept of a petition: not_accepted (default) | court | reconsideration | other_organ
    pub outcome: Option<String>,
    /// not_accept to a court, reconsideration or another organ: the body to go to, by name.
    pub go_to: Option<String>,
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
    Ok(db.cases().unit_name(u).await?.is_some())
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
            .cases()
            .team_for_compound(compound.id, compound.community_id)
            .await?
            .map(|id| Unit {
                kind: UnitKind::Team,
                id,
            }),
        Level::Community => org(db
            .cases()
            .office_of("community_office", compound.community_id)
            .await?),
        Level::Subdistrict => org(db
            .cases()
            .office_of("subdistrict_office", compound.subdistrict_id)
            .await?),
        Level::District => org(db
            .cases()
            .office_of("department", compound.district_id)
            .await?),
    })
}

pub async fn act(db: &Db, actor: &Actor, id: i64, input: &ActionInput) -> AppResult<CaseView> {
    let (row, compound, standing) = load(db, actor, id).await?;
    let mut state = row
        .state()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case {id} has an unknown word")))?;
    // An SLA class counted in working days recounts a reopened case's reply in working days.
    if let Some(p) = db.cases().sla_periods(&row.sla_class).await? {
        state.sla.reply_working_days = p.reply_working_days;
    }
    let cal = crate::services::calendar::current(db).await?;
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
            if state.kind == CaseKind::Petition && !super::intake::is_organ(db, unit).await? {
                return Err(AppError::field("unit_id", "petition_needs_organ"));
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
            if state.kind == CaseKind::Petition && !super::intake::is_organ(db, to).await? {
                return Err(AppError::field("level", "petition_needs_organ"));
            }
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
                // A department, or (RULES.md §2) the property company asked to act on a
                // petition while the organ keeps the clock and signs the reply.
                Some(o) => match db.cases().organisation_kind(o).await?.as_deref() {
                    Some("department") => {}
                    Some("property_company") if state.kind == CaseKind::Petition => {}
                    _ => c.fail("organisation_id", "not_a_department"),
                },
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
            let asked = db.cases().coordination_requests(id).await?;
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
            // Approved by someone other than the handler: not the assignee, nobody of the
            // handling unit (a supervisor: community staff or a district official in scope).
            let handler = row.assignee_user_id == Some(actor.user_id)
                || row.owner().is_some_and(|o| actor.units.contains(&o));
            if handler && state.kind == CaseKind::Petition {
                return Err(AppError::Conflict("extension_needs_approver"));
            }
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
                Err(_) => db.cases().case_by_number(into).await?,
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
        "not_accept" => {
            if state.kind == CaseKind::Petition {
                let outcome = match input.outcome.as_deref().map(str::trim) {
                    None | Some("") => Some(NotAcceptOutcome::NotAccepted),
                    Some(w) => NotAcceptOutcome::parse(w),
                };
                let go_to = input.go_to.as_deref().unwrap_or("").trim();
                match outcome {
                    None => c.fail("outcome", "invalid"),
                    Some(NotAcceptOutcome::NotAccepted) => {}
                    Some(_) if go_to.is_empty() => c.fail("go_to", "required"),
                    Some(_) if go_to.chars().count() > 100 => c.fail("go_to", "too_long"),
                    Some(_) => {}
                }
                std::mem::take(&mut c).finish()?;
                let outcome = outcome.ok_or(AppError::field("outcome", "invalid"))?;
                extra.outcome = Some((outcome.as_str(), go_to, note));
            }
            CaseAction::NotAccept
        }
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
    // The follow-up call (回访) is made by someone other than the handling unit: a worker who
    // replied, is assigned, or belongs to the owning unit may not rate their own work. The
    // reporter rates for themselves.
    if matches!(action, CaseAction::FollowUp { .. }) && standing == Worker {
        let replied_by = db.cases().last_actor_of(id, "replied").await?;
        let own_unit = row.owner().is_some_and(|o| actor.units.contains(&o));
        if own_unit
            || replied_by == Some(actor.user_id)
            || row.assignee_user_id == Some(actor.user_id)
        {
            return Err(AppError::Conflict("follow_up_by_handler"));
        }
    }
    // What the petitioner must be told is never internal.
    let internal = input.internal
        && standing == Worker
        && !matches!(action, CaseAction::Extend { .. } | CaseAction::NotAccept);
    let (next, event) = crate::domain::cases::apply(&state, &action, now, &cal)?;
    if !db
        .cases()
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
            reporters.extend(
                db.cases()
                    .merged_reporters(id)
                    .await?
                    .into_iter()
                    .map(|(_, u)| u),
            );
            reporters.sort_unstable();
            reporters.dedup();
            for r in reporters {
                db.notify()
                    .notify(
                        r,
                        Some(id),
                        "replied",
                        &format!("replied:{id}:{}:{r}", row.version + 1),
                        now,
                    )
                    .await?;
            }
        }
        EventKind::Extended | EventKind::NotAccepted => {
            // The petitioner is told, with the reason on their case page.
            if let Some(r) = row.reporter_user_id {
                let kind = if event.kind == EventKind::Extended {
                    "extended"
                } else {
                    "not_accepted"
                };
                db.notify()
                    .notify(r, Some(id), kind, &format!("{kind}:{id}:{r}"), now)
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
                    db.notify()
                        .notify(r, Some(id), "merged", &format!("merged:{id}:{r}"), now)
                        .await?;
                }
            }
        }
        _ => {}
    }
    view(db, actor, id).await
}
