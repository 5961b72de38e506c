//! Casting ballots (online, paper, proxy) onto the per-vote chain, an owner's part in a vote,
//! participation without choices, and the roll as owners check it.
use super::Checks;
use super::*;
use crate::db::Db;
use crate::db::decisions::{
    CastFailure, DecisionRow, HeadRow, ItemProgress, NewBallot, ObjectionRow,
};
use crate::domain::decisions::ballot_chain::BallotChannel;
use crate::domain::decisions::vote::Choice;
use crate::domain::decisions::{DecisionKind, DecisionStatus, Refusal};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    match db
        .decisions()
        .cast_ballots(id, &ballots, actor.user_id, now)
        .await?
    {
        Ok(seq) => Ok(BallotReceipt { head, seq }),
        Err(CastFailure::Duplicate) => Err(Refusal::AlreadyVoted.into()),
        Err(CastFailure::NotOpen) => Err(Refusal::VotingClosed.into()),
        Err(CastFailure::Unknown) => {
            // Rare: say which part was unknown.
            let items = db.decisions().decision_items(id).await?;
            let mut ch = Checks::default();
            for (i, (item, _)) in choices.iter().enumerate() {
                if !items.iter().any(|it| it.position == *item) {
                    ch.fail(&format!("choices[{i}].item"), "unknown");
                }
            }
            if !db.decisions().head_exists(id, head).await? {
                ch.fail("head", "not_on_roll");
            }
            ch.finish()?;
            Err(AppError::Conflict("vote_changed"))
        }
    }
}

/// The head an owner votes for online (RULES.md §1, "who votes for a head"): a head the frozen
/// roll gives them, unless it passed wholly to new owners before it voted; or one that passed
/// wholly to them, when they hold no other head. For a consultation, any holder of the
/// household's dwelling today. A co-owned head is voted by its designated co-owner while they
/// still hold a unit of it.
async fn online_head(
    db: &Db,
    d: &DecisionRow,
    kind: DecisionKind,
    person: i64,
    wanted: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let day = today(now);
    let held = db.decisions().current_heads_of(d.id, person, &day).await?;
    let candidates: Vec<i64> = if kind == DecisionKind::Consultation {
        held.iter().map(|h| h.0).collect()
    } else {
        voting_heads(db, d.id, person, &day).await?
    };
    if candidates.is_empty() {
        let on_roll = !db
            .decisions()
            .heads_touching(d.id, person, &day)
            .await?
            .is_empty();
        return Err(if on_roll {
            AppError::Conflict("head_with_seller")
        } else if held.is_empty() {
            Refusal::NotOnRoll.into()
        } else {
            Refusal::NotAnOwner.into()
        });
    }
    let pick = match wanted {
        Some(h) => *candidates
            .iter()
            .find(|x| **x == h)
            .ok_or(AppError::field("head", "not_yours"))?,
        None => candidates[0],
    };
    let designated = held.iter().find(|h| h.0 == pick).and_then(|h| h.2);
    if let Some(designated) = designated
        && designated != person
        && db
            .decisions()
            .holds_unit_of_head(d.id, pick, designated, &day)
            .await?
    {
        return Err(AppError::Conflict("vote_designated_co_owner"));
    }
    Ok(pick)
}

/// The heads of an owners' vote a person may vote for today, after the sales since the roll
/// was frozen (`domain::decisions::sales`). Decided over the heads the person touches (on the
/// roll or owning a unit of), and those the other new owners of these heads touch, so that
/// nobody takes over two heads.
async fn voting_heads(db: &Db, id: i64, person: i64, day: &str) -> AppResult<Vec<i64>> {
    let mut touched: std::collections::BTreeSet<i64> = db
        .decisions()
        .heads_touching(id, person, day)
        .await?
        .into_iter()
        .collect();
    if touched.is_empty() {
        return Ok(vec![]);
    }
    let first = db
        .decisions()
        .heads_now(id, &touched.iter().copied().collect::<Vec<_>>(), day)
        .await?;
    let mut people: std::collections::BTreeSet<i64> = first
        .iter()
        .flat_map(|h| h.owners_now.iter().flatten().copied())
        .collect();
    people.insert(person);
    for p in people.iter().filter(|p| **p != person) {
        touched.extend(db.decisions().heads_touching(id, *p, day).await?);
    }
    let heads = db
        .decisions()
        .heads_now(id, &touched.iter().copied().collect::<Vec<_>>(), day)
        .await?;
    let everyone: Vec<i64> = heads
        .iter()
        .flat_map(|h| h.owners_now.iter().flatten().chain(h.roll_voters.iter()))
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let on_roll = db.decisions().roll_heads_of_people(id, &everyone).await?;
    let voters = crate::domain::decisions::sales::voters_now(&heads, |p, no| {
        on_roll.iter().any(|(q, h)| *q == p && *h != no)
    });
    Ok(voters
        .into_iter()
        .filter(|(_, v)| v.contains(&person))
        .map(|(h, _)| h)
        .collect())
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
    let heads = db.decisions().roll_entries_of(d.id, person).await?;
    let numbers: Vec<i64> = heads.iter().map(|h| h.head_no).collect();
    let voted = db.decisions().voted_items(d.id, &numbers).await?;
    let objections = db.decisions().objections(d.id, Some(actor.user_id)).await?;
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
    let p = db.decisions().progress(id).await?;
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
    Ok(db.decisions().roll_page(id, after, limit).await?)
}
