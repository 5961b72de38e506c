//! SQL for cases, their events, photos, coordination requests, mediation, notifications and
//! Open311 clients.
pub mod config;
pub mod figures;
pub mod handling;
pub mod intake;
pub mod mediation;
pub mod queue;
pub mod rollup;
pub mod routing;
pub mod writer;

use crate::domain::cases::{CaseKind, CaseState, CaseStatus, Level, Rating, Unit, UnitKind};
use crate::domain::deadline::SlaPeriods;
pub use config::*;
pub use figures::*;
pub use handling::*;
pub use intake::*;
pub use mediation::*;
pub use queue::*;
pub use rollup::{RollupScope, kept_row, month_start, next_month};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Cases: intake, workflow, queues, routing, figures, mediation, categories and SLA classes.
    CaseStore,
    cases
);

/// One row of `cases`, as stored.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub category_id: i64,
    pub channel: String,
    pub status: String,
    pub compound_id: i64,
    pub building_id: Option<i64>,
    pub dwelling_id: Option<i64>,
    pub community_id: i64,
    pub subdistrict_id: i64,
    pub district_id: i64,
    pub city_id: i64,
    pub public_area: String,
    pub description: String,
    pub description_public: i64,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub visitors: i64,
    pub registered_by: Option<i64>,
    pub owner_kind: String,
    pub owner_id: i64,
    pub dispatched_by_kind: Option<String>,
    pub dispatched_by_id: Option<i64>,
    /// None for the dispatch at intake (then it is `created_at`).
    #[serde(default)]
    pub dispatched_at: Option<i64>,
    pub assignee_user_id: Option<i64>,
    pub level: String,
    pub sla_class: String,
    pub sign_seconds: i64,
    pub reply_seconds: i64,
    pub created_at: i64,
    pub sign_due: Option<i64>,
    pub reply_due: Option<i64>,
    pub accept_due: Option<i64>,
    pub review_due: Option<i64>,
    pub next_due: Option<i64>,
    pub signed_at: Option<i64>,
    pub replied_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub accepted: i64,
    pub extended: i64,
    pub reopened: i64,
    pub review_stage: i64,
    pub rating: Option<String>,
    pub rating_comment: String,
    pub no_follow_up: i64,
    pub open_coordinations: i64,
    pub merged_into: Option<i64>,
    pub signed_in_time: Option<i64>,
    pub due_soon_for: Option<i64>,
    pub overdue_for: Option<i64>,
    /// The day a letter or visit arrived, when registered later (petitions).
    #[serde(default)]
    #[sqlx(default)]
    pub received_on: Option<String>,
    pub version: i64,
}

fn unit(kind: Option<&str>, id: Option<i64>) -> Option<Unit> {
    Some(Unit {
        kind: UnitKind::parse(kind?)?,
        id: id?,
    })
}

impl CaseRow {
    pub fn owner(&self) -> Option<Unit> {
        unit(Some(&self.owner_kind), Some(self.owner_id))
    }

    /// The workflow state of this row; None only for words the code does not know (a corrupt row).
    pub fn state(&self) -> Option<CaseState> {
        Some(CaseState {
            kind: CaseKind::parse(&self.kind)?,
            status: CaseStatus::parse(&self.status)?,
            owner: self.owner()?,
            dispatched_by: unit(self.dispatched_by_kind.as_deref(), self.dispatched_by_id),
            dispatched_at: self
                .dispatched_at
                .or(self.dispatched_by_id.map(|_| self.created_at)),
            assignee: self.assignee_user_id,
            level: Level::parse(&self.level)?,
            // Working days of the class are filled in by the service (they are the class's).
            sla: SlaPeriods {
                sign_seconds: self.sign_seconds,
                reply_seconds: self.reply_seconds,
                reply_working_days: 0,
            },
            sign_due: self.sign_due,
            reply_due: self.reply_due,
            accept_due: self.accept_due,
            review_due: self.review_due,
            accepted: self.accepted != 0,
            extended: self.extended != 0,
            reopened: self.reopened != 0,
            review_stage: self.review_stage.clamp(0, 2) as u8,
            replied_at: self.replied_at,
            rating: self.rating.as_deref().and_then(Rating::parse),
            no_follow_up_reason: self.no_follow_up != 0,
            open_coordinations: self.open_coordinations.max(0) as u32,
        })
    }
}

