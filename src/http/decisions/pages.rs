//! Owners' decision pages: the convenor's flow (draft → notice → roll → progress → close →
//! follow-up), owners voting on a phone in two taps per item, questions to departments, the A4
//! notice for the news board, the published result and its printable notice, meeting demands.
use crate::db::decisions::DecisionLine;
use crate::domain::access::{Action, Target};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::pages::{id_of, opt_number, render};
use crate::http::session::Actor;
use crate::services::decisions::{
    self as svc, BallotInput, ChoiceInput, CloseInput, DecisionInput, DecisionView, FollowUpInput,
    ItemInput, ItemResult,
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
        .route("/decisions/{id}/cancel", post(cancel_submit))
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
        .route("/decisions/{id}/ballots", post(ballot_submit))
        .route("/decisions/{id}/close", post(close_submit))
        .route(
            "/decisions/{id}/items/{item}/follow-up",
            post(follow_up_submit),
        )
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
    now: i64,
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
        now: crate::db::now(),
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
    let earliest = crate::domain::deadline::local(crate::domain::decisions::earliest_opening(
        crate::db::now(),
    ));
    render(NewPage {
        departments: s.db.cases().departments().await?,
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
    let pairs = crate::http::form_pairs(&body);
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
pub(crate) fn result_lines(v: &DecisionView) -> Vec<ResultLine> {
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

pub(crate) fn pct(part: i64, whole: i64) -> String {
    crate::domain::cases::rates::percent(crate::domain::cases::rates::basis_points(part, whole))
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
        s.db.cases()
            .categories()
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

pub(crate) async fn notice_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::notice(&s.db, &actor, id).await?;
    Ok(back(id))
}

/// Cancelling is destructive: the page's form asks for a ticked confirmation (no JavaScript
/// needed); without it nothing happens.
#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default, deserialize_with = "crate::services::input::flag")]
    confirm: bool,
}

async fn cancel_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    crate::http::form::PageForm(f): crate::http::form::PageForm<ConfirmForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    if !f.confirm {
        return Err(crate::error::AppError::field("confirm", "required"));
    }
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
    let pairs = crate::http::form_pairs(&body);
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
