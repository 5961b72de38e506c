//! Closing a vote: the lawful tally or the advisory count, the result, the follow-up cases of
//! passed items.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::decisions::{DecisionRow, ItemRow};
use crate::domain::decisions::ballot_chain::{self};
use crate::domain::decisions::vote::{self, Choice, Counts, Weight};
use crate::domain::decisions::{DecisionKind, DecisionMode, DecisionStatus, Refusal};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseInput {
    /// 会议纪要 / closing report.
    pub report: String,
    /// How many attended (meetings).
    #[serde(default)]
    pub attendance: Option<i64>,
    /// The organisations that attended, e.g. the property company and invited departments.
    #[serde(default)]
    pub organisations: String,
}

/// One item's published result: the lawful outcome, or an advisory count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ItemResult {
    Lawful(vote::Outcome),
    Advisory(vote::Advisory),
}

impl ItemResult {
    pub fn lawful(&self) -> Option<&vote::Outcome> {
        match self {
            ItemResult::Lawful(o) => Some(o),
            ItemResult::Advisory(_) => None,
        }
    }

    pub fn advisory(&self) -> Option<&vote::Advisory> {
        match self {
            ItemResult::Advisory(a) => Some(a),
            ItemResult::Lawful(_) => None,
        }
    }

    /// The same counts as published by the rules of today (a result stored before the
    /// percentages were published with exact counts reads the same as a new one).
    pub fn refreshed(&self) -> ItemResult {
        match self {
            ItemResult::Lawful(o) => vote::outcome(o.matter, &o.counts())
                .map_or_else(|| self.clone(), ItemResult::Lawful),
            ItemResult::Advisory(a) => ItemResult::Advisory(vote::advisory(&a.counts())),
        }
    }

    pub fn passed(&self) -> Option<bool> {
        match self {
            ItemResult::Lawful(o) => Some(o.passed),
            ItemResult::Advisory(_) => None,
        }
    }
}

/// Counts every item from the stored ballots and the frozen roll.
async fn count_items(
    db: &Db,
    d: &DecisionRow,
    items: &[ItemRow],
) -> AppResult<Vec<(i64, Option<ItemResult>)>> {
    let roll = db.decisions().roll_all(d.id).await?;
    let ballots = db.decisions().stored_ballots(d.id).await?;
    Ok(count_loaded(d, items, &roll, &ballots))
}

/// Counts every item from ballots and a roll already loaded.
pub(crate) fn count_loaded(
    d: &DecisionRow,
    items: &[ItemRow],
    roll: &[(i64, String, i64)],
    ballots: &[ballot_chain::StoredBallot],
) -> Vec<(i64, Option<ItemResult>)> {
    let area: HashMap<i64, i64> = roll.iter().map(|(h, _, a)| (*h, *a)).collect();
    let total = Weight {
        heads: roll.len() as i64,
        area: roll.iter().map(|r| r.2).sum(),
    };
    let mut out = Vec::new();
    for it in items {
        let mut c = Counts {
            total,
            ..Counts::default()
        };
        for b in ballots.iter().filter(|b| b.record.item == it.position) {
            let w = Weight {
                heads: 1,
                area: area.get(&b.record.head).copied().unwrap_or(0),
            };
            let slot = match b.record.choice {
                Choice::Agree => &mut c.agree,
                Choice::Disagree => &mut c.disagree,
                Choice::Abstain => &mut c.abstain,
            };
            *slot = *slot + w;
        }
        let result = if d.kind == DecisionKind::Assembly.as_str() {
            it.matter
                .and_then(|m| u8::try_from(m).ok())
                .and_then(|m| vote::outcome(m, &c))
                .map(ItemResult::Lawful)
        } else if d.kind == DecisionKind::Consultation.as_str() {
            Some(ItemResult::Advisory(vote::advisory(&c)))
        } else {
            None
        };
        out.push((it.position, result));
    }
    out
}

