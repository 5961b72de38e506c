//! Server-rendered pages (zh-CN and en), usable without JavaScript.
use super::ctx::{Ctx, set_cookie};
use super::session::Actor;
use super::{AppState, safe_back};
use crate::auth;
use crate::db::accounts::GrantRow;
use crate::db::audit::AuditEntry;
use crate::db::directory::{Organisation, Team};
use crate::db::places::{Compound, PersonDwelling};
use crate::domain::access::{Action, Target};
use crate::domain::kinds::{AreaSource, DwellingUse, Role};
use crate::error::{AppError, AppResult};
use crate::services::{directory as dir, people, places};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/password", get(password_page).post(password_submit))
        .route("/lang/{code}", get(switch_lang))
        .route("/large/{mode}", get(switch_large))
        .route("/places", get(places_page).post(compound_create_submit))
        .route("/compounds/{id}", get(compound_page).post(compound_submit))
        .route("/compounds/{id}/buildings", post(building_submit))
        .route("/buildings/{id}/dwellings", post(new_dwelling_submit))
        .route("/dwellings/{id}/residents", post(resident_submit))
        .route("/dwellings/{id}/holdings", post(holding_submit))
        .route("/holdings/{id}/end", post(holding_end_submit))
        .route("/organisations/{id}/contracts", post(contract_submit))
        .route("/organisations/{id}/committee", post(committee_submit))
        .route("/buildings/{id}", get(building_page))
        .route("/dwellings/{id}", get(dwelling_page).post(dwelling_submit))
        .route("/people/{id}", get(person_page).post(person_submit))
        .route("/people/{id}/unmask", post(person_unmask))
        .route("/organisations", get(organisations_page))
        .route(
            "/organisations/{id}",
            get(organisation_page).post(organisation_submit),
        )
        .route("/contracts/{id}/end", post(contract_end_submit))
        .route("/committee-members/{id}/end", post(committee_end_submit))
        .route("/teams", get(teams_page).post(team_create_submit))
        .route("/teams/{id}", get(team_page))
        .route("/teams/{id}/members", post(team_member_submit))
        .route("/teams/{id}/squads", post(team_squad_submit))
        .route("/teams/{id}/fields", post(team_field_submit))
        .route(
            "/teams/{id}/members/{member}/remove",
            post(team_member_remove_submit),
        )
        .route(
            "/teams/{id}/fields/{field}/remove",
            post(team_field_remove_submit),
        )
        .route(
            "/import",
            get(import_page)
                .post(import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024)),
        )
        .route("/import/sample/{file}", get(import_sample))
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit.csv", get(audit_csv))
}

pub fn render<T: Template>(t: T) -> AppResult<Html<String>> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(e.into()))
}

/// Path ids must be positive integers; anything else is a plain 404.
pub(crate) fn id_of(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: u16,
    pub title: String,
    pub message: String,
    pub fields: Vec<String>,
}

