//! Ballots: casting them onto the chain in one transaction, participation, and reading them back
//! for the tally and the verification.
use super::*;
use crate::domain::decisions::ballot_chain::{self, BallotChannel, BallotRecord, StoredBallot};
use crate::domain::decisions::vote::Choice;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ItemProgress {
    pub item_position: i64,
    pub heads: i64,
    pub area: i64,
}

/// id, seq, item, head, choice, channel, ballot number, proxy reference, cast at, prev, hash
type BallotDbRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
);

/// One ballot as published: the head's units and area and the choice, never a name.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct BallotDetail {
    pub head_no: i64,
    pub units: String,
    pub area: i64,
    pub choice: String,
    pub channel: String,
}

/// One ballot to append.
#[derive(Debug, Clone)]
pub struct NewBallot {
    pub item: i64,
    pub head: i64,
    pub choice: Choice,
    pub channel: BallotChannel,
    pub ballot_number: String,
    pub proxy_reference: String,
    pub voter_person_id: Option<i64>,
}

pub use crate::domain::decisions::acceptance::CastFailure;

impl DecisionStore<'_> {
    /// Items (by position) a head has voted on already.
    pub async fn voted_items(&mut self, id: i64, heads: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
        if heads.is_empty() {
            return Ok(vec![]);
        }
        let list = heads
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query_as(&format!(
            "SELECT head_no, item_position FROM ballots WHERE decision_id = $1 AND head_no IN ({list})"
        ))
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Appends ballots to the decision's chain, all or none: on SQLite through the group-commit
    /// writer, on PostgreSQL in a transaction of their own.
    pub async fn cast_ballots(
        &mut self,
        id: i64,
        ballots: &[NewBallot],
        recorded_by: i64,
        now: i64,
    ) -> sqlx::Result<Result<Vec<i64>, CastFailure>> {
        match self.db.backend {
            crate::db::Backend::Sqlite => {
                self.db
                    .ballot_writer()
                    .submit(crate::db::decisions::writer::Job {
                        decision: id,
                        ballots: ballots.to_vec(),
                        recorded_by,
                        now,
                    })
                    .await
            }
            crate::db::Backend::Postgres => {
                self.cast_ballots_tx(id, ballots, recorded_by, now).await
            }
        }
    }

    async fn cast_ballots_tx(
        &mut self,
        id: i64,
        ballots: &[NewBallot],
        recorded_by: i64,
        now: i64,
    ) -> sqlx::Result<Result<Vec<i64>, CastFailure>> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // Takes the decision's row lock (PostgreSQL) so concurrent ballots queue on the chain.
        let head: Option<(i64, String)> = sqlx::query_as(
            "UPDATE decisions SET chain_length = chain_length + $1 WHERE id = $2 AND status = 'open' AND closes_at > $3 \
             RETURNING chain_length, chain_head",
        )
        .bind(ballots.len() as i64)
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((length, mut prev)) = head else {
            return Ok(Err(CastFailure::NotOpen));
        };
        // The same acceptance rule as the SQLite writer, on what this transaction sees (the
        // decision's row is locked, so no ballot of this vote is stored meanwhile).
        let keys: Vec<(i64, i64)> = ballots.iter().map(|b| (b.item, b.head)).collect();
        let items: std::collections::HashSet<i64> =
            sqlx::query_scalar("SELECT position FROM decision_items WHERE decision_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let heads = match super::writer::id_list(keys.iter().map(|k| k.1)) {
            l if l.is_empty() => "0".to_string(),
            l => l,
        };
        let on_roll: std::collections::HashSet<i64> = sqlx::query_scalar(&format!(
            "SELECT head_no FROM roll_heads WHERE decision_id = $1 AND head_no IN ({heads})"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let voted: std::collections::HashSet<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT item_position, head_no FROM ballots WHERE decision_id = $1 AND head_no IN ({heads})"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let vote = crate::domain::decisions::acceptance::VoteState {
            open: true,
            closes_at: i64::MAX,
            items: &items,
            on_roll: &on_roll,
            voted: &voted,
        };
        if let Err(refused) = crate::domain::decisions::acceptance::accept(&vote, &keys, now) {
            return Ok(Err(refused));
        }
        let mut seq = length - ballots.len() as i64;
        let mut seqs = Vec::with_capacity(ballots.len());
        for b in ballots {
            seq += 1;
            let record = BallotRecord {
                seq,
                item: b.item,
                head: b.head,
                choice: b.choice,
                channel: b.channel,
                ballot_number: b.ballot_number.clone(),
                proxy_reference: b.proxy_reference.clone(),
                cast_at: now,
            };
            let hash = ballot_chain::link(&prev, &record);
            // Checks in the same statement that the item and the head belong to this decision.
            let r = sqlx::query(
                "INSERT INTO ballots (decision_id, seq, item_position, head_no, choice, channel, ballot_number, proxy_reference, \
                 voter_person_id, recorded_by, cast_at, prev_hash, hash) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 \
                 WHERE EXISTS (SELECT 1 FROM decision_items WHERE decision_id = $1 AND position = $3) \
                 AND EXISTS (SELECT 1 FROM roll_heads WHERE decision_id = $1 AND head_no = $4)",
            )
            .bind(id)
            .bind(seq)
            .bind(b.item)
            .bind(b.head)
            .bind(b.choice.as_str())
            .bind(b.channel.as_str())
            .bind(&b.ballot_number)
            .bind(&b.proxy_reference)
            .bind(b.voter_person_id)
            .bind(recorded_by)
            .bind(now)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await;
            match r {
                Ok(done) if done.rows_affected() == 0 => return Ok(Err(CastFailure::Unknown)),
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Ok(Err(CastFailure::Duplicate));
                }
                Err(e) => return Err(e),
            }
            seqs.push(seq);
            prev = hash;
        }
        sqlx::query("UPDATE decisions SET chain_head = $1 WHERE id = $2")
            .bind(&prev)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(seqs))
    }

    /// A page of one item's ballots in head order, for the published result.
    pub async fn ballot_details(
        &mut self,
        id: i64,
        item: i64,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<BallotDetail>> {
        sqlx::query_as(
            "SELECT b.head_no, h.units, h.area, b.choice, b.channel FROM ballots b \
             JOIN roll_heads h ON h.decision_id = b.decision_id AND h.head_no = b.head_no \
             WHERE b.decision_id = $1 AND b.item_position = $2 AND b.head_no > $3 ORDER BY b.head_no LIMIT $4",
        )
        .bind(id)
        .bind(item)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Participation so far per item: heads and area, never the choices.
    pub async fn progress(&mut self, id: i64) -> sqlx::Result<Vec<ItemProgress>> {
        sqlx::query_as(
            "SELECT b.item_position, COUNT(*) AS heads, CAST(COALESCE(SUM(h.area), 0) AS BIGINT) AS area FROM ballots b \
             JOIN roll_heads h ON h.decision_id = b.decision_id AND h.head_no = b.head_no \
             WHERE b.decision_id = $1 GROUP BY b.item_position ORDER BY b.item_position",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Every stored ballot in chain order, as the verifier reads it.
    pub async fn stored_ballots(&mut self, id: i64) -> sqlx::Result<Vec<StoredBallot>> {
        let rows: Vec<BallotDbRow> = sqlx::query_as(
            "SELECT id, seq, item_position, head_no, choice, channel, ballot_number, proxy_reference, cast_at, prev_hash, hash \
             FROM ballots WHERE decision_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(bid, seq, item, head, choice, channel, number, proxy, cast_at, prev, hash)| {
                    let (c, ch) = (Choice::parse(&choice), BallotChannel::parse(&channel));
                    // A stored word that is no choice or channel was written by hand: keep it in the
                    // record so that it cannot match the hash and the ballot is named.
                    let ballot_number = if c.is_some() && ch.is_some() {
                        number
                    } else {
                        format!("{number}\u{0}{choice}\u{0}{channel}")
                    };
                    StoredBallot {
                        id: bid,
                        record: BallotRecord {
                            seq,
                            item,
                            head,
                            choice: c.unwrap_or(Choice::Abstain),
                            channel: ch.unwrap_or(BallotChannel::Paper),
                            ballot_number,
                            proxy_reference: proxy,
                            cast_at,
                        },
                        prev_hash: prev,
                        hash,
                    }
                },
            )
            .collect())
    }
}