/// Closes (with the closing report), counts and publishes.
pub async fn close(db: &Db, actor: &Actor, id: i64, input: &CloseInput) -> AppResult<()> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let kind = DecisionKind::parse(&d.kind).unwrap_or(DecisionKind::Assembly);
    let mode = DecisionMode::parse(&d.mode).unwrap_or(DecisionMode::Meeting);
    let mut ch = Checks::default();
    let report = ch.text("report", &input.report, 20_000);
    let organisations = input.organisations.trim().to_string();
    if organisations.chars().count() > 1000 {
        ch.fail("organisations", "too_long");
    }
    let meeting = mode == DecisionMode::Meeting || kind == DecisionKind::Coordination;
    match input.attendance {
        Some(a) if !(0..=1_000_000).contains(&a) => ch.fail("attendance", "out_of_range"),
        None if meeting => ch.fail("attendance", "required"),
        _ => {}
    }
    if meeting && organisations.is_empty() {
        ch.fail("organisations", "required");
    }
    ch.finish()?;
    let now = crate::db::now();
    let status = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    crate::domain::decisions::check_close(status, kind, now, d.opens_at, d.closes_at)?;
    let items = db.decisions().decision_items(id).await?;
    let counted = count_items(db, &d, &items).await?;
    let outcomes: Vec<(i64, Option<String>, Option<i64>)> = counted
        .iter()
        .map(|(pos, r)| {
            (
                *pos,
                r.as_ref().and_then(|r| serde_json::to_string(r).ok()),
                r.as_ref().and_then(ItemResult::passed).map(i64::from),
            )
        })
        .collect();
    let mut work = db.begin().await?;
    if !work
        .decisions()
        .close_decision(
            id,
            &report,
            input.attendance,
            &organisations,
            &outcomes,
            now,
        )
        .await?
    {
        return Err(Refusal::AlreadyClosed.into());
    }
    audit(
        &mut work,
        actor,
        "close",
        id,
        serde_json::json!({"closed_at": now, "attendance": input.attendance, "organisations": organisations,
            "passed": outcomes.iter().map(|o| (o.0, o.2)).collect::<Vec<_>>()}),
    )
    .await?;
    work.commit().await?;
    if kind != DecisionKind::Coordination {
        db.decisions()
            .notify_decision(
                id,
                d.compound_id,
                kind != DecisionKind::Assembly,
                "decision_published",
                &today(now),
                now,
            )
            .await?;
    }
    Ok(())
}

/// The published results, item by item (only once closed).
pub fn results(items: &[ItemRow]) -> Vec<(i64, Option<ItemResult>)> {
    stored_results(items)
        .into_iter()
        .map(|(p, r)| (p, r.map(|r| r.refreshed())))
        .collect()
}

/// The results as stored at closing, unchanged (for verification).
pub fn stored_results(items: &[ItemRow]) -> Vec<(i64, Option<ItemResult>)> {
    items
        .iter()
        .map(|it| {
            (
                it.position,
                it.outcome
                    .as_deref()
                    .and_then(|o| serde_json::from_str::<ItemResult>(o).ok()),
            )
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpInput {
    /// Case category code (default `other`).
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A passed decision starts its follow-up work as a case (S2: the parking plan).
pub async fn follow_up(
    db: &Db,
    prefix: &str,
    actor: &Actor,
    id: i64,
    item: i64,
    input: &FollowUpInput,
) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let it = db
        .decisions()
        .decision_items(id)
        .await?
        .into_iter()
        .find(|i| i.position == item)
        .ok_or(AppError::NotFound)?;
    if d.status != DecisionStatus::Closed.as_str() {
        return Err(AppError::Conflict("vote_not_closed"));
    }
    if d.kind == DecisionKind::Assembly.as_str() && it.passed != Some(1) {
        return Err(AppError::Conflict("vote_not_passed"));
    }
    if it.follow_up_case_id.is_some() {
        return Err(AppError::Conflict("vote_follow_up_exists"));
    }
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "落实表决决定：{}（{}，第 {} 项）",
                it.title, d.title, it.position
            )
        });
    let created = crate::services::cases::submit(
        db,
        prefix,
        actor,
        &crate::services::cases::CaseInput {
            kind: "suggestion".into(),
            category: input.category.clone().unwrap_or_else(|| "other".into()),
            compound_id: d.compound_id,
            building_id: None,
            dwelling_id: None,
            public_area: String::new(),
            description,
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
    let mut work = db.begin().await?;
    if !work.decisions().set_follow_up(id, item, created.id).await? {
        return Err(AppError::Conflict("vote_follow_up_exists"));
    }
    audit(
        &mut work,
        actor,
        "follow_up",
        id,
        serde_json::json!({"item": item, "case_id": created.id}),
    )
    .await?;
    work.commit().await?;
    Ok(created.id)
}