// ---------------------------------------------------------------- login, logout, switches

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    next: String,
    login: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_back(q.next.as_deref())).into_response());
    }
    Ok(render(LoginPage {
        ctx,
        error: None,
        next: safe_back(q.next.as_deref()),
        login: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

const THROTTLE_WINDOW: i64 = 15 * 60;
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Checks a login and password with throttling per account and per address; gives the user id.
pub async fn check_login(
    state: &AppState,
    login: &str,
    password: &str,
    addr: &str,
) -> AppResult<i64> {
    let login = login.trim();
    if login.is_empty()
        || login.chars().count() > 100
        || password.is_empty()
        || password.len() > 200
    {
        return Err(AppError::Unauthenticated);
    }
    let account_key = format!("login:{login}");
    let addr_key = format!("addr:{addr}");
    let db = &state.db;
    if db.throttle_failures(&account_key, THROTTLE_WINDOW).await? >= MAX_FAILURES_PER_ACCOUNT
        || db.throttle_failures(&addr_key, THROTTLE_WINDOW).await? >= MAX_FAILURES_PER_ADDRESS
    {
        return Err(AppError::TooManyAttempts);
    }
    let user = db.user_by_login(login).await?;
    let ok = match &user {
        Some(u) if u.disabled == 0 => {
            auth::verify_password(password.to_string(), u.password_hash.clone()).await
        }
        _ => {
            // Spend the same time on unknown accounts, so timing does not tell which exist.
            let _ = auth::verify_password(password.to_string(), dummy_hash().await).await;
            false
        }
    };
    match (ok, user) {
        (true, Some(u)) => {
            db.throttle_clear(&account_key).await?;
            Ok(u.id)
        }
        _ => {
            db.throttle_record_failure(&account_key, THROTTLE_WINDOW)
                .await?;
            db.throttle_record_failure(&addr_key, THROTTLE_WINDOW)
                .await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// argon2 hash of a random password nobody knows, made once per process.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            auth::hash_password(auth::new_token())
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}

/// The TCP peer, when the server was started with connection info.
pub struct PeerAddr(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

pub fn client_addr(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> String {
    if state.config.trust_forwarded_for
        && let Some(f) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = f.split(',').next()
    {
        return first.trim().to_string();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PeerAddr(peer): PeerAddr,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let addr = client_addr(&state, &headers, peer);
    let next = safe_back(f.next.as_deref());
    match check_login(&state, &f.login, &f.password, &addr).await {
        Ok(user_id) => {
            let token = auth::new_token();
            let hours = state.config.session_hours;
            state
                .db
                .insert_session(
                    &auth::token_hash(&token),
                    user_id,
                    &ctx.csrf,
                    crate::db::now() + hours * 3600,
                )
                .await?;
            let cookie = set_cookie(
                "rb_session",
                &token,
                Some(hours * 3600),
                "Lax",
                state.config.secure_cookies,
            );
            redirect_setting_cookie(&next, &cookie)
        }
        Err(e @ (AppError::Unauthenticated | AppError::TooManyAttempts)) => {
            let key = if matches!(e, AppError::TooManyAttempts) {
                "login.throttled"
            } else {
                "login.failed"
            };
            let status = e.status();
            let page = LoginPage {
                error: Some(ctx.t(key)),
                next,
                login: f.login.chars().take(100).collect(),
                ctx,
            };
            Ok((status, render(page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(t) = super::ctx::cookie(&headers, "rb_session") {
        let hash = auth::token_hash(&t);
        state.db.delete_session(&hash).await?;
        state.actors.forget(&hash);
    }
    let cookie = set_cookie(
        "rb_session",
        "",
        Some(0),
        "Lax",
        state.config.secure_cookies,
    );
    redirect_setting_cookie("/login", &cookie)
}

/// A redirect that also sets one cookie.
fn redirect_setting_cookie(to: &str, cookie: &str) -> AppResult<Response> {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(cookie).map_err(anyhow::Error::from)?,
    );
    Ok(resp)
}

#[derive(Deserialize)]
struct BackQuery {
    back: Option<String>,
}

async fn switch_lang(Path(code): Path<String>, Query(q): Query<BackQuery>) -> AppResult<Response> {
    let locale = super::ctx::Locale::parse(&code).ok_or(AppError::NotFound)?;
    let c = set_cookie("rb_lang", locale.code(), Some(365 * 86400), "Lax", false);
    redirect_setting_cookie(&safe_back(q.back.as_deref()), &c)
}

async fn switch_large(Path(mode): Path<String>, Query(q): Query<BackQuery>) -> AppResult<Response> {
    let v = match mode.as_str() {
        "on" => "1",
        "off" => "0",
        _ => return Err(AppError::NotFound),
    };
    let c = set_cookie("rb_large", v, Some(365 * 86400), "Lax", false);
    redirect_setting_cookie(&safe_back(q.back.as_deref()), &c)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    done: bool,
}

async fn password_page(ctx: Ctx, _actor: Actor) -> AppResult<Html<String>> {
    render(PasswordPage { ctx, done: false })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Form(f): Form<PasswordForm>,
) -> AppResult<Html<String>> {
    let user = state
        .db
        .user(actor.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !auth::verify_password(f.current, user.password_hash).await {
        return Err(AppError::field("current", "wrong_password"));
    }
    auth::check_new_password(&f.new).map_err(|c| AppError::field("new", c))?;
    state
        .db
        .set_password(actor.user_id, &auth::hash_password(f.new).await?)
        .await?;
    state
        .db
        .audit(crate::db::audit::AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "update",
            entity: "password",
            entity_id: Some(actor.user_id),
            before: None,
            after: None,
            reason: "",
        })
        .await?;
    render(PasswordPage { ctx, done: true })
}

// ---------------------------------------------------------------- home

struct HomeLink {
    href: String,
    key: &'static str,
    note: String,
}

struct HomeSection {
    role: &'static str,
    intro_key: String,
    links: Vec<HomeLink>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    name: String,
    grants: Vec<GrantRow>,
    sections: Vec<HomeSection>,
    own: Vec<PersonDwelling>,
}

fn link(href: impl Into<String>, key: &'static str, note: impl Into<String>) -> HomeLink {
    HomeLink {
        href: href.into(),
        key,
        note: note.into(),
    }
}

/// What each role can do, as the cards of its home page.
fn home_sections(actor: &Actor) -> Vec<HomeSection> {
    let mut out: Vec<HomeSection> = vec![];
    for row in &actor.grant_rows {
        let Some(role) = Role::parse(&row.role) else {
            continue;
        };
        let id = row.scope_id.unwrap_or(0);
        let scope = row.scope_name.clone().unwrap_or_default();
        let links = match role {
            Role::Resident => vec![
                link("/cases/new", "home.link.report", ""),
                link("/cases?show=mine", "home.link.my_cases", ""),
                link(
                    format!("/compounds/{id}/issues"),
                    "home.link.open_issues",
                    scope.clone(),
                ),
                link(format!("/compounds/{id}"), "home.link.my_compound", scope),
                link("/decisions", "home.link.decisions", ""),
                link(format!("/compounds/{id}/demands"), "home.link.demands", ""),
                link("/teams", "home.link.my_butlers", ""),
            ],
            Role::BuildingLeader => vec![
                link(format!("/buildings/{id}"), "home.link.my_building", scope),
                link("/cases/new?kind=wellbeing", "home.link.raise_concern", ""),
            ],
            Role::Butler => vec![
                link("/cases", "home.link.case_queue", ""),
                link(format!("/teams/{id}"), "home.link.my_team", scope),
                link("/decisions", "home.link.decisions", ""),
                link("/places", "home.link.my_field", ""),
            ],
            Role::PropertyStaff | Role::PropertyManager => {
                let mut v = vec![
                    link("/cases", "home.link.case_queue", ""),
                    link(
                        format!("/organisations/{id}"),
                        "home.link.my_company",
                        scope,
                    ),
                    link("/places", "home.link.managed_compounds", ""),
                ];
                if role == Role::PropertyManager {
                    v.push(link("/figures", "home.link.figures", ""));
                    v.push(link("/import", "home.link.import", ""));
                }
                v
            }
            Role::CommitteeMember => vec![
                link(
                    format!("/organisations/{id}"),
                    "home.link.my_committee",
                    scope,
                ),
                link("/decisions", "home.link.decisions", ""),
                link("/places", "home.link.my_compound", ""),
            ],
            Role::DepartmentStaff => vec![
                link("/cases", "home.link.coordination", ""),
                link("/decisions", "home.link.decisions", ""),
                link(
                    format!("/organisations/{id}"),
                    "home.link.my_department",
                    scope,
                ),
                link("/organisations", "home.link.directory", ""),
            ],
            Role::CommunityStaff => vec![
                link("/cases", "home.link.case_queue", ""),
                link("/figures", "home.link.figures", ""),
                link("/decisions", "home.link.decisions", ""),
                link("/places", "home.link.community_places", scope),
                link("/teams", "home.link.teams", ""),
                link("/import", "home.link.import", ""),
            ],
            Role::DistrictOfficial => vec![
                link("/figures", "home.link.figures", ""),
                link("/cases", "home.link.case_queue", ""),
                link("/places", "home.link.district_places", scope),
                link("/teams", "home.link.teams", ""),
                link("/organisations", "home.link.directory", ""),
            ],
            Role::Admin => vec![
                link("/figures", "home.link.figures", ""),
                link("/admin/audit", "home.link.audit", ""),
                link("/admin/users", "home.link.users", ""),
                link("/admin/case-config", "home.link.case_config", ""),
                link("/places", "home.link.district_places", ""),
                link("/import", "home.link.import", ""),
                link("/api/docs", "home.link.api", ""),
            ],
        };
        if out.iter().any(|s| s.role == role.as_str()) {
            continue;
        }
        out.push(HomeSection {
            role: role.as_str(),
            intro_key: format!("home.intro.{}", role.as_str()),
            links,
        });
    }
    out
}

async fn home(State(state): State<AppState>, ctx: Ctx, actor: Actor) -> AppResult<Html<String>> {
    let own = match actor.person_id {
        Some(p) => state.db.person_dwellings(p).await?,
        None => vec![],
    };
    render(HomePage {
        sections: home_sections(&actor),
        name: actor.display_name.clone(),
        grants: actor.grant_rows.clone(),
        own,
        ctx,
    })
}

// ---------------------------------------------------------------- places

#[derive(Deserialize)]
struct PageQuery {
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    ctx: Ctx,
    rows: Vec<(Compound, String)>,
    next_after: Option<i64>,
    /// Communities where the viewer may add a compound (none: no form).
    communities: Vec<(i64, String)>,
    kinds: Vec<&'static str>,
}

async fn places_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let limit = 50;
    let compounds =
        places::list_compounds(&state.db, &actor, q.after.unwrap_or(0), Some(limit)).await?;
    let regions = state.db.regions().await?;
    let next_after = (compounds.len() as i64 == limit)
        .then(|| compounds.last().map(|c| c.id))
        .flatten();
    let rows = compounds
        .into_iter()
        .map(|c| {
            let community = regions
                .iter()
                .find(|r| r.id == c.community_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (c, community)
        })
        .collect();
    // Communities where this actor may add a compound.
    let mut communities = Vec::new();
    for r in &regions {
        if r.level == "community"
            && let Some(chain) = state.db.region_chain(r.id).await?
            && actor.can(Action::EditPlace, &Target::Region(chain))
        {
            communities.push((r.id, r.name.clone()));
        }
    }
    render(PlacesPage {
        ctx,
        rows,
        next_after,
        communities,
        kinds: crate::domain::kinds::CompoundKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

#[derive(Deserialize)]
struct NewCompoundForm {
    community_id: String,
    name: String,
    kind: String,
    address: Option<String>,
}

async fn compound_create_submit(
    State(state): State<AppState>,
    actor: Actor,
    Form(f): Form<NewCompoundForm>,
) -> AppResult<Redirect> {
    let community = form_number(&f.community_id, "community_id")?;
    let new = places::CompoundEdit {
        name: f.name,
        kind: f.kind,
        address: f.address,
    };
    let c = places::add_compound(&state.db, &actor, community, &new).await?;
    Ok(Redirect::to(&format!("/compounds/{}", c.id)))
}

#[derive(Template)]
#[template(path = "compound.html")]
struct CompoundPage {
    ctx: Ctx,
    v: places::CompoundView,
    kinds: Vec<&'static str>,
}

async fn compound_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = places::view_compound(&state.db, &actor, id_of(&id)?).await?;
    render(CompoundPage {
        ctx,
        v,
        kinds: crate::domain::kinds::CompoundKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

#[derive(Deserialize)]
struct CompoundForm {
    name: String,
    kind: String,
    address: Option<String>,
}

async fn compound_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<CompoundForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let edit = places::CompoundEdit {
        name: f.name,
        kind: f.kind,
        address: f.address,
    };
    places::edit_compound(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/compounds/{id}")))
}

/// A number typed into a form field, or the field's "not a number" error.
pub(crate) fn form_number(value: &str, field: &str) -> AppResult<i64> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::field(field, "not_a_number"))
}

/// An optional number of a form: blank is none, anything else must be a number.
pub(crate) fn opt_number(value: &str, field: &str) -> AppResult<Option<i64>> {
    match value.trim() {
        "" => Ok(None),
        v => form_number(v, field).map(Some),
    }
}

/// An optional text field of a form: blank is none.
fn form_optional(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[derive(Deserialize)]
struct BuildingForm {
    name: String,
}

async fn building_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<BuildingForm>,
) -> AppResult<Redirect> {
    let new = places::BuildingNew { name: f.name };
    let b = places::add_building(&state.db, &actor, id_of(&id)?, &new).await?;
    Ok(Redirect::to(&format!("/buildings/{}", b.id)))
}

#[derive(Deserialize)]
struct NewDwellingForm {
    number: String,
    entrance: Option<String>,
    floor: String,
    use_kind: String,
    area_m2: String,
    area_source: String,
}

async fn new_dwelling_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<NewDwellingForm>,
) -> AppResult<Redirect> {
    let new = places::DwellingNew {
        number: f.number,
        entrance: form_optional(f.entrance),
        fields: places::DwellingEdit {
            floor: form_number(&f.floor, "floor")?,
            use_kind: f.use_kind,
            area_m2: f.area_m2,
            area_source: f.area_source,
        },
    };
    let d = places::add_dwelling(&state.db, &actor, id_of(&id)?, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{}", d.id)))
}

#[derive(Deserialize)]
struct ResidentForm {
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
    relation: String,
    since: String,
}

async fn resident_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<ResidentForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let new = places::ResidentNew {
        name: f.name,
        phone: f.phone,
        id_number: f.id_number,
        relation: f.relation,
        since: f.since,
    };
    places::add_resident(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}

#[derive(Deserialize)]
struct HoldingForm {
    person_id: String,
    relation: String,
    since: String,
    until: Option<String>,
}

async fn holding_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<HoldingForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let new = places::HoldingNew {
        person_id: form_number(&f.person_id, "person_id")?,
        relation: f.relation,
        since: f.since,
        until: form_optional(f.until),
    };
    places::add_holding(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}

#[derive(Deserialize)]
struct HoldingEndForm {
    until: String,
}

async fn holding_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<HoldingEndForm>,
) -> AppResult<Redirect> {
    let h = places::end_holding(
        &state.db,
        &actor,
        id_of(&id)?,
        &places::HoldingEnd { until: f.until },
    )
    .await?;
    Ok(Redirect::to(&format!("/dwellings/{}", h.dwelling_id)))
}

#[derive(Template)]
#[template(path = "building.html")]
struct BuildingPage {
    ctx: Ctx,
    v: places::BuildingView,
    uses: Vec<&'static str>,
    sources: Vec<&'static str>,
}

async fn building_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let v = places::view_building(
        &state.db,
        &actor,
        id_of(&id)?,
        q.after.unwrap_or(0),
        Some(100),
    )
    .await?;
    render(BuildingPage {
        ctx,
        v,
        uses: DwellingUse::ALL.iter().map(|u| u.as_str()).collect(),
        sources: AreaSource::ALL.iter().map(|u| u.as_str()).collect(),
    })
}

#[derive(Template)]
#[template(path = "dwelling.html")]
struct DwellingPage {
    ctx: Ctx,
    v: places::DwellingView,
    uses: Vec<&'static str>,
    sources: Vec<&'static str>,
    relations: Vec<&'static str>,
}

async fn dwelling_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = places::view_dwelling(&state.db, &actor, id_of(&id)?).await?;
    render(DwellingPage {
        ctx,
        v,
        uses: DwellingUse::ALL.iter().map(|u| u.as_str()).collect(),
        sources: AreaSource::ALL.iter().map(|u| u.as_str()).collect(),
        relations: crate::domain::kinds::HoldingRelation::ALL
            .iter()
            .filter(|r| **r != crate::domain::kinds::HoldingRelation::Developer)
            .map(|r| r.as_str())
            .collect(),
    })
}

#[derive(Deserialize)]
struct DwellingForm {
    floor: String,
    use_kind: String,
    area_m2: String,
    area_source: String,
}

async fn dwelling_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<DwellingForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let floor = form_number(&f.floor, "floor")?;
    let edit = places::DwellingEdit {
        floor,
        use_kind: f.use_kind,
        area_m2: f.area_m2,
        area_source: f.area_source,
    };
    places::edit_dwelling(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/dwellings/{id}")))
}

// ---------------------------------------------------------------- people

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: Ctx,
    v: people::PersonView,
}

async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = people::view_person(&state.db, &actor, id_of(&id)?).await?;
    render(PersonPage { ctx, v })
}

#[derive(Deserialize)]
struct UnmaskForm {
    reason: String,
}

async fn person_unmask(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<UnmaskForm>,
) -> AppResult<Response> {
    let v = people::unmask_person(&state.db, &actor, id_of(&id)?, &f.reason).await?;
    let mut resp = render(PersonPage { ctx, v })?.into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize)]
struct PersonForm {
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
}

async fn person_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<PersonForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    // On the page an empty box keeps the stored number (it is shown masked, never pre-filled).
    let keep_if_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let edit = people::PersonEdit {
        name: f.name,
        phone: keep_if_empty(f.phone),
        id_number: keep_if_empty(f.id_number),
    };
    people::edit_person(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/people/{id}")))
}

// ---------------------------------------------------------------- organisations and teams

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    ctx: Ctx,
    orgs: Vec<Organisation>,
    next_after: Option<i64>,
}

async fn organisations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let orgs = dir::list_organisations(&state.db, &actor, q.after.unwrap_or(0), Some(100)).await?;
    let next_after = (orgs.len() == 100)
        .then(|| orgs.last().map(|o| o.id))
        .flatten();
    render(OrganisationsPage {
        ctx,
        orgs,
        next_after,
    })
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    ctx: Ctx,
    v: dir::OrganisationView,
    /// Compounds to choose from for a new contract (the first 500).
    compounds: Vec<(i64, String)>,
}

async fn organisation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = dir::view_organisation(&state.db, &actor, id_of(&id)?).await?;
    let compounds = if v.can_edit && v.organisation.kind == "property_company" {
        state
            .db
            .compounds(&crate::db::places::CompoundFilter::All, 0, 500)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        vec![]
    };
    render(OrganisationPage { ctx, v, compounds })
}

#[derive(Deserialize)]
struct ContractForm {
    compound_id: String,
    starts_on: String,
    ends_on: Option<String>,
}

async fn contract_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<ContractForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let new = dir::ContractNew {
        compound_id: form_number(&f.compound_id, "compound_id")?,
        starts_on: f.starts_on,
        ends_on: form_optional(f.ends_on),
    };
    dir::add_contract(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}

#[derive(Deserialize)]
struct OrganisationForm {
    name: String,
    phone: Option<String>,
    /// One matter a line (departments and police stations).
    matters: Option<String>,
}

async fn organisation_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<OrganisationForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let edit = dir::OrganisationEdit {
        name: f.name,
        phone: f.phone,
        matters: f.matters.map(|m| {
            m.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }),
    };
    dir::update_organisation(&state.db, &actor, id, &edit).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}

#[derive(Deserialize)]
struct ContractEndForm {
    ends_on: String,
}

async fn contract_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<ContractEndForm>,
) -> AppResult<Redirect> {
    let end = dir::ContractEnd { ends_on: f.ends_on };
    let v = dir::end_contract(&state.db, &actor, id_of(&id)?, &end).await?;
    Ok(Redirect::to(&format!(
        "/organisations/{}",
        v.organisation.id
    )))
}

#[derive(Deserialize)]
struct TermEndForm {
    term_to: String,
}

async fn committee_end_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<TermEndForm>,
) -> AppResult<Redirect> {
    let end = dir::TermEnd { term_to: f.term_to };
    let v = dir::end_committee_term(&state.db, &actor, id_of(&id)?, &end).await?;
    Ok(Redirect::to(&format!(
        "/organisations/{}",
        v.organisation.id
    )))
}

#[derive(Deserialize)]
struct CommitteeForm {
    person_id: String,
    position: String,
    term_from: String,
    term_to: Option<String>,
}

async fn committee_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<CommitteeForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let new = dir::CommitteeMemberNew {
        person_id: form_number(&f.person_id, "person_id")?,
        position: f.position,
        term_from: f.term_from,
        term_to: form_optional(f.term_to),
    };
    dir::add_committee_member(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/organisations/{id}")))
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    ctx: Ctx,
    teams: Vec<Team>,
    /// Where a new team may work ("compound:ID" or "community:ID", name), for those who may
    /// create teams; empty otherwise.
    places: Vec<(String, String)>,
}

async fn teams_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
) -> AppResult<Html<String>> {
    let teams = dir::list_teams(&state.db, &actor).await?;
    let may_create = actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::EditTeam));
    let mut places = Vec::new();
    if may_create {
        // Only where this actor may create a team.
        for r in state.db.regions().await? {
            if r.level == "community"
                && let Some(chain) = state.db.region_chain(r.id).await?
                && actor.can(Action::EditTeam, &Target::Region(chain))
            {
                places.push((format!("community:{}", r.id), r.name));
            }
        }
        if let Some(filter) = places::visible_compounds(&actor) {
            for c in state.db.compounds(&filter, 0, 500).await? {
                if actor.can(Action::EditTeam, &Target::Region(c.regions())) {
                    places.push((format!("compound:{}", c.id), c.name));
                }
            }
        }
    }
    render(TeamsPage { ctx, teams, places })
}

