//! Accounts and their role grants, managed by administrators: create an account (optionally
//! linked to a person, who may then also log in with their phone number), grant and revoke
//! roles within a scope, disable or enable, set a new password. Every change is audited
//! (never a password or its hash); the last administrator cannot be removed or disabled.
pub mod credentials;
pub mod login;
pub mod operator;
pub mod password;
pub mod tokens;

use super::{Checks, audit_change, page_limit};
use crate::db::Db;
use crate::db::accounts::{AccountRow, AccountStore, GrantRow};
use crate::domain::access::{Action, Target};
use crate::domain::accounts::{check_grant, check_username};
use crate::domain::kinds::{OrgKind, Role, ScopeKind};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An account with its grants.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    #[serde(flatten)]
    pub account: AccountRow,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<Account>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

pub async fn list(
    db: &Db,
    actor: &Actor,
    q: &str,
    before: i64,
    limit: Option<i64>,
) -> AppResult<AccountPage> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let limit = page_limit(limit)?;
    let q = q.trim();
    if q.chars().count() > 40 {
        return Err(AppError::field("q", "too_long"));
    }
    let rows = db.accounts().accounts(q, before, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut grants = db.accounts().grants_of(&ids).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|account| {
            let mine = grants
                .extract_if(.., |g| g.user_id == account.id)
                .map(|g| g.grant)
                .collect();
            Account {
                account,
                grants: mine,
            }
        })
        .collect();
    Ok(AccountPage { items, next_before })
}

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<Account> {
    actor.require(Action::ManageUsers, &Target::System)?;
    load(&mut db.accounts(), id).await
}

/// An account with its grants, from the pool (`db.accounts()`) or as a unit of work sees it
/// with its changes so far (`work.accounts()`).
async fn load(store: &mut AccountStore<'_>, id: i64) -> AppResult<Account> {
    let account = store.account(id).await?.ok_or(AppError::NotFound)?;
    let grants = store.grant_rows(id).await?;
    Ok(Account { account, grants })
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AccountInput {
    #[serde(default)]
    #[schema(required = true)]
    pub username: String,
    #[serde(default)]
    #[schema(required = true)]
    pub password: String,
    /// The person this account belongs to (they may then log in with their phone number too).
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub person_id: Option<i64>,
    /// zh-CN (default) or en: the language of their notifications.
    pub locale: Option<String>,
}

async fn check_person(db: &Db, c: &mut Checks, person_id: Option<i64>) -> AppResult<()> {
    if let Some(p) = person_id
        && db.people().person(p).await?.is_none()
    {
        c.fail("person_id", "unknown");
    }
    Ok(())
}

fn check_password(c: &mut Checks, field: &str, p: &str) {
    if let Err(code) = crate::services::accounts::credentials::check_new_password(p) {
        c.fail(field, code);
    }
}

pub async fn create(db: &Db, actor: &Actor, input: &AccountInput) -> AppResult<Account> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let mut c = Checks::default();
    // Usernames are lower case; what was typed in capitals is taken as meant.
    let username = input.username.trim().to_lowercase();
    let username = username.as_str();
    if let Err(code) = check_username(username) {
        c.fail("username", code);
    }
    check_password(&mut c, "password", &input.password);
    check_person(db, &mut c, input.person_id).await?;
    let locale = locale_of(&mut c, input.locale.as_deref());
    c.finish()?;
    let mut work = db.begin().await?;
    let hash =
        crate::services::accounts::credentials::hash_password(input.password.clone()).await?;
    let id = work
        .accounts()
        .insert_account(username, input.person_id, &hash, locale)
        .await?
        .ok_or(AppError::field("username", "taken"))?;
    let created = load(&mut work.accounts(), id).await?;
    audit_change(&mut work, actor, "user", Some(id), None, &created, "").await?;
    work.commit().await?;
    Ok(created)
}

/// A change to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AccountPatch {
    pub disabled: Option<bool>,
    /// A new password (the account's sessions end).
    pub password: Option<String>,
    /// Link to a person; 0 unlinks.
    pub person_id: Option<i64>,
    /// zh-CN or en: the language of their notifications.
    pub locale: Option<String>,
}

/// The stored locale for what a form or body says: blank is Chinese, the default.
fn locale_of(c: &mut Checks, given: Option<&str>) -> &'static str {
    match given.map(str::trim) {
        None | Some("") | Some("zh-CN") => "zh-CN",
        Some("en") => "en",
        Some(_) => {
            c.fail("locale", "invalid");
            ""
        }
    }
}

