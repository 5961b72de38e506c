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
        .route("/decisions/{id}/edit", get(edit_page).post(edit_submit))
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
    /// (item number, label with its approval class, whether it needs 3/4).
    matters: Vec<(i64, String, bool)>,
    earliest: String,
    case_id: Option<i64>,
    /// The draft being edited; none for a new one.
    edit: Option<i64>,
    /// The form's values: the draft's, or a refused form's as typed.
    draft: DraftValues,
}

/// The values a draft form shows.
#[derive(Default)]
struct DraftValues {
    compound_id: i64,
    kind: String,
    mode: String,
    title: String,
    description: String,
    place: String,
    opens_at: String,
    closes_at: String,
    /// (row number from 1, title, matter as typed)
    items: Vec<(usize, String, String)>,
    invited: Vec<i64>,
}

impl NewPage {
    fn invited(&self, id: &i64) -> bool {
        self.draft.invited.contains(id)
    }
    fn item_error(&self, row: &usize, what: &str) -> Option<String> {
        self.ctx.field_error(&format!("items[{}].{what}", row - 1))
    }
}

impl DraftValues {
    /// A refused form's values over the page's own (the draft, or nothing for a new one), and
    /// at least five agenda rows, one empty row more than there are items.
    fn merged(mut self, ctx: &Ctx) -> Self {
        let v = |name: &str, own: &str| ctx.value_or(name, own);
        self.kind = v("kind", &self.kind);
        self.mode = v("mode", &self.mode);
        self.title = v("title", &self.title);
        self.description = v("description", &self.description);
        self.place = v("place", &self.place);
        self.opens_at = v("opens_at", &self.opens_at);
        self.closes_at = v("closes_at", &self.closes_at);
        if let Ok(c) = ctx.value_or("compound_id", "").parse() {
            self.compound_id = c;
        }
        if let (Some(titles), Some(matters)) =
            (ctx.values_of("item_title"), ctx.values_of("item_matter"))
        {
            self.items = titles
                .into_iter()
                .enumerate()
                .map(|(i, t)| (i + 1, t, matters.get(i).cloned().unwrap_or_default()))
                .collect();
        }
        if let Some(invited) = ctx.values_of("invited") {
            self.invited = invited.iter().filter_map(|i| i.parse().ok()).collect();
        }
        let rows = (self.items.iter().filter(|r| !r.1.trim().is_empty()).count() + 1)
            .clamp(5, svc::MAX_ITEMS);
        while self.items.len() < rows {
            self.items
                .push((self.items.len() + 1, String::new(), String::new()));
        }
        self
    }
}

/// The page of a new or edited draft.
async fn draft_page(
    s: &AppState,
    ctx: Ctx,
    actor: &Actor,
    case_id: Option<i64>,
    edit: Option<i64>,
    draft: DraftValues,
) -> AppResult<Html<String>> {
    let compounds: Vec<(i64, String, String)> = places::list_compounds(&s.db, actor, 0, Some(200))
        .await?
        .into_iter()
        .filter(|c| actor.can(Action::ConveneDecisions, &Target::Place(c.place(None))))
        .filter(|c| edit.is_none() || c.id == draft.compound_id)
        .map(|c| (c.id, c.name, c.kind))
        .collect();
    if compounds.is_empty() {
        return Err(AppError::Forbidden);
    }
    let matters = (1..=9u8)
        .map(|m| {
            let major = crate::domain::decisions::vote::matter_class(m)
                == Some(crate::domain::decisions::vote::MatterClass::Major);
            let class = ctx.t(if major {
                "decisions.matter_major"
            } else {
                "decisions.matter_ordinary"
            });
            (
                i64::from(m),
                format!("{} · {class}", ctx.t(&format!("matter.{m}"))),
                major,
            )
        })
        .collect();
    let earliest = crate::domain::deadline::local(crate::domain::decisions::earliest_opening(
        crate::db::now(),
    ));
    let draft = draft.merged(&ctx);
    render(NewPage {
        departments: s.db.cases().departments().await?,
        ctx,
        compounds,
        matters,
        earliest,
        case_id,
        edit,
        draft,
    })
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
    draft_page(&s, ctx, &actor, q.case, None, DraftValues::default()).await
}

/// The edit form of a draft, filled in with it (the convenor side, until the notice).
async fn edit_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = svc::view(&s.db, &actor, id_of(&id)?).await?;
    if !v.rights.manage {
        return Err(AppError::Forbidden);
    }
    if v.status != "draft" {
        return Err(crate::domain::decisions::Refusal::NotDraft.into());
    }
    let d = &v.decision;
    let local = |t: i64| crate::domain::deadline::format_local(t, "%Y-%m-%dT%H:%M");
    let draft = DraftValues {
        compound_id: d.compound_id,
        kind: d.kind.clone(),
        mode: d.mode.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        place: d.place.clone(),
        opens_at: local(d.opens_at),
        closes_at: local(d.closes_at),
        items: v
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                (
                    i + 1,
                    it.title.clone(),
                    it.matter.map(|m| m.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        invited: v.invited.iter().map(|(o, _)| *o).collect(),
    };
    draft_page(&s, ctx, &actor, d.origin_case_id, Some(d.id), draft).await
}

/// The new-decision form as a service input: repeated `item_title`/`item_matter` rows and
/// `invited` checkboxes.
fn decision_input(body: &[u8]) -> AppResult<DecisionInput> {
    let pairs = crate::http::form_pairs(body);
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
    Ok(DecisionInput {
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
    })
}

async fn new_submit(
    State(s): State<AppState>,
    actor: Actor,
    RawForm(body): RawForm,
) -> AppResult<Redirect> {
    let id = svc::create(&s.db, &actor, &decision_input(&body)?).await?;
    Ok(back(id))
}

async fn edit_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    svc::update_draft(&s.db, &actor, id, &decision_input(&body)?).await?;
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

/// A share of an area (0.01 m²) as published, with the exact areas in m² beside it.
pub(crate) fn pct_area(part: i64, whole: i64) -> String {
    use crate::domain::decisions::vote_files::format_area;
    format!(
        "{} % ({} / {} m²)",
        crate::domain::decisions::vote::share_percent(part, whole),
        format_area(part),
        format_area(whole)
    )
}

/// A share as published: never on the wrong side of a threshold (RULES.md §1), with the exact
/// counts beside it.
pub(crate) fn pct(part: i64, whole: i64) -> String {
    format!(
        "{} % ({part} / {whole})",
        crate::domain::decisions::vote::share_percent(part, whole)
    )
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
                pct_area(area, d.roll_area),
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
