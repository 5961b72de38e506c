//! What a user can do. Every function takes the acting user and checks permission first
//! (deny by default); pages and the JSON API both call these, so they cannot disagree.
pub mod accounts;
pub mod actor;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod decisions;
pub mod input;
pub mod notify;
pub mod open311;
pub mod organisations;
pub mod people;
pub mod places;
pub mod teams;

use crate::error::{AppError, FieldError};

/// Collects field errors, then fails with all of them at once.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn fail(&mut self, field: &str, code: &str) {
        self.0.push(FieldError::new(field, code));
    }

    /// Trimmed text of 1..=max characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, "required");
        } else if v.chars().count() > max {
            self.fail(field, "too_long");
        } else if v.chars().any(|c| c.is_control()) {
            self.fail(field, "invalid");
        }
        v.to_string()
    }

    /// Optional text: empty means none.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(self.text(field, v, max)),
        }
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// Log a change by `actor` in the audit log of a unit of work, so that the change and its row
/// commit together: a creation when there is no `before`, else an update with both states.
pub async fn audit_change<T: serde::Serialize>(
    work: &mut crate::db::store::Work<'_>,
    actor: &crate::services::actor::Actor,
    entity: &str,
    id: Option<i64>,
    before: Option<&T>,
    after: &T,
    reason: &str,
) -> Result<(), AppError> {
    let json = |v: &T| serde_json::to_value(v).map_err(anyhow::Error::from);
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: if before.is_some() { "update" } else { "create" },
            entity,
            entity_id: id,
            before: before.map(json).transpose()?,
            after: Some(json(after)?),
            reason,
        })
        .await?;
    Ok(())
}

/// Page size for lists: default 50, at most 200.
pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(50),
        Some(l) if (1..=200).contains(&l) => Ok(l),
        Some(_) => Err(AppError::field("limit", "out_of_range")),
    }
}
