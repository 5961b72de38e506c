//! The three rates (response, resolution, satisfaction) per unit, compound, category, kind and
//! channel, and petitions per year.
use super::*;
use crate::db::Db;
use crate::domain::access::Action;
use crate::domain::deadline::{self};
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------- figures: the three rates

/// The period of a figures page: `month=2026-11`, `year=2026`, or `from`/`to` dates (to exclusive).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PeriodParams {
    pub month: Option<String>,
    pub year: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The compounds are listed largest first, this many from `compounds_from` (default 50, at
    /// most 1,000; a district has thousands).
    pub compounds_limit: Option<i64>,
    pub compounds_from: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Period {
    /// `2026-11`, `2026` or `2026-11-01..2026-12-01`.
    pub label: String,
    pub from: i64,
    pub to: i64,
}

pub fn period(p: &PeriodParams, now: i64) -> AppResult<Period> {
    use jiff::civil::Date;
    let parse_date = |s: &str, field: &str| {
        s.trim()
            .parse::<Date>()
            .map_err(|_| AppError::field(field, "invalid_date"))
    };
    let today: Date = deadline::local(now)
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| Date::constant(2026, 1, 1));
    let (label, from, to) = if let (Some(f), Some(t)) = (p.from.as_deref(), p.to.as_deref()) {
        let (f, t) = (parse_date(f, "from")?, parse_date(t, "to")?);
        if t <= f {
            return Err(AppError::field("to", "out_of_range"));
        }
        (format!("{f}..{t}"), f, t)
    } else if let Some(y) = p.year {
        if !(2000..=2100).contains(&y) {
            return Err(AppError::field("year", "out_of_range"));
        }
        let f = Date::new(y as i16, 1, 1).map_err(|_| AppError::field("year", "out_of_range"))?;
        let t =
            Date::new(y as i16 + 1, 1, 1).map_err(|_| AppError::field("year", "out_of_range"))?;
        (y.to_string(), f, t)
    } else {
        let m = match p.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => parse_date(&format!("{m}-01"), "month")?,
            None => today.first_of_month(),
        };
        let next = m
            .checked_add(jiff::ToSpan::months(1))
            .map_err(|_| AppError::field("month", "out_of_range"))?;
        (format!("{:04}-{:02}", m.year(), m.month()), m, next)
    };
    Ok(Period {
        label,
        from: deadline::local_midnight(from),
        to: deadline::local_midnight(to),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FigureLine {
    /// organisation | team | squad | compound | category, or the kind / channel word.
    pub group: String,
    pub id: i64,
    pub name: String,
    pub counts: crate::domain::cases::rates::CaseCounts,
    pub rates: crate::domain::cases::rates::Rates,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub period: Period,
    /// When these figures were counted (they are kept for up to 30 s).
    pub counted_at: i64,
    pub total: FigureLine,
    pub by_unit: Vec<FigureLine>,
    /// One page of the compounds, largest first (see `compounds_from` and `compounds_count`).
    pub by_compound: Vec<FigureLine>,
    /// How many compounds have cases in the period.
    pub compounds_count: i64,
    /// The position of the first line of `by_compound` among them.
    pub compounds_from: i64,
    pub by_kind: Vec<FigureLine>,
    pub by_category: Vec<FigureLine>,
    pub by_channel: Vec<FigureLine>,
    /// Petitions per year (from 2014, the programme's baseline), compound and cause (S3).
    pub petitions: Vec<crate::db::cases::PetitionRow>,
}

/// Lines of one dimension, largest first; the name is the group word until [`named`] fills
/// it in.
fn lines(
    rows: impl IntoIterator<Item = (String, i64, crate::domain::cases::rates::CaseCounts)>,
) -> Vec<FigureLine> {
    let mut out: Vec<FigureLine> = rows
        .into_iter()
        .map(|(group, id, counts)| FigureLine {
            name: group.clone(),
            group,
            id,
            rates: crate::domain::cases::rates::rates(&counts),
            counts,
        })
        .collect();
    out.sort_by(|a, b| {
        b.counts
            .total
            .cmp(&a.counts.total)
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// Fill in the names of units, compounds and categories (a query per kind of name).
async fn named(db: &Db, mut lines: Vec<FigureLine>) -> AppResult<Vec<FigureLine>> {
    for (group, table) in [
        ("organisation", "organisations"),
        ("team", "teams"),
        ("squad", "squads"),
        ("compound", "compounds"),
    ] {
        let ids: Vec<i64> = lines
            .iter()
            .filter(|l| l.group == group)
            .map(|l| l.id)
            .collect();
        let names: std::collections::HashMap<i64, String> = db
            .cases()
            .names_of(table, &ids)
            .await?
            .into_iter()
            .collect();
        for l in lines.iter_mut().filter(|l| l.group == group) {
            l.name = names.get(&l.id).cloned().unwrap_or_default();
        }
    }
    if !lines.iter().any(|l| l.group == "category") {
        return Ok(lines);
    }
    let categories = db.cases().categories().await?;
    for l in lines.iter_mut().filter(|l| l.group == "category") {
        l.name = categories
            .iter()
            .find(|c| c.id == l.id)
            .map(|c| c.code.clone())
            .unwrap_or_default();
    }
    Ok(lines)
}

/// The months `[first, end)` (YYYYMM) a period covers exactly, if it starts and ends at the
/// start of a local month.
pub fn whole_months(p: &Period) -> Option<(i64, i64)> {
    let month = |t: i64| -> Option<i64> {
        (deadline::format_local(t, "%d %H:%M:%S") == "01 00:00:00")
            .then(|| deadline::format_local(t, "%Y%m").parse().ok())
            .flatten()
    };
    Some((month(p.from)?, month(p.to)?))
}

/// The place scope as kept figures read it: region levels instead of columns, and nothing
/// inside something else of the scope (a compound in a region of it, a community in a district
/// of it), which would count twice.
async fn rollup_scope(
    db: &Db,
    scope: &crate::db::cases::PlaceScope,
) -> AppResult<crate::db::cases::RollupScope> {
    use crate::db::cases::RollupScope;
    let level = |column: &'static str| column.trim_end_matches("_id");
    if scope.all {
        return Ok(RollupScope {
            all: true,
            ..Default::default()
        });
    }
    let mut regions: Vec<(&'static str, i64)> = scope
        .regions
        .iter()
        .map(|(c, id)| (level(c), *id))
        .collect();
    regions.sort_unstable_by_key(|r| r.1);
    regions.dedup();
    if regions.len() + usize::from(!scope.compounds.is_empty()) <= 1 {
        return Ok(RollupScope {
            all: false,
            regions,
            compounds: scope.compounds.clone(),
        });
    }
    let chains = crate::db::places::region_chains(&db.places().regions().await?);
    let ids: std::collections::HashSet<i64> = regions.iter().map(|r| r.1).collect();
    let inside = |chain: &[i64; 4], own: i64| chain.iter().any(|a| *a != own && ids.contains(a));
    regions.retain(|(_, id)| chains.get(id).is_none_or(|c| !inside(c, *id)));
    let mut compounds = Vec::new();
    for c in &scope.compounds {
        let within = match db.places().compound(*c).await? {
            Some(x) => [x.city_id, x.district_id, x.subdistrict_id, x.community_id]
                .iter()
                .any(|r| ids.contains(r)),
            None => true,
        };
        if !within {
            compounds.push(*c);
        }
    }
    Ok(RollupScope {
        all: false,
        regions,
        compounds,
    })
}

/// The figures with one page of compounds (see [`PeriodParams::compounds_limit`]).
pub async fn figures(db: &Db, actor: &Actor, p: &PeriodParams) -> AppResult<Figures> {
    let from = p.compounds_from.unwrap_or(0);
    if from < 0 {
        return Err(AppError::field("compounds_from", "out_of_range"));
    }
    let limit = match p.compounds_limit {
        None => 50,
        Some(l) if l < 1 => return Err(AppError::field("compounds_limit", "out_of_range")),
        Some(l) => l.min(1000),
    };
    let mut f = counted_figures(db, actor, p, Some((from, limit))).await?;
    f.by_compound = named(db, f.by_compound).await?;
    Ok(f)
}

/// The figures with every compound (for the CSV download).
pub async fn all_figures(db: &Db, actor: &Actor, p: &PeriodParams) -> AppResult<Figures> {
    let mut f = counted_figures(db, actor, p, None).await?;
    f.by_compound = named(db, f.by_compound).await?;
    Ok(f)
}

/// The figures with the compounds of `window` (from, how many; None: all), not yet named
/// (kept for 30 s per scope, period and window).
async fn counted_figures(
    db: &Db,
    actor: &Actor,
    p: &PeriodParams,
    window: Option<(i64, i64)>,
) -> AppResult<Figures> {
    let now = crate::db::now();
    let period = period(p, now)?;
    let scope = place_scope(db, actor, Action::ViewCaseFigures).await?;
    if !scope.all && scope.regions.is_empty() && scope.compounds.is_empty() {
        return Err(AppError::Forbidden);
    }
    let key = (
        format!("{}|{window:?}", scope.sql().unwrap_or_default()),
        period.from,
        period.to,
    );
    if let Some(json) = db.caches.figures.get(&key)
        && let Ok(f) = serde_json::from_str::<Figures>(&json)
    {
        return Ok(f);
    }
    // When what is shown was counted: now, or when the kept figures were last brought up to date.
    let mut counted_at = now;
    // A page of compounds read ready-ranked (one kept month or year), with how many there are.
    let mut ranked: Option<(Vec<(i64, crate::domain::cases::rates::CaseCounts)>, i64)> = None;
    let dims = match whole_months(&period) {
        // Whole months (a month or a year): from the figures kept per month, brought up to date
        // first, so the time taken does not grow with the number of cases.
        Some((first, end)) => {
            use std::sync::atomic::Ordering;
            let last = db.caches.figures_refreshed.load(Ordering::Relaxed);
            if now.saturating_sub(last) >= crate::db::FIGURES_REFRESH_SECONDS {
                db.cases().refresh_figures(now).await?;
                db.caches.figures_refreshed.store(now, Ordering::Relaxed);
            }
            counted_at = db.caches.figures_refreshed.load(Ordering::Relaxed).min(now);
            let kept = rollup_scope(db, &scope).await?;
            // One month or one year with a page of compounds: the page is read in rank order
            // and the thousands of other compounds of a district are only counted.
            let row = crate::db::cases::kept_row(first, end);
            if let (Some(row), Some((from, limit))) = (row, window) {
                ranked = Some(db.cases().kept_compounds(&kept, row, from, limit).await?);
            }
            db.cases()
                .kept_figures(&kept, first, end, ranked.is_none())
                .await?
        }
        // Other periods: counted from the cases. Two halves of the period at once, on two
        // connections: the scan is CPU-bound in SQLite, so this halves the wait on a machine
        // with two cores or more.
        None => {
            let mid = period.from + (period.to - period.from) / 2;
            let (mut a, mut b) = (db.cases(), db.cases());
            let (mut dims, second) = tokio::try_join!(
                a.case_figures(&scope, period.from, mid, now),
                b.case_figures(&scope, mid, period.to, now)
            )?;
            dims.merge(second);
            dims
        }
    };
    let by_unit = lines(
        dims.by_unit
            .into_iter()
            .flat_map(|(kind, ids)| ids.into_iter().map(move |(id, c)| (kind.clone(), id, c))),
    );
    let compound = |(id, c)| ("compound".to_string(), id, c);
    let (compounds_count, by_compound) = match ranked {
        Some((page, count)) => (count, lines(page.into_iter().map(compound))),
        None => {
            let all = lines(dims.by_compound.into_iter().map(compound));
            let count = all.len() as i64;
            let (from, limit) = window.unwrap_or((0, count));
            let page = all
                .into_iter()
                .skip(usize::try_from(from).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect();
            (count, page)
        }
    };
    let by_kind = lines(dims.by_kind.into_iter().map(|(k, c)| (k, 0, c)));
    let by_category = lines(
        dims.by_category
            .into_iter()
            .map(|(id, c)| ("category".to_string(), id, c)),
    );
    let by_channel = lines(dims.by_channel.into_iter().map(|(k, c)| (k, 0, c)));
    let by_unit = named(db, by_unit).await?;
    // Compounds are named when shown (a page of them, or all for the CSV): a district has
    // thousands.
    let by_category = named(db, by_category).await?;
    let mut counts = crate::domain::cases::rates::CaseCounts::default();
    for l in &by_kind {
        counts += l.counts;
    }
    let this_year: i64 = deadline::local(now)
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(2026);
    let year_starts: Vec<(i64, i64)> = (2014..=this_year)
        .filter_map(|y| {
            jiff::civil::Date::new(y as i16, 1, 1)
                .ok()
                .map(|d| (y, deadline::local_midnight(d)))
        })
        .collect();
    let petitions = db.cases().petitions_by_year(&scope, &year_starts).await?;
    let figures = Figures {
        counted_at,
        total: FigureLine {
            group: "total".into(),
            id: 0,
            name: String::new(),
            rates: crate::domain::cases::rates::rates(&counts),
            counts,
        },
        period,
        by_unit,
        compounds_count,
        compounds_from: window.map_or(0, |w| w.0),
        by_compound,
        by_kind,
        by_category,
        by_channel,
        petitions,
    };
    if let Ok(json) = serde_json::to_string(&figures) {
        db.caches.figures.put(key, std::sync::Arc::new(json));
    }
    Ok(figures)
}
