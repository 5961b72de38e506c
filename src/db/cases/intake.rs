//! Registering cases: one at a time, or in groups through the SQLite group-commit writer, or in
//! one statement on PostgreSQL.
use super::*;
use crate::domain::cases::{CaseKind, CaseState, Unit};

/// A case to register (owned: it may travel to the SQLite case writer, see `case_writer`).
#[derive(Debug, Clone)]
pub struct NewCase {
    pub prefix: String,
    /// The day a petition arrived, when registered later (YYYY-MM-DD).
    pub received_on: Option<String>,
    pub kind: CaseKind,
    pub category_id: i64,
    pub channel: String,
    pub compound: crate::db::places::Compound,
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
    pub photos: Vec<NewPhoto>,
    pub note: String,
    /// Users told of the new assignment.
    pub notify: Vec<i64>,
    pub now: i64,
}

/// A photo to store: the original as sent, and the copies served (see
/// `services::cases::photos`).
#[derive(Debug, Clone)]
pub struct NewPhoto {
    /// The type of the original (`image/jpeg`, `image/png`, `image/webp`).
    pub content_type: String,
    pub original: Vec<u8>,
    /// JPEG, upright, small, without metadata.
    pub thumb: Vec<u8>,
    /// JPEG, upright, screen-sized, without metadata.
    pub screen: Vec<u8>,
    /// Size of the upright image, in pixels.
    pub width: u32,
    pub height: u32,
}

impl NewCase {
    pub fn number(&self, id: i64) -> String {
        crate::domain::cases::case_number(&self.prefix, self.now, id)
    }
}

/// What the audit log records of a registration: number, kind, status, channel, the unit it
/// went to (the reporter and the description stay on the case, behind its access rules).
fn registered_json(number: &str, c: &NewCase) -> String {
    serde_json::json!({
        "number": number,
        "kind": c.state.kind.as_str(),
        "status": c.state.status.as_str(),
        "channel": c.channel,
        "unit": format!("{}:{}", c.state.owner.kind.as_str(), c.state.owner.id),
    })
    .to_string()
}

impl CaseStore<'_> {
    /// Register a case with its events, photos and the notifications of its assignment. On
    /// SQLite it goes through the case writer (group commit, see `case_writer`); on PostgreSQL
    /// it is one transaction of its own. Returns (id, number).
    pub async fn insert_case(&mut self, c: NewCase) -> sqlx::Result<(i64, String)> {
        match self.db.backend {
            crate::db::Backend::Sqlite => self.db.case_writer().submit(c).await,
            crate::db::Backend::Postgres if c.photos.is_empty() => self.insert_case_pg(&c).await,
            crate::db::Backend::Postgres => {
                let mut conn = self.h.conn().await?;
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let id: i64 =
                    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")
                        .fetch_one(&mut *tx)
                        .await?;
                let out =
                    insert_cases(&mut tx, self.db.backend, std::slice::from_ref(&c), id).await?;
                tx.commit().await?;
                Ok(out[0].clone())
            }
        }
    }

    /// PostgreSQL, a case without photos: the case, its events and its notifications in one
    /// statement (data-modifying CTEs), so one round trip and one commit.
    async fn insert_case_pg(&mut self, c: &NewCase) -> sqlx::Result<(i64, String)> {
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
               dispatched_by_kind, dispatched_by_id, received_on) \
               SELECT s.id, $1 || '-' || $2 || '-' || CASE WHEN s.id < 1000000 THEN lpad(CAST(s.id AS TEXT), 6, '0') ELSE CAST(s.id AS TEXT) END, \
               $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $35, $21, $22, $23, \
               $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $41 FROM s RETURNING id, number), \
             e AS (INSERT INTO case_events (case_id, at, actor_user_id, kind, from_status, to_status, unit_kind, unit_id, note, internal) \
               SELECT c.id, $27, $36, 'submitted', 'submitted', 'submitted', $37, $38, $39, 0 FROM c{second_event}), \
             a AS (INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, before_json, after_json, reason) \
               SELECT $27, $36, 'submitted', 'case', c.id, NULL, \
               CAST(jsonb_set(CAST($40 AS jsonb), '{{number}}', to_jsonb(c.number)) AS TEXT), '' FROM c){notify} \
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
            .bind(registered_json("", c)) // 40
            .bind(c.received_on.clone()) // 41
            .fetch_one(&mut *self.h.conn().await?)
            .await
    }
}

/// Insert cases with ids `first_id..`, their first events, photos and notifications, with a few
/// multi-row statements inside the caller's transaction.
pub(crate) async fn insert_cases(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::db::Backend,
    cases: &[NewCase],
    first_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    use crate::db::bulk::{Table, Val};
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
            "received_on",
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
    let mut audit = Table::new(
        "audit_log",
        &[
            "at",
            "actor_user_id",
            "action",
            "entity",
            "entity_id",
            "before_json",
            "after_json",
            "reason",
        ],
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
            c.received_on.clone().into(),
        ]);
        let actor = c.registered_by.or(c.reporter_user_id);
        audit.push(vec![
            c.now.into(),
            actor.into(),
            "submitted".into(),
            "case".into(),
            id.into(),
            Val::NullT,
            registered_json(&number, c).into(),
            "".into(),
        ]);
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
    audit.flush(tx).await?;
    for ((id, _), c) in out.iter().zip(cases) {
        for p in &c.photos {
            sqlx::query(
                "INSERT INTO case_photos (case_id, content_type, bytes, thumb, screen, width, height) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&p.content_type)
            .bind(p.original.clone())
            .bind(p.thumb.clone())
            .bind(p.screen.clone())
            .bind(i64::from(p.width))
            .bind(i64::from(p.height))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(out)
}