/// [`Db::case_full`]: a case row with the names and lists its page shows.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CaseFull {
    pub row: CaseRow,
    pub building_name: Option<String>,
    pub owner_name: Option<String>,
    pub events: Vec<CaseEventRow>,
    pub coordination: Vec<CoordinationRow>,
    pub photos: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CaseEventRow {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: Option<String>,
    pub kind: String,
    pub from_status: String,
    pub to_status: String,
    pub unit_kind: Option<String>,
    pub unit_id: Option<i64>,
    pub note: String,
    pub internal: i64,
}

const CASE_COLUMNS: &str = "id, number, kind, category_id, channel, status, compound_id, building_id, dwelling_id, \
    community_id, subdistrict_id, district_id, city_id, public_area, description, description_public, reporter_user_id, \
    reporter_name, reporter_phone, visitors, registered_by, owner_kind, owner_id, dispatched_by_kind, dispatched_by_id, dispatched_at, \
    assignee_user_id, level, sla_class, sign_seconds, reply_seconds, created_at, sign_due, reply_due, accept_due, \
    review_due, next_due, signed_at, replied_at, closed_at, accepted, extended, reopened, review_stage, rating, \
    rating_comment, no_follow_up, open_coordinations, merged_into, signed_in_time, due_soon_for, overdue_for, version, received_on";

/// Which stored copy of a photo (see `services::cases::photos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoCopy {
    Thumb,
    Screen,
    Original,
}

