//! Decision documents.
use super::*;
use serde::Serialize;

/// A document of a decision, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: i64,
}

impl DecisionStore<'_> {
    pub async fn insert_document(
        &mut self,
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
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn documents(&mut self, id: i64) -> sqlx::Result<Vec<DocumentRow>> {
        sqlx::query_as(
            "SELECT id, name, content_type, size, uploaded_at FROM decision_documents WHERE decision_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// (name, content type, bytes)
    pub async fn document(
        &mut self,
        id: i64,
        doc: i64,
    ) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT name, content_type, bytes FROM decision_documents WHERE id = $1 AND decision_id = $2",
        )
        .bind(doc)
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }
}
