//! Demands for an extraordinary meeting and their signatures.
use super::*;
use serde::Serialize;

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

impl DecisionStore<'_> {
    pub async fn insert_demand(
        &mut self,
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
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn demand(&mut self, id: i64) -> sqlx::Result<Option<DemandRow>> {
        sqlx::query_as(
            "SELECT d.id, d.compound_id, d.subject, d.created_at, d.reached_at, d.case_id, \
             (SELECT COUNT(*) FROM demand_signatures s WHERE s.demand_id = d.id) AS signatures \
             FROM meeting_demands d WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn demands_of(&mut self, compound: i64) -> sqlx::Result<Vec<DemandRow>> {
        sqlx::query_as(
            "SELECT d.id, d.compound_id, d.subject, d.created_at, d.reached_at, d.case_id, \
             (SELECT COUNT(*) FROM demand_signatures s WHERE s.demand_id = d.id) AS signatures \
             FROM meeting_demands d WHERE d.compound_id = $1 ORDER BY d.id DESC LIMIT 50",
        )
        .bind(compound)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Adds a signature; false when the person had signed already.
    pub async fn sign_demand(&mut self, id: i64, person: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "INSERT INTO demand_signatures (demand_id, person_id, signed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(person)
        .bind(now)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn demand_signers(&mut self, id: i64) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar("SELECT person_id FROM demand_signatures WHERE demand_id = $1")
            .bind(id)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    /// Marks the demand as having reached the threshold; false when it had already.
    pub async fn demand_reached(&mut self, id: i64, case_id: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE meeting_demands SET reached_at = $1, case_id = $2 WHERE id = $3 AND reached_at IS NULL",
        )
        .bind(now)
        .bind(case_id)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }
}
