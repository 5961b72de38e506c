//! Convening: the draft with its agenda (each item names its art. 278 matter), the notice with
//! 15 whole days before voting opens, cancelling, and the roll drafted at the notice and frozen
//! when voting opens.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::decisions::{DecisionRow, NewDecision};
use crate::domain::deadline;
use crate::domain::decisions::ballot_chain::{self};
use crate::domain::decisions::roll::{self, RollBasis};
use crate::domain::decisions::vote_files::{self, RollRow};
use crate::domain::decisions::{DecisionKind, DecisionMode, DecisionStatus, Refusal};
use crate::domain::kinds::CompoundKind;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemInput {
    pub title: String,
    /// Assembly votes: the art. 278 item (1–9) the agenda item decides.
    #[serde(default)]
    pub matter: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    pub compound_id: i64,
    /// assembly | consultation | coordination
    pub kind: String,
    /// meeting | written (default meeting)
    #[serde(default)]
    pub mode: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub place: String,
    /// Local Asia/Shanghai time, `2026-12-20T09:00`: voting opens (a coordination meeting: it is held).
    pub opens_at: String,
    /// Local time voting closes (a coordination meeting: it ends).
    pub closes_at: String,
    pub items: Vec<ItemInput>,
    /// Departments (organisation ids) invited to answer owners' questions.
    #[serde(default)]
    pub invited: Vec<i64>,
    /// The case this decision came from (S2: the parking escalation).
    #[serde(default)]
    pub origin_case_id: Option<i64>,
}

pub async fn create(db: &Db, actor: &Actor, input: &DecisionInput) -> AppResult<i64> {
    // Permission before validation: someone who may not convene anywhere learns nothing more.
    let compound = db.places().compound(input.compound_id).await?;
    if !actor.can_anywhere(Action::ConveneDecisions)
        || compound.as_ref().is_some_and(|c| !may_convene(actor, c))
    {
        return Err(AppError::Forbidden);
    }
    let new = validated(db, actor, input, compound, None).await?;
    let mut work = db.begin().await?;
    let id = work
        .decisions()
        .insert_decision(&new, crate::db::now())
        .await?;
    audit(
        &mut work,
        actor,
        "create",
        id,
        serde_json::json!({"compound_id": new.compound_id, "kind": new.kind, "title": new.title,
            "opens_at": new.opens_at, "closes_at": new.closes_at, "items": new.items, "invited": new.invited}),
    )
    .await?;
    work.commit().await?;
    Ok(id)
}

/// Edits a draft (until its notice goes out), by its convenor: the same checks as a new one
/// (the 15 days' notice included); the compound and the convenor stay. The old and new
/// agendas go to the audit log with the change.
pub async fn update_draft(db: &Db, actor: &Actor, id: i64, input: &DecisionInput) -> AppResult<()> {
    let (d, c, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    if d.status != DecisionStatus::Draft.as_str() {
        return Err(Refusal::NotDraft.into());
    }
    if input.compound_id != d.compound_id {
        return Err(AppError::field("compound_id", "fixed"));
    }
    // The kind decides who may convene (an owners' committee for an assembly): it stays too.
    if input.kind.trim() != d.kind {
        return Err(AppError::field("kind", "fixed"));
    }
    let new = validated(db, actor, input, Some(c), Some(&d)).await?;
    let before_items: Vec<(String, Option<i64>)> = db
        .decisions()
        .decision_items(id)
        .await?
        .into_iter()
        .map(|i| (i.title, i.matter))
        .collect();
    let mut work = db.begin().await?;
    if !work.decisions().update_draft(id, &new).await? {
        return Err(Refusal::NotDraft.into());
    }
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "update",
            entity: "decision",
            entity_id: Some(id),
            before: Some(serde_json::json!({"kind": d.kind, "mode": d.mode, "title": d.title,
                "place": d.place, "opens_at": d.opens_at, "closes_at": d.closes_at, "items": before_items})),
            after: Some(serde_json::json!({"kind": new.kind, "mode": new.mode, "title": new.title,
                "place": new.place, "opens_at": new.opens_at, "closes_at": new.closes_at, "items": new.items,
                "invited": new.invited})),
            reason: "",
        })
        .await?;
    work.commit().await?;
    Ok(())
}

