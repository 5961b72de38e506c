//! Case pages: report a problem (with photos), my cases and the work queue, one case with its
//! timeline and the actions the viewer may take, a compound's open issues, and the inbox.
use crate::db::cases::{CaseLine, Category};
use crate::domain::access::{Action, Target};
use crate::domain::cases::{CaseKind, Channel, Rating};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::{id_of, opt_number, render};
use crate::http::session::Actor;
use crate::services::cases::{self, ActionInput, CaseInput, CaseView, PublicIssue, QueueParams};
use crate::services::places;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page))
        .route(
            "/cases/new",
            get(new_page).layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route(
            "/cases/submit",
            post(new_submit).layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/act", post(act_submit))
        .route("/cases/{id}/photos/{photo}", get(photo))
        .route("/cases/{id}/mediation", post(mediation_submit))
        .route("/cases/{id}/mediation/sessions", post(session_submit))
        .route("/cases/{id}/mediation/outcome", post(outcome_submit))
        .route("/compounds/{id}/issues", get(issues_page))
        .route("/figures", get(figures_page))
        .route("/figures.csv", get(figures_csv))
}

fn category_name(ctx: &Ctx, categories: &[Category], id: i64) -> String {
    categories
        .iter()
        .find(|c| c.id == id)
        .map(|c| {
            if ctx.is_zh() {
                c.name_zh.clone()
            } else {
                c.name_en.clone()
            }
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    ctx: Ctx,
    show: String,
    tabs: Vec<&'static str>,
    rows: Vec<(CaseLine, String)>,
    next_before: Option<i64>,
    now: i64,
    /// Coordination requests addressed to the viewer's departments.
    requests: Vec<crate::db::cases::CoordinationRow>,
}

async fn list_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(p): Query<QueueParams>,
) -> AppResult<Html<String>> {
    let worker = actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::HandleCases))
        || !s
            .db
            .cases()
            .user_units(actor.user_id, actor.person_id)
            .await?
            .is_empty();
    let show = p
        .show
        .clone()
        .unwrap_or_else(|| if worker { "open" } else { "mine" }.into());
    let page = cases::queue(
        &s.db,
        &actor,
        &QueueParams {
            show: Some(show.clone()),
            ..p
        },
    )
    .await?;
    let categories = s.db.cases().categories().await?;
    let rows = page
        .items
        .into_iter()
        .map(|c| {
            let name = category_name(&ctx, &categories, c.category_id);
            (c, name)
        })
        .collect();
    render(ListPage {
        ctx,
        tabs: if worker {
            vec!["open", "overdue", "all", "mine"]
        } else {
            vec!["mine"]
        },
        show,
        rows,
        next_before: page.next_before,
        now: crate::db::now(),
        requests: cases::coordination_requests(&s.db, &actor, 0, Some(50)).await?,
    })
}

// ---------------------------------------------------------------- report

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    ctx: Ctx,
    kinds: Vec<&'static str>,
    categories: Vec<Category>,
    compounds: Vec<(i64, String)>,
    staff: bool,
    channels: Vec<&'static str>,
    max_photos: usize,
    /// Buildings to choose from, when the reporter sees few compounds or has chosen one:
    /// (id, compound, building).
    buildings: Vec<(i64, String, String)>,
    /// Someone who sees many compounds (staff) first picks the compound, so that the form can
    /// offer its buildings by name (a GET form, without JavaScript).
    pick_compound_first: bool,
    /// The kind asked for in the address, kept through the compound step.
    kind: String,
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
    compound_id: Option<String>,
}

