//! The demo district (deterministic): 永川区 → 中山路街道 → 兴龙湖社区 with 凤栖阁, 国税佳苑 and three
//! more compounds, the people of the report in their roles, and generated residents. The same
//! generator makes a larger synthetic district for benchmarks (`redbutler demo --compounds N`).
mod cases;
mod district;
mod synthetic;

use crate::db::Db;
use crate::domain::kinds::{Role, ScopeKind};
pub use cases::*;
pub use district::*;
pub use synthetic::*;

pub const DEMO_PASSWORD: &str = "redbutler-demo";

const ALL_TABLES: &[&str] = &[
    "regions",
    "compounds",
    "buildings",
    "entrances",
    "dwellings",
    "people",
    "organisations",
    "holdings",
    "organisation_matters",
    "property_contracts",
    "committee_members",
    "teams",
    "squads",
    "team_members",
    "responsibility_fields",
    "users",
    "role_grants",
];

pub async fn is_empty(db: &Db) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions")
        .fetch_one(&db.pool)
        .await?;
    Ok(n == 0)
}

/// username, name, person, grants (role, scope kind, scope id).
type DemoAccount = (
    &'static str,
    &'static str,
    Option<i64>,
    Vec<(Role, ScopeKind, Option<i64>)>,
);

/// One demo login per role.
pub struct DemoLogin {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub scope: String,
}
