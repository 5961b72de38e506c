//! Viewing and editing places: compounds, buildings, dwellings.
use super::{Checks, audit_change, page_limit};
use crate::db::Db;
use crate::db::organisations::Contract;
use crate::db::places::{
    Building, Compound, CompoundFigures, CompoundFilter, Dwelling, Holder, HoldingRow,
};
use crate::db::teams::Team;
use crate::domain::access::{Action, Reach, Target, role_permits};
use crate::domain::area::AreaCentiM2;
use crate::domain::kinds::{AreaSource, DwellingUse};
use crate::domain::personal::mask_phone;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The compounds an actor may see, as a filter for lists.
pub fn visible_compounds(actor: &Actor) -> Option<CompoundFilter> {
    let mut regions = vec![];
    let mut compounds = vec![];
    for g in actor
        .grants
        .iter()
        .filter(|g| role_permits(g.role, Action::ViewPlace))
    {
        match &g.reach {
            Reach::Global => return Some(CompoundFilter::All),
            Reach::Region(r) => regions.push(*r),
            Reach::Compounds(c) => compounds.extend(c),
            Reach::Buildings(b) => compounds.extend(b.iter().map(|(c, _)| *c)),
            Reach::Nowhere => {}
        }
    }
    if regions.is_empty() && compounds.is_empty() {
        None
    } else {
        compounds.sort();
        compounds.dedup();
        Some(CompoundFilter::Within { regions, compounds })
    }
}