async fn new_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<NewQuery>,
) -> AppResult<Html<String>> {
    let mut compounds: Vec<(i64, String)> = places::list_compounds(&s.db, &actor, 0, Some(200))
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let chosen = q
        .compound_id
        .as_deref()
        .and_then(|c| c.trim().parse::<i64>().ok())
        .and_then(|c| compounds.iter().find(|x| x.0 == c).cloned());
    let pick_compound_first = chosen.is_none() && compounds.len() > 3;
    if let Some(c) = chosen {
        compounds = vec![c];
    }
    let mut buildings = Vec::new();
    if compounds.len() <= 3 {
        for (id, name) in &compounds {
            for (b, bname) in s.db.cases().building_names(*id).await? {
                buildings.push((b, name.clone(), bname));
            }
        }
    }
    let staff = actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::HandleCases));
    let mut kinds: Vec<&'static str> = CaseKind::ALL.iter().map(|k| k.as_str()).collect();
    if let Some(k) = q.kind.as_deref().and_then(CaseKind::parse) {
        kinds.retain(|w| *w != k.as_str());
        kinds.insert(0, k.as_str());
    }
    render(NewPage {
        ctx,
        kinds,
        categories: s
            .db
            .cases()
            .categories()
            .await?
            .iter()
            .filter(|c| c.active == 1)
            .cloned()
            .collect(),
        compounds,
        staff,
        channels: Channel::ALL
            .iter()
            .filter(|c| **c != Channel::Open311)
            .map(|c| c.as_str())
            .collect(),
        max_photos: cases::MAX_PHOTOS,
        buildings,
        pick_compound_first,
        kind: q.kind.unwrap_or_default(),
    })
}

async fn new_submit(
    State(s): State<AppState>,
    actor: Actor,
    mut form: axum::extract::Multipart,
) -> AppResult<Response> {
    let mut input = CaseInput::default();
    let mut photos = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::field("photos", "too_large")
        } else {
            AppError::BadRequest(e.body_text())
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "photos" {
            // Read a chunk at a time: a photo over the limit is refused at the first chunk past
            // it, without reading (or holding) the rest.
            let mut field = field;
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > cases::MAX_PHOTO_BYTES {
                    return Err(AppError::field("photos", "too_large"));
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() {
                photos.push(bytes);
            }
            continue;
        }
        let v = field.text().await.map_err(bad)?;
        match name.as_str() {
            "kind" => input.kind = v,
            "category" => input.category = v,
            "compound_id" => input.compound_id = opt_number(&v, "compound_id")?.unwrap_or(0),
            "building_id" => input.building_id = opt_number(&v, "building_id")?,
            "dwelling_id" => input.dwelling_id = opt_number(&v, "dwelling_id")?,
            "public_area" => input.public_area = v,
            "description" => input.description = v,
            "description_public" => input.description_public = !v.is_empty(),
            "channel" => input.channel = Some(v),
            "reporter_name" => input.reporter_name = Some(v),
            "reporter_phone" => input.reporter_phone = Some(v),
            "visitors" => input.visitors = opt_number(&v, "visitors")?,
            "received_on" => input.received_on = Some(v),
            _ => {}
        }
    }
    let created = cases::submit(&s.db, &s.config.case_prefix, &actor, &input, photos).await?;
    Ok(Redirect::to(&format!("/cases/{}?new=1", created.id)).into_response())
}

// ---------------------------------------------------------------- one case

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    ctx: Ctx,
    v: CaseView,
    category_name: String,
    just_created: bool,
    ratings: Vec<&'static str>,
    levels: Vec<&'static str>,
    units: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    /// For a dispute and a worker: the mediation, and who may mediate.
    mediation: Option<cases::MediationView>,
    mediators: Vec<(i64, String)>,
}

#[derive(Deserialize)]
struct CaseQuery {
    new: Option<String>,
}

async fn case_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> AppResult<Html<String>> {
    let v = cases::view(&s.db, &actor, id_of(&id)?).await?;
    let categories = s.db.cases().categories().await?;
    let category_name = category_name(&ctx, &categories, v.category_id);
    let worker = v.standing == cases::Standing::Worker;
    let (mediation, mediators) = if worker && v.kind == "dispute" {
        (
            Some(cases::mediation(&s.db, &actor, v.id).await?),
            s.db.cases().mediators().await?,
        )
    } else {
        (None, vec![])
    };
    let (units, departments) = if worker {
        let compound =
            s.db.places()
                .compound(v.compound_id)
                .await?
                .ok_or(AppError::NotFound)?;
        (
            cases::units_for(&s.db, &compound).await?,
            s.db.cases().departments().await?,
        )
    } else {
        (vec![], vec![])
    };
    render(CasePage {
        ctx,
        category_name,
        just_created: q.new.is_some(),
        ratings: Rating::ALL.iter().map(|r| r.as_str()).collect(),
        levels: ["team", "community", "subdistrict", "district"].to_vec(),
        units,
        departments,
        mediation,
        mediators,
        v,
    })
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    note: String,
    internal: Option<String>,
    /// `kind:id`, e.g. `organisation:12`
    unit: Option<String>,
    level: Option<String>,
    rating: Option<String>,
    days: Option<String>,
    into: Option<String>,
    organisation_id: Option<String>,
    request_id: Option<String>,
    outcome: Option<String>,
    go_to: Option<String>,
}

