//! Case categories and SLA classes (kept in memory a short while, see `CaseCaches`).
use super::*;
use crate::domain::deadline::SlaPeriods;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// property_company | team | squad:<squad kind> | organisation:<id>
    pub handler: String,
    pub sla_class: String,
    pub active: i64,
}

/// The changeable fields of a category.
pub struct CategoryFields<'a> {
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub handler: &'a str,
    pub sla_class: &'a str,
    pub active: bool,
}

/// An SLA class and its periods.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct SlaClassRow {
    pub code: String,
    pub sign_seconds: i64,
    pub reply_seconds: i64,
    /// More than 0: the reply is due after this many working days (RULES.md §7), not hours.
    pub reply_working_days: i64,
}

impl CaseStore<'_> {
    /// The categories (cached for 30 s: see `CaseCaches`).
    pub async fn categories(&mut self) -> sqlx::Result<std::sync::Arc<Vec<Category>>> {
        if let Some(c) = self.db.caches.categories.get(&()) {
            return Ok(c);
        }
        let rows: Vec<Category> = sqlx::query_as(
            "SELECT id, code, name_zh, name_en, handler, sla_class, active FROM case_categories ORDER BY position, id",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await?;
        let rows = std::sync::Arc::new(rows);
        self.db.caches.categories.put((), rows.clone());
        Ok(rows)
    }

    pub async fn sla_periods(&mut self, code: &str) -> sqlx::Result<Option<SlaPeriods>> {
        if let Some(p) = self.db.caches.sla.get(&code.to_string()) {
            return Ok(Some(p));
        }
        let p = self.sla_periods_uncached(code).await?;
        if let Some(p) = p {
            self.db.caches.sla.put(code.to_string(), p);
        }
        Ok(p)
    }

    async fn sla_periods_uncached(&mut self, code: &str) -> sqlx::Result<Option<SlaPeriods>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT sign_seconds, reply_seconds, reply_working_days FROM sla_classes WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&mut *self.h.conn().await?)
        .await?;
        Ok(row.map(|(s, r, w)| SlaPeriods {
            sign_seconds: s,
            reply_seconds: r,
            reply_working_days: w,
        }))
    }

    /// Every SLA class with its periods, in the order of urgency.
    pub async fn sla_classes(&mut self) -> sqlx::Result<Vec<SlaClassRow>> {
        sqlx::query_as(
            "SELECT code, sign_seconds, reply_seconds, reply_working_days FROM sla_classes ORDER BY reply_seconds, code",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Change an SLA class's periods (cases registered later use them). Returns whether the class
    /// exists.
    pub async fn update_sla_class(&mut self, code: &str, p: SlaPeriods) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE sla_classes SET sign_seconds = $1, reply_seconds = $2, reply_working_days = $3 WHERE code = $4",
        )
        .bind(p.sign_seconds)
        .bind(p.reply_seconds)
        .bind(p.reply_working_days)
        .bind(code)
        .execute(&mut *self.h.conn().await?)
        .await?;
        self.db.caches.sla.clear();
        Ok(done.rows_affected() == 1)
    }

    pub async fn category(&mut self, id: i64) -> sqlx::Result<Option<Category>> {
        Ok(self
            .categories()
            .await?
            .iter()
            .find(|c| c.id == id)
            .cloned())
    }

    /// A new category, placed last. Returns its id, or None when the code is taken.
    pub async fn insert_category(
        &mut self,
        c: &CategoryFields<'_>,
        code: &str,
    ) -> sqlx::Result<Option<i64>> {
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_categories WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *self.h.conn().await?)
            .await?;
        if taken > 0 {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_categories (code, name_zh, name_en, handler, sla_class, active, position) \
             VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(position), 0) + 1 FROM case_categories)) RETURNING id",
        )
        .bind(code)
        .bind(c.name_zh)
        .bind(c.name_en)
        .bind(c.handler)
        .bind(c.sla_class)
        .bind(i64::from(c.active))
        .fetch_one(&mut *self.h.conn().await?)
        .await?;
        self.db.caches.categories.clear();
        Ok(Some(id))
    }

    /// Change a category (its code stays: it is the Open311 service code clients keep).
    pub async fn update_category(&mut self, id: i64, c: &CategoryFields<'_>) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE case_categories SET name_zh = $1, name_en = $2, handler = $3, sla_class = $4, active = $5 WHERE id = $6",
        )
        .bind(c.name_zh)
        .bind(c.name_en)
        .bind(c.handler)
        .bind(c.sla_class)
        .bind(i64::from(c.active))
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?;
        self.db.caches.categories.clear();
        Ok(done.rows_affected() == 1)
    }
}
