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
    db.accounts()
        .set_password(user.id, &credentials::hash_password(password).await?)
        .await?;
    Ok(())
}

/// A new API token for the account with this login; gives the token (only its hash is kept).
pub async fn create_token(db: &Db, login: &str, name: &str) -> anyhow::Result<String> {
    let user = db
        .accounts()
        .user_by_login(login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {login}"))?;
    let token = credentials::new_token();
    db.accounts()
        .insert_api_token(user.id, name, &credentials::token_hash(&token))
        .await?;
    Ok(token)
}
