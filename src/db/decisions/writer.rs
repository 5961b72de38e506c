//! Group commit of ballots on SQLite (see `db::group_commit`). Ballots queue here; one
//! task takes whatever has queued (up to 64 requests), reads each decision's chain state once,
//! checks every ballot in memory (open, item and head known, not voted yet, also not twice in
//! the batch), appends the accepted ones to the hash chain in order, writes them with one
//! multi-row insert and moves the chain head once per decision, all in one transaction. Each
//! request gets its own answer; a refused request never affects the others.
use crate::db::bulk::Table;
use crate::db::decisions::{CastFailure, NewBallot};
use crate::db::group_commit::{Batch, GroupCommit};
use crate::domain::decisions::acceptance::{self, VoteState};
use crate::domain::decisions::ballot_chain::{self, BallotRecord};
use std::collections::HashSet;
use std::future::Future;

pub struct BallotBatch;

pub type BallotWriter = GroupCommit<BallotBatch>;

pub struct Job {
    pub decision: i64,
    pub ballots: Vec<NewBallot>,
    pub recorded_by: i64,
    pub now: i64,
}

impl Batch for BallotBatch {
    type Job = Job;
    type Answer = Result<Vec<i64>, CastFailure>;
    const RETRY_ALONE: bool = false;

    fn write<'a>(
        &'a self,
        tx: &'a mut sqlx::Transaction<'static, sqlx::Any>,
        jobs: &'a [Job],
    ) -> impl Future<Output = sqlx::Result<Vec<Self::Answer>>> + Send + 'a {
        write(tx, jobs)
    }
}

/// Distinct ids as a comma-separated list for `IN (…)` (integers only, so nothing to escape).
pub(crate) fn id_list(v: impl Iterator<Item = i64>) -> String {
    let mut ids: Vec<i64> = v.collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

async fn write(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    jobs: &[Job],
) -> sqlx::Result<Vec<Result<Vec<i64>, CastFailure>>> {
    let mut answers: Vec<Option<Result<Vec<i64>, CastFailure>>> = vec![None; jobs.len()];
    let mut rows = Table::new(
        "ballots",
        &[
            "decision_id",
            "seq",
            "item_position",
            "head_no",
            "choice",
            "channel",
            "ballot_number",
            "proxy_reference",
            "voter_person_id",
            "recorded_by",
            "cast_at",
            "prev_hash",
            "hash",
        ],
        crate::db::Backend::Sqlite,
    );
    let mut decisions: Vec<i64> = jobs.iter().map(|j| j.decision).collect();
    decisions.sort_unstable();
    decisions.dedup();
    for d in decisions {
        let mine: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].decision == d).collect();
        let state: Option<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT status, closes_at, chain_length, chain_head FROM decisions WHERE id = $1",
        )
        .bind(d)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((status, closes_at, mut length, mut head)) = state else {
            for &i in &mine {
                answers[i] = Some(Err(CastFailure::NotOpen));
            }
            continue;
        };
        let items: HashSet<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT position FROM decision_items WHERE decision_id = $1",
        )
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        let heads = id_list(
            mine.iter()
                .flat_map(|&i| jobs[i].ballots.iter().map(|b| b.head)),
        );
        let on_roll: HashSet<i64> = sqlx::query_scalar::<_, i64>(&format!(
            "SELECT head_no FROM roll_heads WHERE decision_id = $1 AND head_no IN ({heads})"
        ))
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        let positions = id_list(
            mine.iter()
                .flat_map(|&i| jobs[i].ballots.iter().map(|b| b.item)),
        );
        // Both lists are equality constraints on the unique index (decision, item, head).
        let mut voted: HashSet<(i64, i64)> = sqlx::query_as::<_, (i64, i64)>(&format!(
            "SELECT item_position, head_no FROM ballots WHERE decision_id = $1 AND item_position IN ({positions}) AND head_no IN ({heads})"
        ))
        .bind(d)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        let start_length = length;
        for &i in &mine {
            let job = &jobs[i];
            let keys: Vec<(i64, i64)> = job.ballots.iter().map(|b| (b.item, b.head)).collect();
            let vote = VoteState {
                open: status == "open",
                closes_at,
                items: &items,
                on_roll: &on_roll,
                voted: &voted,
            };
            let answer = if let Err(refused) = acceptance::accept(&vote, &keys, job.now) {
                Err(refused)
            } else {
                let mut seqs = Vec::with_capacity(job.ballots.len());
                for b in &job.ballots {
                    length += 1;
                    let record = BallotRecord {
                        seq: length,
                        item: b.item,
                        head: b.head,
                        choice: b.choice,
                        channel: b.channel,
                        ballot_number: b.ballot_number.clone(),
                        proxy_reference: b.proxy_reference.clone(),
                        cast_at: job.now,
                    };
                    let hash = ballot_chain::link(&head, &record);
                    rows.push(vec![
                        d.into(),
                        length.into(),
                        b.item.into(),
                        b.head.into(),
                        b.choice.as_str().into(),
                        b.channel.as_str().into(),
                        b.ballot_number.as_str().into(),
                        b.proxy_reference.as_str().into(),
                        b.voter_person_id.into(),
                        job.recorded_by.into(),
                        job.now.into(),
                        head.as_str().into(),
                        hash.as_str().into(),
                    ]);
                    if rows.is_full() {
                        rows.flush(tx).await?;
                    }
                    voted.insert((b.item, b.head));
                    seqs.push(length);
                    head = hash;
                }
                Ok(seqs)
            };
            answers[i] = Some(answer);
        }
        if length > start_length {
            sqlx::query("UPDATE decisions SET chain_length = $1, chain_head = $2 WHERE id = $3")
                .bind(length)
                .bind(&head)
                .bind(d)
                .execute(&mut **tx)
                .await?;
        }
    }
    rows.flush(tx).await?;
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or(Err(CastFailure::NotOpen)))
        .collect())
}
