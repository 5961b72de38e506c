//! API tokens and Open311 keys: named, with an optional expiry, listed (never the secret) and
//! revoked. A user manages their own API tokens; administrators everyone's and the Open311 keys.
//! Each secret is shown once, at creation; only its hash is kept. Every change is audited.
use super::credentials;
use crate::db::Db;
use crate::db::accounts::Credential;
use crate::db::audit::AuditRecord;
use crate::domain::access::{Action, Target};
use crate::error::{AppError, AppResult};
use crate::services::Checks;
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest lifetime one can give a token or key.
pub const MAX_DAYS: i64 = 3 * 366;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenInput {
    /// What it is for, e.g. "12345 hotline gateway".
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    /// Valid for this many days (1 to 1098); absent: until revoked.
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub expires_in_days: Option<i64>,
    /// Administrators only: the account it acts as (default: oneself).
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub user_id: Option<i64>,
}

/// A new secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewSecret {
    pub credential: Credential,
    /// The token or key itself; only its hash is kept.
    pub secret: String,
}

fn checked(c: &mut Checks, input: &TokenInput) -> (String, Option<i64>) {
    let name = c.text("name", &input.name, 60);
    let expires = match input.expires_in_days {
        None => None,
        Some(d) if (1..=MAX_DAYS).contains(&d) => Some(crate::db::now() + d * 86_400),
        Some(_) => {
            c.fail("expires_in_days", "out_of_range");
            None
        }
    };
    (name, expires)
}

fn audit<'a>(
    actor: &Actor,
    action: &'a str,
    entity: &'a str,
    c: &Credential,
) -> AppResult<AuditRecord<'a>> {
    Ok(AuditRecord {
        actor_user_id: Some(actor.user_id),
        action,
        entity,
        entity_id: Some(c.id),
        before: None,
        after: Some(serde_json::to_value(c).map_err(anyhow::Error::from)?),
        reason: "",
    })
}

/// Tokens one may see: one's own; administrators everyone's (or one user's).
pub async fn list_tokens(
    db: &Db,
    actor: &Actor,
    user_id: Option<i64>,
    before: i64,
    limit: i64,
) -> AppResult<Vec<Credential>> {
    let admin = actor.can(Action::ManageUsers, &Target::System);
    let of = match (admin, user_id) {
        (true, u) => u,
        (false, Some(u)) if u != actor.user_id => return Err(AppError::Forbidden),
        (false, _) => Some(actor.user_id),
    };
    Ok(db.accounts().api_tokens(of, before, limit).await?)
}

pub async fn create_token(db: &Db, actor: &Actor, input: &TokenInput) -> AppResult<NewSecret> {
    let admin = actor.can(Action::ManageUsers, &Target::System);
    let user = input.user_id.unwrap_or(actor.user_id);
    if user != actor.user_id && !admin {
        return Err(AppError::Forbidden);
    }
    let mut c = Checks::default();
    let (name, expires) = checked(&mut c, input);
    if db.accounts().user(user).await?.is_none() {
        c.fail("user_id", "unknown");
    }
    c.finish()?;
    let secret = credentials::new_token();
    let mut work = db.begin().await?;
    let id = work
        .accounts()
        .insert_api_token_until(user, &name, &credentials::token_hash(&secret), expires)
        .await?;
    let credential = work
        .accounts()
        .api_token(id)
        .await?
        .ok_or(AppError::NotFound)?;
    work.audit()
        .record(audit(actor, "create", "api_token", &credential)?)
        .await?;
    work.commit().await?;
    Ok(NewSecret { credential, secret })
}

/// Revoke a token (its owner or an administrator); 404 for anyone else, 409 when revoked already.
pub async fn revoke_token(db: &Db, actor: &Actor, id: i64) -> AppResult<Credential> {
    let t = db
        .accounts()
        .api_token(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.user_id != actor.user_id && !actor.can(Action::ManageUsers, &Target::System) {
        return Err(AppError::NotFound);
    }
    let mut work = db.begin().await?;
    if !work
        .accounts()
        .revoke_api_token(id, crate::db::now())
        .await?
    {
        return Err(AppError::Conflict("already_revoked"));
    }
    let after = work
        .accounts()
        .api_token(id)
        .await?
        .ok_or(AppError::NotFound)?;
    work.audit()
        .record(audit(actor, "revoke", "api_token", &after)?)
        .await?;
    work.commit().await?;
    Ok(after)
}

pub async fn list_keys(db: &Db, actor: &Actor) -> AppResult<Vec<Credential>> {
    actor.require(Action::ManageUsers, &Target::System)?;
    Ok(db.open311().open311_keys().await?)
}

pub async fn create_key(db: &Db, actor: &Actor, input: &TokenInput) -> AppResult<NewSecret> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let mut c = Checks::default();
    let (name, expires) = checked(&mut c, input);
    c.finish()?;
    let secret = credentials::new_token();
    let mut work = db.begin().await?;
    let id = work
        .open311()
        .insert_open311_client(&name, &credentials::token_hash(&secret), crate::db::now())
        .await?;
    work.open311().set_open311_expiry(id, expires).await?;
    let credential = key_of(&mut work, id).await?;
    work.audit()
        .record(audit(actor, "create", "open311_key", &credential)?)
        .await?;
    work.commit().await?;
    Ok(NewSecret { credential, secret })
}

async fn key_of(work: &mut crate::db::store::Work<'_>, id: i64) -> AppResult<Credential> {
    work.open311()
        .open311_key(id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn revoke_key(db: &Db, actor: &Actor, id: i64) -> AppResult<Credential> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let mut work = db.begin().await?;
    if !work
        .open311()
        .revoke_open311_key(id, crate::db::now())
        .await?
    {
        let known = key_of(&mut work, id).await.is_ok();
        return Err(if known {
            AppError::Conflict("already_revoked")
        } else {
            AppError::NotFound
        });
    }
    let after = key_of(&mut work, id).await?;
    work.audit()
        .record(audit(actor, "revoke", "open311_key", &after)?)
        .await?;
    work.commit().await?;
    Ok(after)
}