pub async fn list_compounds(
    db: &Db,
    actor: &Actor,
    after: i64,
    limit: Option<i64>,
) -> AppResult<Vec<Compound>> {
    let limit = page_limit(limit)?;
    match visible_compounds(actor) {
        Some(f) => Ok(db.places().compounds(&f, after, limit).await?),
        None => Ok(vec![]),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundView {
    pub compound: Compound,
    pub figures: CompoundFigures,
    pub buildings: Vec<Building>,
    pub property_contracts: Vec<Contract>,
    pub teams: Vec<Team>,
    /// May the viewer change the compound's name, kind and address?
    pub can_edit: bool,
}

pub async fn compound_of(db: &Db, id: i64) -> AppResult<Compound> {
    db.places().compound(id).await?.ok_or(AppError::NotFound)
}

pub async fn view_compound(db: &Db, actor: &Actor, id: i64) -> AppResult<CompoundView> {
    let compound = compound_of(db, id).await?;
    actor.require(Action::ViewPlace, &Target::Place(compound.place(None)))?;
    Ok(CompoundView {
        figures: db.places().compound_figures(id).await?,
        buildings: db.places().buildings_of(id).await?,
        property_contracts: db.organisations().contracts(0, id).await?,
        teams: db.teams().teams_serving_compound(id).await?,
        can_edit: actor.can(Action::EditPlace, &Target::Place(compound.place(None))),
        compound,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingView {
    pub compound: Compound,
    pub building: Building,
    pub dwellings: Vec<Dwelling>,
    /// Current residents of the building, when the viewer may see people here (masked phones).
    pub people: Option<Vec<Holder>>,
    pub next_after: Option<i64>,
    /// May the viewer add dwellings to this building?
    pub can_edit: bool,
}

pub async fn view_building(
    db: &Db,
    actor: &Actor,
    id: i64,
    after: i64,
    limit: Option<i64>,
) -> AppResult<BuildingView> {
    let limit = page_limit(limit)?;
    let building = db.places().building(id).await?.ok_or(AppError::NotFound)?;
    let compound = compound_of(db, building.compound_id).await?;
    let place = Target::Place(compound.place(Some(id)));
    actor.require(Action::ViewPlace, &place)?;
    let dwellings = db
        .places()
        .dwellings(compound.id, Some(id), after, limit)
        .await?;
    let people = if actor.can(Action::ViewPeople, &place) && after == 0 {
        Some(masked(db.people().people_of_building(id, 0, 500).await?))
    } else {
        None
    };
    let next_after = (dwellings.len() as i64 == limit)
        .then(|| dwellings.last().map(|d| d.id))
        .flatten();
    Ok(BuildingView {
        can_edit: actor.can(Action::EditPlace, &place),
        compound,
        building,
        dwellings,
        people,
        next_after,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DwellingPage {
    pub items: Vec<Dwelling>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// One keyset page of a compound's dwellings ([`DwellingPage`]), serialised by the database: `{"items": [...], "next_after": n}`.
pub async fn list_dwellings_json(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
    after: i64,
    limit: Option<i64>,
) -> AppResult<String> {
    let limit = page_limit(limit)?;
    let compound = compound_of(db, compound_id).await?;
    actor.require(Action::ViewPlace, &Target::Place(compound.place(None)))?;
    let page = db
        .places()
        .dwellings_json(compound_id, after, limit)
        .await?;
    let next = match page.last_id {
        Some(id) if page.count == limit => id.to_string(),
        _ => "null".into(),
    };
    Ok(format!(
        "{{\"items\":{},\"next_after\":{next}}}",
        page.items
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DwellingView {
    pub dwelling: Dwelling,
    pub compound_name: String,
    /// Holders, when the viewer may see people of this building (phones masked).
    pub holders: Option<Vec<Holder>>,
    pub can_edit: bool,
    /// May the viewer add and end holdings of this dwelling?
    pub can_edit_people: bool,
}

fn masked(mut holders: Vec<Holder>) -> Vec<Holder> {
    for h in &mut holders {
        h.phone = h.phone.as_deref().map(mask_phone);
    }
    holders
}

pub async fn view_dwelling(db: &Db, actor: &Actor, id: i64) -> AppResult<DwellingView> {
    let (dwelling, compound, holders) = db
        .places()
        .dwelling_full(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let place = Target::Place(compound.place(Some(dwelling.building_id)));
    actor.require(Action::ViewPlace, &place)?;
    let holders = actor
        .can(Action::ViewPeople, &place)
        .then(|| masked(holders));
    Ok(DwellingView {
        can_edit: actor.can(Action::EditPlace, &place),
        can_edit_people: actor.can(Action::EditPeople, &place),
        compound_name: compound.name,
        dwelling,
        holders,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DwellingEdit {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub floor: i64,
    /// residential | commercial | parking | storage
    #[serde(default)]
    #[schema(required = true)]
    pub use_kind: String,
    /// Square metres with at most two decimals, e.g. "89.50".
    #[serde(default)]
    #[schema(required = true)]
    pub area_m2: String,
    /// register | survey | contract
    #[serde(default)]
    #[schema(required = true)]
    pub area_source: String,
}

/// A dwelling and its compound, when the actor may do `action` there.
async fn dwelling_for(
    db: &Db,
    actor: &Actor,
    id: i64,
    action: Action,
) -> AppResult<(Dwelling, Compound)> {
    let dwelling = db.places().dwelling(id).await?.ok_or(AppError::NotFound)?;
    let compound = compound_of(db, dwelling.compound_id).await?;
    actor.require(
        action,
        &Target::Place(compound.place(Some(dwelling.building_id))),
    )?;
    Ok((dwelling, compound))
}

pub async fn edit_dwelling(
    db: &Db,
    actor: &Actor,
    id: i64,
    edit: &DwellingEdit,
) -> AppResult<Dwelling> {
    let (before, _) = dwelling_for(db, actor, id, Action::EditPlace).await?;
    let mut c = Checks::default();
    let area = check_dwelling(&mut c, edit);
    c.finish()?;
    let mut work = db.begin().await?;
    let area = area.ok_or(AppError::field("area_m2", "invalid_area"))?;
    work.places()
        .update_dwelling(
            id,
            edit.floor,
            &edit.use_kind,
            area.centi(),
            &edit.area_source,
        )
        .await?;
    let after = work
        .places()
        .dwelling(id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "dwelling",
        Some(id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// The checks a dwelling's floor, use, area and its source must pass; the area when it is good.
fn check_dwelling(c: &mut Checks, d: &DwellingEdit) -> Option<AreaCentiM2> {
    if !(-10..=300).contains(&d.floor) {
        c.fail("floor", "out_of_range");
    }
    if DwellingUse::parse(&d.use_kind).is_none() {
        c.fail("use_kind", "invalid");
    }
    if AreaSource::parse(&d.area_source).is_none() {
        c.fail("area_source", "invalid");
    }
    let area = AreaCentiM2::parse(&d.area_m2).ok();
    if area.is_none() {
        c.fail("area_m2", "invalid_area");
    }
    area
}

// ---------------------------------------------------------------- new buildings, dwellings, residents

/// A new compound of a community: the same fields as an edit.
pub async fn add_compound(
    db: &Db,
    actor: &Actor,
    community_id: i64,
    new: &CompoundEdit,
) -> AppResult<Compound> {
    let level = db
        .places()
        .regions()
        .await?
        .into_iter()
        .find(|r| r.id == community_id)
        .map(|r| r.level)
        .ok_or(AppError::NotFound)?;
    let regions = db
        .places()
        .region_chain(community_id)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require(Action::EditPlace, &Target::Region(regions))?;
    let mut c = Checks::default();
    if level != crate::domain::kinds::RegionLevel::Community.as_str() {
        c.fail("community_id", "invalid");
    }
    let name = c.text("name", &new.name, 60);
    if crate::domain::kinds::CompoundKind::parse(&new.kind).is_none() {
        c.fail("kind", "invalid");
    }
    let address = c
        .optional_text("address", new.address.as_deref(), 200)
        .unwrap_or_default();
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work
        .places()
        .insert_compound(regions, &name, &new.kind, &address)
        .await?
        .ok_or(AppError::field("name", "taken"))?;
    let created = work
        .places()
        .compound(id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(&mut work, actor, "compound", Some(id), None, &created, "").await?;
    work.commit().await?;
    Ok(created)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuildingNew {
    /// e.g. "11栋"; unique within the compound.
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
}

pub async fn add_building(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
    new: &BuildingNew,
) -> AppResult<Building> {
    let compound = compound_of(db, compound_id).await?;
    actor.require(Action::EditPlace, &Target::Place(compound.place(None)))?;
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 40);
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work
        .places()
        .insert_building(compound_id, &name)
        .await?
        .ok_or(AppError::field("name", "taken"))?;
    let building = work
        .places()
        .building(id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(&mut work, actor, "building", Some(id), None, &building, "").await?;
    work.commit().await?;
    Ok(building)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DwellingNew {
    /// e.g. "1-302"; unique within the building.
    #[serde(default)]
    #[schema(required = true)]
    pub number: String,
    /// The entrance (单元), created when new; none for a building with one.
    pub entrance: Option<String>,
    /// The floor and the other fields of [`DwellingEdit`], written beside the number (not nested:
    /// a form reader then names a bad field exactly).
    #[serde(deserialize_with = "crate::services::input::int")]
    pub floor: i64,
    /// residential | commercial | parking | storage
    #[serde(default)]
    #[schema(required = true)]
    pub use_kind: String,
    /// Square metres with at most two decimals, e.g. "89.50".
    #[serde(default)]
    #[schema(required = true)]
    pub area_m2: String,
    /// register | survey | contract
    #[serde(default)]
    #[schema(required = true)]
    pub area_source: String,
}

impl DwellingNew {
    fn edit(&self) -> DwellingEdit {
        DwellingEdit {
            floor: self.floor,
            use_kind: self.use_kind.clone(),
            area_m2: self.area_m2.clone(),
            area_source: self.area_source.clone(),
        }
    }
}

pub async fn add_dwelling(
    db: &Db,
    actor: &Actor,
    building_id: i64,
    new: &DwellingNew,
) -> AppResult<Dwelling> {
    let building = db
        .places()
        .building(building_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let compound = compound_of(db, building.compound_id).await?;
    actor.require(
        Action::EditPlace,
        &Target::Place(compound.place(Some(building_id))),
    )?;
    let mut c = Checks::default();
    let number = c.text("number", &new.number, 20);
    let entrance = c.optional_text("entrance", new.entrance.as_deref(), 20);
    let area = check_dwelling(&mut c, &new.edit());
    c.finish()?;
    let mut work = db.begin().await?;
    let area = area.ok_or(AppError::field("area_m2", "invalid_area"))?;
    let id = work
        .places()
        .insert_dwelling(&crate::db::places::NewDwelling {
            compound_id: compound.id,
            building_id,
            entrance: entrance.as_deref(),
            number: &number,
            floor: new.floor,
            use_kind: new.use_kind.trim(),
            area_centi_m2: area.centi(),
            area_source: new.area_source.trim(),
        })
        .await?
        .ok_or(AppError::field("number", "taken"))?;
    let dwelling = work
        .places()
        .dwelling(id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(&mut work, actor, "dwelling", Some(id), None, &dwelling, "").await?;
    work.commit().await?;
    Ok(dwelling)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResidentNew {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    pub phone: Option<String>,
    /// 18-character resident ID number; one person per number.
    pub id_number: Option<String>,
    /// owner | co_owner | tenant | family
    #[serde(default)]
    #[schema(required = true)]
    pub relation: String,
    /// First day, YYYY-MM-DD.
    #[serde(default)]
    #[schema(required = true)]
    pub since: String,
}

/// Someone new moves in (or buys): the person and their holding of the dwelling, together. A
/// person already known (by ID number) is linked with [`add_holding`] instead.
pub async fn add_resident(
    db: &Db,
    actor: &Actor,
    dwelling_id: i64,
    new: &ResidentNew,
) -> AppResult<HoldingRow> {
    use crate::domain::kinds::HoldingRelation;
    use crate::domain::period::DatePeriod;
    use crate::domain::personal::{mask_id_number, parse_id_number, parse_phone};
    dwelling_for(db, actor, dwelling_id, Action::EditPeople).await?;
    let mut c = Checks::default();
    let name = c.text("name", &new.name, 50);
    let phone = match new.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => parse_phone(p)
            .map_err(|_| c.fail("phone", "invalid_phone"))
            .ok(),
    };
    let id_number = match new.id_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => parse_id_number(p)
            .map_err(|_| c.fail("id_number", "invalid_id_number"))
            .ok(),
    };
    match HoldingRelation::parse(new.relation.trim()) {
        Some(HoldingRelation::Developer) | None => c.fail("relation", "invalid"),
        Some(_) => {}
    }
    let period = DatePeriod::parse(&new.since, None, "since", "since");
    if let Err((f, e)) = period {
        c.fail(f, e);
    }
    c.finish()?;
    let mut work = db.begin().await?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    let (person, holding) = work
        .places()
        .insert_resident(
            &name,
            phone.as_deref(),
            id_number.as_deref(),
            dwelling_id,
            new.relation.trim(),
            &period.from_text(),
        )
        .await?
        .ok_or(AppError::field("id_number", "taken"))?;
    // The log keeps masked values: it must not become a second copy of personal data.
    let masked = serde_json::json!({"name": name, "phone": phone.as_deref().map(mask_phone),
        "id_number": id_number.as_deref().map(mask_id_number)});
    audit_change(&mut work, actor, "person", Some(person), None, &masked, "").await?;
    let holding = work
        .places()
        .holding(holding)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "holding",
        Some(holding.id),
        None,
        &holding,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(holding)
}

// ---------------------------------------------------------------- editing compounds and holdings

#[derive(Debug, Deserialize, ToSchema)]
pub struct CompoundEdit {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    /// owner_occupied | public_rental | mixed
    #[serde(default)]
    #[schema(required = true)]
    pub kind: String,
    pub address: Option<String>,
}

pub async fn edit_compound(
    db: &Db,
    actor: &Actor,
    id: i64,
    edit: &CompoundEdit,
) -> AppResult<Compound> {
    let before = compound_of(db, id).await?;
    actor.require(Action::EditPlace, &Target::Place(before.place(None)))?;
    let mut c = Checks::default();
    let name = c.text("name", &edit.name, 60);
    if crate::domain::kinds::CompoundKind::parse(&edit.kind).is_none() {
        c.fail("kind", "invalid");
    }
    let address = c
        .optional_text("address", edit.address.as_deref(), 200)
        .unwrap_or_default();
    c.finish()?;
    let mut work = db.begin().await?;
    if !work
        .places()
        .update_compound(id, &name, &edit.kind, &address)
        .await?
    {
        return Err(AppError::field("name", "taken"));
    }
    let after = work
        .places()
        .compound(id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "compound",
        Some(id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// A person's new link to a dwelling. (Developers' unsold units come with the import.)
#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldingNew {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub person_id: i64,
    /// owner | co_owner | tenant | family
    #[serde(default)]
    #[schema(required = true)]
    pub relation: String,
    /// First day, e.g. 2026-01-31.
    #[serde(default)]
    #[schema(required = true)]
    pub since: String,
    /// Last day; absent while it lasts.
    pub until: Option<String>,
    /// For a buyer from the developer: the day the unit is delivered (交付), e.g. 2027-03-01.
    /// Until then the buyer is not yet an owner on a vote's roll (RULES.md §1).
    #[serde(default)]
    pub delivered_on: Option<String>,
}

/// Link a person to a dwelling. Refused when the same person already holds it in the same way
/// for an overlapping period.
pub async fn add_holding(
    db: &Db,
    actor: &Actor,
    dwelling_id: i64,
    new: &HoldingNew,
) -> AppResult<HoldingRow> {
    use crate::domain::kinds::HoldingRelation;
    use crate::domain::period::DatePeriod;
    dwelling_for(db, actor, dwelling_id, Action::EditPeople).await?;
    let mut c = Checks::default();
    if db.people().person(new.person_id).await?.is_none() {
        c.fail("person_id", "unknown");
    }
    match HoldingRelation::parse(&new.relation) {
        Some(HoldingRelation::Developer) | None => c.fail("relation", "invalid"),
        Some(_) => {}
    }
    let period = DatePeriod::parse(&new.since, new.until.as_deref(), "since", "until");
    if let Err((f, e)) = period {
        c.fail(f, e);
    }
    let delivered_on = match new.delivered_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Ok(_) if !matches!(new.relation.as_str(), "owner" | "co_owner") => {
                c.fail("delivered_on", "invalid");
                None
            }
            Ok(day)
                if new
                    .since
                    .trim()
                    .parse::<jiff::civil::Date>()
                    .is_ok_and(|s| day < s) =>
            {
                c.fail("delivered_on", "out_of_range");
                None
            }
            Ok(day) => Some(day.to_string()),
            Err(_) => {
                c.fail("delivered_on", "invalid_date");
                None
            }
        },
    };
    c.finish()?;
    let mut work = db.begin().await?;
    let period = period.map_err(|(f, e)| AppError::field(f, e))?;
    for (since, until) in work
        .places()
        .holdings_alike(dwelling_id, new.person_id, &new.relation)
        .await?
    {
        if let Ok(other) = DatePeriod::parse(&since, until.as_deref(), "since", "until")
            && other.overlaps(&period)
        {
            return Err(AppError::field("since", "overlaps"));
        }
    }
    let until = period.to_text();
    let id = work
        .places()
        .insert_holding(
            dwelling_id,
            new.person_id,
            &new.relation,
            &period.from_text(),
            until.as_deref(),
            delivered_on.as_deref(),
        )
        .await?;
    let holding = work.places().holding(id).await?.ok_or(AppError::NotFound)?;
    audit_change(&mut work, actor, "holding", Some(id), None, &holding, "").await?;
    work.commit().await?;
    Ok(holding)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldingEnd {
    /// Last day of the holding, e.g. the day of a sale or a move.
    #[serde(default)]
    #[schema(required = true)]
    pub until: String,
}

/// End a holding (a sale, a move out). Its history stays.
pub async fn end_holding(
    db: &Db,
    actor: &Actor,
    id: i64,
    end: &HoldingEnd,
) -> AppResult<HoldingRow> {
    use crate::domain::period::DatePeriod;
    let before = db.places().holding(id).await?.ok_or(AppError::NotFound)?;
    let compound = compound_of(db, before.compound_id).await?;
    actor.require(
        Action::EditPeople,
        &Target::Place(compound.place(Some(before.building_id))),
    )?;
    if before.until.is_some() {
        return Err(AppError::field("until", "already_ended"));
    }
    let period = DatePeriod::parse(&before.since, Some(&end.until), "until", "until")
        .map_err(|(f, e)| AppError::field(f, e))?;
    let until = period
        .to_text()
        .ok_or(AppError::field("until", "required"))?;
    let mut work = db.begin().await?;
    if !work.places().end_holding(id, &until).await? {
        return Err(AppError::field("until", "already_ended"));
    }
    let after = work.places().holding(id).await?.ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "holding",
        Some(id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// The communities where the actor may take `action` (offered in forms: add a compound, create
/// a team), from one read of the regions.
pub async fn communities_where(
    db: &Db,
    actor: &Actor,
    action: Action,
) -> AppResult<Vec<(i64, String)>> {
    let regions = db.places().regions().await?;
    let chains = crate::db::places::region_chains(&regions);
    Ok(regions
        .into_iter()
        .filter(|r| r.level == "community")
        .filter(|r| {
            chains
                .get(&r.id)
                .is_some_and(|c| actor.can(action, &Target::Region(*c)))
        })
        .map(|r| (r.id, r.name))
        .collect())
}
