//! Who votes for a head when dwellings are sold during a vote: the pieces of the frozen roll and
//! of today's register that `domain::decisions::sales` decides from, for a few heads at a time.
use super::*;
use crate::domain::decisions::sales::HeadNow;
use std::collections::BTreeMap;

/// A current holding that makes someone an owner of a unit today: owner or co-owner, begun,
/// not ended, and delivered (a unit sold but not delivered is still the developer's).
const OWNS_TODAY: &str = "h.relation IN ('owner', 'co_owner') AND h.person_id IS NOT NULL \
    AND h.since <= $2 AND (h.until IS NULL OR h.until > $2) AND (h.delivered_on IS NULL OR h.delivered_on <= $2)";

impl DecisionStore<'_> {
    /// The heads a person is a voter of on the roll, and those with a unit the person owns
    /// today.
    pub async fn heads_touching(
        &mut self,
        id: i64,
        person: i64,
        today: &str,
    ) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar(&format!(
            "SELECT head_no FROM roll_voters WHERE decision_id = $1 AND person_id = $3 \
             UNION SELECT u.head_no FROM roll_units u JOIN holdings h ON h.dwelling_id = u.dwelling_id \
             WHERE u.decision_id = $1 AND h.person_id = $3 AND {OWNS_TODAY} ORDER BY 1"
        ))
        .bind(id)
        .bind(today)
        .bind(person)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// The heads of the roll the given people are voters of: (person, head).
    pub async fn roll_heads_of_people(
        &mut self,
        id: i64,
        people: &[i64],
    ) -> sqlx::Result<Vec<(i64, i64)>> {
        if people.is_empty() {
            return Ok(vec![]);
        }
        let list: Vec<String> = people.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "SELECT person_id, head_no FROM roll_voters WHERE decision_id = $1 AND person_id IN ({})",
            list.join(",")
        ))
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Some heads as they stand today: their voters on the roll, the owners of each of their
    /// units, and who cast their ballots (three queries).
    pub async fn heads_now(
        &mut self,
        id: i64,
        heads: &[i64],
        today: &str,
    ) -> sqlx::Result<Vec<HeadNow>> {
        if heads.is_empty() {
            return Ok(vec![]);
        }
        let list: Vec<String> = heads.iter().map(i64::to_string).collect();
        let list = list.join(",");
        let mut conn = self.h.conn().await?;
        let voters: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT head_no, person_id FROM roll_voters WHERE decision_id = $1 AND head_no IN ({list}) \
             ORDER BY head_no, person_id"
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let owners: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT u.head_no, u.dwelling_id, h.person_id FROM roll_units u \
             LEFT JOIN holdings h ON h.dwelling_id = u.dwelling_id AND {OWNS_TODAY} \
             WHERE u.decision_id = $1 AND u.head_no IN ({list}) ORDER BY u.head_no, u.dwelling_id, h.person_id"
        ))
        .bind(id)
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
        let cast: Vec<(i64, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT DISTINCT head_no, voter_person_id FROM ballots WHERE decision_id = $1 AND head_no IN ({list})"
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut out: BTreeMap<i64, HeadNow> = heads
            .iter()
            .map(|h| {
                (
                    *h,
                    HeadNow {
                        no: *h,
                        roll_voters: vec![],
                        owners_now: vec![],
                        voted_by: vec![],
                    },
                )
            })
            .collect();
        for (h, p) in voters {
            if let Some(x) = out.get_mut(&h) {
                x.roll_voters.push(p);
            }
        }
        let mut last: Option<(i64, i64)> = None;
        for (h, dwelling, person) in owners {
            let Some(x) = out.get_mut(&h) else { continue };
            if last != Some((h, dwelling)) {
                x.owners_now.push(vec![]);
                last = Some((h, dwelling));
            }
            if let (Some(p), Some(unit)) = (person, x.owners_now.last_mut())
                && !unit.contains(&p)
            {
                unit.push(p);
            }
        }
        for (h, p) in cast {
            if let Some(x) = out.get_mut(&h) {
                x.voted_by.push(p.unwrap_or(0));
            }
        }
        Ok(out
            .into_values()
            .map(|mut x| {
                x.voted_by.sort_unstable();
                x.voted_by.dedup();
                x
            })
            .collect())
    }
}