pub async fn update(db: &Db, actor: &Actor, id: i64, patch: &AccountPatch) -> AppResult<Account> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let before = load(&mut db.accounts(), id).await?;
    let mut c = Checks::default();
    if let Some(p) = &patch.password {
        check_password(&mut c, "password", p);
    }
    let person = patch.person_id.map(|p| (p != 0).then_some(p));
    if let Some(p) = person {
        check_person(db, &mut c, p).await?;
    }
    if patch.disabled == Some(true) && before.account.disabled == 0 {
        if id == actor.user_id {
            c.fail("disabled", "self");
        } else if before.grants.iter().any(|g| g.role == "admin")
            && db.accounts().other_admins(id).await? == 0
        {
            c.fail("disabled", "last_admin");
        }
    }
    let locale = patch.locale.as_deref().map(|l| locale_of(&mut c, Some(l)));
    if patch.disabled.is_none()
        && patch.password.is_none()
        && patch.person_id.is_none()
        && patch.locale.is_none()
    {
        c.fail("disabled", "required");
    }
    c.finish()?;
    let mut work = db.begin().await?;
    if let Some(d) = patch.disabled {
        work.accounts().set_disabled(id, d).await?;
    }
    if let Some(p) = person {
        work.accounts().set_account_person(id, p).await?;
    }
    if let Some(l) = locale {
        work.accounts().set_locale(id, l).await?;
    }
    if let Some(p) = &patch.password {
        work.accounts()
            .set_password(
                id,
                &crate::services::accounts::credentials::hash_password(p.clone()).await?,
            )
            .await?;
        // A reset ends every session of the account and revokes its tokens.
        work.accounts().end_sessions_except(id, None).await?;
        work.accounts()
            .revoke_user_tokens(id, crate::db::now())
            .await?;
    }
    let after = load(&mut work.accounts(), id).await?;
    let reason = if patch.password.is_some() {
        "password set by an administrator"
    } else {
        ""
    };
    audit_change(
        &mut work,
        actor,
        "user",
        Some(id),
        Some(&before),
        &after,
        reason,
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GrantInput {
    /// resident | building_leader | butler | property_staff | property_manager | committee_member
    /// | department_staff | community_staff | district_official | admin
    #[serde(default)]
    #[schema(required = true)]
    pub role: String,
    /// global | region | compound | building | organisation | team
    #[serde(default)]
    #[schema(required = true)]
    pub scope_kind: String,
    /// The region, compound, building, organisation or team; none for global.
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub scope_id: Option<i64>,
}

pub async fn add_grant(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    input: &GrantInput,
) -> AppResult<Account> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let before = load(&mut db.accounts(), user_id).await?;
    let mut c = Checks::default();
    let role = Role::parse(input.role.trim());
    let scope = ScopeKind::parse(input.scope_kind.trim());
    if role.is_none() {
        c.fail("role", "invalid");
    }
    if scope.is_none() {
        c.fail("scope_kind", "invalid");
    }
    if let (Some(role), Some(scope)) = (role, scope) {
        let mut org_kind = None;
        match (scope, input.scope_id) {
            (ScopeKind::Global, Some(_)) => c.fail("scope_id", "invalid"),
            (ScopeKind::Global, None) => {}
            (_, None) => c.fail("scope_id", "required"),
            (ScopeKind::Region, Some(id)) => {
                if db.places().region_chain(id).await?.is_none() {
                    c.fail("scope_id", "unknown");
                }
            }
            (ScopeKind::Compound, Some(id)) => {
                if db.places().compound(id).await?.is_none() {
                    c.fail("scope_id", "unknown");
                }
            }
            (ScopeKind::Building, Some(id)) => {
                if db.places().building(id).await?.is_none() {
                    c.fail("scope_id", "unknown");
                }
            }
            (ScopeKind::Organisation, Some(id)) => match db.organisations().organisation(id).await?
            {
                None => c.fail("scope_id", "unknown"),
                Some(o) => org_kind = OrgKind::parse(&o.kind),
            },
            (ScopeKind::Team, Some(id)) => {
                if db.teams().team(id).await?.is_none() {
                    c.fail("scope_id", "unknown");
                } else if !is_team_member(db, id, before.account.person_id).await? {
                    // A butler's grant reaches the fields of their membership: none without one.
                    c.fail("scope_id", "not_a_member");
                }
            }
        }
        if c.0.is_empty()
            && let Err((field, code)) = check_grant(role, scope, org_kind)
        {
            c.fail(field, code);
        }
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let (Some(role), Some(scope)) = (role, scope) else {
        return Err(AppError::field("role", "invalid"));
    };
    work.accounts()
        .insert_grant_once(user_id, role, scope, input.scope_id)
        .await?
        .ok_or(AppError::field("role", "already_granted"))?;
    let after = load(&mut work.accounts(), user_id).await?;
    audit_change(
        &mut work,
        actor,
        "user",
        Some(user_id),
        Some(&before),
        &after,
        "role granted",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

async fn is_team_member(db: &Db, team: i64, person: Option<i64>) -> AppResult<bool> {
    let Some(person) = person else {
        return Ok(false);
    };
    Ok(db.teams().team_member_id(team, person).await?.is_some())
}

/// Revoke a grant; returns the account it belonged to.
pub async fn revoke_grant(db: &Db, actor: &Actor, grant_id: i64) -> AppResult<Account> {
    actor.require(Action::ManageUsers, &Target::System)?;
    let grant = db
        .accounts()
        .grant(grant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = load(&mut db.accounts(), grant.user_id).await?;
    let mut work = db.begin().await?;
    if !work
        .accounts()
        .delete_grant_keeping_an_admin(grant_id)
        .await?
    {
        return Err(AppError::field("role", "last_admin"));
    }
    let after = load(&mut work.accounts(), grant.user_id).await?;
    audit_change(
        &mut work,
        actor,
        "user",
        Some(grant.user_id),
        Some(&before),
        &after,
        "role revoked",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}
