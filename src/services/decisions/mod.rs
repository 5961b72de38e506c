//! Owners' decisions (业主共同决定), resident consultations (居民协商) and coordination meetings
//! (协调会): convening with 15 days' notice, questions to invited departments, the roll frozen when
//! voting opens, ballots on a hash chain, the lawful tally, publication, verification, the audit
//! files, follow-up work and owners' demands for an extraordinary meeting. RULES.md §1.
pub mod ballots;
pub mod closing;
pub mod convening;
pub mod demands;
pub mod documents;
pub mod questions;
pub mod verification;

use super::Checks;
use crate::db::Db;
use crate::db::decisions::{DecisionRow, ItemProgress, ObjectionRow, QuestionRow};
use crate::db::places::Compound;
use crate::domain::access::{Action, Target};
use crate::domain::deadline;
use crate::domain::decisions::vote::{self};
use crate::domain::decisions::{DecisionKind, DecisionStatus, Refusal};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
pub use ballots::*;
pub use closing::*;
pub use convening::*;
pub use demands::*;
pub use documents::*;
pub use questions::*;
use serde::Serialize;
use utoipa::ToSchema;
pub use verification::*;

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Conflict(r.code())
    }
}

pub const MAX_ITEMS: usize = 20;

fn today(now: i64) -> String {
    deadline::local_date(now)
}

async fn compound_of(db: &Db, id: i64) -> AppResult<Compound> {
    db.places().compound(id).await?.ok_or(AppError::NotFound)
}

fn may_convene(actor: &Actor, c: &Compound) -> bool {
    actor.can(Action::ConveneDecisions, &Target::Place(c.place(None)))
}

/// What the viewer may do with one decision.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Rights {
    /// Convenor side: notice, roll, progress, paper and proxy ballots, close, follow-up.
    pub manage: bool,
    /// Staff of an invited department: read and answer questions.
    pub invited: bool,
}

/// Whether the actor acts for the body that convened this decision: a member of the convening
/// owners' committee, or the person who convened on its behalf where there was none (and
/// administrators). A general right on the compound is not enough (RULES.md §1: the committee
/// convenes).
pub(crate) fn acts_for_convenor(actor: &Actor, d: &DecisionRow) -> bool {
    use crate::domain::access::{Convenor, acts_for};
    let convenor = match d.convenor_organisation_id {
        Some(org) => Convenor::Committee(org),
        None => Convenor::OnBehalf { user: d.created_by },
    };
    acts_for(actor.user_id, &actor.grants, convenor)
}

async fn rights(db: &Db, actor: &Actor, d: &DecisionRow, c: &Compound) -> AppResult<Rights> {
    let manage = may_convene(actor, c) && acts_for_convenor(actor, d);
    let orgs = actor.organisations();
    let invited = !orgs.is_empty()
        && db
            .decisions()
            .invited_organisations(d.id)
            .await?
            .iter()
            .any(|(o, _)| orgs.contains(o));
    let sees_place = actor.can(Action::ViewPlace, &Target::Place(c.place(None)));
    let visible = manage || ((sees_place || invited) && d.status != "draft");
    if !visible {
        // Not 404 vs 403: ids cannot be probed.
        return Err(AppError::NotFound);
    }
    Ok(Rights { manage, invited })
}

/// A decision, loaded with the viewer's rights; refreshes a noticed vote whose window started.
pub async fn load(db: &Db, actor: &Actor, id: i64) -> AppResult<(DecisionRow, Compound, Rights)> {
    let d = db
        .decisions()
        .decision(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = compound_of(db, d.compound_id).await?;
    let r = rights(db, actor, &d, &c).await?;
    let d = ensure_open(db, d, crate::db::now()).await?;
    Ok((d, c, r))
}

/// Convenor actions go to the audit log (ballots are on their own chain instead: the log would
/// otherwise hold who voted how).
/// The convenor's action in the audit log, in the unit of work of the change it records.
async fn audit(
    work: &mut crate::db::store::Work<'_>,
    actor: &Actor,
    action: &str,
    id: i64,
    after: serde_json::Value,
) -> AppResult<()> {
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: Some(actor.user_id),
            action,
            entity: "decision",
            entity_id: Some(id),
            before: None,
            after: Some(after),
            reason: "",
        })
        .await?;
    Ok(())
}

