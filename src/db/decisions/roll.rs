//! The roll: its source (dwellings, holdings, areas), writing it at the notice and freezing it,
//! and reading it by page, by owner and whole.
use super::*;
use crate::db::bulk::Table;
use crate::domain::decisions::roll::StoredHead;
use crate::domain::decisions::roll::{Roll, UnitHolders};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct HeadRow {
    pub head_no: i64,
    pub kind: String,
    pub units: String,
    pub area: i64,
    pub designated_person_id: Option<i64>,
}

/// dwelling, building, number, area, person, organisation, relation, current, delivered
type SourceRow = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl DecisionStore<'_> {
    /// Every unit of the compound with its current holders (one row per holding), for the roll.
    pub async fn roll_source(
        &mut self,
        compound_id: i64,
        today: &str,
    ) -> sqlx::Result<Vec<UnitHolders>> {
        // Current holdings, and the developer's earlier ones: a unit sold but not yet delivered
        // stays in the developer's head (RULES.md §1).
        let rows: Vec<SourceRow> = sqlx::query_as(
            "SELECT d.id, b.name, d.number, d.area_centi_m2, h.person_id, h.organisation_id, h.relation, \
             CASE WHEN h.since <= $2 AND (h.until IS NULL OR h.until > $2) THEN 1 ELSE 0 END, \
             CASE WHEN h.delivered_on IS NULL OR h.delivered_on <= $2 THEN 1 ELSE 0 END \
             FROM dwellings d JOIN buildings b ON b.id = d.building_id \
             LEFT JOIN holdings h ON h.dwelling_id = d.id AND h.since <= $2 \
               AND ((h.until IS NULL OR h.until > $2) OR h.relation = 'developer') \
             WHERE d.compound_id = $1 ORDER BY d.id",
        )
        .bind(compound_id)
        .bind(today)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let mut out: Vec<UnitHolders> = Vec::new();
        // Per unit: the developer that held it before, and whether a buyer awaits delivery.
        let mut former_developer: Option<i64> = None;
        let mut undelivered = false;
        let settle = |u: Option<&mut UnitHolders>, former: Option<i64>, waiting: bool| {
            if let Some(u) = u
                && u.owners.is_empty()
                && u.developer.is_none()
                && waiting
            {
                u.developer = former;
            }
        };
        for (id, building, number, area, person, org, relation, current, delivered) in rows {
            if out.last().is_none_or(|u| u.dwelling_id != id) {
                settle(out.last_mut(), former_developer, undelivered);
                former_developer = None;
                undelivered = false;
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
            let (current, delivered) = (current == Some(1), delivered != Some(0));
            match (relation.as_deref(), person, org) {
                (Some("owner" | "developer"), None, Some(o)) if !current => {
                    former_developer = Some(o);
                }
                _ if !current => {}
                (Some("owner" | "co_owner"), Some(_), _) if !delivered => undelivered = true,
                (Some("owner"), Some(p), _) => u.owners.push((p, true)),
                (Some("co_owner"), Some(p), _) => u.owners.push((p, false)),
                (Some("owner" | "developer"), None, Some(o)) => u.developer = Some(o),
                (Some(_), Some(p), _) => u.occupants.push(p),
                _ => {}
            }
        }
        settle(out.last_mut(), former_developer, undelivered);
        Ok(out)
    }

    /// Writes the roll (replacing any earlier draft of it). With `freeze_at`, the decision turns
    /// from noticed to open in the same transaction; returns false (and writes nothing) when
    /// someone else froze it first.
    pub async fn write_roll(
        &mut self,
        id: i64,
        roll: &Roll,
        digest: &str,
        genesis: &str,
        freeze_at: Option<i64>,
    ) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
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
                "fingerprint",
            ],
            self.db.backend,
        );
        let mut fingerprints = Vec::with_capacity(roll.heads.len());
        let mut units = Table::new(
            "roll_units",
            &["decision_id", "dwelling_id", "head_no"],
            self.db.backend,
        );
        let mut voters = Table::new(
            "roll_voters",
            &["decision_id", "person_id", "head_no"],
            self.db.backend,
        );
        for h in &roll.heads {
            let labels: Vec<&str> = h.units.iter().map(|u| u.1.as_str()).collect();
            let fingerprint = crate::domain::decisions::roll::StoredHead::of(h).fingerprint();
            fingerprints.push(fingerprint.clone());
            heads.push(vec![
                id.into(),
                h.no.into(),
                h.kind.as_str().into(),
                h.designated.into(),
                h.developer.into(),
                labels.join(";").into(),
                h.area.into(),
                fingerprint.into(),
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
             chain_head = $5, roll_full_digest = $7 WHERE id = $6",
        )
        .bind(digest)
        .bind(roll.total.heads)
        .bind(roll.total.area)
        .bind(roll.units_without_owner)
        .bind(genesis)
        .bind(id)
        .bind(crate::domain::decisions::roll::full_digest(
            fingerprints.iter().map(String::as_str),
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A page of the roll, in head order.
    pub async fn roll_page(
        &mut self,
        id: i64,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<HeadRow>> {
        sqlx::query_as(
            "SELECT head_no, kind, units, area, designated_person_id FROM roll_heads \
             WHERE decision_id = $1 AND head_no > $2 ORDER BY head_no LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// The heads a person is on (as owner, co-owner or household member).
    pub async fn roll_entries_of(&mut self, id: i64, person: i64) -> sqlx::Result<Vec<HeadRow>> {
        sqlx::query_as(
            "SELECT h.head_no, h.kind, h.units, h.area, h.designated_person_id FROM roll_voters v \
             JOIN roll_heads h ON h.decision_id = v.decision_id AND h.head_no = v.head_no \
             WHERE v.decision_id = $1 AND v.person_id = $2 ORDER BY h.head_no",
        )
        .bind(id)
        .bind(person)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Heads whose units the person holds today, with the relation: who may vote for which head
    /// now (a unit sold during the vote passes to its new owner).
    pub async fn current_heads_of(
        &mut self,
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
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Does the designated co-owner of a head still hold one of its units?
    pub async fn holds_unit_of_head(
        &mut self,
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
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        Ok(n > 0)
    }

    pub async fn head_exists(&mut self, id: i64, head: i64) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM roll_heads WHERE decision_id = $1 AND head_no = $2",
        )
        .bind(id)
        .bind(head)
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        Ok(n > 0)
    }

    /// The whole frozen roll: (head_no, units, area).
    /// The whole stored roll with each head's stored fingerprint (none for rolls frozen before
    /// fingerprints), and the decision's digest of them: three queries, whatever the size.
    pub async fn roll_stored(
        &mut self,
        id: i64,
    ) -> sqlx::Result<(Vec<(StoredHead, Option<String>)>, Option<String>)> {
        type Row = (
            i64,
            String,
            Option<i64>,
            Option<i64>,
            String,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT head_no, kind, designated_person_id, developer_id, units, area, fingerprint \
             FROM roll_heads WHERE decision_id = $1 ORDER BY head_no",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let units: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT head_no, dwelling_id FROM roll_units WHERE decision_id = $1 ORDER BY head_no, dwelling_id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let voters: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT head_no, person_id FROM roll_voters WHERE decision_id = $1 ORDER BY head_no, person_id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let digest: Option<String> =
            sqlx::query_scalar("SELECT roll_full_digest FROM decisions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.h.conn().await?)
                .await?
                .flatten();
        let group = |pairs: &[(i64, i64)]| {
            let mut map: std::collections::HashMap<i64, Vec<i64>> = Default::default();
            for (h, v) in pairs {
                map.entry(*h).or_default().push(*v);
            }
            map
        };
        let (mut units, mut voters) = (group(&units), group(&voters));
        let heads = rows
            .into_iter()
            .map(|(no, kind, designated, developer, labels, area, fp)| {
                let mut voters = voters.remove(&no).unwrap_or_default();
                voters.dedup();
                (
                    StoredHead {
                        no,
                        kind,
                        designated,
                        developer,
                        units: labels,
                        area,
                        dwellings: units.remove(&no).unwrap_or_default(),
                        voters,
                    },
                    fp,
                )
            })
            .collect();
        Ok((heads, digest))
    }

    pub async fn roll_all(&mut self, id: i64) -> sqlx::Result<Vec<(i64, String, i64)>> {
        sqlx::query_as(
            "SELECT head_no, units, area FROM roll_heads WHERE decision_id = $1 ORDER BY head_no",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }
}
