//! Logging in and out: a login (username or linked phone number) and password, throttled per
//! account and per client address (see [`throttle`]), then a session.
use super::credentials;
use crate::db::Db;
use crate::domain::accounts::throttle;
use crate::error::{AppError, AppResult};

/// Reserves one try of `key` before the password is checked, atomically (compare and set), so
/// simultaneous tries cannot all pass a check made before any of them is counted. Gives the
/// seconds to wait when the key must wait.
async fn reserve(db: &Db, key: &str, free: i64) -> AppResult<Result<(), i64>> {
    for _ in 0..16 {
        let now = crate::db::now();
        let old = db.accounts().throttle_row(key).await?;
        let (failures, since) = old.map_or((0, throttle::FORGET_AFTER), |(f, at)| (f, now - at));
        let wait = throttle::wait(failures, since, free);
        if wait > 0 {
            return Ok(Err(wait));
        }
        let new = (throttle::after_try(failures, since), now);
        if db.accounts().throttle_swap(key, old, new).await? {
            return Ok(Ok(()));
        }
    }
    // Sixteen lost races in a row: a storm of tries on one key; it waits like a throttled one.
    Ok(Err(1))
}

/// Checks a login and password; gives the user id. Every try is reserved against the account
/// (username and phone number alike) and the client address before argon2 runs; a success
/// clears the account and gives the address its try back.
pub async fn check_login(db: &Db, login: &str, password: &str, addr: &str) -> AppResult<i64> {
    let login = login.trim();
    if login.is_empty()
        || login.chars().count() > 100
        || password.is_empty()
        || password.len() > 200
    {
        return Err(AppError::Unauthenticated);
    }
    let user = db.accounts().user_by_login(login).await?;
    let account_key = match &user {
        Some(u) => format!("user:{}", u.id),
        None => format!("login:{}", login.to_lowercase()),
    };
    let addr_key = format!("addr:{addr}");
    if let Err(wait) = reserve(db, &addr_key, throttle::ADDRESS_FREE).await? {
        return Err(AppError::TooManyAttempts(wait));
    }
    if let Err(wait) = reserve(db, &account_key, throttle::ACCOUNT_FREE).await? {
        db.accounts().throttle_release(&addr_key).await?;
        return Err(AppError::TooManyAttempts(wait));
    }
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
            db.accounts().throttle_release(&addr_key).await?;
            Ok(u.id)
        }
        _ => Err(AppError::Unauthenticated),
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
