//! A user changes their own password: the current one is checked, the new one must meet the
//! policy (8 to 128 characters); the change is audited, never the password or its hash. Every
//! other session of the user ends and every API token is revoked, in the same transaction.
use super::credentials;
use crate::db::Db;
use crate::db::audit::AuditRecord;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;

pub async fn change_own(db: &Db, actor: &Actor, current: String, new: String) -> AppResult<()> {
    let user = db
        .accounts()
        .user(actor.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !credentials::verify_password(current, user.password_hash).await {
        return Err(AppError::field("current", "wrong_password"));
    }
    credentials::check_new_password(&new).map_err(|c| AppError::field("new", c))?;
    let hash = credentials::hash_password(new).await?;
    let mut work = db.begin().await?;
    work.accounts().set_password(actor.user_id, &hash).await?;
    let keep = (!actor.via_token).then_some(actor.credential.as_str());
    work.accounts()
        .end_sessions_except(actor.user_id, keep)
        .await?;
    work.accounts()
        .revoke_user_tokens(actor.user_id, crate::db::now())
        .await?;
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "update",
            entity: "password",
            entity_id: Some(actor.user_id),
            before: None,
            after: None,
            reason: "",
        })
        .await?;
    work.commit().await?;
    Ok(())
}