/// The checks of a new or edited draft, all field errors at once; for an edit (`existing`), the
/// convenor recorded at creation stays.
async fn validated(
    db: &Db,
    actor: &Actor,
    input: &DecisionInput,
    compound: Option<crate::db::places::Compound>,
    existing: Option<&DecisionRow>,
) -> AppResult<NewDecision> {
    let mut ch = Checks::default();
    let kind = DecisionKind::parse(input.kind.trim());
    if kind.is_none() {
        ch.fail("kind", "invalid");
    }
    let mode = match input.mode.as_deref().map(str::trim) {
        None | Some("") => Some(DecisionMode::Meeting),
        Some(m) => DecisionMode::parse(m),
    };
    if mode.is_none() {
        ch.fail("mode", "invalid");
    }
    let title = ch.text("title", &input.title, 200);
    let description = input.description.trim().to_string();
    if description.chars().count() > 20_000 {
        ch.fail("description", "too_long");
    }
    let place = input.place.trim().to_string();
    if place.chars().count() > 200 {
        ch.fail("place", "too_long");
    }
    let opens_at = deadline::parse_local(&input.opens_at);
    if opens_at.is_none() {
        ch.fail("opens_at", "invalid_time");
    }
    let closes_at = deadline::parse_local(&input.closes_at);
    if closes_at.is_none() {
        ch.fail("closes_at", "invalid_time");
    }
    if let (Some(o), Some(c)) = (opens_at, closes_at)
        && c <= o
    {
        ch.fail("closes_at", "before_opening");
    }
    // The 15 days' notice (RULES.md §1) is checked when the draft is saved: a draft whose
    // opening is too soon could never be noticed in time. (The notice checks it again, for a
    // draft that waited too long.)
    if let (Some(k), Some(o)) = (kind, opens_at)
        && k != DecisionKind::Coordination
        && o < crate::domain::decisions::earliest_opening(crate::db::now())
    {
        ch.fail("opens_at", "notice_too_short");
    }
    if input.items.is_empty() {
        ch.fail("items", "required");
    }
    if input.items.len() > MAX_ITEMS {
        ch.fail("items", "too_many_items");
    }
    let mut items = Vec::new();
    for (i, it) in input.items.iter().enumerate() {
        let t = ch.text(&format!("items[{i}].title"), &it.title, 300);
        let matter = match (kind, it.matter) {
            (Some(DecisionKind::Assembly), Some(m)) if (1..=9).contains(&m) => Some(m),
            (Some(DecisionKind::Assembly), _) => {
                ch.fail(&format!("items[{i}].matter"), "matter_required");
                None
            }
            (_, None) => None,
            (_, Some(_)) => {
                ch.fail(&format!("items[{i}].matter"), "no_matter_here");
                None
            }
        };
        items.push((t, matter));
    }
    if compound.is_none() {
        ch.fail("compound_id", "unknown");
    }
    let mut invited = input.invited.clone();
    invited.sort_unstable();
    invited.dedup();
    for o in &invited {
        let kind = db.cases().organisation_kind(*o).await?;
        if kind.is_none() {
            ch.fail("invited", "unknown");
        }
    }
    if let Some(case) = input.origin_case_id
        && db.cases().case_row(case).await?.is_none()
    {
        ch.fail("origin_case_id", "unknown");
    }
    ch.finish()?;
    let (Some(kind), Some(mode), Some(compound), Some(opens_at), Some(closes_at)) =
        (kind, mode, compound, opens_at, closes_at)
    else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    let public_rental = CompoundKind::parse(&compound.kind) == Some(CompoundKind::PublicRental);
    if kind == DecisionKind::Assembly && public_rental {
        // 公租房 has tenants, not owners: a resident consultation instead (RULES.md §1).
        return Err(AppError::field("kind", "no_owners_here"));
    }
    // The owners' committee convenes an owners' decision; the Red Butler team or the community
    // office only where there is none, on its behalf.
    let committee = db.decisions().committee_of(compound.id).await?;
    let member_of_committee = committee
        .as_ref()
        .is_some_and(|(cid, _)| crate::domain::access::committees(&actor.grants).contains(cid));
    let (convenor, convenor_organisation_id) = match (existing, &committee, kind) {
        (Some(d), _, _) => (d.convenor.clone(), d.convenor_organisation_id),
        (None, committee, kind) => match (committee, kind) {
            (Some((cid, name)), _) if member_of_committee => (name.clone(), Some(*cid)),
            (Some(_), DecisionKind::Assembly) if !actor.is_admin() => {
                return Err(AppError::Conflict("vote_committee_convenes"));
            }
            (Some((cid, name)), DecisionKind::Assembly) => (name.clone(), Some(*cid)),
            _ => (format!("{}（代为召集）", actor.display_name), None),
        },
    };
    Ok(NewDecision {
        compound_id: compound.id,
        kind: kind.as_str().into(),
        mode: mode.as_str().into(),
        title,
        description,
        place,
        convenor,
        convenor_organisation_id,
        created_by: existing.map_or(actor.user_id, |d| d.created_by),
        origin_case_id: input.origin_case_id,
        opens_at,
        closes_at,
        items,
        invited,
    })
}

