//! Objections to the roll and questions to invited departments.
use super::*;
use serde::Serialize;

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
pub struct ObjectionRow {
    pub id: i64,
    pub user_id: i64,
    pub text: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

impl DecisionStore<'_> {
    pub async fn insert_question(
        &mut self,
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
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn questions(&mut self, id: i64) -> sqlx::Result<Vec<QuestionRow>> {
        sqlx::query_as(
            "SELECT q.id, q.question, q.asked_at, q.answer, q.answered_at, o.name AS answered_by_organisation \
             FROM decision_questions q LEFT JOIN organisations o ON o.id = q.answered_org_id \
             WHERE q.decision_id = $1 ORDER BY q.id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn answer_question(
        &mut self,
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
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn insert_objection(
        &mut self,
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
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    /// All objections (user = None) or one user's.
    pub async fn objections(
        &mut self,
        id: i64,
        user: Option<i64>,
    ) -> sqlx::Result<Vec<ObjectionRow>> {
        sqlx::query_as(
            "SELECT id, user_id, text, created_at, answer, answered_at FROM roll_objections \
             WHERE decision_id = $1 AND ($2 = 0 OR user_id = $2) ORDER BY id",
        )
        .bind(id)
        .bind(user.unwrap_or(0))
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn answer_objection(
        &mut self,
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
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }
}
