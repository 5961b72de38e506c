//! Users, their role grants, browser sessions, API tokens and the login throttle.
use crate::domain::access::{Grant, Reach};
use crate::domain::kinds::{OrgKind, Role, ScopeKind};
use serde::Serialize;
use utoipa::ToSchema;

crate::db::store::store!(
    /// Accounts, grants, sessions, API tokens and login throttling.
    AccountStore,
    accounts
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub person_id: Option<i64>,
    pub password_hash: String,
    pub locale: String,
    pub disabled: i64,
}

/// An API token or an Open311 key as administrators and owners see it (never the secret or its
/// hash). For Open311 keys `user_id` is 0 and `username` empty.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Credential {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub username: String,
    pub created_at: i64,
    /// Unix seconds; none: until revoked.
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct GrantRow {
    pub id: i64,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    /// A readable name of the scope (compound, building, region, organisation or team).
    pub scope_name: Option<String>,
}

/// An account as administrators see it in lists (never the password hash).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub locale: String,
    pub disabled: i64,
    pub created_at: i64,
}

/// One grant with the account it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnedGrant {
    pub user_id: i64,
    #[sqlx(flatten)]
    pub grant: GrantRow,
}

const GRANT_SELECT: &str = "SELECT g.user_id, g.id, g.role, g.scope_kind, g.scope_id, \
    CASE g.scope_kind WHEN 'compound' THEN c.name WHEN 'building' THEN bc.name || ' ' || b.name \
      WHEN 'region' THEN r.name WHEN 'organisation' THEN o.name WHEN 'team' THEN t.name END AS scope_name \
    FROM role_grants g \
    LEFT JOIN compounds c ON g.scope_kind = 'compound' AND c.id = g.scope_id \
    LEFT JOIN buildings b ON g.scope_kind = 'building' AND b.id = g.scope_id \
    LEFT JOIN compounds bc ON bc.id = b.compound_id \
    LEFT JOIN regions r ON g.scope_kind = 'region' AND r.id = g.scope_id \
    LEFT JOIN organisations o ON g.scope_kind = 'organisation' AND o.id = g.scope_id \
    LEFT JOIN teams t ON g.scope_kind = 'team' AND t.id = g.scope_id";

const USER_COLUMNS: &str = "u.id, u.username, u.person_id, u.password_hash, u.locale, u.disabled";