#[derive(Deserialize)]
struct TeamForm {
    name: String,
    /// "compound:ID" or "community:ID"
    place: String,
    station_address: Option<String>,
}

async fn team_create_submit(
    State(state): State<AppState>,
    actor: Actor,
    Form(f): Form<TeamForm>,
) -> AppResult<Redirect> {
    let (compound_id, community_id) = match f.place.split_once(':') {
        Some(("compound", id)) => (Some(form_number(id, "compound_id")?), None),
        Some(("community", id)) => (None, Some(form_number(id, "community_id")?)),
        _ => {
            return Err(AppError::field(
                "compound_id",
                "one_of_compound_or_community",
            ));
        }
    };
    let new = dir::TeamNew {
        name: f.name,
        compound_id,
        community_id,
        station_address: f.station_address.unwrap_or_default(),
    };
    let v = dir::create_team(&state.db, &actor, &new).await?;
    Ok(Redirect::to(&format!("/teams/{}", v.team.id)))
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    ctx: Ctx,
    v: dir::TeamView,
    squad_kinds: Vec<&'static str>,
    /// Compounds a field may be given in (those the editor sees), for the form.
    compounds: Vec<(i64, String)>,
}

async fn team_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let v = dir::view_team(&state.db, &actor, id_of(&id)?).await?;
    let compounds = if v.can_edit {
        places::list_compounds(&state.db, &actor, 0, Some(200))
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        vec![]
    };
    let squad_kinds = crate::domain::kinds::SquadKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    render(TeamPage {
        ctx,
        v,
        squad_kinds,
        compounds,
    })
}

