//! SQL for cases, their events, photos, coordination requests, mediation, notifications and
//! Open311 clients.
use super::Db;
use crate::domain::cases::{CaseKind, CaseState, CaseStatus, Event, Level, Rating, Unit, UnitKind};
use crate::domain::deadline::SlaPeriods;
use serde::Serialize;
use sqlx::Row;
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
}

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
            sla: SlaPeriods {
                sign_seconds: self.sign_seconds,
                reply_seconds: self.reply_seconds,
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

/// A case to register (owned: it may travel to the SQLite case writer, see `case_writer`).
#[derive(Debug, Clone)]
pub struct NewCase {
    pub prefix: String,
    pub kind: CaseKind,
    pub category_id: i64,
    pub channel: String,
    pub compound: super::places::Compound,
    pub building_id: Option<i64>,
    pub dwelling_id: Option<i64>,
    pub public_area: String,
    pub description: String,
    pub description_public: bool,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub visitors: i64,
    pub registered_by: Option<i64>,
    pub sla_class: String,
    /// The first receiver (the owner when it was registered).
    pub intake: Unit,
    /// The state to store: submitted, or already dispatched from `intake` to its handling unit.
    pub state: CaseState,
    pub photos: Vec<(String, Vec<u8>)>,
    pub note: String,
    /// Users told of the new assignment.
    pub notify: Vec<i64>,
    pub now: i64,
}

impl NewCase {
    pub fn number(&self, id: i64) -> String {
        let year = crate::domain::deadline::local(self.now)
            .get(..4)
            .unwrap_or("0000")
            .to_string();
        format!("{}-{year}-{id:06}", self.prefix)
    }
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

/// A line of a case list: enough for a queue, no personal data.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CaseLine {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub category_id: i64,
    pub status: String,
    pub compound_id: i64,
    pub building_id: Option<i64>,
    pub owner_kind: String,
    pub owner_id: i64,
    pub created_at: i64,
    pub next_due: Option<i64>,
}

/// Which cases a queue shows. Every filter is optional; `units` and `compounds` are OR-ed (a
/// worker sees what their units own and what lies in their places).
#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    /// Places whose cases the worker sees, OR-ed with `units`.
    pub places: PlaceScope,
    pub units: Vec<Unit>,
    pub reporter: Option<i64>,
    pub status: Option<String>,
    pub open_only: bool,
    pub overdue_at: Option<i64>,
    pub compound: Option<i64>,
    pub kind: Option<String>,
    pub category_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct CoordinationRow {
    pub id: i64,
    pub case_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub question: String,
    pub asked_at: i64,
    pub due_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub decision_id: Option<i64>,
    pub decision_title: Option<String>,
    pub kind: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A notification with what an outgoing channel needs to word and address it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub locale: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub decision_id: Option<i64>,
    pub decision_title: Option<String>,
    pub kind: String,
    pub created_at: i64,
}

const CASE_COLUMNS: &str = "id, number, kind, category_id, channel, status, compound_id, building_id, dwelling_id, \
    community_id, subdistrict_id, district_id, city_id, public_area, description, description_public, reporter_user_id, \
    reporter_name, reporter_phone, visitors, registered_by, owner_kind, owner_id, dispatched_by_kind, dispatched_by_id, dispatched_at, \
    assignee_user_id, level, sla_class, sign_seconds, reply_seconds, created_at, sign_due, reply_due, accept_due, \
    review_due, next_due, signed_at, replied_at, closed_at, accepted, extended, reopened, review_stage, rating, \
    rating_comment, no_follow_up, open_coordinations, merged_into, signed_in_time, due_soon_for, overdue_for, version";

impl Db {
    /// The categories (cached for 30 s: see `CaseCaches`).
    pub async fn categories(&self) -> sqlx::Result<std::sync::Arc<Vec<Category>>> {
        if let Some(c) = self.caches.categories.get(&()) {
            return Ok(c);
        }
        let rows: Vec<Category> = sqlx::query_as(
            "SELECT id, code, name_zh, name_en, handler, sla_class, active FROM case_categories ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let rows = std::sync::Arc::new(rows);
        self.caches.categories.put((), rows.clone());
        Ok(rows)
    }

    pub async fn sla_periods(&self, code: &str) -> sqlx::Result<Option<SlaPeriods>> {
        if let Some(p) = self.caches.sla.get(&code.to_string()) {
            return Ok(Some(p));
        }
        let p = self.sla_periods_uncached(code).await?;
        if let Some(p) = p {
            self.caches.sla.put(code.to_string(), p);
        }
        Ok(p)
    }

    async fn sla_periods_uncached(&self, code: &str) -> sqlx::Result<Option<SlaPeriods>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT sign_seconds, reply_seconds FROM sla_classes WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(s, r)| SlaPeriods {
            sign_seconds: s,
            reply_seconds: r,
        }))
    }

    /// Every SLA class with its periods, in the order of urgency.
    pub async fn sla_classes(&self) -> sqlx::Result<Vec<SlaClassRow>> {
        sqlx::query_as(
            "SELECT code, sign_seconds, reply_seconds FROM sla_classes ORDER BY reply_seconds, code",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Change an SLA class's periods (cases registered later use them). Returns whether the class
    /// exists.
    pub async fn update_sla_class(&self, code: &str, p: SlaPeriods) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE sla_classes SET sign_seconds = $1, reply_seconds = $2 WHERE code = $3",
        )
        .bind(p.sign_seconds)
        .bind(p.reply_seconds)
        .bind(code)
        .execute(&self.pool)
        .await?;
        self.caches.sla.clear();
        Ok(done.rows_affected() == 1)
    }

    pub async fn category(&self, id: i64) -> sqlx::Result<Option<Category>> {
        Ok(self
            .categories()
            .await?
            .iter()
            .find(|c| c.id == id)
            .cloned())
    }

    /// A new category, placed last. Returns its id, or None when the code is taken.
    pub async fn insert_category(
        &self,
        c: &CategoryFields<'_>,
        code: &str,
    ) -> sqlx::Result<Option<i64>> {
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_categories WHERE code = $1")
            .bind(code)
            .fetch_one(&self.pool)
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
        .fetch_one(&self.pool)
        .await?;
        self.caches.categories.clear();
        Ok(Some(id))
    }

    /// Change a category (its code stays: it is the Open311 service code clients keep).
    pub async fn update_category(&self, id: i64, c: &CategoryFields<'_>) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE case_categories SET name_zh = $1, name_en = $2, handler = $3, sla_class = $4, active = $5 WHERE id = $6",
        )
        .bind(c.name_zh)
        .bind(c.name_en)
        .bind(c.handler)
        .bind(c.sla_class)
        .bind(i64::from(c.active))
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.caches.categories.clear();
        Ok(done.rows_affected() == 1)
    }

    /// Register a case with its events, photos and the notifications of its assignment. On
    /// SQLite it goes through the case writer (group commit, see `case_writer`); on PostgreSQL
    /// it is one transaction of its own. Returns (id, number).
    pub async fn insert_case(&self, c: NewCase) -> sqlx::Result<(i64, String)> {
        match self.backend {
            super::Backend::Sqlite => self.case_writer().submit(c).await,
            super::Backend::Postgres if c.photos.is_empty() => self.insert_case_pg(&c).await,
            super::Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                let id: i64 =
                    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")
                        .fetch_one(&mut *tx)
                        .await?;
                let out = insert_cases(&mut tx, self.backend, std::slice::from_ref(&c), id).await?;
                tx.commit().await?;
                Ok(out[0].clone())
            }
        }
    }

    /// PostgreSQL, a case without photos: the case, its events and its notifications in one
    /// statement (data-modifying CTEs), so one round trip and one commit.
    async fn insert_case_pg(&self, c: &NewCase) -> sqlx::Result<(i64, String)> {
        let s = &c.state;
        let year = crate::domain::deadline::local(c.now)
            .get(..4)
            .unwrap_or("0000")
            .to_string();
        let dispatched = s.owner != c.intake;
        let second_event = if dispatched {
            " UNION ALL SELECT c.id, $27, CAST(NULL AS BIGINT), 'dispatched', 'submitted', 'dispatched', $21, $22, '', 0 FROM c"
        } else {
            ""
        };
        // Users are integers from our own tables; written into the text.
        let users: Vec<String> = c.notify.iter().map(|u| format!("({u})")).collect();
        let notify = if users.is_empty() {
            String::new()
        } else {
            format!(
                ", n AS (INSERT INTO notifications (user_id, case_id, kind, dedupe_key, created_at) \
                 SELECT u.user_id, c.id, 'assigned', 'assigned:' || c.id || ':0:' || u.user_id, $27 \
                 FROM c, (VALUES {}) AS u(user_id) ON CONFLICT (dedupe_key) DO NOTHING)",
                users.join(", ")
            )
        };
        let sql = format!(
            "WITH s AS (SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id), \
             c AS (INSERT INTO cases (id, number, kind, category_id, channel, status, compound_id, building_id, dwelling_id, \
               community_id, subdistrict_id, district_id, city_id, public_area, description, description_public, \
               reporter_user_id, reporter_name, reporter_phone, visitors, registered_by, owner_kind, owner_id, level, \
               sla_class, sign_seconds, reply_seconds, created_at, sign_due, reply_due, accept_due, next_due, accepted, \
               dispatched_by_kind, dispatched_by_id) \
               SELECT s.id, $1 || '-' || $2 || '-' || CASE WHEN s.id < 1000000 THEN lpad(CAST(s.id AS TEXT), 6, '0') ELSE CAST(s.id AS TEXT) END, \
               $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $35, $21, $22, $23, \
               $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34 FROM s RETURNING id, number), \
             e AS (INSERT INTO case_events (case_id, at, actor_user_id, kind, from_status, to_status, unit_kind, unit_id, note, internal) \
               SELECT c.id, $27, $36, 'submitted', 'submitted', 'submitted', $37, $38, $39, 0 FROM c{second_event}){notify} \
             SELECT id, number FROM c"
        );
        sqlx::query_as(&sql)
            .bind(&c.prefix) // 1
            .bind(&year) // 2
            .bind(s.kind.as_str()) // 3
            .bind(c.category_id) // 4
            .bind(&c.channel) // 5
            .bind(s.status.as_str()) // 6
            .bind(c.compound.id) // 7
            .bind(c.building_id) // 8
            .bind(c.dwelling_id) // 9
            .bind(c.compound.community_id) // 10
            .bind(c.compound.subdistrict_id) // 11
            .bind(c.compound.district_id) // 12
            .bind(c.compound.city_id) // 13
            .bind(&c.public_area) // 14
            .bind(&c.description) // 15
            .bind(c.description_public as i64) // 16
            .bind(c.reporter_user_id) // 17
            .bind(&c.reporter_name) // 18
            .bind(c.reporter_phone.clone()) // 19
            .bind(c.visitors) // 20
            .bind(s.owner.kind.as_str()) // 21
            .bind(s.owner.id) // 22
            .bind(s.level.as_str()) // 23
            .bind(&c.sla_class) // 24
            .bind(s.sla.sign_seconds) // 25
            .bind(s.sla.reply_seconds) // 26
            .bind(c.now) // 27
            .bind(s.sign_due) // 28
            .bind(s.reply_due) // 29
            .bind(s.accept_due) // 30
            .bind(s.next_due()) // 31
            .bind(s.accepted as i64) // 32
            .bind(s.dispatched_by.map(|u| u.kind.as_str().to_string())) // 33
            .bind(s.dispatched_by.map(|u| u.id)) // 34
            .bind(c.registered_by) // 35
            .bind(c.registered_by.or(c.reporter_user_id)) // 36
            .bind(c.intake.kind.as_str()) // 37
            .bind(c.intake.id) // 38
            .bind(&c.note) // 39
            .fetch_one(&self.pool)
            .await
    }

    /// A case with everything its page shows, in one query that the database answers with one
    /// JSON text: the row, the names of its building and owning unit, its events, coordination
    /// requests and photo ids. (One value instead of sixty columns and three lists: reading
    /// values one by one was most of the cost of a case page.)
    pub async fn case_full(&self, id: i64) -> sqlx::Result<Option<CaseFull>> {
        // Built once per backend: formatting it on every read cost more than a per cent of a
        // one-case request.
        static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = match self.backend {
            super::Backend::Sqlite => SQLITE.get_or_init(|| case_full_sql(super::Backend::Sqlite)),
            super::Backend::Postgres => {
                POSTGRES.get_or_init(|| case_full_sql(super::Backend::Postgres))
            }
        };
        let text: Option<String> = match &self.sqlite_file {
            Some(file) => super::direct::text(file, sql, &[super::direct::Param::I(id)])?,
            None => {
                sqlx::query_scalar(sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        text.map(|t| serde_json::from_str(&t).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()
    }

    /// (case, reporter) of every case merged into this one.
    pub async fn merged_reporters(&self, id: i64) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT id, reporter_user_id FROM cases WHERE merged_into = $1 AND reporter_user_id IS NOT NULL ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn case_row(&self, id: i64) -> sqlx::Result<Option<CaseRow>> {
        sqlx::query_as(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn case_by_number(&self, number: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM cases WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await
    }

    /// Store a transition: the new state (only if nobody changed the case since `row` was read)
    /// and its event, in one transaction. Returns false when the case changed meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_transition(
        &self,
        row: &CaseRow,
        next: &CaseState,
        event: &Event,
        actor: Option<i64>,
        note: &str,
        internal: bool,
        extra: &TransitionExtra<'_>,
        now: i64,
    ) -> sqlx::Result<bool> {
        let _writer = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let signed_in_time = if event.kind == crate::domain::cases::EventKind::SignedFor {
            Some(row.sign_due.is_none_or(|d| now < d) as i64)
        } else {
            row.signed_in_time
        };
        let done = sqlx::query(
            "UPDATE cases SET status = $1, owner_kind = $2, owner_id = $3, dispatched_by_kind = $4, dispatched_by_id = $5, \
             assignee_user_id = $6, level = $7, sign_due = $8, reply_due = $9, accept_due = $10, review_due = $11, \
             next_due = $12, accepted = $13, extended = $14, reopened = $15, review_stage = $16, replied_at = $17, \
             rating = $18, no_follow_up = $19, open_coordinations = $20, signed_in_time = $21, \
             signed_at = CASE WHEN $22 = 1 THEN $23 ELSE signed_at END, \
             closed_at = CASE WHEN $24 = 1 THEN $23 ELSE closed_at END, \
             rating_comment = CASE WHEN $25 = 1 THEN $26 ELSE rating_comment END, \
             merged_into = COALESCE($27, merged_into), dispatched_at = $30, version = version + 1 \
             WHERE id = $28 AND version = $29",
        )
        .bind(next.status.as_str())
        .bind(next.owner.kind.as_str())
        .bind(next.owner.id)
        .bind(next.dispatched_by.map(|u| u.kind.as_str().to_string()))
        .bind(next.dispatched_by.map(|u| u.id))
        .bind(next.assignee)
        .bind(next.level.as_str())
        .bind(next.sign_due)
        .bind(next.reply_due)
        .bind(next.accept_due)
        .bind(next.review_due)
        .bind(next.next_due())
        .bind(next.accepted as i64)
        .bind(next.extended as i64)
        .bind(next.reopened as i64)
        .bind(next.review_stage as i64)
        .bind(next.replied_at)
        .bind(next.rating.map(|r| r.as_str().to_string()))
        .bind(next.no_follow_up_reason as i64)
        .bind(next.open_coordinations as i64)
        .bind(signed_in_time)
        .bind((event.kind == crate::domain::cases::EventKind::SignedFor) as i64)
        .bind(now)
        .bind(next.status.is_final() as i64)
        .bind(extra.rating_comment.is_some() as i64)
        .bind(extra.rating_comment.unwrap_or("").to_string())
        .bind(extra.merged_into)
        .bind(row.id)
        .bind(row.version)
        .bind(next.dispatched_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO case_events (case_id, at, actor_user_id, kind, from_status, to_status, unit_kind, unit_id, note, internal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(row.id)
        .bind(now)
        .bind(actor)
        .bind(event.kind.as_str())
        .bind(event.from.as_str())
        .bind(event.to.as_str())
        .bind(event.unit.map(|u| u.kind.as_str().to_string()))
        .bind(event.unit.map(|u| u.id))
        .bind(note)
        .bind(internal as i64)
        .execute(&mut *tx)
        .await?;
        if let Some((org, question, due)) = extra.coordination {
            sqlx::query(
                "INSERT INTO coordination_requests (case_id, organisation_id, question, asked_at, asked_by, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(org)
            .bind(question)
            .bind(now)
            .bind(actor)
            .bind(due)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((request_id, answer)) = extra.answer {
            let n = sqlx::query(
                "UPDATE coordination_requests SET answer = $1, answered_at = $2, answered_by = $3 \
                 WHERE id = $4 AND case_id = $5 AND answer IS NULL",
            )
            .bind(answer)
            .bind(now)
            .bind(actor)
            .bind(request_id)
            .bind(row.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn case_photo(
        &self,
        case_id: i64,
        photo_id: i64,
    ) -> sqlx::Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT content_type, bytes FROM case_photos WHERE id = $1 AND case_id = $2",
        )
        .bind(photo_id)
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// One keyset page of a queue, newest first (`before` = 0 for the first page).
    /// One keyset page of a queue as the JSON array of its lines, made by the database in one
    /// value; with the number of lines and the last id (for the next page).
    pub async fn case_queue(
        &self,
        f: &QueueFilter,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<(String, i64, Option<i64>)> {
        // Only integers and known words reach the text of the query; values are bound.
        let mut scope: Vec<String> = f.places.sql().into_iter().collect();
        for u in &f.units {
            scope.push(format!(
                "(owner_kind = '{}' AND owner_id = {})",
                u.kind.as_str(),
                u.id
            ));
        }
        if let Some(u) = f.reporter {
            scope.push(format!("reporter_user_id = {u}"));
        }
        if scope.is_empty() {
            return Ok(("[]".into(), 0, None));
        }
        let mut sql = format!(
            "SELECT id, number, kind, category_id, status, compound_id, building_id, owner_kind, owner_id, created_at, next_due \
             FROM cases WHERE ({}) AND ($1 = 0 OR id < $1)",
            scope.join(" OR ")
        );
        if f.open_only {
            sql.push_str(&format!(" AND {UNFINISHED}"));
        }
        if let Some(at) = f.overdue_at {
            sql.push_str(&format!(" AND next_due IS NOT NULL AND next_due < {at}"));
        }
        if let Some(c) = f.compound {
            sql.push_str(&format!(" AND compound_id = {c}"));
        }
        if let Some(cat) = f.category_id {
            sql.push_str(&format!(" AND category_id = {cat}"));
        }
        // Only the filters given reach the SQL, so that the planner can use the matching index.
        let mut n = 1;
        let mut texts = Vec::new();
        if let Some(st) = &f.status {
            n += 1;
            sql.push_str(&format!(" AND status = ${n}"));
            texts.push(st.clone());
        }
        if let Some(k) = &f.kind {
            n += 1;
            sql.push_str(&format!(" AND kind = ${n}"));
            texts.push(k.clone());
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", n + 1));
        if let Some(file) = &self.sqlite_file {
            // Plain rows serialised here: SQLite's JSON functions cost more than the reading
            // (the same finding as for a compound's dwellings page).
            use super::direct::Param;
            let mut params = vec![Param::I(before)];
            params.extend(texts.iter().map(|t| Param::T(t)));
            params.push(Param::I(limit));
            let lines = super::direct::rows(file, &sql, &params, |r| {
                Ok(CaseLine {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    kind: r.get(2)?,
                    category_id: r.get(3)?,
                    status: r.get(4)?,
                    compound_id: r.get(5)?,
                    building_id: r.get(6)?,
                    owner_kind: r.get(7)?,
                    owner_id: r.get(8)?,
                    created_at: r.get(9)?,
                    next_due: r.get(10)?,
                })
            })?;
            let items =
                serde_json::to_string(&lines).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            return Ok((items, lines.len() as i64, lines.last().map(|l| l.id)));
        }
        let fields = "'id', id, 'number', number, 'kind', kind, 'category_id', category_id, 'status', status, \
                      'compound_id', compound_id, 'building_id', building_id, 'owner_kind', owner_kind, 'owner_id', owner_id, \
                      'created_at', created_at, 'next_due', next_due";
        let inner = sql;
        let sql = match self.backend {
            super::Backend::Sqlite => format!(
                "SELECT COALESCE(json_group_array(json_object({fields})), '[]') AS items, COUNT(*) AS n, MIN(id) AS last_id FROM ({inner}) page"
            ),
            super::Backend::Postgres => format!(
                "SELECT COALESCE(CAST(json_agg(json_build_object({fields}) ORDER BY id DESC) AS TEXT), '[]') AS items, \
                 COUNT(*) AS n, MIN(id) AS last_id FROM ({inner}) page"
            ),
        };
        let mut q = sqlx::query_as(&sql).bind(before);
        for t in texts {
            q = q.bind(t);
        }
        q.bind(limit).fetch_one(&self.pool).await
    }

    pub async fn coordination_requests(&self, case_id: i64) -> sqlx::Result<Vec<CoordinationRow>> {
        sqlx::query_as(
            "SELECT r.id, r.case_id, r.organisation_id, o.name AS organisation, r.question, r.asked_at, r.due_at, \
             r.answer, r.answered_at FROM coordination_requests r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.case_id = $1 ORDER BY r.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Coordination requests addressed to these organisations, newest first.
    pub async fn coordination_for(
        &self,
        orgs: &[i64],
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<CoordinationRow>> {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = orgs.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "SELECT r.id, r.case_id, r.organisation_id, o.name AS organisation, r.question, r.asked_at, r.due_at, \
             r.answer, r.answered_at FROM coordination_requests r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.organisation_id IN ({}) AND ($1 = 0 OR r.id < $1) ORDER BY r.id DESC LIMIT $2",
            ids.join(",")
        ))
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Add a notification unless one with the same key exists (safe on several nodes).
    pub async fn notify(
        &self,
        user_id: i64,
        case_id: Option<i64>,
        kind: &str,
        key: &str,
        now: i64,
    ) -> sqlx::Result<bool> {
        let n = sqlx::query(
            "INSERT INTO notifications (user_id, case_id, kind, dedupe_key, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(case_id)
        .bind(kind)
        .bind(key)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn notifications(
        &self,
        user_id: i64,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<NotificationRow>> {
        sqlx::query_as(
            "SELECT n.id, n.case_id, c.number AS case_number, n.decision_id, d.title AS decision_title, n.kind, n.created_at, n.read_at \
             FROM notifications n LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN decisions d ON d.id = n.decision_id WHERE n.user_id = $1 AND ($2 = 0 OR n.id < $2) ORDER BY n.id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Create the channel's cursor unless it exists: it starts after the last notification
    /// created before `since`.
    pub async fn ensure_delivery_cursor(&self, channel: &str, since: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO delivery_cursors (channel, last_id, updated_at) \
             SELECT $1, COALESCE(MAX(id), 0), $2 FROM notifications WHERE created_at < $2 \
             ON CONFLICT (channel) DO NOTHING",
        )
        .bind(channel)
        .bind(since)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delivery_cursor(&self, channel: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT last_id FROM delivery_cursors WHERE channel = $1")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await
    }

    /// Compare-and-set: move the cursor from `from` to `to`; false when it was not at `from`.
    pub async fn move_delivery_cursor(
        &self,
        channel: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE delivery_cursors SET last_id = $1, updated_at = $2 WHERE channel = $3 AND last_id = $4",
        )
        .bind(to)
        .bind(now)
        .bind(channel)
        .bind(from)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Up to `limit` notifications after id `after`, oldest first.
    pub async fn outgoing_after(&self, after: i64, limit: i64) -> sqlx::Result<Vec<OutgoingRow>> {
        sqlx::query_as(
            "SELECT n.id, n.user_id, u.username, u.locale, n.case_id, c.number AS case_number, n.decision_id, \
             d.title AS decision_title, n.kind, n.created_at FROM notifications n JOIN users u ON u.id = n.user_id \
             LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN decisions d ON d.id = n.decision_id \
             WHERE n.id > $1 ORDER BY n.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn unread_count(&self, user_id: i64) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await
    }

    /// Mark one (or, with `id` = None, all) of the user's notifications read; returns how many.
    pub async fn mark_read(&self, user_id: i64, id: Option<i64>, now: i64) -> sqlx::Result<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 = 0 OR id = $3)",
        )
        .bind(now)
        .bind(user_id)
        .bind(id.unwrap_or(0))
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Cases with a deadline to announce now: overdue and not yet announced as overdue, or due
    /// soon (within a quarter of the reply period, at most a day: see
    /// `deadline::due_soon_margin`) and not yet announced as due soon. Earliest deadline first.
    pub async fn cases_to_announce(&self, now: i64, limit: i64) -> sqlx::Result<Vec<CaseRow>> {
        sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE next_due IS NOT NULL AND next_due < $1 + 86400 \
             AND ((next_due <= $1 AND (overdue_for IS NULL OR overdue_for <> next_due)) \
               OR (next_due > $1 AND next_due - (CASE WHEN reply_seconds / 4 < 86400 THEN reply_seconds / 4 ELSE 86400 END) <= $1 \
                   AND (due_soon_for IS NULL OR due_soon_for <> next_due))) \
             ORDER BY next_due LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Who supervises case work in a community: its community staff (cached 30 s).
    pub async fn supervisors_of(
        &self,
        community_id: i64,
    ) -> sqlx::Result<std::sync::Arc<Vec<i64>>> {
        if let Some(v) = self.caches.supervisors.get(&community_id) {
            return Ok(v);
        }
        let v: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM role_grants WHERE role = 'community_staff' AND ((scope_kind = 'region' AND scope_id = $1) \
             OR (scope_kind = 'organisation' AND scope_id IN (SELECT id FROM organisations WHERE kind = 'community_office' AND region_id = $1)))",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?;
        let v = std::sync::Arc::new(v);
        self.caches.supervisors.put(community_id, v.clone());
        Ok(v)
    }

    /// A compound's open cases for its public list, newest first.
    #[allow(clippy::type_complexity)]
    pub async fn public_issues(
        &self,
        compound_id: i64,
        limit: i64,
    ) -> sqlx::Result<
        Vec<(
            i64,
            String,
            i64,
            Option<i64>,
            String,
            String,
            i64,
            String,
            i64,
        )>,
    > {
        sqlx::query_as(
            "SELECT id, number, category_id, building_id, public_area, status, created_at, description, description_public \
             FROM cases WHERE compound_id = $1 AND (status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged') \
             AND kind <> 'petition' AND kind <> 'wellbeing' ORDER BY id DESC LIMIT $2",
        )
        .bind(compound_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Claim the due-soon (or overdue) announcement of a case's current deadline. Exactly one
    /// caller wins, whichever node it runs on.
    pub async fn claim_deadline_notice(
        &self,
        case_id: i64,
        due: i64,
        overdue: bool,
    ) -> sqlx::Result<bool> {
        let sql = if overdue {
            "UPDATE cases SET overdue_for = $1, due_soon_for = $1 WHERE id = $2 AND next_due = $1 \
             AND (overdue_for IS NULL OR overdue_for <> $1)"
        } else {
            "UPDATE cases SET due_soon_for = $1 WHERE id = $2 AND next_due = $1 \
             AND (due_soon_for IS NULL OR due_soon_for <> $1)"
        };
        Ok(sqlx::query(sql)
            .bind(due)
            .bind(case_id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    /// Users who work for a unit: an organisation's staff (grants scoped to it), a squad's or a
    /// team's members with an account.
    pub async fn unit_users(&self, u: Unit) -> sqlx::Result<std::sync::Arc<Vec<i64>>> {
        if let Some(v) = self.caches.unit_users.get(&u) {
            return Ok(v);
        }
        let v = std::sync::Arc::new(self.unit_users_uncached(u).await?);
        self.caches.unit_users.put(u, v.clone());
        Ok(v)
    }

    async fn unit_users_uncached(&self, u: Unit) -> sqlx::Result<Vec<i64>> {
        let sql = match u.kind {
            UnitKind::Organisation => {
                "SELECT DISTINCT user_id FROM role_grants WHERE scope_kind = 'organisation' AND scope_id = $1"
            }
            UnitKind::Squad => {
                "SELECT DISTINCT us.id FROM squad_members sm JOIN team_members tm ON tm.id = sm.member_id \
                 JOIN users us ON us.person_id = tm.person_id WHERE sm.squad_id = $1"
            }
            UnitKind::Team => {
                "SELECT DISTINCT us.id FROM team_members tm JOIN users us ON us.person_id = tm.person_id WHERE tm.team_id = $1"
            }
        };
        sqlx::query_scalar(sql)
            .bind(u.id)
            .fetch_all(&self.pool)
            .await
    }

    /// The units a user works for (see [`Db::unit_users`]).
    pub async fn user_units(
        &self,
        user_id: i64,
        person_id: Option<i64>,
    ) -> sqlx::Result<Vec<Unit>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT 'organisation', scope_id FROM role_grants WHERE user_id = $1 AND scope_kind = 'organisation' AND scope_id IS NOT NULL \
             UNION SELECT 'team', team_id FROM team_members WHERE person_id = $2 \
             UNION SELECT 'squad', sm.squad_id FROM squad_members sm JOIN team_members tm ON tm.id = sm.member_id WHERE tm.person_id = $2",
        )
        .bind(user_id)
        .bind(person_id.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, id)| {
                Some(Unit {
                    kind: UnitKind::parse(&k)?,
                    id,
                })
            })
            .collect())
    }

    /// A unit's display name.
    pub async fn unit_name(&self, u: Unit) -> sqlx::Result<Option<String>> {
        let sql = match u.kind {
            UnitKind::Organisation => "SELECT name FROM organisations WHERE id = $1",
            UnitKind::Squad => "SELECT s.name FROM squads s WHERE s.id = $1",
            UnitKind::Team => "SELECT name FROM teams WHERE id = $1",
        };
        sqlx::query_scalar(sql)
            .bind(u.id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The team that works a compound: its own, else its community's.
    pub async fn team_for_compound(
        &self,
        compound_id: i64,
        community_id: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM teams WHERE compound_id = $1 OR (compound_id IS NULL AND community_id = $2) \
             ORDER BY CASE WHEN compound_id = $1 THEN 0 ELSE 1 END, id LIMIT 1",
        )
        .bind(compound_id)
        .bind(community_id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn squad_of_team(&self, team_id: i64, kind: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM squads WHERE team_id = $1 AND kind = $2 ORDER BY id LIMIT 1",
        )
        .bind(team_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await
    }

    /// The property company managing a compound today.
    pub async fn property_company_of(
        &self,
        compound_id: i64,
        today: &str,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT organisation_id FROM property_contracts WHERE compound_id = $1 AND starts_on <= $2 \
             AND (ends_on IS NULL OR ends_on >= $2) ORDER BY id LIMIT 1",
        )
        .bind(compound_id)
        .bind(today)
        .fetch_optional(&self.pool)
        .await
    }

    /// The organisation of a kind in a region (a community or sub-district office).
    pub async fn office_of(&self, kind: &str, region_id: i64) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM organisations WHERE kind = $1 AND region_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(kind)
        .bind(region_id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn organisation_kind(&self, id: i64) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The column of `cases` that holds a region of this region's level (`district_id`, …).
    pub async fn region_column(&self, region_id: i64) -> sqlx::Result<&'static str> {
        let level: Option<String> = sqlx::query_scalar("SELECT level FROM regions WHERE id = $1")
            .bind(region_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match level.as_deref() {
            Some("city") => "city_id",
            Some("district") => "district_id",
            Some("subdistrict") => "subdistrict_id",
            _ => "community_id",
        })
    }

    pub async fn departments(&self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM organisations WHERE kind = 'department' ORDER BY id")
            .fetch_all(&self.pool)
            .await
    }

    /// Organisations a category may name as its handler: departments, offices, police stations.
    pub async fn handling_organisations(&self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, name FROM organisations WHERE kind IN ('department', 'community_office', 'subdistrict_office', 'police_station') \
             ORDER BY kind, id",
        )
        .fetch_all(&self.pool)
        .await
    }

    pub async fn building_names(&self, compound_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM buildings WHERE compound_id = $1 ORDER BY id")
            .bind(compound_id)
            .fetch_all(&self.pool)
            .await
    }

    /// Public cases for Open311, newest first: never petitions or wellbeing concerns.
    pub async fn open311_requests(
        &self,
        f: &Open311Filter,
        limit: i64,
    ) -> sqlx::Result<Vec<Open311Row>> {
        let mut sql = String::from(
            "SELECT c.number, c.status, k.code AS service_code, k.name_zh AS service_name, c.description, \
             c.description_public, c.compound_id, p.name AS compound_name, c.building_id, b.name AS building_name, \
             c.public_area, c.created_at, (SELECT MAX(e.at) FROM case_events e WHERE e.case_id = c.id) AS updated_at, \
             c.reply_due, CASE c.owner_kind WHEN 'organisation' THEN (SELECT o.name FROM organisations o WHERE o.id = c.owner_id) \
             WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = c.owner_id) \
             ELSE (SELECT q.name FROM squads q WHERE q.id = c.owner_id) END AS agency, \
             (SELECT e.note FROM case_events e WHERE e.case_id = c.id AND e.kind = 'replied' AND e.internal = 0 \
              ORDER BY e.id DESC LIMIT 1) AS status_notes \
             FROM cases c JOIN case_categories k ON k.id = c.category_id JOIN compounds p ON p.id = c.compound_id \
             LEFT JOIN buildings b ON b.id = c.building_id \
             WHERE c.kind <> 'petition' AND c.kind <> 'wellbeing'",
        );
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        if !f.numbers.is_empty() {
            let ph: Vec<String> = f.numbers.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND c.number IN ({})", ph.join(",")));
            texts.extend(f.numbers.iter().cloned());
        } else {
            if !f.codes.is_empty() {
                let ph: Vec<String> = f.codes.iter().map(|_| next()).collect();
                sql.push_str(&format!(" AND k.code IN ({})", ph.join(",")));
                texts.extend(f.codes.iter().cloned());
            }
            if f.open != f.closed {
                sql.push_str(&if f.open {
                    format!(" AND {}", UNFINISHED.replace("status", "c.status"))
                } else {
                    format!(" AND {}", FINISHED.replace("status", "c.status"))
                });
            }
        }
        // Integers come after all the texts, numbered in order.
        if f.numbers.is_empty() {
            if let Some(a) = f.start {
                sql.push_str(&format!(" AND c.created_at >= {}", next()));
                ints.push(a);
            }
            if let Some(b) = f.end {
                sql.push_str(&format!(" AND c.created_at <= {}", next()));
                ints.push(b);
            }
        }
        sql.push_str(&format!(" ORDER BY c.id DESC LIMIT {}", next()));
        ints.push(limit);
        let mut q = sqlx::query_as(&sql);
        for t in texts {
            q = q.bind(t);
        }
        for i in ints {
            q = q.bind(i);
        }
        q.fetch_all(&self.pool).await
    }

    pub async fn mediation(&self, case_id: i64) -> sqlx::Result<Option<MediationRow>> {
        sqlx::query_as(
            "SELECT m.case_id, m.mediator_member_id, p.name AS mediator_name, m.parties, m.outcome, m.outcome_text, m.referral \
             FROM mediations m LEFT JOIN team_members tm ON tm.id = m.mediator_member_id LEFT JOIN people p ON p.id = tm.person_id \
             WHERE m.case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn mediation_sessions(&self, case_id: i64) -> sqlx::Result<Vec<MediationSessionRow>> {
        sqlx::query_as("SELECT id, held_on, attendees, notes FROM mediation_sessions WHERE case_id = $1 ORDER BY held_on, id")
            .bind(case_id)
            .fetch_all(&self.pool)
            .await
    }

    /// Set (or change) the mediator and parties; keeps an outcome already recorded.
    pub async fn upsert_mediation(
        &self,
        case_id: i64,
        mediator: i64,
        parties: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO mediations (case_id, mediator_member_id, parties) VALUES ($1, $2, $3) \
             ON CONFLICT (case_id) DO UPDATE SET mediator_member_id = excluded.mediator_member_id, parties = excluded.parties",
        )
        .bind(case_id)
        .bind(mediator)
        .bind(parties)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn insert_mediation_session(
        &self,
        case_id: i64,
        held_on: &str,
        attendees: &str,
        notes: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO mediation_sessions (case_id, held_on, attendees, notes) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(case_id)
        .bind(held_on)
        .bind(attendees)
        .bind(notes)
        .fetch_one(&self.pool)
        .await
    }

    /// Record the outcome once; false when one was recorded already.
    pub async fn set_mediation_outcome(
        &self,
        case_id: i64,
        outcome: &str,
        text: &str,
        referral: Option<&str>,
    ) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE mediations SET outcome = $1, outcome_text = $2, referral = $3 WHERE case_id = $4 AND outcome IS NULL",
        )
        .bind(outcome)
        .bind(text)
        .bind(referral.map(str::to_string))
        .bind(case_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Members of dispute-mediation squads: (member id, name).
    pub async fn mediators(&self) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT DISTINCT tm.id, p.name FROM squad_members sm JOIN squads s ON s.id = sm.squad_id \
             JOIN team_members tm ON tm.id = sm.member_id JOIN people p ON p.id = tm.person_id \
             WHERE s.kind = 'dispute_mediation' ORDER BY tm.id",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Is this team member in a dispute-mediation squad?
    pub async fn is_mediator(&self, member_id: i64) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM squad_members sm JOIN squads s ON s.id = sm.squad_id \
             WHERE sm.member_id = $1 AND s.kind = 'dispute_mediation'",
        )
        .bind(member_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Case counts of the cases registered in `[from, to)` for every combination of unit,
    /// compound, kind, category and channel that occurs: one scan (of an index, for a district);
    /// the service rolls them up.
    pub async fn case_figure_cells(
        &self,
        scope: &PlaceScope,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<Vec<FigureCell>> {
        let Some(scope) = scope.sql() else {
            return Ok(Vec::new());
        };
        if let Some(file) = &self.sqlite_file {
            // SQLite sorts the rows for a GROUP BY (a month of a large district: 70,000 rows
            // into 14,000 groups took 300 ms, the index scan 9 ms); the rows are summed here.
            let rows = format!(
                "SELECT owner_kind, owner_id, compound_id, kind, category_id, channel, status, signed_in_time, \
                 sign_due, rating, next_due FROM cases WHERE created_at >= $1 AND created_at < $2 AND {scope}"
            );
            // On a blocking thread, so that the service's two halves of a period run in parallel.
            let file = file.clone();
            return tokio::task::spawn_blocking(move || {
                figure_cells_summed(&file, &rows, from, to, now)
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("figures: {e}")))?;
        }
        self.case_figure_cells_grouped(&scope, from, to, now).await
    }

    /// [`Db::case_figure_cells`] summed by the database (PostgreSQL; on SQLite only for the test
    /// that compares it with the summing in Rust).
    pub async fn case_figure_cells_grouped(
        &self,
        scope: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> sqlx::Result<Vec<FigureCell>> {
        let sql = format!(
            "SELECT owner_kind, owner_id, compound_id, kind, category_id, channel, COUNT(*) AS total, \
             SUM(CASE WHEN signed_in_time IS NOT NULL OR (sign_due IS NOT NULL AND sign_due < $3 AND {UNFINISHED}) THEN 1 ELSE 0 END) AS due_to_sign, \
             SUM(CASE WHEN signed_in_time = 1 THEN 1 ELSE 0 END) AS signed_in_time, \
             SUM(CASE WHEN status = 'withdrawn' OR status = 'not_accepted' OR status = 'merged' THEN 0 ELSE 1 END) AS taken_on, \
             SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed, \
             SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
             SUM(CASE WHEN rating = 'satisfied' OR rating = 'basically_satisfied' THEN 1 ELSE 0 END) AS satisfied, \
             SUM(CASE WHEN next_due IS NOT NULL AND next_due < $3 THEN 1 ELSE 0 END) AS overdue \
             FROM cases WHERE created_at >= $1 AND created_at < $2 AND {scope} GROUP BY 1, 2, 3, 4, 5, 6"
        );
        sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(&self.pool)
            .await
    }

    /// Names of organisations, teams, squads or compounds by id (`table` is one of those four).
    pub async fn names_of(
        &self,
        table: &'static str,
        ids: &[i64],
    ) -> sqlx::Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "SELECT id, name FROM {table} WHERE id IN ({})",
            list.join(",")
        ))
        .fetch_all(&self.pool)
        .await
    }

    /// Petitions per year, compound and cause, for the years whose starts are given (ascending).
    pub async fn petitions_by_year(
        &self,
        scope: &PlaceScope,
        year_starts: &[(i64, i64)],
    ) -> sqlx::Result<Vec<PetitionRow>> {
        let Some(scope) = scope.sql() else {
            return Ok(Vec::new());
        };
        let Some(&(first_year, first_start)) = year_starts.first() else {
            return Ok(Vec::new());
        };
        let mut year = String::from("CASE");
        for w in year_starts.windows(2) {
            year.push_str(&format!(" WHEN created_at < {} THEN {}", w[1].1, w[0].0));
        }
        let last = year_starts.last().map_or(first_year, |l| l.0);
        year.push_str(&format!(" ELSE {last} END"));
        let sql = format!(
            "SELECT g.year, g.compound_id, (SELECT c.name FROM compounds c WHERE c.id = g.compound_id) AS compound, \
             (SELECT k.code FROM case_categories k WHERE k.id = g.category_id) AS category, g.petitions FROM ( \
             SELECT CAST({year} AS BIGINT) AS year, compound_id, category_id, COUNT(*) AS petitions FROM cases \
             WHERE kind = 'petition' AND created_at >= {first_start} AND {scope} GROUP BY 1, 2, 3) g \
             ORDER BY g.year, g.petitions DESC, g.compound_id"
        );
        sqlx::query_as(&sql).fetch_all(&self.pool).await
    }

    pub async fn compound_by_name(&self, name: &str) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM compounds WHERE name = $1 ORDER BY id LIMIT 1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn insert_open311_client(
        &self,
        name: &str,
        key_hash: &str,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO open311_clients (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(key_hash)
            .bind(now)
            .fetch_one(&self.pool)
            .await
    }

    pub async fn open311_client(&self, key_hash: &str) -> sqlx::Result<Option<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM open311_clients WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct MediationRow {
    pub case_id: i64,
    pub mediator_member_id: Option<i64>,
    pub mediator_name: Option<String>,
    pub parties: String,
    pub outcome: Option<String>,
    pub outcome_text: String,
    pub referral: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct MediationSessionRow {
    pub id: i64,
    pub held_on: String,
    pub attendees: String,
    pub notes: String,
}

/// `status` is one of the finished ones. Written out with `=` rather than `IN (…)`: SQLite
/// builds a temporary b-tree for an `IN` list on every execution, which showed in profiles.
const FINISHED: &str =
    "(status = 'closed' OR status = 'withdrawn' OR status = 'not_accepted' OR status = 'merged')";
const UNFINISHED: &str = "(status <> 'closed' AND status <> 'withdrawn' AND status <> 'not_accepted' AND status <> 'merged')";

/// Which places' cases a worker's queue or figures cover: everything, or these regions or
/// compounds (built from the grants that permit the action, see `services::cases::place_scope`).
#[derive(Debug, Clone, Default)]
pub struct PlaceScope {
    pub all: bool,
    /// (column, region id), see `Db::region_column`.
    pub regions: Vec<(&'static str, i64)>,
    pub compounds: Vec<i64>,
}

impl PlaceScope {
    pub fn sql(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.all {
            parts.push("1 = 1".to_string());
        }
        for (column, r) in &self.regions {
            parts.push(format!("{column} = {r}"));
        }
        if !self.compounds.is_empty() {
            let ids: Vec<String> = self.compounds.iter().map(i64::to_string).collect();
            parts.push(format!("compound_id IN ({})", ids.join(",")));
        }
        (!parts.is_empty()).then(|| format!("({})", parts.join(" OR ")))
    }
}

/// [`Db::case_figure_cells`] on SQLite: the rows read in index order and summed in a map, with
/// the same rules as the SQL of the other path (a test compares the two).
fn figure_cells_summed(
    file: &str,
    sql: &str,
    from: i64,
    to: i64,
    now: i64,
) -> sqlx::Result<Vec<FigureCell>> {
    use super::direct::Param::I;
    type Key = (String, i64, i64, String, i64, String);
    let mut cells: std::collections::HashMap<Key, FigureCell> = std::collections::HashMap::new();
    super::direct::for_each_row(file, sql, &[I(from), I(to)], |r| {
        let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
        let status = text(6)?;
        let signed_in_time: Option<i64> = r.get(7)?;
        let sign_due: Option<i64> = r.get(8)?;
        let rating = r.get_ref(9)?.as_str_or_null()?;
        let next_due: Option<i64> = r.get(10)?;
        let unfinished = !matches!(status, "closed" | "withdrawn" | "not_accepted" | "merged");
        let key: Key = (
            text(0)?.to_string(),
            r.get(1)?,
            r.get(2)?,
            text(3)?.to_string(),
            r.get(4)?,
            text(5)?.to_string(),
        );
        let cell = cells.entry(key).or_insert_with_key(|k| FigureCell {
            owner_kind: k.0.clone(),
            owner_id: k.1,
            compound_id: k.2,
            kind: k.3.clone(),
            category_id: k.4,
            channel: k.5.clone(),
            total: 0,
            due_to_sign: 0,
            signed_in_time: 0,
            taken_on: 0,
            closed: 0,
            rated: 0,
            satisfied: 0,
            overdue: 0,
        });
        let count = |b: bool| i64::from(b);
        cell.total += 1;
        cell.due_to_sign +=
            count(signed_in_time.is_some() || (sign_due.is_some_and(|d| d < now) && unfinished));
        cell.signed_in_time += count(signed_in_time == Some(1));
        cell.taken_on += count(!matches!(status, "withdrawn" | "not_accepted" | "merged"));
        cell.closed += count(status == "closed");
        cell.rated += count(rating.is_some());
        cell.satisfied += count(matches!(rating, Some("satisfied" | "basically_satisfied")));
        cell.overdue += count(next_due.is_some_and(|d| d < now));
        Ok(())
    })?;
    Ok(cells.into_values().collect())
}

/// Counts of one combination of unit, compound, kind, category and channel.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureCell {
    pub owner_kind: String,
    pub owner_id: i64,
    pub compound_id: i64,
    pub kind: String,
    pub category_id: i64,
    pub channel: String,
    pub total: i64,
    pub due_to_sign: i64,
    pub signed_in_time: i64,
    pub taken_on: i64,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub overdue: i64,
}

impl FigureCell {
    pub fn counts(&self) -> crate::domain::cases::rates::CaseCounts {
        crate::domain::cases::rates::CaseCounts {
            total: self.total,
            due_to_sign: self.due_to_sign,
            signed_in_time: self.signed_in_time,
            taken_on: self.taken_on,
            closed: self.closed,
            rated: self.rated,
            satisfied: self.satisfied,
            overdue: self.overdue,
        }
    }
}

/// Petitions of one year, compound and cause (category).
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, ToSchema)]
pub struct PetitionRow {
    pub year: i64,
    pub compound_id: i64,
    pub compound: Option<String>,
    pub category: Option<String>,
    pub petitions: i64,
}

/// Filters of `GET /open311/v2/requests`.
#[derive(Debug, Default, Clone)]
pub struct Open311Filter {
    /// Case numbers (service_request_id); when given, the other filters are ignored.
    pub numbers: Vec<String>,
    pub codes: Vec<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub open: bool,
    pub closed: bool,
}

/// A case as Open311 shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Open311Row {
    pub number: String,
    pub status: String,
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub description_public: i64,
    pub compound_id: i64,
    pub compound_name: String,
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
    pub public_area: String,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub reply_due: Option<i64>,
    pub agency: Option<String>,
    pub status_notes: Option<String>,
}

/// Insert cases with ids `first_id..`, their first events, photos and notifications, with a few
/// multi-row statements inside the caller's transaction.
pub(crate) async fn insert_cases(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: super::Backend,
    cases: &[NewCase],
    first_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    use crate::bulk::{Table, Val};
    let mut rows = Table::new(
        "cases",
        &[
            "id",
            "number",
            "kind",
            "category_id",
            "channel",
            "status",
            "compound_id",
            "building_id",
            "dwelling_id",
            "community_id",
            "subdistrict_id",
            "district_id",
            "city_id",
            "public_area",
            "description",
            "description_public",
            "reporter_user_id",
            "reporter_name",
            "reporter_phone",
            "visitors",
            "registered_by",
            "owner_kind",
            "owner_id",
            "level",
            "sla_class",
            "sign_seconds",
            "reply_seconds",
            "created_at",
            "sign_due",
            "reply_due",
            "accept_due",
            "next_due",
            "accepted",
            "dispatched_by_kind",
            "dispatched_by_id",
        ],
        backend,
    );
    let mut events = Table::new(
        "case_events",
        &[
            "case_id",
            "at",
            "actor_user_id",
            "kind",
            "from_status",
            "to_status",
            "unit_kind",
            "unit_id",
            "note",
            "internal",
        ],
        backend,
    );
    let mut notes = Table::new(
        "notifications",
        &["user_id", "case_id", "kind", "dedupe_key", "created_at"],
        backend,
    );
    let mut out = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let id = first_id + i as i64;
        let number = c.number(id);
        let s = &c.state;
        rows.push(vec![
            id.into(),
            number.clone().into(),
            s.kind.as_str().into(),
            c.category_id.into(),
            c.channel.clone().into(),
            s.status.as_str().into(),
            c.compound.id.into(),
            c.building_id.into(),
            c.dwelling_id.into(),
            c.compound.community_id.into(),
            c.compound.subdistrict_id.into(),
            c.compound.district_id.into(),
            c.compound.city_id.into(),
            c.public_area.clone().into(),
            c.description.clone().into(),
            (c.description_public as i64).into(),
            c.reporter_user_id.into(),
            c.reporter_name.clone().into(),
            c.reporter_phone.clone().into(),
            c.visitors.into(),
            c.registered_by.into(),
            s.owner.kind.as_str().into(),
            s.owner.id.into(),
            s.level.as_str().into(),
            c.sla_class.clone().into(),
            s.sla.sign_seconds.into(),
            s.sla.reply_seconds.into(),
            c.now.into(),
            s.sign_due.into(),
            s.reply_due.into(),
            s.accept_due.into(),
            s.next_due().into(),
            (s.accepted as i64).into(),
            s.dispatched_by.map(|u| u.kind.as_str().to_string()).into(),
            s.dispatched_by.map(|u| u.id).into(),
        ]);
        let actor = c.registered_by.or(c.reporter_user_id);
        events.push(vec![
            id.into(),
            c.now.into(),
            actor.into(),
            "submitted".into(),
            "submitted".into(),
            "submitted".into(),
            c.intake.kind.as_str().into(),
            c.intake.id.into(),
            c.note.clone().into(),
            0i64.into(),
        ]);
        if s.owner != c.intake {
            events.push(vec![
                id.into(),
                c.now.into(),
                Val::NullI,
                "dispatched".into(),
                "submitted".into(),
                "dispatched".into(),
                s.owner.kind.as_str().into(),
                s.owner.id.into(),
                "".into(),
                0i64.into(),
            ]);
        }
        for user in &c.notify {
            notes.push(vec![
                (*user).into(),
                id.into(),
                "assigned".into(),
                format!("assigned:{id}:0:{user}").into(),
                c.now.into(),
            ]);
        }
        out.push((id, number));
    }
    rows.flush(tx).await?;
    events.flush(tx).await?;
    notes.flush(tx).await?;
    for ((id, _), c) in out.iter().zip(cases) {
        for (content_type, bytes) in &c.photos {
            sqlx::query(
                "INSERT INTO case_photos (case_id, content_type, bytes) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(content_type)
            .bind(bytes.clone())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(out)
}

/// Side records of some transitions.
#[derive(Default)]
pub struct TransitionExtra<'a> {
    pub rating_comment: Option<&'a str>,
    pub merged_into: Option<i64>,
    /// (organisation, question, due) of a new coordination request.
    pub coordination: Option<(i64, &'a str, i64)>,
    /// (request id, answer) of an answered coordination request.
    pub answer: Option<(i64, &'a str)>,
}

/// The one statement that reads a case with its timeline, coordination requests and photos.
fn case_full_sql(backend: super::Backend) -> String {
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
        super::Backend::Sqlite => {
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
        super::Backend::Postgres => format!(
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