async fn act_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (unit_kind, unit_id) = match f.unit.as_deref().and_then(|u| u.split_once(':')) {
        Some((k, i)) => (Some(k.to_string()), opt_number(i, "unit_id")?),
        None => (None, None),
    };
    let input = ActionInput {
        action: f.action,
        note: f.note,
        internal: f.internal.is_some(),
        unit_kind,
        unit_id,
        level: f.level.filter(|l| !l.is_empty()),
        rating: f.rating.filter(|l| !l.is_empty()),
        days: opt_number(f.days.as_deref().unwrap_or(""), "days")?,
        into: f.into.filter(|l| !l.is_empty()),
        organisation_id: opt_number(
            f.organisation_id.as_deref().unwrap_or(""),
            "organisation_id",
        )?,
        request_id: opt_number(f.request_id.as_deref().unwrap_or(""), "request_id")?,
        outcome: f.outcome.filter(|l| !l.is_empty()),
        go_to: f.go_to.filter(|l| !l.is_empty()),
    };
    cases::act(&s.db, &actor, id, &input).await?;
    Ok(Redirect::to(&format!("/cases/{id}")))
}

async fn photo(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, photo)): Path<(String, String)>,
    Query(q): Query<crate::http::cases::api::PhotoQuery>,
) -> AppResult<Response> {
    crate::http::cases::api::photo_response(
        &s,
        &actor,
        id_of(&id)?,
        id_of(&photo)?,
        q.size.as_deref(),
    )
    .await
}

// ---------------------------------------------------------------- public list

#[derive(Template)]
#[template(path = "issues.html")]
struct IssuesPage {
    ctx: Ctx,
    compound_id: i64,
    compound_name: String,
    rows: Vec<(PublicIssue, String, String)>,
}

async fn issues_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let id = id_of(&id)?;
    let compound =
        s.db.places()
            .compound(id)
            .await?
            .ok_or(AppError::NotFound)?;
    actor.require(Action::ViewPlace, &Target::Place(compound.place(None)))?;
    let issues = cases::public_issues(&s.db, &actor, id).await?;
    let categories = s.db.cases().categories().await?;
    let buildings = s.db.cases().building_names(id).await?;
    let rows = issues
        .into_iter()
        .map(|i| {
            let cat = category_name(&ctx, &categories, i.category_id);
            let place = i
                .building_id
                .and_then(|b| buildings.iter().find(|(id, _)| *id == b))
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| i.public_area.clone());
            (i, cat, place)
        })
        .collect();
    render(IssuesPage {
        ctx,
        compound_id: id,
        compound_name: compound.name,
        rows,
    })
}

// ---------------------------------------------------------------- mediation forms

async fn mediation_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(input): PageForm<cases::MediationInput>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    cases::set_mediation(&s.db, &actor, id, &input).await?;
    Ok(Redirect::to(&format!("/cases/{id}#mediation")))
}

async fn session_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(f): PageForm<cases::SessionInput>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    cases::add_session(&s.db, &actor, id, &f).await?;
    Ok(Redirect::to(&format!("/cases/{id}#mediation")))
}

async fn outcome_submit(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    PageForm(f): PageForm<cases::OutcomeInput>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    cases::record_outcome(&s.db, &actor, id, &f).await?;
    Ok(Redirect::to(&format!("/cases/{id}#mediation")))
}

// ---------------------------------------------------------------- figures

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    ctx: Ctx,
    f: cases::Figures,
    query: String,
    categories: Vec<Category>,
}