#[derive(Deserialize)]
struct MemberForm {
    person_id: String,
    title: Option<String>,
    party_member: Option<String>,
    volunteer: Option<String>,
}

async fn team_member_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let person_id = form_number(&f.person_id, "person_id")?;
    let new = dir::MemberNew {
        person_id,
        home_organisation_id: None,
        party_member: f.party_member.is_some(),
        volunteer: f.volunteer.is_some(),
        title: f.title.unwrap_or_default(),
    };
    dir::add_member(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

#[derive(Deserialize)]
struct SquadForm {
    kind: String,
    name: String,
}

async fn team_squad_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<SquadForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    dir::add_squad(
        &state.db,
        &actor,
        id,
        &dir::SquadNew {
            kind: f.kind,
            name: f.name,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

#[derive(Deserialize)]
struct FieldForm {
    /// "m:<member id>" or "s:<squad id>"
    holder: String,
    compound_id: String,
    building_id: Option<String>,
}

async fn team_member_remove_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, member)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    dir::remove_member(&state.db, &actor, id, id_of(&member)?).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

async fn team_field_remove_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, field)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    dir::remove_field(&state.db, &actor, id, id_of(&field)?).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

async fn team_field_submit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Form(f): Form<FieldForm>,
) -> AppResult<Redirect> {
    let id = id_of(&id)?;
    let (member_id, squad_id) = match f.holder.split_once(':') {
        Some(("m", v)) => (Some(form_number(v, "member_id")?), None),
        Some(("s", v)) => (None, Some(form_number(v, "squad_id")?)),
        _ => return Err(AppError::field("member_id", "one_of_member_or_squad")),
    };
    let building_id = opt_number(f.building_id.as_deref().unwrap_or(""), "building_id")?;
    let new = dir::FieldNew {
        member_id,
        squad_id,
        compound_id: form_number(&f.compound_id, "compound_id")?,
        building_id,
    };
    dir::add_field(&state.db, &actor, id, &new).await?;
    Ok(Redirect::to(&format!("/teams/{id}")))
}

