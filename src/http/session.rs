//! Who is asking: a browser session (cookie `rb_session`) or an API token (`Authorization: Bearer`),
//! turned into the service layer's [`Actor`].
use super::AppState;
use crate::error::AppError;
use crate::services::accounts::credentials::token_hash;
pub use crate::services::actor::{self, Actor, ActorCache};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Where the credential of a request is, if any: (hash, is API token).
pub fn credential(parts: &Parts) -> Option<(String, bool)> {
    if let Some(auth) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return auth
            .strip_prefix("Bearer ")
            .map(|t| (token_hash(t.trim()), true));
    }
    super::ctx::cookie(&parts.headers, "rb_session").map(|t| (token_hash(&t), false))
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(a) = parts.extensions.get::<Actor>() {
            return Ok(a.clone());
        }
        let (hash, via_token) = credential(parts).ok_or(AppError::Unauthenticated)?;
        let locale = super::ctx::locale_from_headers(&parts.headers);
        let mut actor = match state.actors.get(&hash) {
            Some(a) => a,
            None => {
                let a = actor::resolve(&state.db, &hash, via_token)
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                state.actors.put(hash, a.clone());
                a
            }
        };
        actor.locale = locale;
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}
