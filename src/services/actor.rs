//! Who is acting: the user, their grants (what they may do where), the units they work for and
//! the language they read. Every service takes an `Actor` and checks it before anything else;
//! the http layer builds one per request from the session cookie or API token.
use crate::db::Db;
use crate::db::accounts::GrantRow;
use crate::domain::access::{self, Action, Grant, Target};
use crate::domain::kinds::Role;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub grants: Vec<Grant>,
    pub grant_rows: Vec<GrantRow>,
    pub via_token: bool,
    /// The hash of the credential (session cookie or API token) this request came with.
    pub credential: String,
    /// The language the actor reads (per request; zh-CN unless asked otherwise).
    pub locale: crate::locale::Locale,
    /// The units (organisations, teams, squads) the user works for: cases they own are theirs.
    pub units: Vec<crate::domain::cases::Unit>,
}

impl Actor {
    pub fn can(&self, action: Action, target: &Target) -> bool {
        access::allowed(&self.grants, action, target)
    }

    /// Whether any grant lets the actor take `action` somewhere (for refusing before validating).
    pub fn can_anywhere(&self, action: Action) -> bool {
        self.grants
            .iter()
            .any(|g| access::role_permits(g.role, action))
    }

    /// Deny by default: Ok only when allowed.
    pub fn require(&self, action: Action, target: &Target) -> Result<(), AppError> {
        if self.can(action, target) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The units whose cases the actor works by a grant: the organisations their grants are
    /// scoped to (a department's staff work the cases transferred to it). Membership of a team or
    /// squad routes cases and notifications to a person but gives no standing on a case: that
    /// comes from a grant in scope (issue 13).
    pub fn working_units(&self) -> Vec<crate::domain::cases::Unit> {
        self.units
            .iter()
            .filter(|u| u.kind == crate::domain::cases::UnitKind::Organisation)
            .copied()
            .collect()
    }

    /// The organisations among the actor's units (a department's staff answer its requests).
    pub fn organisations(&self) -> Vec<i64> {
        self.units
            .iter()
            .filter(|u| u.kind == crate::domain::cases::UnitKind::Organisation)
            .map(|u| u.id)
            .collect()
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

/// Resolved actors by credential hash, for a few seconds: a request then costs no queries to
/// find who is asking. Logout and password changes drop the entries on this node; other nodes
/// behind a load balancer notice within [`ActorCache::TTL`].
#[derive(Default)]
pub struct ActorCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Actor)>>,
}

impl ActorCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX_ENTRIES: usize = 50_000;

    pub fn get(&self, key: &str) -> Option<Actor> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, a)| a.clone())
    }

    pub fn put(&self, key: String, actor: Actor) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= Self::MAX_ENTRIES {
                map.retain(|_, (at, _)| at.elapsed() < Self::TTL);
                if map.len() >= Self::MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (std::time::Instant::now(), actor));
        }
    }

    /// Forget one credential (logout).
    pub fn forget(&self, key: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(key);
        }
    }

    /// Forget every credential of a user (password change, role change).
    pub fn forget_user(&self, user_id: i64) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (_, a)| a.user_id != user_id);
        }
    }
}

/// Who holds this credential (the SHA-256 of a session cookie or an API token), with their
/// grants and units; None when it is unknown, expired or the account is disabled.
pub async fn resolve(db: &Db, hash: &str, via_token: bool) -> AppResult<Option<Actor>> {
    let Some(user) = db.accounts().user_by_credential(hash, via_token).await? else {
        return Ok(None);
    };
    let grant_rows = db.accounts().grant_rows(user.id).await?;
    let grants = db.accounts().resolve_grants(&user, &grant_rows).await?;
    let display_name = match user.person_id {
        Some(p) => db
            .people()
            .person(p)
            .await?
            .map(|p| p.name)
            .unwrap_or_else(|| user.username.clone()),
        None => user.username.clone(),
    };
    let units = db.cases().user_units(user.id, user.person_id).await?;
    Ok(Some(Actor {
        credential: hash.to_string(),
        units,
        user_id: user.id,
        username: user.username,
        display_name,
        person_id: user.person_id,
        grants,
        grant_rows,
        via_token,
        locale: Default::default(),
    }))
}