/// Decisions the actor may see, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    before: i64,
    limit: i64,
) -> AppResult<Vec<crate::db::decisions::DecisionLine>> {
    let seen = crate::services::cases::place_scope(db, actor, Action::ViewPlace).await?;
    let convened = crate::services::cases::place_scope(db, actor, Action::ConveneDecisions).await?;
    let committees = crate::domain::access::committees(&actor.grants);
    Ok(db
        .decisions()
        .decisions_list(
            seen.sql().as_deref(),
            convened.sql().as_deref(),
            (!actor.is_admin()).then_some((actor.user_id, committees.as_slice())),
            &actor.organisations(),
            before,
            limit,
        )
        .await?)
}

/// One agenda item as the viewer sees it; the result only once published.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub position: i64,
    pub title: String,
    pub matter: Option<i64>,
    /// major | ordinary (assembly items).
    pub class: Option<String>,
    pub result: Option<ItemResult>,
    pub follow_up_case_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: DecisionRow,
    pub compound_name: String,
    /// The status now (a noticed vote whose window started is open).
    pub status: String,
    /// The earliest lawful opening if the notice went out now (drafts).
    pub earliest_opening: i64,
    /// By when the result must be published: the end of the first working day after voting
    /// is scheduled to end (RULES.md §1, §7); None for drafts and cancelled votes.
    pub publication_due: Option<i64>,
    /// The publication is late: not published by `publication_due` (still unpublished, or
    /// published after it).
    pub publication_overdue: bool,
    /// Years of the deadlines shown whose working-day calendar is missing (weekends only).
    pub calendar_unentered: Vec<i16>,
    pub items: Vec<ItemView>,
    pub invited: Vec<(i64, String)>,
    pub documents: Vec<crate::db::decisions::DocumentRow>,
    pub questions: Vec<QuestionRow>,
    pub rights: Rights,
    pub mine: MyPart,
    /// Convenor only, while open: who has taken part (heads and area), never the choices.
    pub progress: Vec<ItemProgress>,
    /// Convenor only: objections to the roll.
    pub objections: Vec<ObjectionRow>,
}

/// By when a vote's result must be published (None for drafts and cancelled votes).
pub fn publication_due(
    d: &crate::db::decisions::DecisionRow,
    cal: &crate::domain::calendar::Calendar,
) -> Option<i64> {
    let status = DecisionStatus::parse(&d.status)?;
    let kind = DecisionKind::parse(&d.kind)?;
    matches!(
        status,
        DecisionStatus::Noticed | DecisionStatus::Open | DecisionStatus::Closed
    )
    .then(|| {
        crate::domain::decisions::publication_due(
            cal,
            crate::domain::decisions::voting_ends(kind, d.opens_at, d.closes_at),
        )
    })
}

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<DecisionView> {
    let (d, c, rights) = load(db, actor, id).await?;
    let items = db.decisions().decision_items(id).await?;
    let closed = d.status == DecisionStatus::Closed.as_str();
    let results = results(&items);
    let items = items
        .iter()
        .zip(results)
        .map(|(it, (_, r))| ItemView {
            position: it.position,
            title: it.title.clone(),
            matter: it.matter,
            class: it
                .matter
                .and_then(|m| u8::try_from(m).ok())
                .and_then(vote::matter_class)
                .map(|c| c.as_str().to_string()),
            result: if closed { r } else { None },
            follow_up_case_id: it.follow_up_case_id,
        })
        .collect();
    let progress = if rights.manage && !closed {
        db.decisions().progress(id).await?
    } else {
        vec![]
    };
    let objections = if rights.manage {
        db.decisions().objections(id, None).await?
    } else {
        vec![]
    };
    let now = crate::db::now();
    let cal = crate::services::calendar::current(db).await?;
    let publication_due = publication_due(&d, &cal);
    Ok(DecisionView {
        status: d.status.clone(),
        compound_name: c.name.clone(),
        earliest_opening: crate::domain::decisions::earliest_opening(now),
        publication_due,
        publication_overdue: publication_due
            .is_some_and(|due| d.published_at.unwrap_or(now) >= due),
        calendar_unentered: crate::services::calendar::unentered_years(&cal, publication_due),
        items,
        invited: db.decisions().invited_organisations(id).await?,
        documents: db.decisions().documents(id).await?,
        questions: db.decisions().questions(id).await?,
        rights,
        mine: my_part(db, actor, &d).await?,
        progress,
        objections,
        decision: d,
    })
}
