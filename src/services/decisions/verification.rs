//! Verifying a vote (roll digest, chain and tally recomputed) and its audit files
//! ROLL.csv and BALLOTS.csv.
use super::*;
use crate::db::Db;
use crate::db::decisions::DecisionRow;
use crate::domain::decisions::DecisionStatus;
use crate::domain::decisions::ballot_chain::{self, ChainFault};
use crate::domain::decisions::vote::Choice;
use crate::domain::decisions::vote_files::{self};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when the roll, every ballot, the chain and every published result check out.
    pub intact: bool,
    pub ballots: i64,
    /// SHA-256 of the frozen roll as recorded, and as recomputed from the stored roll.
    pub roll_digest: String,
    pub roll_digest_recomputed: String,
    /// Heads of the frozen roll whose stored fields (kind, designated voter, developer, units,
    /// dwellings, voters, area) no longer match what was frozen.
    pub changed_heads: Vec<i64>,
    /// False when anything of the frozen roll changed (also when the heads cannot be named,
    /// e.g. a head deleted or its fingerprint rewritten too).
    pub roll_intact: bool,
    /// The chain's final hash as published.
    pub final_hash: String,
    pub faults: Vec<ChainFault>,
    /// Items whose stored result differs from a recount of the stored ballots.
    pub tally_mismatches: Vec<i64>,
}

/// Recomputes the roll digest, the chain and the tally from what is stored.
pub async fn verify_stored(db: &Db, id: i64) -> AppResult<Verification> {
    let d = db
        .decisions()
        .decision(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let roll = db.decisions().roll_all(id).await?;
    let rows = roll_rows(roll.iter().cloned());
    let recomputed = ballot_chain::sha256_hex(vote_files::write_roll(&rows).as_bytes());
    let (heads, full) = db.decisions().roll_stored(id).await?;
    let fingerprints: Vec<String> = heads.iter().map(|(h, _)| h.fingerprint()).collect();
    let changed_heads: Vec<i64> = heads
        .iter()
        .zip(&fingerprints)
        .filter(|((_, stored), now)| stored.as_ref().is_some_and(|s| s != *now))
        .map(|((h, _), _)| h.no)
        .collect();
    let full_ok = full.is_none_or(|f| {
        crate::domain::decisions::roll::full_digest(fingerprints.iter().map(String::as_str)) == f
    });
    let roll_intact = full_ok && changed_heads.is_empty() && recomputed == d.roll_digest;
    let genesis = ballot_chain::genesis(id, &d.roll_digest);
    let ballots = db.decisions().stored_ballots(id).await?;
    let final_hash = if d.chain_length == 0 && d.chain_head.is_empty() {
        genesis.clone()
    } else {
        d.chain_head.clone()
    };
    let faults = ballot_chain::verify(&genesis, &ballots, d.chain_length, &final_hash);
    let mut tally_mismatches = Vec::new();
    if d.status == DecisionStatus::Closed.as_str() {
        let items = db.decisions().decision_items(id).await?;
        let stored = super::closing::stored_results(&items);
        let counted = count_loaded(&d, &items, &roll, &ballots);
        for ((pos, a), (_, b)) in stored.iter().zip(counted.iter()) {
            let same = match (a, b) {
                (None, None) => true,
                // The stored verdict and counts, as published today, against a recount.
                (Some(a), Some(b)) => {
                    a.passed() == b.passed()
                        && serde_json::to_value(a.refreshed()).ok() == serde_json::to_value(b).ok()
                }
                _ => false,
            };
            if !same {
                tally_mismatches.push(*pos);
            }
        }
    }
    Ok(Verification {
        intact: faults.is_empty() && tally_mismatches.is_empty() && roll_intact,
        changed_heads,
        roll_intact,
        ballots: ballots.len() as i64,
        roll_digest: d.roll_digest,
        roll_digest_recomputed: recomputed,
        final_hash,
        faults,
        tally_mismatches,
    })
}

pub async fn verify(db: &Db, actor: &Actor, id: i64) -> AppResult<Verification> {
    load(db, actor, id).await?;
    verify_stored(db, id).await
}

/// `ROLL.csv` of a closed vote.
pub async fn export_roll(db: &Db, actor: &Actor, id: i64) -> AppResult<String> {
    load(db, actor, id).await?;
    roll_file(db, id).await
}

/// `BALLOTS.csv` of one item of a closed vote.
pub async fn export_ballots(db: &Db, actor: &Actor, id: i64, item: i64) -> AppResult<String> {
    load(db, actor, id).await?;
    ballots_file(db, id, item).await
}

async fn closed(db: &Db, id: i64) -> AppResult<DecisionRow> {
    let d = db
        .decisions()
        .decision(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.status != DecisionStatus::Closed.as_str() {
        return Err(AppError::Conflict("vote_not_closed"));
    }
    Ok(d)
}

/// `ROLL.csv` (head_id,units,area_m2) of a closed vote, for `redbutler tally`.
pub async fn roll_file(db: &Db, id: i64) -> AppResult<String> {
    closed(db, id).await?;
    Ok(vote_files::write_roll(&roll_rows(
        db.decisions().roll_all(id).await?.into_iter(),
    )))
}

/// `BALLOTS.csv` (head_id,choice) of one item of a closed vote, in chain order.
pub async fn ballots_file(db: &Db, id: i64, item: i64) -> AppResult<String> {
    closed(db, id).await?;
    if !db
        .decisions()
        .decision_items(id)
        .await?
        .iter()
        .any(|i| i.position == item)
    {
        return Err(AppError::NotFound);
    }
    let ballots: Vec<(String, Choice)> = db
        .decisions()
        .stored_ballots(id)
        .await?
        .into_iter()
        .filter(|b| b.record.item == item)
        .map(|b| (b.record.head.to_string(), b.record.choice))
        .collect();
    Ok(vote_files::write_ballots(&ballots))
}
