//! Cases: intake, routing, the workflow, who sees what, the inbox and the deadline job.
pub mod config;
pub mod deadlines;
pub mod figures;
pub mod handling;
pub mod intake;
pub mod mediation;
pub mod photos;
pub mod queue;
pub mod view;

use super::Checks;
use crate::db::Db;
use crate::db::cases::{CaseRow, Category, CoordinationRow};
use crate::db::places::Compound;
use crate::domain::access::Target;
use crate::domain::cases::{Unit, UnitKind};
use crate::domain::deadline::{self, SlaPeriods};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
pub use deadlines::*;
pub use figures::*;
pub use handling::*;
pub use intake::*;
pub use mediation::*;
pub use queue::*;
use serde::Serialize;
use utoipa::ToSchema;
pub use view::*;

pub const MAX_PHOTOS: usize = 3;

pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

pub const MAX_DESCRIPTION: usize = 2000;

pub const MAX_NOTE: usize = 2000;

/// The image type of an upload, from its first bytes (never from its name).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// How the actor stands towards one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Works on it: a case worker for its place by a grant, or staff of the owning organisation.
    Worker,
    /// Reported it (or a building leader who reported it for a neighbour).
    Reporter,
    /// A department asked for coordination: sees the summary and its own request.
    Department,
    /// Reported a duplicate that was merged into this case: sees what the reporter sees, may do
    /// nothing with it.
    Follower,
}

async fn standing(
    db: &Db,
    actor: &Actor,
    row: &CaseRow,
    compound: &Compound,
    asked: Option<&[CoordinationRow]>,
) -> AppResult<Option<Standing>> {
    let place = Target::Place(compound.place(row.building_id));
    if crate::domain::access::works_case(&actor.grants, &place, row.owner()) {
        return Ok(Some(Standing::Worker));
    }
    if row.reporter_user_id == Some(actor.user_id) || row.registered_by == Some(actor.user_id) {
        return Ok(Some(Standing::Reporter));
    }
    // Whoever reported a duplicate merged into this case follows this one (its public timeline).
    if db
        .cases()
        .merged_reporters(row.id)
        .await?
        .iter()
        .any(|(_, u)| *u == actor.user_id)
    {
        return Ok(Some(Standing::Follower));
    }
    let orgs = actor.organisations();
    if !orgs.is_empty() {
        let fetched;
        let asked = match asked {
            Some(a) => a,
            None => {
                fetched = db.cases().coordination_requests(row.id).await?;
                &fetched[..]
            }
        };
        if asked.iter().any(|r| orgs.contains(&r.organisation_id)) {
            return Ok(Some(Standing::Department));
        }
    }
    Ok(None)
}

pub async fn load(db: &Db, actor: &Actor, id: i64) -> AppResult<(CaseRow, Compound, Standing)> {
    let row = db.cases().case_row(id).await?.ok_or(AppError::NotFound)?;
    let compound = db
        .places()
        .compound(row.compound_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A case one may not see does not exist for them (no probing of numbers).
    let standing = standing(db, actor, &row, &compound, None)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row, compound, standing))
}

pub async fn categories(db: &Db) -> AppResult<Vec<Category>> {
    Ok(db.cases().categories().await?.to_vec())
}

/// The units a case of this compound can be dispatched or transferred to, as (`kind:id`, name):
/// the compound's team and its squads, the property company, the community office and the
/// district's departments.
pub async fn units_for(db: &Db, compound: &Compound) -> AppResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(team) = db
        .cases()
        .team_for_compound(compound.id, compound.community_id)
        .await?
    {
        if let Some(name) = db
            .cases()
            .unit_name(Unit {
                kind: UnitKind::Team,
                id: team,
            })
            .await?
        {
            out.push((format!("team:{team}"), name));
        }
        for squad in db.teams().squads_of(team).await? {
            out.push((format!("squad:{}", squad.id), squad.name));
        }
    }
    let today = deadline::local(crate::db::now());
    if let Some(id) = db
        .cases()
        .property_company_of(compound.id, today.get(..10).unwrap_or(""))
        .await?
        && let Some(name) = db
            .cases()
            .unit_name(Unit {
                kind: UnitKind::Organisation,
                id,
            })
            .await?
    {
        out.push((format!("organisation:{id}"), name));
    }
    if let Some(id) = db
        .cases()
        .office_of("community_office", compound.community_id)
        .await?
        && let Some(name) = db
            .cases()
            .unit_name(Unit {
                kind: UnitKind::Organisation,
                id,
            })
            .await?
    {
        out.push((format!("organisation:{id}"), name));
    }
    for (id, name) in db.cases().departments().await? {
        out.push((format!("organisation:{id}"), name));
    }
    Ok(out)
}

/// SLA periods of a class as configured.
pub async fn sla(db: &Db, class: &str) -> AppResult<SlaPeriods> {
    Ok(db
        .cases()
        .sla_periods(class)
        .await?
        .unwrap_or_else(|| deadline::SlaClass::Ordinary.default_periods()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_content() {
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<svg xmlns="), None);
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