impl CaseStore<'_> {
    /// A case with everything its page shows, in one query that the database answers with one
    /// JSON text: the row, the names of its building and owning unit, its events, coordination
    /// requests and photo ids. (One value instead of sixty columns and three lists: reading
    /// values one by one was most of the cost of a case page.)
    pub async fn case_full(&mut self, id: i64) -> sqlx::Result<Option<CaseFull>> {
        // Built once per backend: formatting it on every read cost more than a per cent of a
        // one-case request.
        static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = match self.db.backend {
            crate::db::Backend::Sqlite => {
                SQLITE.get_or_init(|| case_full_sql(crate::db::Backend::Sqlite))
            }
            crate::db::Backend::Postgres => {
                POSTGRES.get_or_init(|| case_full_sql(crate::db::Backend::Postgres))
            }
        };
        let text: Option<String> = match &self.db.sqlite_file {
            Some(file) => crate::db::direct::text(file, sql, &[crate::db::direct::Param::I(id)])?,
            None => {
                sqlx::query_scalar(sql)
                    .bind(id)
                    .fetch_optional(&mut *self.h.conn().await?)
                    .await?
            }
        };
        text.map(|t| serde_json::from_str(&t).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()
    }

    /// (case, reporter) of every case merged into this one.
    pub async fn merged_reporters(&mut self, id: i64) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT id, reporter_user_id FROM cases WHERE merged_into = $1 AND reporter_user_id IS NOT NULL ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn case_row(&mut self, id: i64) -> sqlx::Result<Option<CaseRow>> {
        sqlx::query_as(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn case_by_number(&mut self, number: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM cases WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// One copy of a case's photo: (content type, bytes). Photos stored before copies were
    /// made have none: their original stands in.
    pub async fn case_photo(
        &mut self,
        case_id: i64,
        photo_id: i64,
        copy: PhotoCopy,
    ) -> sqlx::Result<Option<(String, Vec<u8>)>> {
        let column = match copy {
            PhotoCopy::Thumb => "thumb",
            PhotoCopy::Screen => "screen",
            PhotoCopy::Original => "bytes",
        };
        let row = sqlx::query(&format!(
            "SELECT CASE WHEN {column} IS NULL THEN content_type ELSE \
             CASE WHEN $3 = 1 THEN content_type ELSE 'image/jpeg' END END, \
             COALESCE({column}, bytes) FROM case_photos WHERE id = $1 AND case_id = $2"
        ))
        .bind(photo_id)
        .bind(case_id)
        .bind(i64::from(copy == PhotoCopy::Original))
        .fetch_optional(&mut *self.h.conn().await?)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

/// The one statement that reads a case with its timeline, coordination requests and photos.
fn case_full_sql(backend: crate::db::Backend) -> String {
    let events = "'id', e.id, 'at', e.at, 'actor_user_id', e.actor_user_id, 'actor', u.username, 'kind', e.kind, \
            'from_status', e.from_status, 'to_status', e.to_status, 'unit_kind', e.unit_kind, 'unit_id', e.unit_id, \
            'note', e.note, 'internal', e.internal";
    let coordination = "'id', r.id, 'case_id', r.case_id, 'organisation_id', r.organisation_id, 'organisation', o.name, \
            'question', r.question, 'asked_at', r.asked_at, 'due_at', r.due_at, 'answer', r.answer, 'answered_at', r.answered_at";
    let names = "'building_name', (SELECT b.name FROM buildings b WHERE b.id = cs.building_id), \
             'owner_name', CASE cs.owner_kind WHEN 'organisation' THEN (SELECT o.name FROM organisations o WHERE o.id = cs.owner_id) \
             WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = cs.owner_id) \
             ELSE (SELECT q.name FROM squads q WHERE q.id = cs.owner_id) END";
    match backend {
        crate::db::Backend::Sqlite => {
            let row: Vec<String> = CASE_COLUMNS
                .split(',')
                .map(|c| format!("'{0}', cs.{0}", c.trim()))
                .collect();
            format!(
                "SELECT json_object('row', json_object({}), {names}, \
                     'events', json((SELECT COALESCE(json_group_array(json_object({events})), '[]') FROM \
                        (SELECT * FROM case_events WHERE case_id = cs.id ORDER BY id) e LEFT JOIN users u ON u.id = e.actor_user_id)), \
                     'coordination', json((SELECT COALESCE(json_group_array(json_object({coordination})), '[]') FROM \
                        (SELECT * FROM coordination_requests WHERE case_id = cs.id ORDER BY id) r JOIN organisations o ON o.id = r.organisation_id)), \
                     'photos', json((SELECT COALESCE(json_group_array(p.id), '[]') FROM (SELECT id FROM case_photos WHERE case_id = cs.id ORDER BY id) p))) \
                     FROM cases cs WHERE cs.id = $1",
                row.join(", ")
            )
        }
        crate::db::Backend::Postgres => format!(
            "SELECT CAST(json_build_object('row', row_to_json(cs), {names}, \
                 'events', (SELECT COALESCE(json_agg(json_build_object({events}) ORDER BY e.id), '[]'::json) FROM \
                    case_events e LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.case_id = cs.id), \
                 'coordination', (SELECT COALESCE(json_agg(json_build_object({coordination}) ORDER BY r.id), '[]'::json) FROM \
                    coordination_requests r JOIN organisations o ON o.id = r.organisation_id WHERE r.case_id = cs.id), \
                 'photos', (SELECT COALESCE(json_agg(p.id ORDER BY p.id), '[]'::json) FROM case_photos p WHERE p.case_id = cs.id)) AS TEXT) \
                 FROM cases cs WHERE cs.id = $1"
        ),
    }
}

#[cfg(test)]
mod tests {
    /// The partial index of the queue is only used while its condition is the query's, word for
    /// word.
    #[test]
    fn the_open_queue_index_repeats_unfinished() {
        for set in ["sqlite", "postgres"] {
            let path = format!(
                "{}/migrations/{set}/0008_cases_open_queue.sql",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.contains(&format!("WHERE {}", super::UNFINISHED)),
                "{path} must end in WHERE {}",
                super::UNFINISHED
            );
        }
    }
}
