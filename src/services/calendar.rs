//! The working-day calendar (RULES.md §7): read by every rule that counts working days or ends a
//! period, entered by administrators a year at a time (page, API, `redbutler calendar import`).
use crate::db::Db;
use crate::db::calendar::CalendarYear;
use crate::domain::access::{Action, Target};
use crate::domain::calendar::{Calendar, CalendarDay, DayKind, check_year};
use crate::error::{AppError, AppResult, FieldError};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// The calendar the deadline rules use now (cached 30 s per node).
pub async fn current(db: &Db) -> AppResult<Arc<Calendar>> {
    Ok(db.calendar().calendar().await?)
}

/// The years among some deadlines whose calendar is missing: those deadlines count weekends
/// only, and the pages say so beside them.
pub fn unentered_years(cal: &Calendar, dues: impl IntoIterator<Item = i64>) -> Vec<i16> {
    let mut out: Vec<i16> = dues
        .into_iter()
        .map(|d| crate::domain::deadline::local_day(d - 1).year())
        .filter(|y| !cal.knows(*y))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What the calendar page and `GET /api/v1/calendar` show.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    pub years: Vec<CalendarYear>,
    /// This year and next when not entered: deadlines in them count weekends only.
    pub missing: Vec<i16>,
    pub may_edit: bool,
}

/// The years whose calendar an administrator should enter: this year and the next.
pub fn missing_soon(cal: &Calendar, now: i64) -> Vec<i16> {
    let this = crate::domain::deadline::local_day(now).year();
    [this, this + 1]
        .into_iter()
        .filter(|y| !cal.knows(*y))
        .collect()
}

/// The calendar, for anyone signed in (the public holidays are public).
pub async fn view(db: &Db, actor: &Actor) -> AppResult<CalendarView> {
    let cal = current(db).await?;
    Ok(CalendarView {
        years: db.calendar().years().await?,
        missing: missing_soon(&cal, crate::db::now()),
        may_edit: actor
            .require(Action::ConfigureCases, &Target::System)
            .is_ok(),
    })
}

/// One day as an administrator sends it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct DayInput {
    /// `2027-10-01`.
    pub day: String,
    /// `holiday` (休) or `working` (班: a weekend day worked).
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// The line it was read from (pasted or imported lines), for the error message.
    #[serde(skip)]
    #[schema(ignore)]
    pub line: Option<usize>,
}

/// A year's days, replacing what was entered for it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct YearInput {
    #[serde(default)]
    pub days: Vec<DayInput>,
}

/// The kind of a day from its word: `holiday`/`working`, 休/假/班, or the English and Chinese
/// labels.
fn kind_word(w: &str) -> Option<DayKind> {
    match w.trim().to_lowercase().as_str() {
        "holiday" | "休" | "假" | "休息" | "放假" | "节假日" | "off" => {
            Some(DayKind::Holiday)
        }
        "working" | "班" | "上班" | "调休上班" | "work" | "workday" => {
            Some(DayKind::Working)
        }
        _ => None,
    }
}

