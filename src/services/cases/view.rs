//! One case as the viewer may see it: the reporter the public timeline, the handlers everything,
//! with the actions the viewer may take now.
use super::*;
use crate::db::Db;
use crate::db::cases::{CaseEventRow, CaseRow, CoordinationRow};
use crate::domain::cases::{CaseAction, Level, Rating, Unit, UnitKind};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    /// Years of this case's deadlines whose working-day calendar has not been entered: those
    /// deadlines count weekends only (RULES.md §7), and the page says so.
    pub calendar_unentered: Vec<i16>,
    /// A petition not accepted: why, and where the petitioner is to go (RULES.md §2).
    pub outcome: Option<crate::db::cases::OutcomeRow>,
    /// The day a petition arrived, when registered later; its clock runs from it.
    pub received_on: Option<String>,
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
    /// How many came in person with a petition (走访); none for other cases.
    pub visitors: Option<i64>,
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

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<CaseView> {
    let crate::db::cases::CaseFull {
        row,
        building_name,
        owner_name,
        events,
        mut coordination,
        photos,
    } = db.cases().case_full(id).await?.ok_or(AppError::NotFound)?;
    let compound = db
        .places()
        .compound(row.compound_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A case one may not see does not exist for them (no probing of numbers).
    // Someone who acted on it and no longer works it (a unit that returned or passed it on)
    // follows its public timeline, as a merged duplicate's reporter does.
    let standing = match standing(db, actor, &row, &compound, Some(&coordination)).await? {
        Some(s) => s,
        None if events
            .iter()
            .any(|e| e.actor_user_id == Some(actor.user_id)) =>
        {
            Standing::Follower
        }
        None => return Err(AppError::NotFound),
    };
    let worker = standing == Standing::Worker;
    let events = match standing {
        Standing::Worker => events,
        // Residents see what was done and when, not the login names of the staff who did it.
        Standing::Reporter | Standing::Follower => events
            .into_iter()
            .filter(|e| e.internal == 0)
            .map(|mut e| {
                if e.actor_user_id != Some(actor.user_id) {
                    e.actor = None;
                    e.actor_user_id = None;
                }
                e
            })
            .collect(),
        Standing::Department => Vec::new(),
    };
    if standing == Standing::Department {
        let orgs = actor.organisations();
        coordination.retain(|r| orgs.contains(&r.organisation_id));
    } else if matches!(standing, Standing::Reporter | Standing::Follower) {
        coordination.clear();
    }
    let categories = db.cases().categories().await?;
    let category = categories
        .iter()
        .find(|c| c.id == row.category_id)
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let owner_name = owner_name.unwrap_or_default();
    let now = crate::db::now();
    let cal = crate::services::calendar::current(db).await?;
    // An extension is approved by someone other than the handler (RULES.md §2).
    let handler = row.assignee_user_id == Some(actor.user_id)
        || row.owner().is_some_and(|o| actor.units.contains(&o));
    let mut actions = available_actions(&row, standing, &cal);
    if handler && row.kind == crate::domain::cases::CaseKind::Petition.as_str() {
        actions.retain(|a| a != "extend");
    }
    let calendar_unentered = crate::services::calendar::unentered_years(
        &cal,
        [row.sign_due, row.reply_due, row.accept_due, row.review_due]
            .into_iter()
            .flatten(),
    );
    let outcome = if row.status == crate::domain::cases::CaseStatus::NotAccepted.as_str() {
        db.cases().outcome(row.id).await?
    } else {
        None
    };
    Ok(CaseView {
        received_on: row.received_on.clone(),
        outcome,
        calendar_unentered,
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
        visitors: (row.kind == crate::domain::cases::CaseKind::Petition.as_str()
            && row.visitors > 0)
            .then_some(row.visitors),
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
fn available_actions(
    row: &CaseRow,
    standing: Standing,
    cal: &crate::domain::calendar::Calendar,
) -> Vec<String> {
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
        .filter(|(_, a)| crate::domain::cases::apply(&state, a, crate::db::now(), cal).is_ok())
        .map(|(w, _)| w.to_string())
        .collect()
}
