//! Owners' decisions (业主共同决定), resident consultations (居民协商) and coordination meetings
//! (协调会): convening with 15 days' notice, questions to invited departments, the roll frozen when
//! voting opens, ballots on a hash chain, the lawful tally, publication, verification, the audit
//! files, follow-up work and owners' demands for an extraordinary meeting. RULES.md §1.
use super::Checks;
use crate::db::Db;
use crate::db::decisions::{
    CastFailure, DecisionRow, HeadRow, ItemProgress, ItemRow, NewBallot, NewDecision, ObjectionRow,
    QuestionRow,
};
use crate::db::places::Compound;
use crate::domain::access::{Action, Target};
use crate::domain::deadline;
use crate::domain::decisions::ballot_chain::{self, BallotChannel, ChainFault};
use crate::domain::decisions::roll::{self, RollBasis};
use crate::domain::decisions::vote::{self, Choice, Counts, Weight};
use crate::domain::decisions::vote_files::{self, RollRow};
use crate::domain::decisions::{DecisionKind, DecisionMode, DecisionStatus, Refusal};
use crate::domain::kinds::{CompoundKind, Role};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Conflict(r.code())
    }
}

pub const MAX_ITEMS: usize = 20;

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

fn today(now: i64) -> String {
    deadline::local_date(now)
}

async fn compound_of(db: &Db, id: i64) -> AppResult<Compound> {
    db.compound(id).await?.ok_or(AppError::NotFound)
}

fn may_convene(actor: &Actor, c: &Compound) -> bool {
    actor.can(Action::ConveneDecisions, &Target::Place(c.place(None)))
}

/// What the viewer may do with one decision.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Rights {
    /// Convenor side: notice, roll, progress, paper and proxy ballots, close, follow-up.
    pub manage: bool,
    /// Staff of an invited department: read and answer questions.
    pub invited: bool,
}

async fn rights(db: &Db, actor: &Actor, d: &DecisionRow, c: &Compound) -> AppResult<Rights> {
    let manage = may_convene(actor, c);
    let orgs = actor.organisations();
    let invited = !orgs.is_empty()
        && db
            .invited_organisations(d.id)
            .await?
            .iter()
            .any(|(o, _)| orgs.contains(o));
    let sees_place = actor.can(Action::ViewPlace, &Target::Place(c.place(None)));
    let visible = manage || ((sees_place || invited) && d.status != "draft");
    if !visible {
        // Not 404 vs 403: ids cannot be probed.
        return Err(AppError::NotFound);
    }
    Ok(Rights { manage, invited })
}

/// A decision, loaded with the viewer's rights; refreshes a noticed vote whose window started.
pub async fn load(db: &Db, actor: &Actor, id: i64) -> AppResult<(DecisionRow, Compound, Rights)> {
    let d = db.decision(id).await?.ok_or(AppError::NotFound)?;
    let c = compound_of(db, d.compound_id).await?;
    let r = rights(db, actor, &d, &c).await?;
    let d = ensure_open(db, d, crate::db::now()).await?;
    Ok((d, c, r))
}

pub async fn create(db: &Db, actor: &Actor, input: &DecisionInput) -> AppResult<i64> {
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
    let compound = db.compound(input.compound_id).await?;
    if compound.is_none() {
        ch.fail("compound_id", "unknown");
    }
    let mut invited = input.invited.clone();
    invited.sort_unstable();
    invited.dedup();
    for o in &invited {
        let kind = db.organisation_kind(*o).await?;
        if kind.is_none() {
            ch.fail("invited", "unknown");
        }
    }
    if let Some(case) = input.origin_case_id
        && db.case_row(case).await?.is_none()
    {
        ch.fail("origin_case_id", "unknown");
    }
    ch.finish()?;
    let (Some(kind), Some(mode), Some(compound), Some(opens_at), Some(closes_at)) =
        (kind, mode, compound, opens_at, closes_at)
    else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    if !may_convene(actor, &compound) {
        return Err(AppError::Forbidden);
    }
    let public_rental = CompoundKind::parse(&compound.kind) == Some(CompoundKind::PublicRental);
    if kind == DecisionKind::Assembly && public_rental {
        // 公租房 has tenants, not owners: a resident consultation instead (RULES.md §1).
        return Err(AppError::field("kind", "no_owners_here"));
    }
    // The owners' committee convenes an owners' decision; the Red Butler team or the community
    // office only where there is none, on its behalf.
    let committee = db.committee_of(compound.id).await?;
    let member_of_committee = committee.as_ref().is_some_and(|(cid, _)| {
        actor
            .grant_rows
            .iter()
            .any(|g| g.role == Role::CommitteeMember.as_str() && g.scope_id == Some(*cid))
    });
    let convenor = match (&committee, kind) {
        (Some((_, name)), _) if member_of_committee => name.clone(),
        (Some(_), DecisionKind::Assembly) if !actor.is_admin() => {
            return Err(AppError::Conflict("vote_committee_convenes"));
        }
        (Some((_, name)), DecisionKind::Assembly) => name.clone(),
        _ => format!("{}（代为召集）", actor.display_name),
    };
    let new = NewDecision {
        compound_id: compound.id,
        kind: kind.as_str().into(),
        mode: mode.as_str().into(),
        title,
        description,
        place,
        convenor,
        created_by: actor.user_id,
        origin_case_id: input.origin_case_id,
        opens_at,
        closes_at,
        items,
        invited,
    };
    let id = db.insert_decision(&new, crate::db::now()).await?;
    audit(
        db,
        actor,
        "create",
        id,
        serde_json::json!({"compound_id": new.compound_id, "kind": new.kind, "title": new.title,
            "opens_at": new.opens_at, "closes_at": new.closes_at, "items": new.items, "invited": new.invited}),
    )
    .await?;
    Ok(id)
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
    if !db.mark_noticed(id, now).await? {
        return Err(Refusal::NotDraft.into());
    }
    audit(
        db,
        actor,
        "notice",
        id,
        serde_json::json!({"noticed_at": now}),
    )
    .await?;
    if kind != DecisionKind::Coordination {
        write_roll(db, &d, None, now).await?;
    }
    let residents = kind != DecisionKind::Assembly;
    db.notify_decision(
        id,
        d.compound_id,
        residents,
        "decision_noticed",
        &today(now),
        now,
    )
    .await?;
    let orgs: Vec<i64> = db
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let staff = db.users_of_organisations(&orgs).await?;
    db.notify_users_of_decision(id, &staff, "decision_invited", "", now)
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
    if !db.cancel_decision(id, crate::db::now()).await? {
        return Err(Refusal::AlreadyClosed.into());
    }
    audit(
        db,
        actor,
        "cancel",
        id,
        serde_json::json!({"status": "cancelled"}),
    )
    .await
}

pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_DOCUMENTS: usize = 20;

/// PDF, JPEG, PNG or WebP, by content.
pub fn sniff_document(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        super::cases::sniff_image(bytes)
    }
}

/// The convenor attaches a document (the plan, a budget, a department's opinion) before the close.
pub async fn add_document(
    db: &Db,
    actor: &Actor,
    id: i64,
    name: &str,
    bytes: &[u8],
) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    // Keep only the file's own name, without any folder a browser may send.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let mut ch = Checks::default();
    let name = ch.text("file", base, 200);
    let content_type = sniff_document(bytes);
    if bytes.is_empty() {
        ch.fail("file", "required");
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        ch.fail("file", "too_large_document");
    } else if content_type.is_none() {
        ch.fail("file", "not_a_document");
    }
    ch.finish()?;
    if matches!(d.status.as_str(), "closed" | "cancelled") {
        return Err(Refusal::AlreadyClosed.into());
    }
    if db.documents(id).await?.len() >= MAX_DOCUMENTS {
        return Err(AppError::field("file", "too_many_documents"));
    }
    let doc = db
        .insert_document(
            id,
            &name,
            content_type.unwrap_or("application/pdf"),
            bytes,
            actor.user_id,
            crate::db::now(),
        )
        .await?;
    audit(
        db,
        actor,
        "document",
        id,
        serde_json::json!({"document_id": doc, "name": name, "size": bytes.len()}),
    )
    .await?;
    Ok(doc)
}

/// A document, for anyone who may see the decision: (name, content type, bytes).
pub async fn document(
    db: &Db,
    actor: &Actor,
    id: i64,
    doc: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    load(db, actor, id).await?;
    db.document(id, doc).await?.ok_or(AppError::NotFound)
}

