//! Who is asking: a browser session (cookie `rb_session`) or an API token (`Authorization: Bearer`).
use super::AppState;
use crate::auth::token_hash;
use crate::db::accounts::GrantRow;
use crate::domain::access::{self, Action, Grant, Target};
use crate::domain::kinds::Role;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub grants: Vec<Grant>,
    pub grant_rows: Vec<GrantRow>,
    pub via_token: bool,
}

impl Actor {
    pub fn can(&self, action: Action, target: &Target) -> bool {
        access::allowed(&self.grants, action, target)
    }

    /// Deny by default: Ok only when allowed.
    pub fn require(&self, action: Action, target: &Target) -> Result<(), AppError> {
        if self.can(action, target) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }
}

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
        let user = state
            .db
            .user_by_credential(&hash, via_token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let grant_rows = state.db.grant_rows(user.id).await?;
        let grants = state.db.resolve_grants(&user, &grant_rows).await?;
        let display_name = match user.person_id {
            Some(p) => state
                .db
                .person(p)
                .await?
                .map(|p| p.name)
                .unwrap_or_else(|| user.username.clone()),
            None => user.username.clone(),
        };
        let actor = Actor {
            user_id: user.id,
            username: user.username,
            display_name,
            person_id: user.person_id,
            grants,
            grant_rows,
            via_token,
        };
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}
