//! SQL of owners' decisions, consultations and coordination meetings: the decision and its
//! agenda, the roll, ballots on the hash chain, questions, objections and meeting demands.
pub mod ballots;
pub mod demands;
pub mod documents;
pub mod questions;
pub mod roll;
pub mod sales;
pub mod writer;

pub use ballots::*;
pub use demands::*;
pub use documents::*;
pub use questions::*;
pub use roll::*;
use serde::Serialize;

crate::db::store::store!(
    /// Owners' decisions: convening, documents, the roll, ballots, questions and demands.
    DecisionStore,
    decisions
);

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
    /// The owners' committee that convenes; none when someone convenes on its behalf (then
    /// `created_by` is the convenor).
    pub convenor_organisation_id: Option<i64>,
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

const DECISION_COLUMNS: &str = "id, compound_id, kind, mode, title, description, place, convenor, convenor_organisation_id, created_by, origin_case_id, \
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

/// A draft's agenda items and invited departments, inside the caller's transaction.
async fn write_agenda(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    d: &NewDecision,
) -> sqlx::Result<()> {
    for (i, (title, matter)) in d.items.iter().enumerate() {
        sqlx::query("INSERT INTO decision_items (decision_id, position, title, matter) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(i as i64 + 1)
            .bind(title)
            .bind(*matter)
            .execute(&mut **tx)
            .await?;
    }
    for org in &d.invited {
        sqlx::query(
            "INSERT INTO decision_invitations (decision_id, organisation_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub struct NewDecision {
    pub compound_id: i64,
    pub kind: String,
    pub mode: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub convenor: String,
    pub convenor_organisation_id: Option<i64>,
    pub created_by: i64,
    pub origin_case_id: Option<i64>,
    pub opens_at: i64,
    pub closes_at: i64,
    /// (title, art. 278 item)
    pub items: Vec<(String, Option<i64>)>,
    pub invited: Vec<i64>,
}

impl DecisionStore<'_> {
    pub async fn insert_decision(&mut self, d: &NewDecision, now: i64) -> sqlx::Result<i64> {
        let _w = self.writer().await;
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO decisions (compound_id, kind, mode, title, description, place, convenor, created_by, origin_case_id, \
             status, opens_at, closes_at, created_at, convenor_organisation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $12, $13) RETURNING id",
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
        .bind(d.convenor_organisation_id)
        .fetch_one(&mut *tx)
        .await?;
        write_agenda(&mut tx, id, d).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a draft's details, agenda and invitations (only while it is a draft: false
    /// otherwise, and nothing changes).
    pub async fn update_draft(&mut self, id: i64, d: &NewDecision) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let n = sqlx::query(
            "UPDATE decisions SET mode = $1, title = $2, description = $3, place = $4, opens_at = $5, closes_at = $6, \
             origin_case_id = $7 WHERE id = $8 AND status = 'draft'",
        )
        .bind(&d.mode)
        .bind(&d.title)
        .bind(&d.description)
        .bind(&d.place)
        .bind(d.opens_at)
        .bind(d.closes_at)
        .bind(d.origin_case_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        for table in ["decision_items", "decision_invitations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE decision_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        write_agenda(&mut tx, id, d).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn decision(&mut self, id: i64) -> sqlx::Result<Option<DecisionRow>> {
        sqlx::query_as(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn decision_items(&mut self, id: i64) -> sqlx::Result<Vec<ItemRow>> {
        sqlx::query_as(
            "SELECT id, position, title, matter, outcome, passed, follow_up_case_id FROM decision_items \
             WHERE decision_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Decisions newest first: noticed ones in the places the viewer sees (`seen`, a
    /// `PlaceScope::sql` condition) or addressed to their departments, and drafts too where they
    /// convene (`convened`) for the convening body: `convenor` is (the user, the owners'
    /// committees they sit on), or none for an administrator.
    pub async fn decisions_list(
        &mut self,
        seen: Option<&str>,
        convened: Option<&str>,
        convenor: Option<(i64, &[i64])>,
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
        let list = |ids: &[i64]| match ids {
            [] => "0".to_string(),
            ids => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        };
        let body = match convenor {
            None => "1 = 1".to_string(),
            Some((user, committees)) => format!(
                "((x.convenor_organisation_id IS NULL AND x.created_by = {user}) OR x.convenor_organisation_id IN ({}))",
                list(committees)
            ),
        };
        let scope = format!(
            "((x.status <> 'draft' AND ({} OR x.id IN (SELECT decision_id FROM decision_invitations WHERE organisation_id IN ({orgs})))) OR ({} AND {body}))",
            seen.unwrap_or("1 = 0"),
            convened.unwrap_or("1 = 0"),
        );
        sqlx::query_as(&format!(
            "SELECT x.id, x.compound_id, x.compound_name, x.kind, x.title, x.status, x.opens_at, x.closes_at FROM ( \
             SELECT d.id, d.compound_id, c.name AS compound_name, d.kind, d.title, d.status, d.opens_at, d.closes_at, \
             d.created_by, d.convenor_organisation_id, c.community_id, c.subdistrict_id, c.district_id, c.city_id FROM decisions d JOIN compounds c ON c.id = d.compound_id \
             WHERE d.id < $1) x WHERE {scope} ORDER BY x.id DESC LIMIT $2"
        ))
        .bind(crate::db::keyset(before))
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// The compound's owners' committee, if it has one.
    pub async fn committee_of(&mut self, compound_id: i64) -> sqlx::Result<Option<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, name FROM organisations WHERE kind = 'owners_committee' AND compound_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(compound_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn invited_organisations(&mut self, id: i64) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT o.id, o.name FROM decision_invitations i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.decision_id = $1 ORDER BY o.id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Draft → noticed; false when it was not a draft any more.
    pub async fn mark_noticed(&mut self, id: i64, now: i64) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        Ok(sqlx::query("UPDATE decisions SET status = 'noticed', noticed_at = $1 WHERE id = $2 AND status = 'draft'")
            .bind(now)
            .bind(id)
            .execute(&mut *self.h.conn().await?)
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn cancel_decision(&mut self, id: i64, now: i64) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        Ok(sqlx::query(
            "UPDATE decisions SET status = 'cancelled', closed_at = $1 WHERE id = $2 AND status IN ('draft', 'noticed')",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Open → closed with the closing report and each item's published outcome, in one step.
    #[allow(clippy::too_many_arguments)]
    pub async fn close_decision(
        &mut self,
        id: i64,
        report: &str,
        attendance: Option<i64>,
        organisations: &str,
        outcomes: &[(i64, Option<String>, Option<i64>)],
        now: i64,
    ) -> sqlx::Result<bool> {
        let _w = self.writer().await;
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
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

    pub async fn set_follow_up(
        &mut self,
        id: i64,
        position: i64,
        case_id: i64,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE decision_items SET follow_up_case_id = $1 WHERE decision_id = $2 AND position = $3 AND follow_up_case_id IS NULL",
        )
        .bind(case_id)
        .bind(id)
        .bind(position)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Decisions whose window has ended but that nobody has closed yet: (id, convenor's user).
    pub async fn decisions_to_close(&mut self, now: i64) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT id, created_by FROM decisions WHERE status IN ('noticed', 'open') AND closes_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Noticed decisions whose voting window has started: the roll must be frozen.
    pub async fn decisions_to_open(&mut self, now: i64) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM decisions WHERE status = 'noticed' AND kind <> 'coordination' AND opens_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Users to tell about a decision: the owners (or, in a consultation, every resident) of the
    /// compound with an account, and the staff of the community office (居委会). One statement.
    pub async fn notify_decision(
        &mut self,
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
        let voters = sqlx::query(&format!(
            "INSERT INTO notifications (user_id, case_id, decision_id, kind, dedupe_key, created_at) \
             SELECT u.id, NULL, $1, $2, {key}, $3 FROM users u WHERE u.person_id IN ( \
               SELECT h.person_id FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id \
               WHERE d.compound_id = $4 AND h.relation IN ({relations}) AND h.since <= $5 AND (h.until IS NULL OR h.until > $5)) \
             ON CONFLICT (dedupe_key) DO NOTHING"
        ))
        .bind(id)
        .bind(kind)
        .bind(now)
        .bind(compound_id)
        .bind(today)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected();
        // The community office (居委会) is informed, not asked to vote: its own kind of notice
        // (an owner among its staff has the voters' notice already).
        let informed = format!("{kind}_informed");
        let key = format!("'decision:{id}:{informed}:' || g.user_id");
        let office = sqlx::query(&format!(
            "INSERT INTO notifications (user_id, case_id, decision_id, kind, dedupe_key, created_at) \
             SELECT g.user_id, NULL, $1, $2, {key}, $3 FROM role_grants g JOIN organisations o ON o.id = g.scope_id \
               WHERE g.scope_kind = 'organisation' AND o.kind = 'community_office' \
               AND o.region_id = (SELECT community_id FROM compounds WHERE id = $4) \
             ON CONFLICT (dedupe_key) DO NOTHING"
        ))
        .bind(id)
        .bind(&informed)
        .bind(now)
        .bind(compound_id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected();
        Ok(voters + office)
    }

    /// Tell the staff of the invited departments (or any list of users) about a decision.
    pub async fn notify_users_of_decision(
        &mut self,
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
            .execute(&mut *self.h.conn().await?)
            .await?;
        }
        Ok(())
    }

    /// Users holding a grant on one of these organisations.
    pub async fn users_of_organisations(&mut self, orgs: &[i64]) -> sqlx::Result<Vec<i64>> {
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
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }
}