// ---------------------------------------------------------------- audit

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<AuditEntry>,
    next_before: Option<i64>,
}

#[derive(Deserialize)]
struct BeforeQuery {
    before: Option<i64>,
}

pub async fn audit_entries(
    state: &AppState,
    actor: &Actor,
    before: i64,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    actor.require(Action::ViewAudit, &Target::System)?;
    Ok(state.db.audit_entries(before, limit).await?)
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    Query(q): Query<BeforeQuery>,
) -> AppResult<Html<String>> {
    let entries = audit_entries(&state, &actor, q.before.unwrap_or(0), 100).await?;
    let next_before = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    render(AuditPage {
        ctx,
        entries,
        next_before,
    })
}

/// The whole audit log as CSV (UTF-8 with BOM so that Excel opens it in Chinese).
async fn audit_csv(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    actor.require(Action::ViewAudit, &Target::System)?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record([
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "before",
        "after",
        "reason",
    ])
    .map_err(anyhow::Error::from)?;
    let mut before = 0;
    loop {
        let page = state.db.audit_entries(before, 1000).await?;
        for e in &page {
            let at = jiff::Timestamp::from_second(e.at)
                .map(|t| t.to_string())
                .unwrap_or_default();
            w.write_record([
                e.id.to_string(),
                at,
                e.actor.clone().unwrap_or_default(),
                e.action.clone(),
                e.entity.clone(),
                e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                e.before_json.clone().unwrap_or_default(),
                e.after_json.clone().unwrap_or_default(),
                e.reason.clone(),
            ])
            .map_err(anyhow::Error::from)?;
        }
        match page.last() {
            Some(l) if page.len() == 1000 => before = l.id,
            _ => break,
        }
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------- import

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    report: Option<String>,
    problems: Vec<String>,
}

/// Staff who may import somewhere (property managers, community staff, administrators).
fn may_import(actor: &Actor) -> AppResult<()> {
    if actor
        .grants
        .iter()
        .any(|g| crate::domain::access::role_permits(g.role, Action::ImportData))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn import_page(ctx: Ctx, actor: Actor) -> AppResult<Html<String>> {
    may_import(&actor)?;
    render(ImportPage {
        ctx,
        report: None,
        problems: vec![],
    })
}

async fn import_sample(_actor: Actor, Path(file): Path<String>) -> AppResult<Response> {
    let body = match file.as_str() {
        "dwellings.csv" => include_str!("../../samples/dwellings.csv"),
        "residents.csv" => include_str!("../../samples/residents.csv"),
        _ => return Err(AppError::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
    mut form: axum::extract::Multipart,
) -> AppResult<Response> {
    may_import(&actor)?;
    let mut kind = None;
    let mut bytes = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        match field.name() {
            Some("kind") => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?;
                kind = match v.as_str() {
                    "dwellings" => Some(crate::import::ImportKind::Dwellings),
                    "residents" => Some(crate::import::ImportKind::Residents),
                    _ => return Err(AppError::field("kind_of_import", "invalid")),
                };
            }
            Some("file") => {
                bytes = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::BadRequest(e.body_text()))?,
                )
            }
            _ => {}
        }
    }
    let kind = kind.ok_or(AppError::field("kind_of_import", "required"))?;
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or(AppError::field("file", "required"))?;
    let locale = ctx.locale;
    match crate::import::import(&state.db, Some(&actor), kind, &bytes).await {
        Ok(r) => Ok(render(ImportPage {
            report: Some(r.describe(locale)),
            problems: vec![],
            ctx,
        })?
        .into_response()),
        Err(crate::import::ImportError::Rows(p)) => {
            let problems = p.iter().map(|p| p.describe(locale)).collect();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(ImportPage {
                    report: None,
                    problems,
                    ctx,
                })?,
            )
                .into_response())
        }
        Err(crate::import::ImportError::Other(e)) => Err(AppError::Internal(e)),
    }
}
