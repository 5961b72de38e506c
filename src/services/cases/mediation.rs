//! Mediation (调解) of disputes: the mediator, the sessions and the outcome.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::cases::CaseRow;
use crate::domain::cases::{CaseKind, CaseStatus};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------- mediation (调解) of disputes

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationView {
    pub mediation: Option<crate::db::cases::MediationRow>,
    pub sessions: Vec<crate::db::cases::MediationSessionRow>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MediationInput {
    /// A Red Butler team member of a dispute-mediation squad.
    #[serde(deserialize_with = "crate::services::input::int")]
    pub mediator_member_id: i64,
    /// Who the parties are (free text: names or households).
    #[serde(default)]
    #[schema(required = true)]
    pub parties: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SessionInput {
    /// The date, `2026-11-20`.
    #[serde(default)]
    #[schema(required = true)]
    pub held_on: String,
    #[serde(default)]
    #[schema(required = true)]
    pub attendees: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OutcomeInput {
    /// agreement | referral | withdrawn
    #[serde(default)]
    #[schema(required = true)]
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
        mediation: db.cases().mediation(case_id).await?,
        sessions: db.cases().mediation_sessions(case_id).await?,
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
    if !db.cases().is_mediator(m.mediator_member_id).await? {
        c.fail("mediator_member_id", "not_a_mediator");
    }
    c.finish()?;
    if CaseStatus::parse(&row.status).is_none_or(|s| s.is_final()) {
        return Err(AppError::Conflict("case_finished"));
    }
    db.cases()
        .upsert_mediation(case_id, m.mediator_member_id, &parties)
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
    if db.cases().mediation(case_id).await?.is_none() {
        return Err(AppError::Conflict("no_mediator"));
    }
    db.cases()
        .insert_mediation_session(case_id, s.held_on.trim(), &attendees, &notes)
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
    if db.cases().mediation(case_id).await?.is_none() {
        return Err(AppError::Conflict("no_mediator"));
    }
    let referral = (outcome == Some(MediationOutcome::Referral))
        .then_some(referral)
        .flatten();
    if !db
        .cases()
        .set_mediation_outcome(case_id, o.outcome.trim(), text, referral)
        .await?
    {
        return Err(AppError::Conflict("outcome_recorded"));
    }
    mediation(db, actor, case_id).await
}
