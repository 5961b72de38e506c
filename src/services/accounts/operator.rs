//! What the operator does from the command line, before anyone can log in or without a
//! browser: the first administrator, a forgotten password, an API token. The command line is
//! trusted (it holds the database), so there is no actor; each step is checked like the pages'.
use super::credentials;
use crate::db::Db;
use crate::domain::kinds::{Role, ScopeKind};

/// A new account with one grant; gives its id.
pub async fn create_user(
    db: &Db,
    username: &str,
    password: String,
    role: &str,
    scope_kind: &str,
    scope_id: Option<i64>,
    person_id: Option<i64>,
) -> anyhow::Result<i64> {
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let scope = ScopeKind::parse(scope_kind)
        .ok_or_else(|| anyhow::anyhow!("unknown scope kind {scope_kind}"))?;
    credentials::check_new_password(&password).map_err(|c| anyhow::anyhow!("password: {c}"))?;
    let hash = credentials::hash_password(password).await?;
    let id = db
        .accounts()
        .insert_user(username, person_id, &hash, "zh-CN")
        .await?;
    db.accounts()
        .insert_grant(id, role, scope, scope_id)
        .await?;
    Ok(id)
}

/// A new password for the account with this login.
pub async fn set_password(db: &Db, login: &str, password: String) -> anyhow::Result<()> {
    let user = db
        .accounts()
        .user_by_login(login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {login}"))?;
    credentials::check_new_password(&password).map_err(|c| anyhow::anyhow!("password: {c}"))?;
    let hash = credentials::hash_password(password).await?;
    let mut work = db.begin().await?;
    work.accounts().set_password(user.id, &hash).await?;
    work.accounts().end_sessions_except(user.id, None).await?;
    work.accounts()
        .revoke_user_tokens(user.id, crate::db::now())
        .await?;
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: None,
            action: "update",
            entity: "password",
            entity_id: Some(user.id),
            before: None,
            after: None,
            reason: "set from the command line",
        })
        .await?;
    work.commit().await?;
    Ok(())
}

/// A new API token for the account with this login, valid `days` (none: until revoked); gives
/// the token (only its hash is kept).
pub async fn create_token(
    db: &Db,
    login: &str,
    name: &str,
    days: Option<i64>,
) -> anyhow::Result<String> {
    let user = db
        .accounts()
        .user_by_login(login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {login}"))?;
    let expires = lifetime(days)?;
    let token = credentials::new_token();
    let mut work = db.begin().await?;
    let id = work
        .accounts()
        .insert_api_token_until(user.id, name, &credentials::token_hash(&token), expires)
        .await?;
    record(&mut work, "create", "api_token", id).await?;
    work.commit().await?;
    Ok(token)
}

fn lifetime(days: Option<i64>) -> anyhow::Result<Option<i64>> {
    match days {
        None => Ok(None),
        Some(d) if (1..=super::tokens::MAX_DAYS).contains(&d) => {
            Ok(Some(crate::db::now() + d * 86_400))
        }
        Some(_) => anyhow::bail!("days: 1 to {}", super::tokens::MAX_DAYS),
    }
}

async fn record(
    work: &mut crate::db::store::Work<'_>,
    action: &str,
    entity: &str,
    id: i64,
) -> anyhow::Result<()> {
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: None,
            action,
            entity,
            entity_id: Some(id),
            before: None,
            after: None,
            reason: "from the command line",
        })
        .await?;
    Ok(())
}

/// The API tokens of one account (by login) or of everyone, as lines for the terminal.
pub async fn list_tokens(db: &Db, login: Option<&str>) -> anyhow::Result<Vec<String>> {
    let user = match login {
        Some(l) => Some(
            db.accounts()
                .user_by_login(l)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {l}"))?
                .id,
        ),
        None => None,
    };
    let list = db.accounts().api_tokens(user, 0, 200).await?;
    Ok(list.iter().map(line).collect())
}

fn line(c: &crate::db::accounts::Credential) -> String {
    let now = crate::db::now();
    let state = match (c.revoked_at, c.expires_at) {
        (Some(_), _) => "revoked",
        (None, Some(e)) if e <= now => "expired",
        _ => "active",
    };
    let expires = c
        .expires_at
        .map(crate::domain::deadline::local)
        .unwrap_or_else(|| "never".into());
    format!(
        "{}\t{}\t{}\t{}\t{}",
        c.id, c.username, c.name, expires, state
    )
}

/// Revoke an API token by id.
pub async fn revoke_token(db: &Db, id: i64) -> anyhow::Result<()> {
    let mut work = db.begin().await?;
    if !work
        .accounts()
        .revoke_api_token(id, crate::db::now())
        .await?
    {
        anyhow::bail!("no active token {id}");
    }
    record(&mut work, "revoke", "api_token", id).await?;
    work.commit().await?;
    Ok(())
}

/// A new Open311 key, valid `days` (none: until revoked); gives the key.
pub async fn create_key(db: &Db, name: &str, days: Option<i64>) -> anyhow::Result<String> {
    let expires = lifetime(days)?;
    let key = credentials::new_token();
    let mut work = db.begin().await?;
    let id = work
        .open311()
        .insert_open311_client(name, &credentials::token_hash(&key), crate::db::now())
        .await?;
    work.open311().set_open311_expiry(id, expires).await?;
    record(&mut work, "create", "open311_key", id).await?;
    work.commit().await?;
    Ok(key)
}

pub async fn list_keys(db: &Db) -> anyhow::Result<Vec<String>> {
    Ok(db
        .open311()
        .open311_keys()
        .await?
        .iter()
        .map(line)
        .collect())
}

pub async fn revoke_key(db: &Db, id: i64) -> anyhow::Result<()> {
    let mut work = db.begin().await?;
    if !work
        .open311()
        .revoke_open311_key(id, crate::db::now())
        .await?
    {
        anyhow::bail!("no active key {id}");
    }
    record(&mut work, "revoke", "open311_key", id).await?;
    work.commit().await?;
    Ok(())
}
