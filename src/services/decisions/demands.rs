//! Owners' demands for an extraordinary meeting: at 20 % of heads and 20 % of area the committee
//! is told and a case opens.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::places::Compound;
use crate::domain::access::{Action, Target};
use crate::domain::decisions::Refusal;
use crate::domain::decisions::roll::{self, RollBasis};
use crate::domain::decisions::vote::Weight;
use crate::domain::decisions::vote_files::{self};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Serialize;
use utoipa::ToSchema;

/// Extraordinary meeting demand (临时业主大会): where signatures stand against 20 % / 20 %.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandStatus {
    pub id: i64,
    pub compound_id: i64,
    pub subject: String,
    pub signed: Weight,
    pub total: Weight,
    /// Heads and area (0.01 m²) the demand needs: at least 20 % of each.
    pub needed: Weight,
    pub reached_at: Option<i64>,
    pub case_id: Option<i64>,
    pub signed_by_me: bool,
    /// Whether the reader owns a dwelling in the compound today and so may sign (tenants and
    /// family members may not: RULES.md §1 counts owners).
    pub may_sign: bool,
}

fn at_least_fifth(v: i64) -> i64 {
    (v + 4).div_euclid(5)
}

async fn demand_status(db: &Db, actor: &Actor, id: i64) -> AppResult<(DemandStatus, Compound)> {
    let row = db.decisions().demand(id).await?.ok_or(AppError::NotFound)?;
    let c = compound_of(db, row.compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    let units = db
        .decisions()
        .roll_source(c.id, &today(crate::db::now()))
        .await?;
    let roll = roll::build(&units, RollBasis::Owners);
    let signers = db.decisions().demand_signers(id).await?;
    let signed_heads = roll
        .heads
        .iter()
        .filter(|h| h.voters.iter().any(|p| signers.contains(p)));
    let signed = signed_heads.fold(Weight::default(), |w, h| {
        w + Weight {
            heads: 1,
            area: h.area,
        }
    });
    let status = DemandStatus {
        id,
        compound_id: c.id,
        subject: row.subject,
        signed,
        total: roll.total,
        needed: Weight {
            heads: at_least_fifth(roll.total.heads),
            area: at_least_fifth(roll.total.area),
        },
        reached_at: row.reached_at,
        case_id: row.case_id,
        signed_by_me: actor.person_id.is_some_and(|p| signers.contains(&p)),
        may_sign: actor
            .person_id
            .is_some_and(|p| units.iter().any(|u| u.owners.iter().any(|o| o.0 == p))),
    };
    Ok((status, c))
}

pub async fn demand(db: &Db, actor: &Actor, id: i64) -> AppResult<DemandStatus> {
    Ok(demand_status(db, actor, id).await?.0)
}

/// Is the person an owner in this compound today?
async fn owns_in(db: &Db, compound: i64, person: i64) -> AppResult<bool> {
    let units = db
        .decisions()
        .roll_source(compound, &today(crate::db::now()))
        .await?;
    Ok(units.iter().any(|u| u.owners.iter().any(|o| o.0 == person)))
}

pub async fn start_demand(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
    subject: &str,
) -> AppResult<i64> {
    let mut ch = Checks::default();
    let subject = ch.text("subject", subject, 500);
    ch.finish()?;
    let c = compound_of(db, compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    let person = actor.person_id.ok_or(Refusal::NotAnOwner)?;
    if !owns_in(db, c.id, person).await? {
        return Err(Refusal::NotAnOwner.into());
    }
    let now = crate::db::now();
    let id = db
        .decisions()
        .insert_demand(c.id, &subject, actor.user_id, now)
        .await?;
    db.decisions().sign_demand(id, person, now).await?;
    Ok(id)
}

/// An owner signs; once 20 % of heads and of area have signed, the convenor is told and a case
/// with a deadline is opened for convening the meeting.
pub async fn sign_demand(db: &Db, prefix: &str, actor: &Actor, id: i64) -> AppResult<DemandStatus> {
    let (before, c) = demand_status(db, actor, id).await?;
    let person = actor.person_id.ok_or(Refusal::NotAnOwner)?;
    if !owns_in(db, c.id, person).await? {
        return Err(Refusal::NotAnOwner.into());
    }
    let now = crate::db::now();
    if !db.decisions().sign_demand(id, person, now).await? {
        return Err(AppError::Conflict("demand_signed_already"));
    }
    let (after, _) = demand_status(db, actor, id).await?;
    if before.reached_at.is_none()
        && after.signed.heads >= after.needed.heads
        && after.signed.area >= after.needed.area
        && after.total.heads > 0
    {
        let created = crate::services::cases::submit(
            db,
            prefix,
            actor,
            &crate::services::cases::CaseInput {
                kind: "suggestion".into(),
                category: "other".into(),
                compound_id: c.id,
                building_id: None,
                dwelling_id: None,
                public_area: String::new(),
                description: format!(
                    "业主提议召开临时业主大会：{}（{} 户、面积 {} m² 已签名，达到 20% 人数和 20% 面积）",
                    after.subject,
                    after.signed.heads,
                    vote_files::format_area(after.signed.area)
                ),
                description_public: true,
                channel: None,
                reporter_name: None,
                reporter_phone: None,
                visitors: None,
                received_on: None,
            },
            Vec::new(),
        )
        .await?;
        if db.decisions().demand_reached(id, created.id, now).await? {
            let committee = db.decisions().committee_of(c.id).await?.map(|x| x.0);
            let users = db
                .decisions()
                .users_of_organisations(&committee.into_iter().collect::<Vec<_>>())
                .await?;
            for u in users {
                db.notify()
                    .notify(
                        u,
                        Some(created.id),
                        "demand_reached",
                        &format!("demand:{id}:{u}"),
                        now,
                    )
                    .await?;
            }
        }
        return Ok(demand_status(db, actor, id).await?.0);
    }
    Ok(after)
}

pub async fn demands_of(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
) -> AppResult<Vec<crate::db::decisions::DemandRow>> {
    let c = compound_of(db, compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    Ok(db.decisions().demands_of(compound_id).await?)
}

/// May the actor start or sign a demand in this compound (an owner there today)? The page
/// offers the form only then, instead of refusing after it is filled in.
pub async fn may_demand(db: &Db, actor: &Actor, compound_id: i64) -> AppResult<bool> {
    match actor.person_id {
        Some(p) => owns_in(db, compound_id, p).await,
        None => Ok(false),
    }
}