/// 公告: checks the 15 days, drafts the roll so owners can check their entries, and tells every
/// owner, the community office (居委会) and the invited departments.
pub async fn notice(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let kind = DecisionKind::parse(&d.kind).unwrap_or(DecisionKind::Assembly);
    let status = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    let now = crate::db::now();
    crate::domain::decisions::check_notice(status, kind, now, d.opens_at, d.closes_at)?;
    let mut work = db.begin().await?;
    if !work.decisions().mark_noticed(id, now).await? {
        return Err(Refusal::NotDraft.into());
    }
    audit(
        &mut work,
        actor,
        "notice",
        id,
        serde_json::json!({"noticed_at": now}),
    )
    .await?;
    work.commit().await?;
    if kind != DecisionKind::Coordination {
        write_roll(db, &d, None, now).await?;
    }
    let residents = kind != DecisionKind::Assembly;
    db.decisions()
        .notify_decision(
            id,
            d.compound_id,
            residents,
            "decision_noticed",
            &today(now),
            now,
        )
        .await?;
    let orgs: Vec<i64> = db
        .decisions()
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let staff = db.decisions().users_of_organisations(&orgs).await?;
    db.decisions()
        .notify_users_of_decision(id, &staff, "decision_invited", "", now)
        .await?;
    Ok(())
}

pub async fn cancel(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let status = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    if status == DecisionStatus::Open {
        // Once voting has opened the ballots must be counted, not thrown away.
        return Err(AppError::Conflict("vote_already_open"));
    }
    let mut work = db.begin().await?;
    if !work
        .decisions()
        .cancel_decision(id, crate::db::now())
        .await?
    {
        return Err(Refusal::AlreadyClosed.into());
    }
    audit(
        &mut work,
        actor,
        "cancel",
        id,
        serde_json::json!({"status": "cancelled"}),
    )
    .await?;
    work.commit().await?;
    Ok(())
}

fn basis(kind: &str) -> RollBasis {
    if kind == DecisionKind::Consultation.as_str() {
        RollBasis::Households
    } else {
        RollBasis::Owners
    }
}

/// The roll as audit rows: what `ROLL.csv` holds and what its digest is taken over.
pub(crate) fn roll_rows(heads: impl Iterator<Item = (i64, String, i64)>) -> Vec<RollRow> {
    heads
        .map(|(no, units, area)| RollRow {
            head_id: no.to_string(),
            units: units.split(';').map(str::to_string).collect(),
            area,
        })
        .collect()
}

/// Builds the roll from today's register. `freeze_at`: voting opens now and the roll is final.
/// Returns the time it took, for the benchmark.
pub(crate) async fn write_roll(
    db: &Db,
    d: &DecisionRow,
    freeze_at: Option<i64>,
    now: i64,
) -> AppResult<bool> {
    let units = db
        .decisions()
        .roll_source(d.compound_id, &today(now))
        .await?;
    let roll = roll::build(&units, basis(&d.kind));
    let rows = roll_rows(roll.heads.iter().map(|h| {
        let labels: Vec<&str> = h.units.iter().map(|u| u.1.as_str()).collect();
        (h.no, labels.join(";"), h.area)
    }));
    let digest = ballot_chain::sha256_hex(vote_files::write_roll(&rows).as_bytes());
    let genesis = ballot_chain::genesis(d.id, &digest);
    Ok(db
        .decisions()
        .write_roll(d.id, &roll, &digest, &genesis, freeze_at)
        .await?)
}

/// Freezes the roll of a noticed vote whose window has started (the first request or the
/// background job to notice it does it, once, whichever node it runs on).
pub async fn ensure_open(db: &Db, d: DecisionRow, now: i64) -> AppResult<DecisionRow> {
    let kind = DecisionKind::parse(&d.kind).unwrap_or(DecisionKind::Assembly);
    let stored = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    if stored == DecisionStatus::Noticed
        && crate::domain::decisions::effective_status(stored, kind, now, d.opens_at)
            == DecisionStatus::Open
    {
        write_roll(db, &d, Some(now), now).await?;
        return db
            .decisions()
            .decision(d.id)
            .await?
            .ok_or(AppError::NotFound);
    }
    Ok(d)
}

/// The background job's part: open the votes whose window has started, and remind the convenor
/// of each vote whose window has ended to close it (the result is due within a working day).
/// Each reminder is claimed in the database, so it is sent once whatever the number of nodes.
pub async fn decision_pass(db: &Db, now: i64) -> anyhow::Result<usize> {
    let ids = db.decisions().decisions_to_open(now).await?;
    for id in &ids {
        if let Some(d) = db.decisions().decision(*id).await? {
            ensure_open(db, d, now)
                .await
                .map_err(|e| anyhow::anyhow!("opening decision {id}: {e}"))?;
        }
    }
    for (id, convenor) in db.decisions().decisions_to_close(now).await? {
        db.decisions()
            .notify_users_of_decision(id, &[convenor], "decision_to_close", "", now)
            .await?;
    }
    Ok(ids.len())
}
