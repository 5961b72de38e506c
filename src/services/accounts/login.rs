//! Logging in and out: a login (username or linked phone number) and password checked with
//! throttling per account (5 failures / 15 min) and per address (20 / 15 min), then a session.
use super::credentials;
use crate::db::Db;
use crate::error::{AppError, AppResult};

const THROTTLE_WINDOW: i64 = 15 * 60;
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Checks a login and password with throttling per account and per address; gives the user id.
pub async fn check_login(db: &Db, login: &str, password: &str, addr: &str) -> AppResult<i64> {
    let login = login.trim();
    if login.is_empty()
        || login.chars().count() > 100
        || password.is_empty()
        || password.len() > 200
    {
        return Err(AppError::Unauthenticated);
    }
    let account_key = format!("login:{login}");
    let addr_key = format!("addr:{addr}");
    if db
        .accounts()
        .throttle_failures(&account_key, THROTTLE_WINDOW)
        .await?
        >= MAX_FAILURES_PER_ACCOUNT
        || db
            .accounts()
            .throttle_failures(&addr_key, THROTTLE_WINDOW)
            .await?
            >= MAX_FAILURES_PER_ADDRESS
    {
        return Err(AppError::TooManyAttempts);
    }
    let user = db.accounts().user_by_login(login).await?;
    let ok = match &user {
        Some(u) if u.disabled == 0 => {
            credentials::verify_password(password.to_string(), u.password_hash.clone()).await
        }
        _ => {
            // Spend the same time on unknown accounts, so timing does not tell which exist.
            let _ = credentials::verify_password(password.to_string(), dummy_hash().await).await;
            false
        }
    };
    match (ok, user) {
        (true, Some(u)) => {
            db.accounts().throttle_clear(&account_key).await?;
            Ok(u.id)
        }
        _ => {
            db.accounts()
                .throttle_record_failure(&account_key, THROTTLE_WINDOW)
                .await?;
            db.accounts()
                .throttle_record_failure(&addr_key, THROTTLE_WINDOW)
                .await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// argon2 hash of a random password nobody knows, made once per process.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            credentials::hash_password(credentials::new_token())
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}

/// Log in: checks the login (see [`check_login`]) and opens a session of `hours` bound to the
/// browser's CSRF token. Gives the session token for the cookie (only its hash is stored).
pub async fn log_in(
    db: &Db,
    login: &str,
    password: &str,
    addr: &str,
    csrf: &str,
    hours: i64,
) -> AppResult<String> {
    let user_id = check_login(db, login, password, addr).await?;
    let token = credentials::new_token();
    db.accounts()
        .insert_session(
            &credentials::token_hash(&token),
            user_id,
            csrf,
            crate::db::now() + hours * 3600,
        )
        .await?;
    Ok(token)
}

/// Log out: the session ends. Gives the hash of the session token, for caches to forget it.
pub async fn log_out(db: &Db, session_token: &str) -> AppResult<String> {
    let hash = credentials::token_hash(session_token);
    db.accounts().delete_session(&hash).await?;
    Ok(hash)
}
