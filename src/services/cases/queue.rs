//! Lists of cases: a unit's queue, the open issues of a compound (without names), a department's
//! coordination requests.
use crate::db::Db;
use crate::db::cases::{CaseLine, CoordinationRow, PlaceScope, QueueFilter};
use crate::domain::access::{Action, Reach, Target};
use crate::domain::cases::{CaseKind, CaseStatus};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Query parameters of a case list.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// open (default) | all | overdue | mine (cases I reported)
    pub show: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub category_id: Option<i64>,
    pub compound_id: Option<i64>,
    /// Keyset: the last id of the previous page.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseLine>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The queue ([`queue_json`]) as typed lines, for pages.
pub async fn queue(db: &Db, actor: &Actor, p: &QueueParams) -> AppResult<CasePage> {
    let json = queue_json(db, actor, p).await?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
}

/// The queue: cases owned by the organisations the actor works for by a grant, and cases in the
/// places where the actor works cases;
/// or (`show=mine`) the cases the actor reported. One page, as the JSON of a [`CasePage`]
/// serialised by the database.
pub async fn queue_json(db: &Db, actor: &Actor, p: &QueueParams) -> AppResult<String> {
    let limit = crate::services::page_limit(p.limit)?;
    let mut f = QueueFilter::default();
    let show = p.show.as_deref().unwrap_or("open");
    match show {
        "mine" => f.reporter = Some(actor.user_id),
        "open" | "all" | "overdue" => {
            f.units = actor.working_units();
            f.places = place_scope(db, actor, Action::HandleCases).await?;
            f.open_only = show != "all";
            if show == "overdue" {
                f.overdue_at = Some(crate::db::now());
            }
        }
        _ => return Err(AppError::field("show", "invalid")),
    }
    if let Some(s) = p.status.as_deref().filter(|s| !s.is_empty()) {
        if CaseStatus::parse(s).is_none() {
            return Err(AppError::field("status", "invalid"));
        }
        f.status = Some(s.into());
    }
    if let Some(k) = p.kind.as_deref().filter(|s| !s.is_empty()) {
        if CaseKind::parse(k).is_none() {
            return Err(AppError::field("kind", "invalid"));
        }
        f.kind = Some(k.into());
    }
    f.category_id = p.category_id;
    f.compound = p.compound_id;
    let (items, count, last) = db
        .cases()
        .case_queue(&f, p.before.unwrap_or(0), limit)
        .await?;
    let next = match last {
        Some(id) if count == limit => id.to_string(),
        _ => "null".into(),
    };
    let mut page = String::with_capacity(items.len() + 40);
    page.push_str("{\"items\":");
    page.push_str(&items);
    page.push_str(",\"next_before\":");
    page.push_str(&next);
    page.push('}');
    Ok(page)
}

/// The places where the actor's grants permit `action`: the scope of their queue or figures.
pub async fn place_scope(db: &Db, actor: &Actor, action: Action) -> AppResult<PlaceScope> {
    let mut scope = PlaceScope::default();
    for g in &actor.grants {
        if !crate::domain::access::role_permits(g.role, action) {
            continue;
        }
        match &g.reach {
            Reach::Global => scope.all = true,
            Reach::Region(r) => scope
                .regions
                .push((db.cases().region_column(*r).await?, *r)),
            Reach::Compounds(list) => scope.compounds.extend(list),
            Reach::Buildings(pairs) => scope.compounds.extend(pairs.iter().map(|p| p.0)),
            Reach::Nowhere => {}
        }
    }
    scope.compounds.sort_unstable();
    scope.compounds.dedup();
    Ok(scope)
}

/// A compound's open issues as its residents see them: no names, the description only where
/// the reporter agreed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicIssue {
    pub id: i64,
    pub number: String,
    pub category_id: i64,
    pub building_id: Option<i64>,
    pub public_area: String,
    pub status: String,
    pub created_at: i64,
    pub description: Option<String>,
}

pub async fn public_issues(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
) -> AppResult<Vec<PublicIssue>> {
    let compound = db
        .places()
        .compound(compound_id)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require(Action::ViewPlace, &Target::Place(compound.place(None)))?;
    Ok(db
        .cases()
        .public_issues(compound_id, 100)
        .await?
        .into_iter()
        .map(
            |(
                id,
                number,
                category_id,
                building_id,
                public_area,
                status,
                created_at,
                description,
                public,
            )| PublicIssue {
                id,
                number,
                category_id,
                building_id,
                public_area,
                status,
                created_at,
                description: (public != 0).then_some(description),
            },
        )
        .collect())
}

/// Coordination requests addressed to the actor's departments.
pub async fn coordination_requests(
    db: &Db,
    actor: &Actor,
    before: i64,
    limit: Option<i64>,
) -> AppResult<Vec<CoordinationRow>> {
    let limit = crate::services::page_limit(limit)?;
    let orgs = actor.organisations();
    Ok(db.cases().coordination_for(&orgs, before, limit).await?)
}