impl FiguresPage {
    fn pct(&self, bp: &Option<i64>) -> String {
        crate::domain::cases::rates::percent(*bp)
    }
    /// Bar width in percent for a rate (0 when absent).
    fn bar(&self, bp: &Option<i64>) -> i64 {
        bp.unwrap_or(0) / 100
    }
    /// Each table: its title, the head of its first column, and its lines.
    fn sections(&self) -> Vec<(&'static str, &'static str, &Vec<cases::FigureLine>)> {
        vec![
            ("figures.by_unit", "figures.unit", &self.f.by_unit),
            ("figures.by_compound", "case.compound", &self.f.by_compound),
            ("figures.by_category", "case.category", &self.f.by_category),
        ]
    }
    /// The name of a category code in the reader's language (the code itself if unknown).
    fn category_name(&self, code: &str) -> String {
        category_name_of_code(&self.categories, &self.ctx, code)
    }
    /// The link to the next page of compounds, when there is one.
    fn compounds_next(&self) -> Option<String> {
        let next = self.f.compounds_from + self.f.by_compound.len() as i64;
        (next < self.f.compounds_count)
            .then(|| format!("/figures?{}&compounds_from={next}", self.query))
    }
    fn rate_cards(&self) -> Vec<(&'static str, Option<i64>)> {
        let r = &self.f.total.rates;
        vec![
            ("figures.response", r.response_bp),
            ("figures.resolution", r.resolution_bp),
            ("figures.satisfaction", r.satisfaction_bp),
        ]
    }
    fn line_name(&self, l: &cases::FigureLine) -> String {
        match l.group.as_str() {
            "category" => self.category_name(&l.name),
            _ => l.name.clone(),
        }
    }
}

fn category_name_of_code(categories: &[Category], ctx: &Ctx, code: &str) -> String {
    categories
        .iter()
        .find(|c| c.code == code)
        .map(|c| {
            if ctx.is_zh() {
                c.name_zh.clone()
            } else {
                c.name_en.clone()
            }
        })
        .unwrap_or_else(|| code.to_string())
}

fn period_query(p: &cases::PeriodParams) -> String {
    crate::http::query_of([
        ("month", p.month.clone()),
        ("year", p.year.map(|y| y.to_string())),
        ("from", p.from.clone()),
        ("to", p.to.clone()),
    ])
}

async fn figures_page(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(p): Query<cases::PeriodParams>,
) -> AppResult<Html<String>> {
    let f = cases::figures(&s.db, &actor, &p).await?;
    render(FiguresPage {
        ctx,
        f,
        query: period_query(&p),
        categories: s.db.cases().categories().await?.to_vec(),
    })
}

async fn figures_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(p): Query<cases::PeriodParams>,
) -> AppResult<Response> {
    let f = cases::all_figures(&s.db, &actor, &p).await?;
    let categories = s.db.cases().categories().await?;
    let mut w = crate::http::csv::CsvExport::new(&[
        "group",
        "id",
        "name",
        "cases",
        "due_to_sign",
        "signed_in_time",
        "response_rate",
        "taken_on",
        "closed",
        "resolution_rate",
        "rated",
        "satisfied",
        "satisfaction_rate",
        "overdue",
    ])?;
    let sections = [
        vec![f.total.clone()],
        f.by_unit.clone(),
        f.by_compound.clone(),
        f.by_kind.clone(),
        f.by_category.clone(),
        f.by_channel.clone(),
    ];
    for l in sections.iter().flatten() {
        let c = &l.counts;
        let name = match l.group.as_str() {
            "total" => ctx.t("figures.total"),
            "category" => category_name_of_code(&categories, &ctx, &l.name),
            _ => l.name.clone(),
        };
        w.row([
            l.group.clone(),
            l.id.to_string(),
            name,
            c.total.to_string(),
            c.due_to_sign.to_string(),
            c.signed_in_time.to_string(),
            crate::domain::cases::rates::percent(l.rates.response_bp),
            c.taken_on.to_string(),
            c.closed.to_string(),
            crate::domain::cases::rates::percent(l.rates.resolution_bp),
            c.rated.to_string(),
            c.satisfied.to_string(),
            crate::domain::cases::rates::percent(l.rates.satisfaction_bp),
            c.overdue.to_string(),
        ])?;
    }
    w.into_response(&format!(
        "case-figures-{}.csv",
        f.period.label.replace("..", "_")
    ))
}
