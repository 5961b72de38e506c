//! Open311: the public view of requests, compounds by name, and client API keys.
use crate::db::cases::FINISHED;
use crate::db::cases::UNFINISHED;

crate::db::store::store!(
    /// Open311: public requests and client keys.
    Open311Store,
    open311
);

impl Open311Store<'_> {
    /// Public cases for Open311, newest first (by the time they came in): never petitions or
    /// wellbeing concerns.
    pub async fn open311_requests(
        &mut self,
        f: &Open311Filter,
        limit: i64,
    ) -> sqlx::Result<Vec<Open311Row>> {
        // The page's ids are picked first (filters, order and limit on the cases alone); the
        // names and the per-case look-ups then run for those rows only.
        // No join here: the page is read backwards along `cases_created` from the end of the
        // window, newest first, whatever the number of cases.
        let mut sql = String::from(
            "SELECT c.id FROM cases c WHERE c.kind <> 'petition' AND c.kind <> 'wellbeing'",
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
                sql.push_str(&format!(
                    " AND c.category_id IN (SELECT id FROM case_categories WHERE code IN ({}))",
                    ph.join(",")
                ));
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
        sql.push_str(&format!(
            " ORDER BY c.created_at DESC, c.id DESC LIMIT {}",
            next()
        ));
        ints.push(limit);
        let sql = format!(
            "SELECT c.number, c.status, k.code AS service_code, k.name_zh AS service_name, c.description, \
             c.description_public, c.compound_id, p.name AS compound_name, c.building_id, b.name AS building_name, \
             c.public_area, c.created_at, (SELECT MAX(e.at) FROM case_events e WHERE e.case_id = c.id) AS updated_at, \
             c.reply_due, CASE c.owner_kind WHEN 'organisation' THEN (SELECT o.name FROM organisations o WHERE o.id = c.owner_id) \
             WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = c.owner_id) \
             ELSE (SELECT q.name FROM squads q WHERE q.id = c.owner_id) END AS agency, \
             (SELECT e.note FROM case_events e WHERE e.case_id = c.id AND e.kind = 'replied' AND e.internal = 0 \
              ORDER BY e.id DESC LIMIT 1) AS status_notes \
             FROM ({sql}) page JOIN cases c ON c.id = page.id JOIN case_categories k ON k.id = c.category_id \
             JOIN compounds p ON p.id = c.compound_id LEFT JOIN buildings b ON b.id = c.building_id \
             ORDER BY c.created_at DESC, c.id DESC"
        );
        if let Some(file) = &self.db.sqlite_file {
            // Read on the calling thread with its own page cache: a thousand rows spread over a
            // large file cost a third less than through the pool's small caches.
            use crate::db::direct::Param;
            let mut params: Vec<Param<'_>> = texts.iter().map(|t| Param::T(t)).collect();
            params.extend(ints.iter().map(|i| Param::I(*i)));
            return crate::db::direct::rows(file, &sql, &params, |r| {
                Ok(Open311Row {
                    number: r.get(0)?,
                    status: r.get(1)?,
                    service_code: r.get(2)?,
                    service_name: r.get(3)?,
                    description: r.get(4)?,
                    description_public: r.get(5)?,
                    compound_id: r.get(6)?,
                    compound_name: r.get(7)?,
                    building_id: r.get(8)?,
                    building_name: r.get(9)?,
                    public_area: r.get(10)?,
                    created_at: r.get(11)?,
                    updated_at: r.get(12)?,
                    reply_due: r.get(13)?,
                    agency: r.get(14)?,
                    status_notes: r.get(15)?,
                })
            });
        }
        let mut q = sqlx::query_as(&sql);
        for t in texts {
            q = q.bind(t);
        }
        for i in ints {
            q = q.bind(i);
        }
        q.fetch_all(&mut *self.h.conn().await?).await
    }

    /// Compounds whose name (spaces removed) appears in `text` (already without spaces), the
    /// longest names first, and those whose street address starts `text` (at most a few).
    pub async fn compounds_in_text(
        &mut self,
        text: &str,
    ) -> sqlx::Result<Vec<(i64, String, bool)>> {
        let find = match self.db.backend {
            crate::db::Backend::Sqlite => "instr",
            crate::db::Backend::Postgres => "strpos",
        };
        let sql = format!(
            "SELECT id, REPLACE(name, ' ', '') AS name, 0 AS by_address FROM compounds \
             WHERE {find}($1, REPLACE(name, ' ', '')) > 0 \
             UNION ALL SELECT id, REPLACE(address, ' ', '') AS name, 1 AS by_address FROM compounds \
             WHERE address <> '' AND {find}($1, REPLACE(address, ' ', '')) = 1 \
             ORDER BY 3, 2 DESC LIMIT 20"
        );
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
            .bind(text)
            .fetch_all(&mut *self.h.conn().await?)
            .await?;
        Ok(rows.into_iter().map(|(i, n, a)| (i, n, a != 0)).collect())
    }

    /// The buildings of a compound (id, name without spaces).
    pub async fn building_names(&mut self, compound: i64) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, REPLACE(name, ' ', '') FROM buildings WHERE compound_id = $1")
            .bind(compound)
            .fetch_all(&mut *self.h.conn().await?)
            .await
    }

    pub async fn insert_open311_client(
        &mut self,
        name: &str,
        key_hash: &str,
        now: i64,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO open311_clients (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(key_hash)
            .bind(now)
            .fetch_one(&mut *self.h.conn().await?)
            .await
    }

    pub async fn open311_client(&mut self, key_hash: &str) -> sqlx::Result<Option<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, name FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(key_hash)
        .bind(super::now())
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    pub async fn set_open311_expiry(
        &mut self,
        id: i64,
        expires_at: Option<i64>,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE open311_clients SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// Open311 keys newest first (never their hashes).
    pub async fn open311_keys(&mut self) -> sqlx::Result<Vec<crate::db::accounts::Credential>> {
        sqlx::query_as(
            "SELECT id, name, 0 AS user_id, '' AS username, created_at, expires_at, revoked_at \
             FROM open311_clients ORDER BY id DESC LIMIT 500",
        )
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// One key (never its hash).
    pub async fn open311_key(
        &mut self,
        id: i64,
    ) -> sqlx::Result<Option<crate::db::accounts::Credential>> {
        sqlx::query_as(
            "SELECT id, name, 0 AS user_id, '' AS username, created_at, expires_at, revoked_at \
             FROM open311_clients WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// Revokes one key; false when unknown or revoked already.
    pub async fn revoke_open311_key(&mut self, id: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE open311_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }
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