impl AccountStore<'_> {
    /// Finds an account by username or by the phone number of its person.
    pub async fn user_by_login(&mut self, login: &str) -> sqlx::Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1 \
             UNION SELECT {USER_COLUMNS} FROM users u JOIN people p ON p.id = u.person_id WHERE p.phone = $1 \
             ORDER BY id LIMIT 1"
        );
        sqlx::query_as(&sql)
            .bind(login)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn user(&mut self, id: i64) -> sqlx::Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn insert_user(
        &mut self,
        username: &str,
        person_id: Option<i64>,
        password_hash: &str,
        locale: &str,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO users (username, person_id, password_hash, locale, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(person_id)
        .bind(password_hash)
        .bind(locale)
        .bind(super::now())
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn set_locale(&mut self, user_id: i64, locale: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(user_id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn set_password(&mut self, user_id: i64, password_hash: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn insert_grant(
        &mut self,
        user_id: i64,
        role: Role,
        scope: ScopeKind,
        scope_id: Option<i64>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO role_grants (user_id, role, scope_kind, scope_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(role.as_str())
        .bind(scope.as_str())
        .bind(scope_id)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(())
    }

    /// A page of accounts, newest first; `q` matches the start of the username or part of the
    /// person's name.
    pub async fn accounts(
        &mut self,
        q: &str,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<AccountRow>> {
        sqlx::query_as(
            "SELECT u.id, u.username, u.person_id, p.name AS person_name, u.locale, u.disabled, u.created_at \
             FROM users u LEFT JOIN people p ON p.id = u.person_id \
             WHERE ($1 = '' OR u.username LIKE $2 ESCAPE '\\' OR p.name LIKE $3 ESCAPE '\\') AND u.id < $4 \
             ORDER BY u.id DESC LIMIT $5",
        )
        .bind(q)
        .bind(format!("{}%", like_escape(q)))
        .bind(format!("%{}%", like_escape(q)))
        .bind(crate::db::keyset(before))
        .bind(limit)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn account(&mut self, id: i64) -> sqlx::Result<Option<AccountRow>> {
        sqlx::query_as(
            "SELECT u.id, u.username, u.person_id, p.name AS person_name, u.locale, u.disabled, u.created_at \
             FROM users u LEFT JOIN people p ON p.id = u.person_id WHERE u.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// The grants of several accounts in one query.
    pub async fn grants_of(&mut self, user_ids: &[i64]) -> sqlx::Result<Vec<OwnedGrant>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = user_ids.iter().map(i64::to_string).collect();
        sqlx::query_as(&format!(
            "{GRANT_SELECT} WHERE g.user_id IN ({}) ORDER BY g.user_id, g.id",
            ids.join(",")
        ))
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn grant(&mut self, id: i64) -> sqlx::Result<Option<OwnedGrant>> {
        sqlx::query_as(&format!("{GRANT_SELECT} WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// A new account unless the username is taken (then None).
    pub async fn insert_account(
        &mut self,
        username: &str,
        person_id: Option<i64>,
        password_hash: &str,
        locale: &str,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO users (username, person_id, password_hash, locale, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(username)
        .bind(person_id)
        .bind(password_hash)
        .bind(locale)
        .bind(super::now())
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// Disable (ending its sessions and API tokens) or enable an account.
    pub async fn set_disabled(&mut self, user_id: i64, disabled: bool) -> sqlx::Result<()> {
        let mut conn = self.h.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            for table in ["sessions", "api_tokens"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await
    }

    pub async fn set_account_person(
        &mut self,
        user_id: i64,
        person_id: Option<i64>,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE users SET person_id = $1 WHERE id = $2")
            .bind(person_id)
            .bind(user_id)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// A new grant unless the account already holds the same one (then None).
    pub async fn insert_grant_once(
        &mut self,
        user_id: i64,
        role: Role,
        scope: ScopeKind,
        scope_id: Option<i64>,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO role_grants (user_id, role, scope_kind, scope_id) \
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM role_grants WHERE user_id = $1 AND role = $2 \
               AND scope_kind = $3 AND COALESCE(scope_id, 0) = COALESCE($4, 0)) RETURNING id",
        )
        .bind(user_id)
        .bind(role.as_str())
        .bind(scope.as_str())
        .bind(scope_id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// Remove a grant, unless it is the last administrator grant of an enabled account (then
    /// false: somebody must be able to manage accounts).
    pub async fn delete_grant_keeping_an_admin(&mut self, id: i64) -> sqlx::Result<bool> {
        let n = sqlx::query(
            "DELETE FROM role_grants WHERE id = $1 AND (role <> 'admin' OR \
               (SELECT COUNT(*) FROM role_grants g JOIN users u ON u.id = g.user_id \
                WHERE g.role = 'admin' AND u.disabled = 0 AND g.id <> $1) > 0)",
        )
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Enabled accounts holding an administrator grant, other than `except`.
    pub async fn other_admins(&mut self, except: i64) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(DISTINCT u.id) FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE g.role = 'admin' AND u.disabled = 0 AND u.id <> $1",
        )
        .bind(except)
        .fetch_one(&mut *self.h.conn().await?)
        .await
    }

    pub async fn grant_rows(&mut self, user_id: i64) -> sqlx::Result<Vec<GrantRow>> {
        sqlx::query_as(&format!(
            "{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY g.id"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    /// Resolves a user's grants to what each one reaches (see domain::access).
    pub async fn resolve_grants(
        &mut self,
        user: &UserRow,
        rows: &[GrantRow],
    ) -> sqlx::Result<Vec<Grant>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let (Some(role), Some(scope)) =
                (Role::parse(&row.role), ScopeKind::parse(&row.scope_kind))
            else {
                continue; // an unknown word grants nothing
            };
            let id = row.scope_id.unwrap_or(0);
            match scope {
                ScopeKind::Global => out.push(Grant {
                    role,
                    reach: Reach::Global,
                    organisation: None,
                }),
                ScopeKind::Region => out.push(Grant {
                    role,
                    reach: Reach::Region(id),
                    organisation: None,
                }),
                ScopeKind::Compound => out.push(Grant {
                    role,
                    reach: Reach::Compounds(vec![id]),
                    organisation: None,
                }),
                ScopeKind::Building => {
                    let compound: Option<i64> =
                        sqlx::query_scalar("SELECT compound_id FROM buildings WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *self.h.conn().await?)
                            .await?;
                    let reach =
                        compound.map_or(Reach::Nowhere, |c| Reach::Buildings(vec![(c, id)]));
                    out.push(Grant {
                        role,
                        reach,
                        organisation: None,
                    });
                }
                ScopeKind::Organisation => {
                    let org = self.db.organisations().organisation(id).await?;
                    let reach = match org
                        .as_ref()
                        .and_then(|o| OrgKind::parse(&o.kind).map(|k| (k, o)))
                    {
                        Some((OrgKind::PropertyCompany, _)) => {
                            let today = jiff::Timestamp::now()
                                .in_tz("Asia/Shanghai")
                                .map(|z| z.date().to_string())
                                .unwrap_or_default();
                            let ids: Vec<i64> = sqlx::query_scalar(
                                "SELECT compound_id FROM property_contracts WHERE organisation_id = $1 \
                                 AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)",
                            )
                            .bind(id)
                            .bind(today)
                            .fetch_all(&mut *self.h.conn().await?)
                            .await?;
                            Reach::Compounds(ids)
                        }
                        Some((OrgKind::OwnersCommittee, o)) => o
                            .compound_id
                            .map_or(Reach::Nowhere, |c| Reach::Compounds(vec![c])),
                        Some((OrgKind::CommunityOffice | OrgKind::SubdistrictOffice, o)) => {
                            o.region_id.map_or(Reach::Nowhere, Reach::Region)
                        }
                        _ => Reach::Nowhere,
                    };
                    out.push(Grant {
                        role,
                        reach,
                        organisation: Some(id),
                    });
                }
                ScopeKind::Team => {
                    // A butler answers for the responsibility fields of their membership and squads.
                    let fields: Vec<(i64, Option<i64>)> = sqlx::query_as(
                        "SELECT f.compound_id, f.building_id FROM responsibility_fields f \
                         JOIN team_members m ON m.team_id = $1 AND m.person_id = $2 \
                         WHERE f.member_id = m.id OR f.squad_id IN (SELECT squad_id FROM squad_members WHERE member_id = m.id)",
                    )
                    .bind(id)
                    .bind(user.person_id.unwrap_or(0))
                    .fetch_all(&mut *self.h.conn().await?)
                    .await?;
                    let compounds: Vec<i64> = fields
                        .iter()
                        .filter(|(_, b)| b.is_none())
                        .map(|(c, _)| *c)
                        .collect();
                    let buildings: Vec<(i64, i64)> = fields
                        .iter()
                        .filter_map(|(c, b)| b.map(|b| (*c, b)))
                        .collect();
                    out.push(Grant {
                        role,
                        reach: Reach::Compounds(compounds),
                        organisation: None,
                    });
                    if !buildings.is_empty() {
                        out.push(Grant {
                            role,
                            reach: Reach::Buildings(buildings),
                            organisation: None,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: i64,
    ) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(super::now())
            .bind(expires_at)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// The user of a live session, or of an API token.
    pub async fn user_by_credential(
        &mut self,
        token_hash: &str,
        api_token: bool,
    ) -> sqlx::Result<Option<UserRow>> {
        let sql = if api_token {
            format!(
                "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled = 0 \
                 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)"
            )
        } else {
            format!(
                "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
            )
        };
        sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(super::now())
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn insert_api_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> sqlx::Result<i64> {
        self.insert_api_token_until(user_id, name, token_hash, None)
            .await
    }

    /// A new API token (only its hash), valid until `expires_at` (none: until revoked).
    pub async fn insert_api_token_until(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: Option<i64>,
    ) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(super::now())
            .bind(expires_at)
            .fetch_one(&mut *self.h.conn().await?)
            .await
    }

    /// API tokens newest first, of one user or (none) of everyone; never their hashes.
    pub async fn api_tokens(
        &mut self,
        user_id: Option<i64>,
        before: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<Credential>> {
        let user_filter = if user_id.is_some() {
            "AND t.user_id = $3"
        } else {
            ""
        };
        sqlx::query_as(&format!(
            "SELECT t.id, t.name, t.user_id, u.username, t.created_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id < $1 {user_filter} ORDER BY t.id DESC LIMIT $2"
        ))
        .bind(crate::db::keyset(before))
        .bind(limit)
        .bind(user_id.unwrap_or(0))
        .fetch_all(&mut *self.h.conn().await?)
        .await
    }

    pub async fn api_token(&mut self, id: i64) -> sqlx::Result<Option<Credential>> {
        sqlx::query_as(
            "SELECT t.id, t.name, t.user_id, u.username, t.created_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.h.conn().await?)
        .await
    }

    /// Revokes one token; false when it was revoked already.
    pub async fn revoke_api_token(&mut self, id: i64, now: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Revokes every token of a user (a password change or reset); gives how many.
    pub async fn revoke_user_tokens(&mut self, user_id: i64, now: i64) -> sqlx::Result<u64> {
        Ok(sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *self.h.conn().await?)
        .await?
        .rows_affected())
    }

    /// Ends the user's sessions except `keep` (the hash of the session making the change).
    pub async fn end_sessions_except(
        &mut self,
        user_id: i64,
        keep: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }

    /// Failures recorded for a throttle key within the current window.
    /// A throttle key's (tries counted, time of the last try).
    pub async fn throttle_row(&mut self, key: &str) -> sqlx::Result<Option<(i64, i64)>> {
        sqlx::query_as("SELECT failures, window_start FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&mut *self.h.conn().await?)
            .await
    }

    /// Compare and set: moves a key from `old` (none: absent) to `new` (tries, last try) only
    /// if nobody changed it meanwhile; false when someone did (the caller reads again).
    pub async fn throttle_swap(
        &mut self,
        key: &str,
        old: Option<(i64, i64)>,
        new: (i64, i64),
    ) -> sqlx::Result<bool> {
        let q = match old {
            None => sqlx::query(
                "INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES ($1, $2, $3) \
                 ON CONFLICT (throttle_key) DO NOTHING",
            )
            .bind(key)
            .bind(new.0)
            .bind(new.1),
            Some((f, at)) => sqlx::query(
                "UPDATE login_throttle SET failures = $2, window_start = $3 \
                 WHERE throttle_key = $1 AND failures = $4 AND window_start = $5",
            )
            .bind(key)
            .bind(new.0)
            .bind(new.1)
            .bind(f)
            .bind(at),
        };
        Ok(q.execute(&mut *self.h.conn().await?).await?.rows_affected() == 1)
    }

    /// Gives back one reserved try (a login that succeeded does not count against its address).
    pub async fn throttle_release(&mut self, key: &str) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&mut *self.h.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn throttle_clear(&mut self, key: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&mut *self.h.conn().await?)
            .await?;
        Ok(())
    }
}

/// `q` for a LIKE pattern escaped with a backslash: its own `%`, `_` and backslashes match themselves.
fn like_escape(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
