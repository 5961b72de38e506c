//! Owners' decision pages: the convenor's flow (draft → notice → roll → progress → close →
//! follow-up), owners voting on a phone in two taps per item, questions to departments, the A4
//! notice for the news board, the published result and its printable notice, meeting demands.
use super::AppState;
use super::ctx::{Ctx, Locale};
use super::pages::{id_of, opt_number, render};
use super::session::Actor;
use crate::db::decisions::{BallotDetail, DecisionLine, DemandRow, HeadRow};
use crate::domain::access::{Action, Target};
use crate::error::{AppError, AppResult};
use crate::services::decisions::{
    self as svc, BallotInput, ChoiceInput, CloseInput, DecisionInput, DecisionView, DemandStatus,
    FollowUpInput, ItemInput, ItemResult, Verification,
};
use crate::services::places;
use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/decisions", get(list_page))
        .route("/decisions/new", get(new_page).post(new_submit))
        .route("/decisions/{id}", get(decision_page))
        .route(
            "/decisions/{id}/notice",
            get(notice_print).post(notice_submit),
        )
        .route("/decisions/{id}/cancel", post(cancel_submit))
        .route("/decisions/{id}/roll", get(roll_page))
        .route("/decisions/{id}/objections", post(object_submit))
        .route(
            "/decisions/{id}/objections/{objection}/answer",
            post(objection_answer_submit),
        )
        .route("/decisions/{id}/questions", post(ask_submit))
        .route(
            "/decisions/{id}/questions/{question}/answer",
            post(answer_submit),
        )
        .route("/decisions/{id}/vote", get(vote_page).post(vote_submit))
        .route("/decisions/{id}/ballots", post(ballot_submit))
        .route("/decisions/{id}/close", post(close_submit))
        .route("/decisions/{id}/result", get(result_page))
        .route("/decisions/{id}/verify", get(verify_page))
        .route(
            "/decisions/{id}/items/{item}/follow-up",
            post(follow_up_submit),
        )
        .route(
            "/compounds/{id}/demands",
            get(demands_page).post(demand_start_submit),
        )
        .route("/demands/{id}", get(demand_page))
        .route("/demands/{id}/sign", post(demand_sign_submit))
        .route(
            "/decisions/{id}/documents",
            post(document_submit).layer(axum::extract::DefaultBodyLimit::max(
                svc::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/decisions/{id}/documents/{doc}", get(document_get))
}

/// The `file` part of a multipart upload: (file name, bytes).
pub async fn file_field(mut form: axum::extract::Multipart) -> AppResult<(String, Vec<u8>)> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::field("file", "too_large_document")
        } else {
            AppError::BadRequest(e.body_text())
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(AppError::field("file", "required"))
}

/// A stored document, shown in the browser (PDF viewer or image) under its own name.
pub fn document_response(
    name: &str,
    content_type: String,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{encoded}"),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=3600".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn document_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (name, bytes) = file_field(form).await?;
    svc::add_document(&s.db, &actor, id, &name, &bytes).await?;
    Ok(Redirect::to(&format!("/decisions/{id}#documents")))
}

async fn document_get(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, doc)): Path<(String, String)>,
) -> AppResult<axum::response::Response> {
    let (name, ct, bytes) = svc::document(&s.db, &actor, id_of(&id)?, id_of(&doc)?).await?;
    Ok(document_response(&name, ct, bytes))
}

fn back(id: i64) -> Redirect {
    Redirect::to(&format!("/decisions/{id}"))
}

// ---------------------------------------------------------------- list and new

#[derive(Template)]
#[template(path = "decisions.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<DecisionLine>,
    can_convene: bool,
    next_after: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<i64>,
}

async fn list_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let rows = svc::list(&s.db, &actor, q.before.unwrap_or(0).max(0), 50).await?;
    let next_after = (rows.len() == 50)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    render(ListPage {
        ctx,
        can_convene: actor
            .grants
            .iter()
            .any(|g| crate::domain::access::role_permits(g.role, Action::ConveneDecisions)),
        rows,
        next_after,
    })
}

#[derive(Template)]
#[template(path = "decision_new.html")]
struct NewPage {
    ctx: Ctx,
    compounds: Vec<(i64, String, String)>,
    departments: Vec<(i64, String)>,
    matters: Vec<(i64, String)>,
    earliest: String,
    case_id: Option<i64>,
}

#[derive(Deserialize)]
struct NewQuery {
    case: Option<i64>,
}

