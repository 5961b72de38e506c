//! The district's case configuration: categories (their default handling unit and SLA class)
//! and the periods of the SLA classes. Administrators only; every change is audited. Cases
//! already registered keep the deadlines they were given; new ones use the change at once on
//! this node and within the cache's 30 s on the others.
use crate::db::Db;
use crate::db::cases::{Category, CategoryFields, SlaClassRow};
use crate::domain::access::{Action, Target};
use crate::domain::cases::category::{self, Handler};
use crate::domain::deadline::SlaPeriods;
use crate::error::{AppError, AppResult};
use crate::services::actor::Actor;
use crate::services::{Checks, audit_change};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the configuration page and `GET /api/v1/case-config` show.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseConfig {
    pub categories: Vec<Category>,
    pub sla_classes: Vec<SlaClassRow>,
    /// The handlers a category may name: (word, name), e.g. ("organisation:12", "永川区园林局").
    pub handlers: Vec<(String, String)>,
}

pub async fn config(db: &Db, actor: &Actor) -> AppResult<CaseConfig> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    Ok(CaseConfig {
        categories: db.cases().categories().await?.to_vec(),
        sla_classes: db.cases().sla_classes().await?,
        handlers: handler_choices(db).await?,
    })
}

/// The handlers offered: the compound's property company, its team, the standing squads and
/// every department and office.
async fn handler_choices(db: &Db) -> AppResult<Vec<(String, String)>> {
    let mut out = vec![
        (
            "property_company".to_string(),
            "property_company".to_string(),
        ),
        ("team".to_string(), "team".to_string()),
    ];
    for kind in crate::domain::kinds::SquadKind::ALL {
        if let Some(h) = Handler::parse(&format!("squad:{}", kind.as_str())) {
            out.push((h.word(), h.word()));
        }
    }
    for (id, name) in db.cases().handling_organisations().await? {
        out.push((Handler::Organisation(id).word(), name));
    }
    Ok(out)
}

/// A category as an administrator sends it (`code` only when creating).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CategoryInput {
    pub code: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub name_zh: String,
    #[serde(default)]
    #[schema(required = true)]
    pub name_en: String,
    /// property_company | team | squad:<kind> | organisation:<id>
    #[serde(default)]
    #[schema(required = true)]
    pub handler: String,
    #[serde(default)]
    #[schema(required = true)]
    pub sla_class: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

async fn checked_fields(db: &Db, c: &mut Checks, input: &CategoryInput) -> AppResult<()> {
    for (field, name) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        if let Err((f, code)) = category::check_name(field, name) {
            c.fail(f, code);
        } else if name.chars().any(char::is_control) {
            c.fail(field, "invalid");
        }
    }
    match Handler::parse(input.handler.trim()) {
        None => c.fail("handler", "invalid"),
        Some(Handler::Organisation(id)) => {
            if db.organisations().organisation(id).await?.is_none() {
                c.fail("handler", "unknown");
            }
        }
        Some(_) => {}
    }
    if db
        .cases()
        .sla_periods(input.sla_class.trim())
        .await?
        .is_none()
    {
        c.fail("sla_class", "unknown");
    }
    Ok(())
}

fn fields(input: &CategoryInput) -> CategoryFields<'_> {
    CategoryFields {
        name_zh: input.name_zh.trim(),
        name_en: input.name_en.trim(),
        handler: input.handler.trim(),
        sla_class: input.sla_class.trim(),
        active: input.active,
    }
}

pub async fn create_category(db: &Db, actor: &Actor, input: &CategoryInput) -> AppResult<Category> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    let mut c = Checks::default();
    let code = input.code.as_deref().unwrap_or("").trim().to_string();
    if let Err((f, e)) = category::check_code(&code) {
        c.fail(f, if code.is_empty() { "required" } else { e });
    }
    checked_fields(db, &mut c, input).await?;
    c.finish()?;
    let mut work = db.begin().await?;
    let id = work
        .cases()
        .insert_category(&fields(input), &code)
        .await?
        .ok_or(AppError::field("code", "taken"))?;
    let created = work.cases().category(id).await?.ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "case_category",
        Some(id),
        None,
        &created,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(created)
}

pub async fn update_category(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &CategoryInput,
) -> AppResult<Category> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    let before = db.cases().category(id).await?.ok_or(AppError::NotFound)?;
    let mut c = Checks::default();
    if input
        .code
        .as_deref()
        .is_some_and(|code| code.trim() != before.code)
    {
        // The code is the Open311 service code: clients keep it, so it never changes.
        c.fail("code", "fixed");
    }
    checked_fields(db, &mut c, input).await?;
    c.finish()?;
    let mut work = db.begin().await?;
    work.cases().update_category(id, &fields(input)).await?;
    let after = work.cases().category(id).await?.ok_or(AppError::NotFound)?;
    audit_change(
        &mut work,
        actor,
        "case_category",
        Some(id),
        Some(&before),
        &after,
        "",
    )
    .await?;
    work.commit().await?;
    Ok(after)
}

/// An SLA class's periods as an administrator sends them: minutes to sign for, hours to reply,
/// or working days to reply (`reply_working_days` more than 0 counts the reply in working days
/// of the calendar; `reply_hours` then stays the period's nominal length for "due soon").
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SlaInput {
    #[serde(deserialize_with = "crate::services::input::int")]
    pub sign_minutes: i64,
    #[serde(deserialize_with = "crate::services::input::int")]
    pub reply_hours: i64,
    #[serde(default, deserialize_with = "crate::services::input::opt_int")]
    pub reply_working_days: Option<i64>,
}

pub async fn update_sla(
    db: &Db,
    actor: &Actor,
    code: &str,
    input: &SlaInput,
) -> AppResult<SlaClassRow> {
    actor.require(Action::ConfigureCases, &Target::System)?;
    let before = db
        .cases()
        .sla_classes()
        .await?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or(AppError::NotFound)?;
    let periods = SlaPeriods {
        sign_seconds: input.sign_minutes.saturating_mul(60),
        reply_seconds: input.reply_hours.saturating_mul(3600),
        reply_working_days: input.reply_working_days.unwrap_or(0),
    };
    category::check_periods(periods).map_err(|(f, e)| AppError::field(f, e))?;
    let mut work = db.begin().await?;
    work.cases().update_sla_class(code, periods).await?;
    let after = SlaClassRow {
        code: code.to_string(),
        sign_seconds: periods.sign_seconds,
        reply_seconds: periods.reply_seconds,
        reply_working_days: periods.reply_working_days,
    };
    audit_change(
        &mut work,
        actor,
        "sla_class",
        None,
        Some(&before),
        &after,
        code,
    )
    .await?;
    work.commit().await?;
    Ok(after)
}