/// Convenor actions go to the audit log (ballots are on their own chain instead: the log would
/// otherwise hold who voted how).
async fn audit(
    db: &Db,
    actor: &Actor,
    action: &str,
    id: i64,
    after: serde_json::Value,
) -> AppResult<()> {
    db.audit(crate::db::audit::AuditRecord {
        actor_user_id: Some(actor.user_id),
        action,
        entity: "decision",
        entity_id: Some(id),
        before: None,
        after: Some(after),
        reason: "",
    })
    .await?;
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
fn roll_rows(heads: impl Iterator<Item = (i64, String, i64)>) -> Vec<RollRow> {
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
async fn write_roll(db: &Db, d: &DecisionRow, freeze_at: Option<i64>, now: i64) -> AppResult<bool> {
    let units = db.roll_source(d.compound_id, &today(now)).await?;
    let roll = roll::build(&units, basis(&d.kind));
    let rows = roll_rows(roll.heads.iter().map(|h| {
        let labels: Vec<&str> = h.units.iter().map(|u| u.1.as_str()).collect();
        (h.no, labels.join(";"), h.area)
    }));
    let digest = ballot_chain::sha256_hex(vote_files::write_roll(&rows).as_bytes());
    let genesis = ballot_chain::genesis(d.id, &digest);
    Ok(db
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
        return db.decision(d.id).await?.ok_or(AppError::NotFound);
    }
    Ok(d)
}

/// The background job's part: open the votes whose window has started, and remind the convenor
/// of each vote whose window has ended to close it (the result is due within a working day).
/// Each reminder is claimed in the database, so it is sent once whatever the number of nodes.
pub async fn decision_pass(db: &Db, now: i64) -> anyhow::Result<usize> {
    let ids = db.decisions_to_open(now).await?;
    for id in &ids {
        if let Some(d) = db.decision(*id).await? {
            ensure_open(db, d, now)
                .await
                .map_err(|e| anyhow::anyhow!("opening decision {id}: {e}"))?;
        }
    }
    for (id, convenor) in db.decisions_to_close(now).await? {
        db.notify_users_of_decision(id, &[convenor], "decision_to_close", "", now)
            .await?;
    }
    Ok(ids.len())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChoiceInput {
    /// The agenda item's position, from 1.
    pub item: i64,
    /// agree | disagree | abstain
    pub choice: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BallotInput {
    pub choices: Vec<ChoiceInput>,
    /// online (default: the logged-in owner votes) | paper | proxy (recorded by the convenor).
    #[serde(default)]
    pub channel: Option<String>,
    /// Which head: needed for paper and proxy ballots, and when an owner is on several heads.
    #[serde(default)]
    pub head: Option<i64>,
    /// Paper ballots: the number printed on the ballot.
    #[serde(default)]
    pub ballot_number: Option<String>,
    /// Proxy votes: the reference of the written authorisation (授权委托书).
    #[serde(default)]
    pub proxy_reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BallotReceipt {
    pub head: i64,
    /// Chain positions of the stored ballots.
    pub seq: Vec<i64>,
}

pub async fn cast(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &BallotInput,
) -> AppResult<BallotReceipt> {
    let (d, _, r) = load(db, actor, id).await?;
    let kind = DecisionKind::parse(&d.kind).unwrap_or(DecisionKind::Assembly);
    let status = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    let now = crate::db::now();
    let mut ch = Checks::default();
    let channel = match input.channel.as_deref().map(str::trim) {
        None | Some("") => Some(BallotChannel::Online),
        Some(c) => BallotChannel::parse(c),
    };
    if channel.is_none() {
        ch.fail("channel", "invalid");
    }
    if input.choices.is_empty() {
        ch.fail("choices", "required");
    }
    if input.choices.len() > MAX_ITEMS {
        ch.fail("choices", "too_many_items");
    }
    // Whether each item exists is checked by the insert itself (see `Db::cast_ballots`).
    let mut choices = Vec::new();
    for (i, c) in input.choices.iter().enumerate() {
        if c.item < 1 || c.item > MAX_ITEMS as i64 {
            ch.fail(&format!("choices[{i}].item"), "unknown");
        } else if choices.iter().any(|(item, _)| *item == c.item) {
            ch.fail(&format!("choices[{i}].item"), "duplicate");
        }
        match Choice::parse(c.choice.trim()) {
            Some(choice) => choices.push((c.item, choice)),
            None => ch.fail(&format!("choices[{i}].choice"), "invalid"),
        }
    }
    let ballot_number = ch.optional_text("ballot_number", input.ballot_number.as_deref(), 50);
    let proxy_reference =
        ch.optional_text("proxy_reference", input.proxy_reference.as_deref(), 200);
    match channel {
        Some(BallotChannel::Paper) if ballot_number.is_none() => {
            ch.fail("ballot_number", "required")
        }
        Some(BallotChannel::Proxy) if proxy_reference.is_none() => {
            ch.fail("proxy_reference", "required")
        }
        Some(BallotChannel::Paper | BallotChannel::Proxy) if input.head.is_none() => {
            ch.fail("head", "required")
        }
        _ => {}
    }
    ch.finish()?;
    let channel = channel.unwrap_or(BallotChannel::Online);
    crate::domain::decisions::check_cast(status, kind, now, d.opens_at, d.closes_at)?;
    let (head, voter) = match channel {
        BallotChannel::Online => {
            let person = actor.person_id.ok_or(Refusal::NotOnRoll)?;
            (
                online_head(db, &d, kind, person, input.head, now).await?,
                Some(person),
            )
        }
        BallotChannel::Paper | BallotChannel::Proxy => {
            if !r.manage {
                return Err(AppError::Forbidden);
            }
            // Whether the head is on the roll is checked by the insert itself.
            (input.head.unwrap_or(0), None)
        }
    };
    let ballots: Vec<NewBallot> = choices
        .iter()
        .map(|(item, choice)| NewBallot {
            item: *item,
            head,
            choice: *choice,
            channel,
            ballot_number: ballot_number.clone().unwrap_or_default(),
            proxy_reference: proxy_reference.clone().unwrap_or_default(),
            voter_person_id: voter,
        })
        .collect();
    match db.cast_ballots(id, &ballots, actor.user_id, now).await? {
        Ok(seq) => Ok(BallotReceipt { head, seq }),
        Err(CastFailure::Duplicate) => Err(Refusal::AlreadyVoted.into()),
        Err(CastFailure::NotOpen) => Err(Refusal::VotingClosed.into()),
        Err(CastFailure::Unknown) => {
            // Rare: say which part was unknown.
            let items = db.decision_items(id).await?;
            let mut ch = Checks::default();
            for (i, (item, _)) in choices.iter().enumerate() {
                if !items.iter().any(|it| it.position == *item) {
                    ch.fail(&format!("choices[{i}].item"), "unknown");
                }
            }
            if !db.head_exists(id, head).await? {
                ch.fail("head", "not_on_roll");
            }
            ch.finish()?;
            Err(AppError::Conflict("vote_changed"))
        }
    }
}

/// The head an owner votes for online: one whose unit they hold today (a unit sold during the
/// vote passes its vote to the new owner); for an assembly only as owner or co-owner, and for a
/// co-owned unit only the designated co-owner while they still hold it.
async fn online_head(
    db: &Db,
    d: &DecisionRow,
    kind: DecisionKind,
    person: i64,
    wanted: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let day = today(now);
    let held = db.current_heads_of(d.id, person, &day).await?;
    let owner_heads: Vec<&(i64, String, Option<i64>)> = held
        .iter()
        .filter(|(_, rel, _)| {
            kind == DecisionKind::Consultation || rel == "owner" || rel == "co_owner"
        })
        .collect();
    if owner_heads.is_empty() {
        return Err(if held.is_empty() {
            Refusal::NotOnRoll.into()
        } else {
            Refusal::NotAnOwner.into()
        });
    }
    let pick = match wanted {
        Some(h) => owner_heads
            .iter()
            .find(|x| x.0 == h)
            .ok_or(AppError::field("head", "not_yours"))?,
        None => owner_heads[0],
    };
    if let Some(designated) = pick.2
        && designated != person
        && db
            .holds_unit_of_head(d.id, pick.0, designated, &day)
            .await?
    {
        return Err(AppError::Conflict("vote_designated_co_owner"));
    }
    Ok(pick.0)
}

/// What an owner sees about their own part: their heads and which items each has voted on.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPart {
    pub heads: Vec<HeadRow>,
    /// (head, item position) already voted.
    pub voted: Vec<(i64, i64)>,
    pub objections: Vec<ObjectionRow>,
}

pub async fn my_part(db: &Db, actor: &Actor, d: &DecisionRow) -> AppResult<MyPart> {
    let Some(person) = actor.person_id else {
        return Ok(MyPart {
            heads: vec![],
            voted: vec![],
            objections: vec![],
        });
    };
    let heads = db.roll_entries_of(d.id, person).await?;
    let numbers: Vec<i64> = heads.iter().map(|h| h.head_no).collect();
    let voted = db.voted_items(d.id, &numbers).await?;
    let objections = db.objections(d.id, Some(actor.user_id)).await?;
    Ok(MyPart {
        heads,
        voted,
        objections,
    })
}

pub async fn progress(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> AppResult<(DecisionRow, Vec<ItemProgress>)> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let p = db.progress(id).await?;
    Ok((d, p))
}

pub async fn roll_page(
    db: &Db,
    actor: &Actor,
    id: i64,
    after: i64,
    limit: i64,
) -> AppResult<Vec<HeadRow>> {
    let (_, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    Ok(db.roll_page(id, after, limit).await?)
}

pub async fn object(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<i64> {
    let (d, _, _) = load(db, actor, id).await?;
    let mut ch = Checks::default();
    let text = ch.text("text", text, 2000);
    ch.finish()?;
    if d.status != DecisionStatus::Noticed.as_str() {
        return Err(AppError::Conflict("vote_roll_frozen"));
    }
    Ok(db
        .insert_objection(id, actor.user_id, &text, crate::db::now())
        .await?)
}

pub async fn answer_objection(
    db: &Db,
    actor: &Actor,
    id: i64,
    objection: i64,
    text: &str,
) -> AppResult<()> {
    let (_, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let mut ch = Checks::default();
    let text = ch.text("answer", text, 2000);
    ch.finish()?;
    if !db
        .answer_objection(id, objection, &text, actor.user_id, crate::db::now())
        .await?
    {
        return Err(AppError::NotFound);
    }
    // The register may have been corrected: draft the roll again while it is not frozen.
    let d = db.decision(id).await?.ok_or(AppError::NotFound)?;
    if d.status == DecisionStatus::Noticed.as_str() {
        write_roll(db, &d, None, crate::db::now()).await?;
    }
    Ok(())
}

pub async fn ask(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    let mut ch = Checks::default();
    let text = ch.text("question", text, 2000);
    ch.finish()?;
    if r.invited && !r.manage {
        return Err(AppError::Forbidden);
    }
    if matches!(d.status.as_str(), "draft" | "closed" | "cancelled") {
        return Err(AppError::Conflict("vote_questions_closed"));
    }
    let qid = db
        .insert_question(id, actor.user_id, &text, crate::db::now())
        .await?;
    let orgs: Vec<i64> = db
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let staff = db.users_of_organisations(&orgs).await?;
    db.notify_users_of_decision(
        id,
        &staff,
        "decision_question",
        &qid.to_string(),
        crate::db::now(),
    )
    .await?;
    Ok(qid)
}

pub async fn answer(db: &Db, actor: &Actor, id: i64, question: i64, text: &str) -> AppResult<()> {
    let (_, _, r) = load(db, actor, id).await?;
    if !r.manage && !r.invited {
        return Err(AppError::Forbidden);
    }
    let mut ch = Checks::default();
    let text = ch.text("answer", text, 4000);
    ch.finish()?;
    let orgs = actor.organisations();
    let invited: Vec<i64> = db
        .invited_organisations(id)
        .await?
        .into_iter()
        .map(|o| o.0)
        .collect();
    let org = orgs.iter().find(|o| invited.contains(o)).copied();
    if !db
        .answer_question(id, question, &text, actor.user_id, org, crate::db::now())
        .await?
    {
        return Err(AppError::Conflict("vote_question_answered"));
    }
    Ok(())
}

pub async fn questions(db: &Db, actor: &Actor, id: i64) -> AppResult<Vec<QuestionRow>> {
    load(db, actor, id).await?;
    Ok(db.questions(id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseInput {
    /// 会议纪要 / closing report.
    pub report: String,
    /// How many attended (meetings).
    #[serde(default)]
    pub attendance: Option<i64>,
    /// The organisations that attended, e.g. the property company and invited departments.
    #[serde(default)]
    pub organisations: String,
}

/// One item's published result: the lawful outcome, or an advisory count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ItemResult {
    Lawful(vote::Outcome),
    Advisory(vote::Advisory),
}

impl ItemResult {
    pub fn lawful(&self) -> Option<&vote::Outcome> {
        match self {
            ItemResult::Lawful(o) => Some(o),
            ItemResult::Advisory(_) => None,
        }
    }

    pub fn advisory(&self) -> Option<&vote::Advisory> {
        match self {
            ItemResult::Advisory(a) => Some(a),
            ItemResult::Lawful(_) => None,
        }
    }

    pub fn passed(&self) -> Option<bool> {
        match self {
            ItemResult::Lawful(o) => Some(o.passed),
            ItemResult::Advisory(_) => None,
        }
    }
}

/// Counts every item from the stored ballots and the frozen roll.
async fn count_items(
    db: &Db,
    d: &DecisionRow,
    items: &[ItemRow],
) -> AppResult<Vec<(i64, Option<ItemResult>)>> {
    let roll = db.roll_all(d.id).await?;
    let ballots = db.stored_ballots(d.id).await?;
    Ok(count_loaded(d, items, &roll, &ballots))
}

/// Counts every item from ballots and a roll already loaded.
fn count_loaded(
    d: &DecisionRow,
    items: &[ItemRow],
    roll: &[(i64, String, i64)],
    ballots: &[ballot_chain::StoredBallot],
) -> Vec<(i64, Option<ItemResult>)> {
    let area: HashMap<i64, i64> = roll.iter().map(|(h, _, a)| (*h, *a)).collect();
    let total = Weight {
        heads: roll.len() as i64,
        area: roll.iter().map(|r| r.2).sum(),
    };
    let mut out = Vec::new();
    for it in items {
        let mut c = Counts {
            total,
            ..Counts::default()
        };
        for b in ballots.iter().filter(|b| b.record.item == it.position) {
            let w = Weight {
                heads: 1,
                area: area.get(&b.record.head).copied().unwrap_or(0),
            };
            let slot = match b.record.choice {
                Choice::Agree => &mut c.agree,
                Choice::Disagree => &mut c.disagree,
                Choice::Abstain => &mut c.abstain,
            };
            *slot = *slot + w;
        }
        let result = if d.kind == DecisionKind::Assembly.as_str() {
            it.matter
                .and_then(|m| u8::try_from(m).ok())
                .and_then(|m| vote::outcome(m, &c))
                .map(ItemResult::Lawful)
        } else if d.kind == DecisionKind::Consultation.as_str() {
            Some(ItemResult::Advisory(vote::advisory(&c)))
        } else {
            None
        };
        out.push((it.position, result));
    }
    out
}

/// Closes (with the closing report), counts and publishes.
pub async fn close(db: &Db, actor: &Actor, id: i64, input: &CloseInput) -> AppResult<()> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let kind = DecisionKind::parse(&d.kind).unwrap_or(DecisionKind::Assembly);
    let mode = DecisionMode::parse(&d.mode).unwrap_or(DecisionMode::Meeting);
    let mut ch = Checks::default();
    let report = ch.text("report", &input.report, 20_000);
    let organisations = input.organisations.trim().to_string();
    if organisations.chars().count() > 1000 {
        ch.fail("organisations", "too_long");
    }
    let meeting = mode == DecisionMode::Meeting || kind == DecisionKind::Coordination;
    match input.attendance {
        Some(a) if !(0..=1_000_000).contains(&a) => ch.fail("attendance", "out_of_range"),
        None if meeting => ch.fail("attendance", "required"),
        _ => {}
    }
    if meeting && organisations.is_empty() {
        ch.fail("organisations", "required");
    }
    ch.finish()?;
    let now = crate::db::now();
    let status = DecisionStatus::parse(&d.status).unwrap_or(DecisionStatus::Draft);
    crate::domain::decisions::check_close(status, kind, now, d.opens_at, d.closes_at)?;
    let items = db.decision_items(id).await?;
    let counted = count_items(db, &d, &items).await?;
    let outcomes: Vec<(i64, Option<String>, Option<i64>)> = counted
        .iter()
        .map(|(pos, r)| {
            (
                *pos,
                r.as_ref().and_then(|r| serde_json::to_string(r).ok()),
                r.as_ref().and_then(ItemResult::passed).map(i64::from),
            )
        })
        .collect();
    if !db
        .close_decision(
            id,
            &report,
            input.attendance,
            &organisations,
            &outcomes,
            now,
        )
        .await?
    {
        return Err(Refusal::AlreadyClosed.into());
    }
    audit(
        db,
        actor,
        "close",
        id,
        serde_json::json!({"closed_at": now, "attendance": input.attendance, "organisations": organisations,
            "passed": outcomes.iter().map(|o| (o.0, o.2)).collect::<Vec<_>>()}),
    )
    .await?;
    if kind != DecisionKind::Coordination {
        db.notify_decision(
            id,
            d.compound_id,
            kind != DecisionKind::Assembly,
            "decision_published",
            &today(now),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The published results, item by item (only once closed).
pub fn results(items: &[ItemRow]) -> Vec<(i64, Option<ItemResult>)> {
    items
        .iter()
        .map(|it| {
            (
                it.position,
                it.outcome
                    .as_deref()
                    .and_then(|o| serde_json::from_str::<ItemResult>(o).ok()),
            )
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when the roll, every ballot, the chain and every published result check out.
    pub intact: bool,
    pub ballots: i64,
    /// SHA-256 of the frozen roll as recorded, and as recomputed from the stored roll.
    pub roll_digest: String,
    pub roll_digest_recomputed: String,
    /// The chain's final hash as published.
    pub final_hash: String,
    pub faults: Vec<ChainFault>,
    /// Items whose stored result differs from a recount of the stored ballots.
    pub tally_mismatches: Vec<i64>,
}

/// Recomputes the roll digest, the chain and the tally from what is stored.
pub async fn verify_stored(db: &Db, id: i64) -> AppResult<Verification> {
    let d = db.decision(id).await?.ok_or(AppError::NotFound)?;
    let roll = db.roll_all(id).await?;
    let rows = roll_rows(roll.iter().cloned());
    let recomputed = ballot_chain::sha256_hex(vote_files::write_roll(&rows).as_bytes());
    let genesis = ballot_chain::genesis(id, &d.roll_digest);
    let ballots = db.stored_ballots(id).await?;
    let final_hash = if d.chain_length == 0 && d.chain_head.is_empty() {
        genesis.clone()
    } else {
        d.chain_head.clone()
    };
    let faults = ballot_chain::verify(&genesis, &ballots, d.chain_length, &final_hash);
    let mut tally_mismatches = Vec::new();
    if d.status == DecisionStatus::Closed.as_str() {
        let items = db.decision_items(id).await?;
        let stored = results(&items);
        let counted = count_loaded(&d, &items, &roll, &ballots);
        for ((pos, a), (_, b)) in stored.iter().zip(counted.iter()) {
            let same = match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => serde_json::to_value(a).ok() == serde_json::to_value(b).ok(),
                _ => false,
            };
            if !same {
                tally_mismatches.push(*pos);
            }
        }
    }
    Ok(Verification {
        intact: faults.is_empty() && tally_mismatches.is_empty() && recomputed == d.roll_digest,
        ballots: ballots.len() as i64,
        roll_digest: d.roll_digest,
        roll_digest_recomputed: recomputed,
        final_hash,
        faults,
        tally_mismatches,
    })
}

pub async fn verify(db: &Db, actor: &Actor, id: i64) -> AppResult<Verification> {
    load(db, actor, id).await?;
    verify_stored(db, id).await
}

/// `ROLL.csv` of a closed vote.
pub async fn export_roll(db: &Db, actor: &Actor, id: i64) -> AppResult<String> {
    load(db, actor, id).await?;
    roll_file(db, id).await
}

/// `BALLOTS.csv` of one item of a closed vote.
pub async fn export_ballots(db: &Db, actor: &Actor, id: i64, item: i64) -> AppResult<String> {
    load(db, actor, id).await?;
    ballots_file(db, id, item).await
}

async fn closed(db: &Db, id: i64) -> AppResult<DecisionRow> {
    let d = db.decision(id).await?.ok_or(AppError::NotFound)?;
    if d.status != DecisionStatus::Closed.as_str() {
        return Err(AppError::Conflict("vote_not_closed"));
    }
    Ok(d)
}

/// `ROLL.csv` (head_id,units,area_m2) of a closed vote, for `redbutler tally`.
pub async fn roll_file(db: &Db, id: i64) -> AppResult<String> {
    closed(db, id).await?;
    Ok(vote_files::write_roll(&roll_rows(
        db.roll_all(id).await?.into_iter(),
    )))
}

/// `BALLOTS.csv` (head_id,choice) of one item of a closed vote, in chain order.
pub async fn ballots_file(db: &Db, id: i64, item: i64) -> AppResult<String> {
    closed(db, id).await?;
    if !db
        .decision_items(id)
        .await?
        .iter()
        .any(|i| i.position == item)
    {
        return Err(AppError::NotFound);
    }
    let ballots: Vec<(String, Choice)> = db
        .stored_ballots(id)
        .await?
        .into_iter()
        .filter(|b| b.record.item == item)
        .map(|b| (b.record.head.to_string(), b.record.choice))
        .collect();
    Ok(vote_files::write_ballots(&ballots))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpInput {
    /// Case category code (default `other`).
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A passed decision starts its follow-up work as a case (S2: the parking plan).
pub async fn follow_up(
    db: &Db,
    prefix: &str,
    actor: &Actor,
    id: i64,
    item: i64,
    input: &FollowUpInput,
) -> AppResult<i64> {
    let (d, _, r) = load(db, actor, id).await?;
    if !r.manage {
        return Err(AppError::Forbidden);
    }
    let it = db
        .decision_items(id)
        .await?
        .into_iter()
        .find(|i| i.position == item)
        .ok_or(AppError::NotFound)?;
    if d.status != DecisionStatus::Closed.as_str() {
        return Err(AppError::Conflict("vote_not_closed"));
    }
    if d.kind == DecisionKind::Assembly.as_str() && it.passed != Some(1) {
        return Err(AppError::Conflict("vote_not_passed"));
    }
    if it.follow_up_case_id.is_some() {
        return Err(AppError::Conflict("vote_follow_up_exists"));
    }
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "落实表决决定：{}（{}，第 {} 项）",
                it.title, d.title, it.position
            )
        });
    let created = super::cases::submit(
        db,
        prefix,
        actor,
        &super::cases::CaseInput {
            kind: "suggestion".into(),
            category: input.category.clone().unwrap_or_else(|| "other".into()),
            compound_id: d.compound_id,
            building_id: None,
            dwelling_id: None,
            public_area: String::new(),
            description,
            description_public: true,
            channel: None,
            reporter_name: None,
            reporter_phone: None,
            visitors: None,
        },
        Vec::new(),
    )
    .await?;
    if !db.set_follow_up(id, item, created.id).await? {
        return Err(AppError::Conflict("vote_follow_up_exists"));
    }
    audit(
        db,
        actor,
        "follow_up",
        id,
        serde_json::json!({"item": item, "case_id": created.id}),
    )
    .await?;
    Ok(created.id)
}

/// Extraordinary meeting demand (临时业主大会): where signatures stand against 20 % / 20 %.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandStatus {
    pub id: i64,
    pub compound_id: i64,
    pub subject: String,
    pub signed: Weight,
    pub total: Weight,
    /// Heads and area (0.01 m²) the demand needs: at least 20 % of each.
    pub needed: Weight,
    pub reached_at: Option<i64>,
    pub case_id: Option<i64>,
    pub signed_by_me: bool,
}

fn at_least_fifth(v: i64) -> i64 {
    (v + 4).div_euclid(5)
}

async fn demand_status(db: &Db, actor: &Actor, id: i64) -> AppResult<(DemandStatus, Compound)> {
    let row = db.demand(id).await?.ok_or(AppError::NotFound)?;
    let c = compound_of(db, row.compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    let units = db.roll_source(c.id, &today(crate::db::now())).await?;
    let roll = roll::build(&units, RollBasis::Owners);
    let signers = db.demand_signers(id).await?;
    let signed_heads = roll
        .heads
        .iter()
        .filter(|h| h.voters.iter().any(|p| signers.contains(p)));
    let signed = signed_heads.fold(Weight::default(), |w, h| {
        w + Weight {
            heads: 1,
            area: h.area,
        }
    });
    let status = DemandStatus {
        id,
        compound_id: c.id,
        subject: row.subject,
        signed,
        total: roll.total,
        needed: Weight {
            heads: at_least_fifth(roll.total.heads),
            area: at_least_fifth(roll.total.area),
        },
        reached_at: row.reached_at,
        case_id: row.case_id,
        signed_by_me: actor.person_id.is_some_and(|p| signers.contains(&p)),
    };
    Ok((status, c))
}

pub async fn demand(db: &Db, actor: &Actor, id: i64) -> AppResult<DemandStatus> {
    Ok(demand_status(db, actor, id).await?.0)
}

/// Is the person an owner in this compound today?
async fn owns_in(db: &Db, compound: i64, person: i64) -> AppResult<bool> {
    let units = db.roll_source(compound, &today(crate::db::now())).await?;
    Ok(units.iter().any(|u| u.owners.iter().any(|o| o.0 == person)))
}

pub async fn start_demand(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
    subject: &str,
) -> AppResult<i64> {
    let mut ch = Checks::default();
    let subject = ch.text("subject", subject, 500);
    ch.finish()?;
    let c = compound_of(db, compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    let person = actor.person_id.ok_or(Refusal::NotAnOwner)?;
    if !owns_in(db, c.id, person).await? {
        return Err(Refusal::NotAnOwner.into());
    }
    let now = crate::db::now();
    let id = db.insert_demand(c.id, &subject, actor.user_id, now).await?;
    db.sign_demand(id, person, now).await?;
    Ok(id)
}

/// An owner signs; once 20 % of heads and of area have signed, the convenor is told and a case
/// with a deadline is opened for convening the meeting.
pub async fn sign_demand(db: &Db, prefix: &str, actor: &Actor, id: i64) -> AppResult<DemandStatus> {
    let (before, c) = demand_status(db, actor, id).await?;
    let person = actor.person_id.ok_or(Refusal::NotAnOwner)?;
    if !owns_in(db, c.id, person).await? {
        return Err(Refusal::NotAnOwner.into());
    }
    let now = crate::db::now();
    if !db.sign_demand(id, person, now).await? {
        return Err(AppError::Conflict("demand_signed_already"));
    }
    let (after, _) = demand_status(db, actor, id).await?;
    if before.reached_at.is_none()
        && after.signed.heads >= after.needed.heads
        && after.signed.area >= after.needed.area
        && after.total.heads > 0
    {
        let created = super::cases::submit(
            db,
            prefix,
            actor,
            &super::cases::CaseInput {
                kind: "suggestion".into(),
                category: "other".into(),
                compound_id: c.id,
                building_id: None,
                dwelling_id: None,
                public_area: String::new(),
                description: format!(
                    "业主提议召开临时业主大会：{}（{} 户、面积 {} m² 已签名，达到 20% 人数和 20% 面积）",
                    after.subject,
                    after.signed.heads,
                    vote_files::format_area(after.signed.area)
                ),
                description_public: true,
                channel: None,
                reporter_name: None,
                reporter_phone: None,
                visitors: None,
            },
            Vec::new(),
        )
        .await?;
        if db.demand_reached(id, created.id, now).await? {
            let committee = db.committee_of(c.id).await?.map(|x| x.0);
            let users = db
                .users_of_organisations(&committee.into_iter().collect::<Vec<_>>())
                .await?;
            for u in users {
                db.notify(
                    u,
                    Some(created.id),
                    "demand_reached",
                    &format!("demand:{id}:{u}"),
                    now,
                )
                .await?;
            }
        }
        return Ok(demand_status(db, actor, id).await?.0);
    }
    Ok(after)
}

pub async fn demands_of(
    db: &Db,
    actor: &Actor,
    compound_id: i64,
) -> AppResult<Vec<crate::db::decisions::DemandRow>> {
    let c = compound_of(db, compound_id).await?;
    if !actor.can(Action::ViewPlace, &Target::Place(c.place(None))) {
        return Err(AppError::NotFound);
    }
    Ok(db.demands_of(compound_id).await?)
}

/// Decisions the actor may see, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    before: i64,
    limit: i64,
) -> AppResult<Vec<crate::db::decisions::DecisionLine>> {
    let seen = super::cases::place_scope(db, actor, Action::ViewPlace).await?;
    let convened = super::cases::place_scope(db, actor, Action::ConveneDecisions).await?;
    Ok(db
        .decisions_list(
            seen.sql().as_deref(),
            convened.sql().as_deref(),
            &actor.organisations(),
            before,
            limit,
        )
        .await?)
}

/// One agenda item as the viewer sees it; the result only once published.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub position: i64,
    pub title: String,
    pub matter: Option<i64>,
    /// major | ordinary (assembly items).
    pub class: Option<String>,
    pub result: Option<ItemResult>,
    pub follow_up_case_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: DecisionRow,
    pub compound_name: String,
    /// The status now (a noticed vote whose window started is open).
    pub status: String,
    /// The earliest lawful opening if the notice went out now (drafts).
    pub earliest_opening: i64,
    /// By when the result must be published (closed votes).
    pub publication_due: Option<i64>,
    pub items: Vec<ItemView>,
    pub invited: Vec<(i64, String)>,
    pub documents: Vec<crate::db::decisions::DocumentRow>,
    pub questions: Vec<QuestionRow>,
    pub rights: Rights,
    pub mine: MyPart,
    /// Convenor only, while open: who has taken part (heads and area), never the choices.
    pub progress: Vec<ItemProgress>,
    /// Convenor only: objections to the roll.
    pub objections: Vec<ObjectionRow>,
}

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<DecisionView> {
    let (d, c, rights) = load(db, actor, id).await?;
    let items = db.decision_items(id).await?;
    let closed = d.status == DecisionStatus::Closed.as_str();
    let results = results(&items);
    let items = items
        .iter()
        .zip(results)
        .map(|(it, (_, r))| ItemView {
            position: it.position,
            title: it.title.clone(),
            matter: it.matter,
            class: it
                .matter
                .and_then(|m| u8::try_from(m).ok())
                .and_then(vote::matter_class)
                .map(|c| c.as_str().to_string()),
            result: if closed { r } else { None },
            follow_up_case_id: it.follow_up_case_id,
        })
        .collect();
    let progress = if rights.manage && !closed {
        db.progress(id).await?
    } else {
        vec![]
    };
    let objections = if rights.manage {
        db.objections(id, None).await?
    } else {
        vec![]
    };
    let now = crate::db::now();
    Ok(DecisionView {
        status: d.status.clone(),
        compound_name: c.name.clone(),
        earliest_opening: crate::domain::decisions::earliest_opening(now),
        publication_due: d.closed_at.map(crate::domain::decisions::publication_due),
        items,
        invited: db.invited_organisations(id).await?,
        documents: db.documents(id).await?,
        questions: db.questions(id).await?,
        rights,
        mine: my_part(db, actor, &d).await?,
        progress,
        objections,
        decision: d,
    })
}
