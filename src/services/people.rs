//! People: seen masked by whoever may see them, unmasked only with a reason that is logged.
use super::Checks;
use crate::db::people::PersonDwelling;
use crate::db::{Db, audit::AuditRecord};
use crate::domain::access::{Action, Target};
use crate::domain::personal::{mask_id_number, mask_phone, parse_id_number, parse_phone};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    /// Masked (`138****1234`) unless `unmasked` is true.
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub unmasked: bool,
    pub dwellings: Vec<PersonDwelling>,
    pub can_unmask: bool,
    pub can_edit: bool,
    pub is_self: bool,
}

/// Allowed when the actor is the person, or may take `action` at one of the person's places.
fn may(actor: &Actor, person_id: i64, places: &[PersonDwelling], action: Action) -> bool {
    actor.person_id == Some(person_id)
        || actor.is_admin()
        || places
            .iter()
            .any(|d| actor.can(action, &Target::Place(d.place())))
}

async fn load(db: &Db, actor: &Actor, id: i64, unmask: bool) -> AppResult<PersonView> {
    let person = db.people().person(id).await?.ok_or(AppError::NotFound)?;
    let dwellings = db.people().person_dwellings(id).await?;
    let is_self = actor.person_id == Some(id);
    if !may(actor, id, &dwellings, Action::ViewPeople) {
        // Do not reveal whether the person exists.
        return Err(AppError::NotFound);
    }
    let can_unmask = !is_self && may(actor, id, &dwellings, Action::UnmaskPersonal);
    let show = is_self || unmask;
    Ok(PersonView {
        id,
        name: person.name,
        phone: person.phone.map(|p| if show { p } else { mask_phone(&p) }),
        id_number: person
            .id_number
            .map(|p| if show { p } else { mask_id_number(&p) }),
        unmasked: show,
        can_edit: may(actor, id, &dwellings, Action::EditPeople),
        can_unmask,
        dwellings,
        is_self,
    })
}

pub async fn view_person(db: &Db, actor: &Actor, id: i64) -> AppResult<PersonView> {
    load(db, actor, id, false).await
}

/// Full phone and ID number, for someone who needs them; the read is logged with its reason.
pub async fn unmask_person(db: &Db, actor: &Actor, id: i64, reason: &str) -> AppResult<PersonView> {
    let mut c = Checks::default();
    let reason = c.text("reason", reason, 200);
    c.finish()?;
    let view = load(db, actor, id, false).await?;
    if view.is_self {
        return load(db, actor, id, false).await;
    }
    if !view.can_unmask {
        return Err(AppError::Forbidden);
    }
    db.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "unmask",
            entity: "person",
            entity_id: Some(id),
            before: None,
            after: None,
            reason: &reason,
        })
        .await?;
    load(db, actor, id, true).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonEdit {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    /// Absent keeps the stored number; empty clears it.
    pub phone: Option<String>,
    /// Absent keeps the stored number; empty clears it.
    pub id_number: Option<String>,
}

pub async fn edit_person(
    db: &Db,
    actor: &Actor,
    id: i64,
    edit: &PersonEdit,
) -> AppResult<PersonView> {
    let before = db.people().person(id).await?.ok_or(AppError::NotFound)?;
    let dwellings = db.people().person_dwellings(id).await?;
    if !may(actor, id, &dwellings, Action::ViewPeople) {
        return Err(AppError::NotFound);
    }
    if !may(actor, id, &dwellings, Action::EditPeople) {
        return Err(AppError::Forbidden);
    }
    let mut c = Checks::default();
    let name = c.text("name", &edit.name, 50);
    let phone = match edit.phone.as_deref().map(str::trim) {
        None => before.phone.clone(),
        Some("") => None,
        Some(p) => parse_phone(p)
            .map_err(|_| c.fail("phone", "invalid_phone"))
            .ok(),
    };
    let id_number = match edit.id_number.as_deref().map(str::trim) {
        None => before.id_number.clone(),
        Some("") => None,
        Some(p) => parse_id_number(p)
            .map_err(|_| c.fail("id_number", "invalid_id_number"))
            .ok(),
    };
    c.finish()?;
    let mut work = db.begin().await?;
    work.people()
        .update_person(id, &name, phone.as_deref(), id_number.as_deref())
        .await?;
    // The log keeps masked values: it must not become a second copy of personal data.
    let m = |name: &str, phone: Option<&str>, idn: Option<&str>| serde_json::json!({"name": name, "phone": phone.map(mask_phone), "id_number": idn.map(mask_id_number)});
    work.audit()
        .record(AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "update",
            entity: "person",
            entity_id: Some(id),
            before: Some(m(
                &before.name,
                before.phone.as_deref(),
                before.id_number.as_deref(),
            )),
            after: Some(m(&name, phone.as_deref(), id_number.as_deref())),
            reason: "",
        })
        .await?;
    work.commit().await?;
    view_person(db, actor, id).await
}
