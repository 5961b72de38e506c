//! The home page (what each role can do, as cards) and the language and text-size switches.
use crate::db::accounts::GrantRow;
use crate::db::people::PersonDwelling;
use crate::domain::kinds::Role;
use crate::error::{AppError, AppResult};
use crate::http::ctx::{Ctx, set_cookie};
use crate::http::pages::BackQuery;
use crate::http::pages::redirect_setting_cookie;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::http::{AppState, safe_back};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{code}", get(switch_lang))
        .route("/large/{mode}", get(switch_large))
}

async fn switch_lang(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<BackQuery>,
) -> AppResult<Response> {
    let locale = crate::http::ctx::Locale::parse(&code).ok_or(AppError::NotFound)?;
    let c = set_cookie(
        "rb_lang",
        locale.code(),
        Some(365 * 86400),
        "Lax",
        s.config.secure_cookies,
    );
    redirect_setting_cookie(&safe_back(q.back.as_deref()), &c)
}

async fn switch_large(
    State(s): State<AppState>,
    Path(mode): Path<String>,
    Query(q): Query<BackQuery>,
) -> AppResult<Response> {
    let v = match mode.as_str() {
        "on" => "1",
        "off" => "0",
        _ => return Err(AppError::NotFound),
    };
    let c = set_cookie(
        "rb_large",
        v,
        Some(365 * 86400),
        "Lax",
        s.config.secure_cookies,
    );
    redirect_setting_cookie(&safe_back(q.back.as_deref()), &c)
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
    /// Administrators: the years (this and next) whose working-day calendar is missing.
    calendar_missing: Vec<i16>,
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
                link("/admin/calendar", "home.link.calendar", ""),
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
        Some(p) => state.db.people().person_dwellings(p).await?,
        None => vec![],
    };
    let calendar_missing = if actor.is_admin() {
        let cal = crate::services::calendar::current(&state.db).await?;
        crate::services::calendar::missing_soon(&cal, crate::db::now())
    } else {
        vec![]
    };
    render(HomePage {
        calendar_missing,
        sections: home_sections(&actor),
        name: actor.display_name.clone(),
        grants: actor.grant_rows.clone(),
        own,
        ctx,
    })
}
