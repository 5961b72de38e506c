//! The working-day calendar page (`/admin/calendar`): the years entered, each with its
//! holidays and working weekend days; administrators paste a year's days as lines.
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::http::ctx::Ctx;
use crate::http::form::PageForm;
use crate::http::pages::render;
use crate::http::session::Actor;
use crate::services::calendar::{self, CalendarView};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(calendar_page).post(year_post))
        .route("/admin/calendar/remove", post(remove_post))
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    v: CalendarView,
    /// The year offered for entry: the first missing one, else next year.
    next_year: i64,
}

impl CalendarPage {
    /// A year's days as the lines the form takes.
    fn lines(&self, year: &crate::db::calendar::CalendarYear) -> String {
        year.days
            .iter()
            .map(|d| format!("{},{},{}", d.day, d.kind.as_str(), d.name))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn calendar_page(
    State(state): State<AppState>,
    ctx: Ctx,
    actor: Actor,
) -> AppResult<Html<String>> {
    let v = calendar::view(&state.db, &actor).await?;
    let this = i64::from(crate::domain::deadline::local_day(crate::db::now()).year());
    let next_year = v.missing.first().map_or(this + 1, |y| i64::from(*y));
    render(CalendarPage { ctx, v, next_year })
}

#[derive(Deserialize)]
struct YearForm {
    #[serde(deserialize_with = "crate::services::input::int")]
    year: i64,
    #[serde(default)]
    days: String,
}

/// Enters one year from pasted lines (`2027-10-01,holiday,国庆节`); lines of another year are
/// refused by their line.
async fn year_post(
    State(state): State<AppState>,
    actor: Actor,
    PageForm(f): PageForm<YearForm>,
) -> AppResult<Redirect> {
    let input = if f.days.trim().is_empty() {
        Default::default()
    } else {
        let mut years = calendar::parse_lines(&f.days)?;
        if let Some(other) = years.keys().find(|y| **y != f.year) {
            let line = f
                .days
                .lines()
                .position(|l| l.trim().starts_with(&other.to_string()))
                .unwrap_or(0);
            return Err(AppError::field(&format!("lines[{line}].day"), "other_year"));
        }
        years.remove(&f.year).unwrap_or_default()
    };
    calendar::set_year(&state.db, &actor, f.year, &input).await?;
    Ok(Redirect::to("/admin/calendar"))
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(deserialize_with = "crate::services::input::int")]
    year: i64,
}

async fn remove_post(
    State(state): State<AppState>,
    actor: Actor,
    PageForm(f): PageForm<RemoveForm>,
) -> AppResult<Redirect> {
    calendar::remove_year(&state.db, &actor, f.year).await?;
    Ok(Redirect::to("/admin/calendar"))
}