/// Checks the days of `year`; every bad field is named (`days[2].day`).
pub fn checked_days(year: i64, input: &YearInput) -> AppResult<Vec<CalendarDay>> {
    let Ok(y) = i16::try_from(year) else {
        return Err(AppError::field("year", "out_of_range"));
    };
    if !(2000..=2200).contains(&y) {
        return Err(AppError::field("year", "out_of_range"));
    }
    let mut errors = Vec::new();
    let mut days = Vec::new();
    for (n, d) in input.days.iter().enumerate() {
        // Pasted or imported lines are named by their line, API days by their position.
        let (list, i) = match d.line {
            Some(l) => ("lines", l),
            None => ("days", n),
        };
        let day: Option<jiff::civil::Date> = d.day.trim().parse().ok();
        let kind = kind_word(&d.kind);
        if day.is_none() {
            errors.push(FieldError::new(&format!("{list}[{i}].day"), "invalid_date"));
        }
        if kind.is_none() {
            errors.push(FieldError::new(&format!("{list}[{i}].kind"), "invalid"));
        }
        if d.name.chars().count() > 40 || d.name.chars().any(char::is_control) {
            errors.push(FieldError::new(&format!("{list}[{i}].name"), "too_long"));
        }
        if let (Some(day), Some(kind)) = (day, kind) {
            days.push((
                (list, i),
                CalendarDay {
                    day,
                    kind,
                    name: d.name.trim().to_string(),
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let list: Vec<CalendarDay> = days.iter().map(|(_, d)| d.clone()).collect();
    if let Err((at, problem)) = check_year(y, &list) {
        let (list, i) = days.get(at).map_or(("days", at), |(w, _)| *w);
        return Err(AppError::field(&format!("{list}[{i}].day"), problem.code()));
    }
    Ok(list)
}

/// Reads lines of `date,kind,name` (commas, tabs or spaces; a header line and blank lines are
/// skipped) into days grouped by year. A line that is not a day is named by its number.
pub fn parse_lines(text: &str) -> AppResult<BTreeMap<i64, YearInput>> {
    let mut out: BTreeMap<i64, YearInput> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line
            .split(|c: char| c == ',' || c == '\t' || c == '，' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let head = parts.first().copied().unwrap_or("").to_lowercase();
        if i == 0 && (head == "date" || head == "day" || head == "日期") {
            continue;
        }
        let day: Option<jiff::civil::Date> = parts.first().and_then(|d| d.parse().ok());
        let Some(day) = day else {
            errors.push(FieldError::new(&format!("lines[{i}].day"), "invalid_date"));
            continue;
        };
        out.entry(i64::from(day.year()))
            .or_default()
            .days
            .push(DayInput {
                day: day.to_string(),
                kind: parts.get(1).copied().unwrap_or("").to_string(),
                name: parts.get(2..).map(|p| p.join(" ")).unwrap_or_default(),
                line: Some(i),
            });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if out.is_empty() {
        return Err(AppError::field("lines", "no_rows"));
    }
    Ok(out)
}

/// Enters the calendar of `year` (administrators; audited with the days before and after).
pub async fn set_year(
    db: &Db,
    actor: &Actor,
    year: i64,
    input: &YearInput,
) -> AppResult<CalendarYear> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    enter_year(db, Some(actor.user_id), year, input).await
}

/// Enters a year for `by` (None: the operator at the command line), audited.
async fn enter_year(
    db: &Db,
    by: Option<i64>,
    year: i64,
    input: &YearInput,
) -> AppResult<CalendarYear> {
    let days = checked_days(year, input)?;
    let now = crate::db::now();
    let before = db
        .calendar()
        .years()
        .await?
        .into_iter()
        .find(|y| y.year == year);
    let mut work = db.begin().await?;
    work.calendar().replace_year(year, &days, now, by).await?;
    let after = CalendarYear {
        year,
        entered_at: now,
        entered_by: by,
        days,
    };
    let json = |v: &CalendarYear| serde_json::to_value(v).map_err(anyhow::Error::from);
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: by,
            action: if before.is_some() { "update" } else { "create" },
            entity: "calendar_year",
            entity_id: Some(year),
            before: before.as_ref().map(json).transpose()?,
            after: Some(json(&after)?),
            reason: "",
        })
        .await?;
    work.commit().await?;
    db.caches.calendar.clear();
    Ok(after)
}

/// Enters every year of a file of `date,kind,name` lines (the page's paste box for
/// administrators, and `redbutler calendar import` for the operator with `actor` None). The
/// file is checked whole before any year is entered.
pub async fn import(db: &Db, actor: Option<&Actor>, text: &str) -> AppResult<Vec<CalendarYear>> {
    if let Some(a) = actor {
        a.require(Action::ConfigureCases, &Target::System)?;
    }
    let years = parse_lines(text)?;
    for (year, input) in &years {
        checked_days(*year, input)?;
    }
    let mut out = Vec::new();
    for (year, input) in &years {
        out.push(enter_year(db, actor.map(|a| a.user_id), *year, input).await?);
    }
    Ok(out)
}

/// Removes a year: its deadlines count weekends only again (administrators; audited).
pub async fn remove_year(db: &Db, actor: &Actor, year: i64) -> AppResult<()> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    let before = db
        .calendar()
        .years()
        .await?
        .into_iter()
        .find(|y| y.year == year)
        .ok_or(AppError::NotFound)?;
    let mut work = db.begin().await?;
    work.calendar().remove_year(year).await?;
    work.audit()
        .record(crate::db::audit::AuditRecord {
            actor_user_id: Some(actor.user_id),
            action: "delete",
            entity: "calendar_year",
            entity_id: Some(year),
            before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
            after: None,
            reason: "",
        })
        .await?;
    work.commit().await?;
    db.caches.calendar.clear();
    Ok(())
}
