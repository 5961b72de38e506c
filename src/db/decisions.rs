//! SQL of owners' decisions, consultations and coordination meetings: the decision and its
//! agenda, the roll, ballots on the hash chain, questions, objections and meeting demands.
use super::Db;
use crate::bulk::Table;
use crate::domain::decisions::ballot_chain::{self, BallotChannel, BallotRecord, StoredBallot};
use crate::domain::decisions::roll::{Roll, UnitHolders};
use crate::domain::decisions::vote::Choice;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DecisionRow {
    pub id: i64,
    pub compound_id: i64,
    pub kind: String,
    pub mode: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub convenor: String,
    pub created_by: i64,
    pub origin_case_id: Option<i64>,
    pub status: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub noticed_at: Option<i64>,
    pub frozen_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub published_at: Option<i64>,
    pub roll_digest: String,
    pub roll_heads: i64,
    pub roll_area: i64,
    pub units_without_owner: i64,
    pub chain_length: i64,
    pub chain_head: String,
    pub closing_report: Option<String>,
    pub attendance: Option<i64>,
    pub attending_organisations: Option<String>,
    pub created_at: i64,
}

const DECISION_COLUMNS: &str = "id, compound_id, kind, mode, title, description, place, convenor, created_by, origin_case_id, \
    status, opens_at, closes_at, noticed_at, frozen_at, closed_at, published_at, roll_digest, roll_heads, roll_area, \
    units_without_owner, chain_length, chain_head, closing_report, attendance, attending_organisations, created_at";

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ItemRow {
    pub id: i64,
    pub position: i64,
    pub title: String,
    /// Art. 278 item (1–9); none for consultations and coordination meetings.
    pub matter: Option<i64>,
    /// The published result (JSON), once closed.
    #[serde(skip)]
    pub outcome: Option<String>,
    pub passed: Option<i64>,
    pub follow_up_case_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DecisionLine {
    pub id: i64,
    pub compound_id: i64,
    pub compound_name: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub opens_at: i64,
    pub closes_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct QuestionRow {
    pub id: i64,
    pub question: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    /// The department (or other organisation) that answered.
    pub answered_by_organisation: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct HeadRow {
    pub head_no: i64,
    pub kind: String,
    pub units: String,
    pub area: i64,
    pub designated_person_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ObjectionRow {
    pub id: i64,
    pub user_id: i64,
    pub text: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ItemProgress {
    pub item_position: i64,
    pub heads: i64,
    pub area: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DemandRow {
    pub id: i64,
    pub compound_id: i64,
    pub subject: String,
    pub created_at: i64,
    pub reached_at: Option<i64>,
    pub case_id: Option<i64>,
    pub signatures: i64,
}

/// dwelling, building, number, area, person, organisation, relation
type SourceRow = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);
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

/// A document of a decision, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: i64,
}

/// One ballot as published: the head's units and area and the choice, never a name.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct BallotDetail {
    pub head_no: i64,
    pub units: String,
    pub area: i64,
    pub choice: String,
    pub channel: String,
}

pub struct NewDecision {
    pub compound_id: i64,
    pub kind: String,
    pub mode: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub convenor: String,
    pub created_by: i64,
    pub origin_case_id: Option<i64>,
    pub opens_at: i64,
    pub closes_at: i64,
    /// (title, art. 278 item)
    pub items: Vec<(String, Option<i64>)>,
    pub invited: Vec<i64>,
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

/// Why ballots were not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastFailure {
    /// The decision is not open (any more).
    NotOpen,
    /// One of the heads voted already on that item.
    Duplicate,
    /// An item or the head is not part of this decision.
    Unknown,
}

impl Db {
    pub async fn insert_decision(&self, d: &NewDecision, now: i64) -> sqlx::Result<i64> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO decisions (compound_id, kind, mode, title, description, place, convenor, created_by, origin_case_id, \
             status, opens_at, closes_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $12) RETURNING id",
        )
        .bind(d.compound_id)
        .bind(&d.kind)
        .bind(&d.mode)
        .bind(&d.title)
        .bind(&d.description)
        .bind(&d.place)
        .bind(&d.convenor)
        .bind(d.created_by)
        .bind(d.origin_case_id)
        .bind(d.opens_at)
        .bind(d.closes_at)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (i, (title, matter)) in d.items.iter().enumerate() {
            sqlx::query("INSERT INTO decision_items (decision_id, position, title, matter) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(i as i64 + 1)
                .bind(title)
                .bind(*matter)
                .execute(&mut *tx)
                .await?;
        }
        for org in &d.invited {
            sqlx::query(
                "INSERT INTO decision_invitations (decision_id, organisation_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(org)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn decision(&self, id: i64) -> sqlx::Result<Option<DecisionRow>> {
        sqlx::query_as(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn decision_items(&self, id: i64) -> sqlx::Result<Vec<ItemRow>> {
        sqlx::query_as(
            "SELECT id, position, title, matter, outcome, passed, follow_up_case_id FROM decision_items \
             WHERE decision_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// Decisions newest first: noticed ones in the places the viewer sees (`seen`, a
    /// `PlaceScope::sql` condition) or addressed to their departments, and drafts too where they
    /// convene (`convened`).
    pub async fn decisions_list(
        &self,
        seen: Option<&str>,
        convened: Option<&str>,
        invited_orgs: &[i64],
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<DecisionLine>> {
        let orgs = if invited_orgs.is_empty() {
            "0".to_string()
        } else {
            invited_orgs
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let scope = format!(
            "((x.status <> 'draft' AND ({} OR x.id IN (SELECT decision_id FROM decision_invitations WHERE organisation_id IN ({orgs})))) OR {})",
            seen.unwrap_or("1 = 0"),
            convened.unwrap_or("1 = 0"),
        );
        sqlx::query_as(&format!(
            "SELECT x.id, x.compound_id, x.compound_name, x.kind, x.title, x.status, x.opens_at, x.closes_at FROM ( \
             SELECT d.id, d.compound_id, c.name AS compound_name, d.kind, d.title, d.status, d.opens_at, d.closes_at, \
             c.community_id, c.subdistrict_id, c.district_id, c.city_id FROM decisions d JOIN compounds c ON c.id = d.compound_id \
             WHERE ($1 = 0 OR d.id < $1)) x WHERE {scope} ORDER BY x.id DESC LIMIT $2"
        ))
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn insert_document(
        &self,
        id: i64,
        name: &str,
        content_type: &str,
        bytes: &[u8],
        user: i64,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO decision_documents (decision_id, name, content_type, bytes, size, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(name)
        .bind(content_type)
        .bind(bytes)
        .bind(bytes.len() as i64)
        .bind(user)
        .bind(now)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn documents(&self, id: i64) -> sqlx::Result<Vec<DocumentRow>> {
        sqlx::query_as(
            "SELECT id, name, content_type, size, uploaded_at FROM decision_documents WHERE decision_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// (name, content type, bytes)
    pub async fn document(
        &self,
        id: i64,
        doc: i64,
    ) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT name, content_type, bytes FROM decision_documents WHERE id = $1 AND decision_id = $2",
        )
        .bind(doc)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// The compound's owners' committee, if it has one.
    pub async fn committee_of(&self, compound_id: i64) -> sqlx::Result<Option<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, name FROM organisations WHERE kind = 'owners_committee' AND compound_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(compound_id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn invited_organisations(&self, id: i64) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT o.id, o.name FROM decision_invitations i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.decision_id = $1 ORDER BY o.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// Draft → noticed; false when it was not a draft any more.
    pub async fn mark_noticed(&self, id: i64, now: i64) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        Ok(sqlx::query("UPDATE decisions SET status = 'noticed', noticed_at = $1 WHERE id = $2 AND status = 'draft'")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn cancel_decision(&self, id: i64, now: i64) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        Ok(sqlx::query(
            "UPDATE decisions SET status = 'cancelled', closed_at = $1 WHERE id = $2 AND status IN ('draft', 'noticed')",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Every unit of the compound with its current holders (one row per holding), for the roll.
    pub async fn roll_source(
        &self,
        compound_id: i64,
        today: &str,
    ) -> sqlx::Result<Vec<UnitHolders>> {
        let rows: Vec<SourceRow> = sqlx::query_as(
            "SELECT d.id, b.name, d.number, d.area_centi_m2, h.person_id, h.organisation_id, h.relation \
             FROM dwellings d JOIN buildings b ON b.id = d.building_id \
             LEFT JOIN holdings h ON h.dwelling_id = d.id AND h.since <= $2 AND (h.until IS NULL OR h.until > $2) \
             WHERE d.compound_id = $1 ORDER BY d.id",
        )
        .bind(compound_id)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<UnitHolders> = Vec::new();
        for (id, building, number, area, person, org, relation) in rows {
            if out.last().is_none_or(|u| u.dwelling_id != id) {
                out.push(UnitHolders {
                    dwelling_id: id,
                    label: format!("{building}-{number}"),
                    area,
                    owners: vec![],
                    developer: None,
                    occupants: vec![],
                });
            }
            let Some(u) = out.last_mut() else { continue };
            match (relation.as_deref(), person, org) {
                (Some("owner"), Some(p), _) => u.owners.push((p, true)),
                (Some("co_owner"), Some(p), _) => u.owners.push((p, false)),
                (Some("owner" | "developer"), None, Some(o)) => u.developer = Some(o),
                (Some(_), Some(p), _) => u.occupants.push(p),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Writes the roll (replacing any earlier draft of it). With `freeze_at`, the decision turns
    /// from noticed to open in the same transaction; returns false (and writes nothing) when
    /// someone else froze it first.
    pub async fn write_roll(
        &self,
        id: i64,
        roll: &Roll,
        digest: &str,
        genesis: &str,
        freeze_at: Option<i64>,
    ) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        if let Some(now) = freeze_at {
            let n = sqlx::query(
                "UPDATE decisions SET status = 'open', frozen_at = $1 WHERE id = $2 AND status = 'noticed'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
        }
        for table in ["roll_heads", "roll_units", "roll_voters"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE decision_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let mut heads = Table::new(
            "roll_heads",
            &[
                "decision_id",
                "head_no",
                "kind",
                "designated_person_id",
                "developer_id",
                "units",
                "area",
            ],
            self.backend,
        );
        let mut units = Table::new(
            "roll_units",
            &["decision_id", "dwelling_id", "head_no"],
            self.backend,
        );
        let mut voters = Table::new(
            "roll_voters",
            &["decision_id", "person_id", "head_no"],
            self.backend,
        );
        for h in &roll.heads {
            let labels: Vec<&str> = h.units.iter().map(|u| u.1.as_str()).collect();
            heads.push(vec![
                id.into(),
                h.no.into(),
                h.kind.as_str().into(),
                h.designated.into(),
                h.developer.into(),
                labels.join(";").into(),
                h.area.into(),
            ]);
            for (d, _) in &h.units {
                units.push(vec![id.into(), (*d).into(), h.no.into()]);
            }
            for p in &h.voters {
                voters.push(vec![id.into(), (*p).into(), h.no.into()]);
            }
            for t in [&mut heads, &mut units, &mut voters] {
                if t.is_full() {
                    t.flush(&mut tx).await?;
                }
            }
        }
        for t in [&mut heads, &mut units, &mut voters] {
            t.flush(&mut tx).await?;
        }
        sqlx::query(
            "UPDATE decisions SET roll_digest = $1, roll_heads = $2, roll_area = $3, units_without_owner = $4, \
             chain_head = $5 WHERE id = $6",
        )
        .bind(digest)
        .bind(roll.total.heads)
        .bind(roll.total.area)
        .bind(roll.units_without_owner)
        .bind(genesis)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A page of the roll, in head order.
    pub async fn roll_page(&self, id: i64, after: i64, limit: i64) -> sqlx::Result<Vec<HeadRow>> {
        sqlx::query_as(
            "SELECT head_no, kind, units, area, designated_person_id FROM roll_heads \
             WHERE decision_id = $1 AND head_no > $2 ORDER BY head_no LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// The heads a person is on (as owner, co-owner or household member).
    pub async fn roll_entries_of(&self, id: i64, person: i64) -> sqlx::Result<Vec<HeadRow>> {
        sqlx::query_as(
            "SELECT h.head_no, h.kind, h.units, h.area, h.designated_person_id FROM roll_voters v \
             JOIN roll_heads h ON h.decision_id = v.decision_id AND h.head_no = v.head_no \
             WHERE v.decision_id = $1 AND v.person_id = $2 ORDER BY h.head_no",
        )
        .bind(id)
        .bind(person)
        .fetch_all(&self.pool)
        .await
    }

    /// Heads whose units the person holds today, with the relation: who may vote for which head
    /// now (a unit sold during the vote passes to its new owner).
    pub async fn current_heads_of(
        &self,
        id: i64,
        person: i64,
        today: &str,
    ) -> sqlx::Result<Vec<(i64, String, Option<i64>)>> {
        sqlx::query_as(
            "SELECT DISTINCT u.head_no, h.relation, rh.designated_person_id FROM roll_units u \
             JOIN holdings h ON h.dwelling_id = u.dwelling_id AND h.person_id = $2 AND h.since <= $3 AND (h.until IS NULL OR h.until > $3) \
             JOIN roll_heads rh ON rh.decision_id = u.decision_id AND rh.head_no = u.head_no \
             WHERE u.decision_id = $1 ORDER BY u.head_no",
        )
        .bind(id)
        .bind(person)
        .bind(today)
        .fetch_all(&self.pool)
        .await
    }

    /// Does the designated co-owner of a head still hold one of its units?
    pub async fn holds_unit_of_head(
        &self,
        id: i64,
        head: i64,
        person: i64,
        today: &str,
    ) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM roll_units u JOIN holdings h ON h.dwelling_id = u.dwelling_id AND h.person_id = $3 \
             AND h.relation IN ('owner', 'co_owner') AND h.since <= $4 AND (h.until IS NULL OR h.until > $4) \
             WHERE u.decision_id = $1 AND u.head_no = $2",
        )
        .bind(id)
        .bind(head)
        .bind(person)
        .bind(today)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn head_exists(&self, id: i64, head: i64) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM roll_heads WHERE decision_id = $1 AND head_no = $2",
        )
        .bind(id)
        .bind(head)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Items (by position) a head has voted on already.
    pub async fn voted_items(&self, id: i64, heads: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
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
        .fetch_all(&self.pool)
        .await
    }

    /// Appends ballots to the decision's chain, all or none: on SQLite through the group-commit
    /// writer, on PostgreSQL in a transaction of their own.
    pub async fn cast_ballots(
        &self,
        id: i64,
        ballots: &[NewBallot],
        recorded_by: i64,
        now: i64,
    ) -> sqlx::Result<Result<Vec<i64>, CastFailure>> {
        match self.backend {
            super::Backend::Sqlite => {
                self.ballot_writer()
                    .submit(super::ballot_writer::Job {
                        decision: id,
                        ballots: ballots.to_vec(),
                        recorded_by,
                        now,
                    })
                    .await
            }
            super::Backend::Postgres => self.cast_ballots_tx(id, ballots, recorded_by, now).await,
        }
    }

    async fn cast_ballots_tx(
        &self,
        id: i64,
        ballots: &[NewBallot],
        recorded_by: i64,
        now: i64,
    ) -> sqlx::Result<Result<Vec<i64>, CastFailure>> {
        let mut tx = self.pool.begin().await?;
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
        &self,
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
        .fetch_all(&self.pool)
        .await
    }

    /// Participation so far per item: heads and area, never the choices.
    pub async fn progress(&self, id: i64) -> sqlx::Result<Vec<ItemProgress>> {
        sqlx::query_as(
            "SELECT b.item_position, COUNT(*) AS heads, CAST(COALESCE(SUM(h.area), 0) AS BIGINT) AS area FROM ballots b \
             JOIN roll_heads h ON h.decision_id = b.decision_id AND h.head_no = b.head_no \
             WHERE b.decision_id = $1 GROUP BY b.item_position ORDER BY b.item_position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// Every stored ballot in chain order, as the verifier reads it.
    pub async fn stored_ballots(&self, id: i64) -> sqlx::Result<Vec<StoredBallot>> {
        let rows: Vec<BallotDbRow> = sqlx::query_as(
            "SELECT id, seq, item_position, head_no, choice, channel, ballot_number, proxy_reference, cast_at, prev_hash, hash \
             FROM ballots WHERE decision_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
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

    /// The whole frozen roll: (head_no, units, area).
    pub async fn roll_all(&self, id: i64) -> sqlx::Result<Vec<(i64, String, i64)>> {
        sqlx::query_as(
            "SELECT head_no, units, area FROM roll_heads WHERE decision_id = $1 ORDER BY head_no",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    /// Open → closed with the closing report and each item's published outcome, in one step.
    #[allow(clippy::too_many_arguments)]
    pub async fn close_decision(
        &self,
        id: i64,
        report: &str,
        attendance: Option<i64>,
        organisations: &str,
        outcomes: &[(i64, Option<String>, Option<i64>)],
        now: i64,
    ) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE decisions SET status = 'closed', closed_at = $1, published_at = $1, closing_report = $2, attendance = $3, \
             attending_organisations = $4 WHERE id = $5 AND status IN ('noticed', 'open')",
        )
        .bind(now)
        .bind(report)
        .bind(attendance)
        .bind(organisations)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        for (position, outcome, passed) in outcomes {
            sqlx::query("UPDATE decision_items SET outcome = $1, passed = $2 WHERE decision_id = $3 AND position = $4")
                .bind(outcome)
                .bind(*passed)
                .bind(id)
                .bind(*position)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn set_follow_up(&self, id: i64, position: i64, case_id: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE decision_items SET follow_up_case_id = $1 WHERE decision_id = $2 AND position = $3 AND follow_up_case_id IS NULL",
        )
        .bind(case_id)
        .bind(id)
        .bind(position)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn insert_question(
        &self,
        id: i64,
        user: i64,
        text: &str,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO decision_questions (decision_id, asked_by, question, asked_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(user)
        .bind(text)
        .bind(now)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn questions(&self, id: i64) -> sqlx::Result<Vec<QuestionRow>> {
        sqlx::query_as(
            "SELECT q.id, q.question, q.asked_at, q.answer, q.answered_at, o.name AS answered_by_organisation \
             FROM decision_questions q LEFT JOIN organisations o ON o.id = q.answered_org_id \
             WHERE q.decision_id = $1 ORDER BY q.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn answer_question(
        &self,
        id: i64,
        question: i64,
        text: &str,
        user: i64,
        org: Option<i64>,
        now: i64,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE decision_questions SET answer = $1, answered_by = $2, answered_org_id = $3, answered_at = $4 \
             WHERE id = $5 AND decision_id = $6 AND answer IS NULL",
        )
        .bind(text)
        .bind(user)
        .bind(org)
        .bind(now)
        .bind(question)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn insert_objection(
        &self,
        id: i64,
        user: i64,
        text: &str,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO roll_objections (decision_id, user_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(user)
        .bind(text)
        .bind(now)
        .fetch_one(&self.pool)
        .await
    }

    /// All objections (user = None) or one user's.
    pub async fn objections(&self, id: i64, user: Option<i64>) -> sqlx::Result<Vec<ObjectionRow>> {
        sqlx::query_as(
            "SELECT id, user_id, text, created_at, answer, answered_at FROM roll_objections \
             WHERE decision_id = $1 AND ($2 = 0 OR user_id = $2) ORDER BY id",
        )
        .bind(id)
        .bind(user.unwrap_or(0))
        .fetch_all(&self.pool)
        .await
    }

    pub async fn answer_objection(
        &self,
        id: i64,
        objection: i64,
        text: &str,
        user: i64,
        now: i64,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE roll_objections SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND decision_id = $5 AND answer IS NULL",
        )
        .bind(text)
        .bind(user)
        .bind(now)
        .bind(objection)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Decisions whose window has ended but that nobody has closed yet: (id, convenor's user).
    pub async fn decisions_to_close(&self, now: i64) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT id, created_by FROM decisions WHERE status IN ('noticed', 'open') AND closes_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
    }

    /// Noticed decisions whose voting window has started: the roll must be frozen.
    pub async fn decisions_to_open(&self, now: i64) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM decisions WHERE status = 'noticed' AND kind <> 'coordination' AND opens_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
    }

    /// Users to tell about a decision: the owners (or, in a consultation, every resident) of the
    /// compound with an account, and the staff of the community office (居委会). One statement.
    pub async fn notify_decision(
        &self,
        id: i64,
        compound_id: i64,
        residents: bool,
        kind: &str,
        today: &str,
        now: i64,
    ) -> sqlx::Result<u64> {
        let relations = if residents {
            "'owner', 'co_owner', 'tenant', 'family'"
        } else {
            "'owner', 'co_owner'"
        };
        let key = format!("'decision:{id}:{kind}:' || u.id");
        Ok(sqlx::query(&format!(
            "INSERT INTO notifications (user_id, case_id, decision_id, kind, dedupe_key, created_at) \
             SELECT u.id, NULL, $1, $2, {key}, $3 FROM users u WHERE u.person_id IN ( \
               SELECT h.person_id FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id \
               WHERE d.compound_id = $4 AND h.relation IN ({relations}) AND h.since <= $5 AND (h.until IS NULL OR h.until > $5)) \
             OR u.id IN (SELECT g.user_id FROM role_grants g JOIN organisations o ON o.id = g.scope_id \
               WHERE g.scope_kind = 'organisation' AND o.kind = 'community_office' \
               AND o.region_id = (SELECT community_id FROM compounds WHERE id = $4)) \
             ON CONFLICT (dedupe_key) DO NOTHING"
        ))
        .bind(id)
        .bind(kind)
        .bind(now)
        .bind(compound_id)
        .bind(today)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Tell the staff of the invited departments (or any list of users) about a decision.
    pub async fn notify_users_of_decision(
        &self,
        id: i64,
        users: &[i64],
        kind: &str,
        key: &str,
        now: i64,
    ) -> sqlx::Result<()> {
        for u in users {
            sqlx::query(
                "INSERT INTO notifications (user_id, case_id, decision_id, kind, dedupe_key, created_at) VALUES ($1, NULL, $2, $3, $4, $5) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(u)
            .bind(id)
            .bind(kind)
            .bind(format!("decision:{id}:{kind}:{key}:{u}"))
            .bind(now)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Users holding a grant on one of these organisations.
    pub async fn users_of_organisations(&self, orgs: &[i64]) -> sqlx::Result<Vec<i64>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let list = orgs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query_scalar(&format!(
            "SELECT DISTINCT user_id FROM role_grants WHERE scope_kind = 'organisation' AND scope_id IN ({list}) ORDER BY user_id"
        ))
        .fetch_all(&self.pool)
        .await
    }

    pub async fn insert_demand(
        &self,
        compound: i64,
        subject: &str,
        user: i64,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO meeting_demands (compound_id, subject, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(compound)
        .bind(subject)
        .bind(user)
        .bind(now)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn demand(&self, id: i64) -> sqlx::Result<Option<DemandRow>> {
        sqlx::query_as(
            "SELECT d.id, d.compound_id, d.subject, d.created_at, d.reached_at, d.case_id, \
             (SELECT COUNT(*) FROM demand_signatures s WHERE s.demand_id = d.id) AS signatures \
             FROM meeting_demands d WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn demands_of(&self, compound: i64) -> sqlx::Result<Vec<DemandRow>> {
        sqlx::query_as(
            "SELECT d.id, d.compound_id, d.subject, d.created_at, d.reached_at, d.case_id, \
             (SELECT COUNT(*) FROM demand_signatures s WHERE s.demand_id = d.id) AS signatures \
             FROM meeting_demands d WHERE d.compound_id = $1 ORDER BY d.id DESC LIMIT 50",
        )
        .bind(compound)
        .fetch_all(&self.pool)
        .await
    }

    /// Adds a signature; false when the person had signed already.
    pub async fn sign_demand(&self, id: i64, person: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "INSERT INTO demand_signatures (demand_id, person_id, signed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(person)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn demand_signers(&self, id: i64) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar("SELECT person_id FROM demand_signatures WHERE demand_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await
    }

    /// Marks the demand as having reached the threshold; false when it had already.
    pub async fn demand_reached(&self, id: i64, case_id: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE meeting_demands SET reached_at = $1, case_id = $2 WHERE id = $3 AND reached_at IS NULL",
        )
        .bind(now)
        .bind(case_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }
}
