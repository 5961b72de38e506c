//! Voting on a phone, and the printable and public views of a vote: the roll, the A4 notice,
//! the published result and its verification.
use crate::db::decisions::{BallotDetail, HeadRow};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::{Ctx, Locale};
use crate::http::decisions::pages::ResultLine;
use crate::http::decisions::pages::notice_submit;
use crate::http::decisions::pages::result_lines;
use crate::http::pages::{id_of, render};
use crate::http::session::Actor;
use crate::services::decisions::{
    self as svc, BallotInput, ChoiceInput, DecisionView, Verification,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/decisions/{id}/notice",
            get(notice_print).post(notice_submit),
        )
        .route("/decisions/{id}/roll", get(roll_page))
        .route("/decisions/{id}/vote", get(vote_page).post(vote_submit))
        .route("/decisions/{id}/result", get(result_page))
        .route("/decisions/{id}/verify", get(verify_page))
}

// ---------------------------------------------------------------- voting on a phone

#[derive(Template)]
#[template(path = "decision_vote.html")]
struct VotePage {
    ctx: Ctx,
    v: DecisionView,
    /// The item to vote on now, with its number among all items.
    next: Option<(i64, String, Option<String>)>,
    /// A choice tapped, waiting for confirmation.
    chosen: Option<String>,
    done: usize,
    total: usize,
    open: bool,
}

#[derive(Deserialize)]
struct VoteQuery {
    item: Option<i64>,
    choice: Option<String>,
}

async fn vote_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<VoteQuery>,
) -> AppResult<Html<String>> {
    let v = svc::view(&s.db, &actor, id_of(&id)?).await?;
    let head = v.mine.heads.first().map(|h| h.head_no);
    let voted: Vec<i64> = v
        .mine
        .voted
        .iter()
        .filter(|(h, _)| Some(*h) == head)
        .map(|(_, item)| *item)
        .collect();
    let remaining: Vec<_> = v
        .items
        .iter()
        .filter(|it| !voted.contains(&it.position))
        .collect();
    let next = match q.item {
        Some(i) => remaining.iter().find(|it| it.position == i),
        None => remaining.first(),
    }
    .map(|it| (it.position, it.title.clone(), it.class.clone()));
    let chosen = q
        .choice
        .filter(|c| crate::domain::decisions::vote::Choice::parse(c).is_some() && next.is_some());
    let open = v.status == "open" && crate::db::now() < v.decision.closes_at;
    render(VotePage {
        ctx,
        done: v.items.len() - remaining.len(),
        total: v.items.len(),
        next,
        chosen,
        open,
        v,
    })
}

#[derive(Deserialize)]
struct VoteForm {
    item: i64,
    choice: String,
}

async fn vote_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<VoteForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::cast(
        &s.db,
        &actor,
        id,
        &BallotInput {
            choices: vec![ChoiceInput {
                item: f.item,
                choice: f.choice,
            }],
            channel: None,
            head: None,
            ballot_number: None,
            proxy_reference: None,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/decisions/{id}/vote")))
}

// ---------------------------------------------------------------- roll, notice, result

#[derive(Template)]
#[template(path = "decision_roll.html")]
struct RollPage {
    ctx: Ctx,
    v: DecisionView,
    heads: Vec<HeadRow>,
    next_after: Option<i64>,
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<i64>,
}

async fn roll_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let heads = svc::roll_page(&s.db, &actor, id, q.after.unwrap_or(0), 200).await?;
    let next_after = (heads.len() == 200)
        .then(|| heads.last().map(|h| h.head_no))
        .flatten();
    render(RollPage {
        v: svc::view(&s.db, &actor, id).await?,
        ctx,
        heads,
        next_after,
    })
}

#[derive(Template)]
#[template(path = "decision_notice.html")]
struct NoticePrint {
    ctx: Ctx,
    v: DecisionView,
    earliest: String,
}

/// The A4 notice for the news board, always in Chinese.
async fn notice_print(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = svc::view(&s.db, &actor, id_of(&id)?).await?;
    let earliest = v
        .decision
        .noticed_at
        .map(|n| crate::domain::deadline::local(crate::domain::decisions::earliest_opening(n)))
        .unwrap_or_default();
    render(NoticePrint {
        ctx: Ctx {
            locale: Locale::Zh,
            ..ctx
        },
        v,
        earliest,
    })
}

#[derive(Template)]
#[template(path = "decision_result.html")]
struct ResultPage {
    ctx: Ctx,
    v: DecisionView,
    results: Vec<ResultLine>,
    item: i64,
    details: Vec<BallotDetail>,
    next_after: Option<i64>,
}

#[derive(Deserialize)]
struct ResultQuery {
    item: Option<i64>,
    after: Option<i64>,
}

/// The published result (公示): per item the outcome, then the ballots by unit number and area,
/// never names.
async fn result_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<ResultQuery>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let v = svc::view(&s.db, &actor, id).await?;
    if v.decision.status != "closed" {
        return Err(AppError::Conflict("vote_not_closed"));
    }
    let item = q.item.unwrap_or(1);
    let details =
        s.db.decisions()
            .ballot_details(id, item, q.after.unwrap_or(0), 500)
            .await?;
    let next_after = (details.len() == 500)
        .then(|| details.last().map(|d| d.head_no))
        .flatten();
    let results = result_lines(&v);
    render(ResultPage {
        ctx,
        v,
        results,
        item,
        details,
        next_after,
    })
}

#[derive(Template)]
#[template(path = "decision_verify.html")]
struct VerifyPage {
    ctx: Ctx,
    id: i64,
    r: Verification,
}

async fn verify_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let r = svc::verify(&s.db, &actor, id).await?;
    render(VerifyPage { ctx, id, r })
}