async fn new_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<NewQuery>,
) -> AppResult<Html<String>> {
    let compounds: Vec<(i64, String, String)> = places::list_compounds(&s.db, &actor, 0, Some(200))
        .await?
        .into_iter()
        .filter(|c| actor.can(Action::ConveneDecisions, &Target::Place(c.place(None))))
        .map(|c| (c.id, c.name, c.kind))
        .collect();
    if compounds.is_empty() {
        return Err(AppError::Forbidden);
    }
    let matters = (1..=9)
        .map(|m| (m, ctx.t(&format!("matter.{m}"))))
        .collect();
    let earliest =
        crate::domain::deadline::local(crate::domain::decision::earliest_opening(crate::db::now()));
    render(NewPage {
        departments: s.db.departments().await?,
        ctx,
        compounds,
        matters,
        earliest,
        case_id: q.case,
    })
}

/// The new-decision form: repeated `item_title`/`item_matter` rows and `invited` checkboxes.
async fn new_submit(
    State(s): State<AppState>,
    actor: Actor,
    RawForm(body): RawForm,
) -> AppResult<Redirect> {
    let pairs = super::form_pairs(&body);
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let titles = all("item_title");
    let matters = all("item_matter");
    let mut items = Vec::new();
    for (i, t) in titles.iter().enumerate() {
        if t.trim().is_empty() {
            continue;
        }
        let matter = matters.get(i).map(|m| m.trim()).filter(|m| !m.is_empty());
        items.push(ItemInput {
            title: t.clone(),
            matter: match matter {
                None => None,
                Some(m) => Some(m.parse().map_err(|_| AppError::field("items", "invalid"))?),
            },
        });
    }
    let mut invited = Vec::new();
    for v in all("invited") {
        invited.push(
            v.parse()
                .map_err(|_| AppError::field("invited", "invalid"))?,
        );
    }
    let input = DecisionInput {
        compound_id: one("compound_id")
            .parse()
            .map_err(|_| AppError::field("compound_id", "required"))?,
        kind: one("kind"),
        mode: Some(one("mode")),
        title: one("title"),
        description: one("description"),
        place: one("place"),
        opens_at: one("opens_at"),
        closes_at: one("closes_at"),
        items,
        invited,
        origin_case_id: one("origin_case_id").parse().ok(),
    };
    let id = svc::create(&s.db, &actor, &input).await?;
    Ok(back(id))
}

// ---------------------------------------------------------------- one decision

/// Each item's result, for the outcome tables of the decision and result pages.
fn result_lines(v: &DecisionView) -> Vec<ResultLine> {
    v.items
        .iter()
        .map(|it| ResultLine {
            position: it.position,
            title: it.title.clone(),
            result: it.result.clone(),
            follow_up_case_id: it.follow_up_case_id,
        })
        .collect()
}

/// One item's result prepared for display.
pub struct ResultLine {
    pub position: i64,
    pub title: String,
    pub result: Option<ItemResult>,
    pub follow_up_case_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    ctx: Ctx,
    v: DecisionView,
    now: i64,
    progress: Vec<(i64, String, i64, String, String)>,
    results: Vec<ResultLine>,
    categories: Vec<(String, String)>,
    can_vote: bool,
    open: bool,
}

fn pct(part: i64, whole: i64) -> String {
    crate::domain::rates::percent(crate::domain::rates::basis_points(part, whole))
}

async fn decision_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = svc::view(&s.db, &actor, id_of(&id)?).await?;
    let d = &v.decision;
    let progress = v
        .items
        .iter()
        .map(|it| {
            let p = v.progress.iter().find(|p| p.item_position == it.position);
            let (heads, area) = p.map(|p| (p.heads, p.area)).unwrap_or((0, 0));
            (
                it.position,
                it.title.clone(),
                heads,
                pct(heads, d.roll_heads),
                pct(area, d.roll_area),
            )
        })
        .collect();
    let results = result_lines(&v);
    let categories =
        s.db.categories()
            .await?
            .iter()
            .filter(|c| c.active == 1)
            .map(|c| {
                (
                    c.code.clone(),
                    if ctx.is_zh() {
                        c.name_zh.clone()
                    } else {
                        c.name_en.clone()
                    },
                )
            })
            .collect();
    let now = crate::db::now();
    let open = v.status == "open" && now < d.closes_at;
    let can_vote = open && !v.mine.heads.is_empty() && d.kind != "coordination";
    render(DecisionPage {
        ctx,
        now,
        progress,
        results,
        categories,
        can_vote,
        open,
        v,
    })
}

async fn notice_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::notice(&s.db, &actor, id).await?;
    Ok(back(id))
}

async fn cancel_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::cancel(&s.db, &actor, id).await?;
    Ok(back(id))
}

#[derive(Deserialize)]
struct TextForm {
    text: String,
}

async fn object_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<TextForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::object(&s.db, &actor, id, &f.text).await?;
    Ok(back(id))
}

async fn objection_answer_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, objection)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::answer_objection(&s.db, &actor, id, id_of(&objection)?, &f.text).await?;
    Ok(back(id))
}

async fn ask_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<TextForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::ask(&s.db, &actor, id, &f.text).await?;
    Ok(Redirect::to(&format!("/decisions/{id}#questions")))
}

async fn answer_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, question)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::answer(&s.db, &actor, id, id_of(&question)?, &f.text).await?;
    Ok(Redirect::to(&format!("/decisions/{id}#questions")))
}

/// Paper or proxy ballots recorded by the convenor: one `choice_N` per item.
async fn ballot_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let pairs = super::form_pairs(&body);
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut choices = Vec::new();
    for (name, value) in &pairs {
        if let Some(item) = name.strip_prefix("choice_")
            && !value.is_empty()
        {
            choices.push(ChoiceInput {
                item: item
                    .parse()
                    .map_err(|_| AppError::field("choices", "invalid"))?,
                choice: value.clone(),
            });
        }
    }
    let head = opt_number(one("head").as_deref().unwrap_or(""), "head")?;
    let input = BallotInput {
        choices,
        channel: one("channel"),
        head,
        ballot_number: one("ballot_number"),
        proxy_reference: one("proxy_reference"),
    };
    svc::cast(&s.db, &actor, id, &input).await?;
    Ok(Redirect::to(&format!("/decisions/{id}?recorded=1#paper")))
}

#[derive(Deserialize)]
struct CloseForm {
    report: String,
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    organisations: String,
}

async fn close_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let attendance = opt_number(&f.attendance, "attendance")?;
    svc::close(
        &s.db,
        &actor,
        id,
        &CloseInput {
            report: f.report,
            attendance,
            organisations: f.organisations,
        },
    )
    .await?;
    Ok(back(id))
}

#[derive(Deserialize)]
struct FollowUpForm {
    #[serde(default)]
    category: Option<String>,
}

async fn follow_up_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, item)): Path<(String, String)>,
    Form(f): Form<FollowUpForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let case = svc::follow_up(
        &s.db,
        &s.config.case_prefix,
        &actor,
        id,
        id_of(&item)?,
        &FollowUpInput {
            category: f.category.filter(|c| !c.is_empty()),
            description: None,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/cases/{case}")))
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
        .filter(|c| crate::domain::vote::Choice::parse(c).is_some() && next.is_some());
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
        .map(|n| crate::domain::deadline::local(crate::domain::decision::earliest_opening(n)))
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
        s.db.ballot_details(id, item, q.after.unwrap_or(0), 500)
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

// ---------------------------------------------------------------- meeting demands

#[derive(Template)]
#[template(path = "demands.html")]
struct DemandsPage {
    ctx: Ctx,
    compound_id: i64,
    rows: Vec<DemandRow>,
}

async fn demands_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let rows = svc::demands_of(&s.db, &actor, id).await?;
    render(DemandsPage {
        ctx,
        compound_id: id,
        rows,
    })
}

#[derive(Deserialize)]
struct DemandForm {
    subject: String,
}

async fn demand_start_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<DemandForm>,
) -> AppResult<Redirect> {
    let demand = svc::start_demand(&s.db, &actor, id_of(&id)?, &f.subject).await?;
    Ok(Redirect::to(&format!("/demands/{demand}")))
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandPage {
    ctx: Ctx,
    d: DemandStatus,
    heads_pct: String,
    area_pct: String,
}

async fn demand_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let d = svc::demand(&s.db, &actor, id_of(&id)?).await?;
    render(DemandPage {
        ctx,
        heads_pct: pct(d.signed.heads, d.total.heads),
        area_pct: pct(d.signed.area, d.total.area),
        d,
    })
}

async fn demand_sign_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::sign_demand(&s.db, &s.config.case_prefix, &actor, id).await?;
    Ok(Redirect::to(&format!("/demands/{id}")))
}
