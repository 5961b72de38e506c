//! Synthetic cases in bulk (`demo --cases N`), spread over the compounds, kinds and months.
use crate::db::Db;
use crate::db::bulk::Table;
use indicatif::{ProgressBar, ProgressStyle};

/// The people of the report (and the demo's staff), who exist once.
pub(crate) const REPORT_NAMES: &[&str] = &[
    "张世英",
    "郑开锐",
    "胡明建",
    "蒋勇",
    "彭大爷",
    "罗江燕",
    "王兴莲",
    "熊婆婆",
    "杨明利",
    "李文静",
    "陈刚",
    "刘园",
];

#[derive(Debug, serde::Serialize)]
pub struct CasesReport {
    pub cases: u64,
    pub seconds: f64,
}

/// Adds `n` synthetic cases spread over the last year, over every compound, category, unit and
/// status (for benchmarks and for trying the figures pages on a large district). Deterministic.
pub async fn generate_cases(db: &Db, n: u64, show_progress: bool) -> anyhow::Result<CasesReport> {
    use crate::domain::cases::CaseStatus;
    let started = std::time::Instant::now();
    let mut rng = fastrand::Rng::with_seed(311 + n);
    let compounds: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, community_id, subdistrict_id, district_id, city_id FROM compounds ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    anyhow::ensure!(
        !compounds.is_empty(),
        "load the demo district first (redbutler demo)"
    );
    let categories: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, sla_class FROM case_categories ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    let mut units: Vec<(String, i64)> =
        sqlx::query_as("SELECT 'squad', id FROM squads UNION ALL SELECT 'team', id FROM teams")
            .fetch_all(&db.pool)
            .await?;
    units.extend(
        sqlx::query_as::<_, (String, i64)>(
            "SELECT 'organisation', id FROM organisations WHERE kind IN ('property_company', 'community_office', 'department')",
        )
        .fetch_all(&db.pool)
        .await?,
    );
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
        .fetch_one(&db.pool)
        .await?;
    let now = crate::db::now();
    let mut tx = db.pool.begin().await?;
    let mut dropped: Vec<(String, String)> = vec![];
    if db.backend == crate::db::Backend::Sqlite {
        dropped = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('cases', 'case_events')",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (name, _) in &dropped {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    let bar = show_progress.then(|| {
        let b = ProgressBar::new(n);
        b.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} cases ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut cases = Table::new(
        "cases",
        &[
            "id",
            "number",
            "kind",
            "category_id",
            "channel",
            "status",
            "compound_id",
            "community_id",
            "subdistrict_id",
            "district_id",
            "city_id",
            "description",
            "description_public",
            "reporter_user_id",
            "reporter_name",
            "owner_kind",
            "owner_id",
            "level",
            "sla_class",
            "sign_seconds",
            "reply_seconds",
            "created_at",
            "sign_due",
            "reply_due",
            "next_due",
            "signed_at",
            "replied_at",
            "closed_at",
            "accepted",
            "rating",
            "signed_in_time",
            "assignee_user_id",
        ],
        db.backend,
    );
    let mut events = Table::new(
        "case_events",
        &[
            "case_id",
            "at",
            "actor_user_id",
            "kind",
            "from_status",
            "to_status",
            "note",
            "internal",
        ],
        db.backend,
    );
    const KINDS: &[&str] = &[
        "complaint",
        "complaint",
        "repair",
        "repair",
        "consultation",
        "suggestion",
        "dispute",
        "wellbeing",
    ];
    const CHANNELS: &[&str] = &[
        "online",
        "online",
        "online",
        "phone",
        "visit",
        "building_leader",
    ];
    const RATINGS: &[&str] = &[
        "satisfied",
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ];
    for i in 0..n {
        let id = first + i as i64;
        let c = compounds[rng.usize(..compounds.len())];
        let (category, sla) = &categories[rng.usize(..categories.len())];
        let periods = crate::domain::deadline::SlaClass::parse(sla)
            .unwrap_or(crate::domain::deadline::SlaClass::Ordinary)
            .default_periods();
        let (owner_kind, owner_id) = &units[rng.usize(..units.len())];
        let created = now - rng.i64(0..365 * 86_400);
        let roll = rng.u8(0..100);
        let status = match roll {
            0..60 => CaseStatus::Closed,
            60..70 => CaseStatus::Replied,
            70..80 => CaseStatus::InProgress,
            80..90 => CaseStatus::Dispatched,
            90..95 => CaseStatus::Submitted,
            _ => CaseStatus::Withdrawn,
        };
        let signed = matches!(
            status,
            CaseStatus::Closed | CaseStatus::Replied | CaseStatus::InProgress
        );
        let replied = matches!(status, CaseStatus::Closed | CaseStatus::Replied);
        let sign_due = created + periods.sign_seconds;
        let reply_due = created + periods.reply_seconds;
        let next_due = match status {
            CaseStatus::Submitted | CaseStatus::Dispatched => Some(sign_due),
            CaseStatus::InProgress => Some(reply_due),
            _ => None,
        };
        let user = users[rng.usize(..users.len())];
        cases.push(vec![
            id.into(),
            crate::domain::cases::case_number("YC", created, id).into(),
            KINDS[rng.usize(..KINDS.len())].into(),
            (*category).into(),
            CHANNELS[rng.usize(..CHANNELS.len())].into(),
            status.as_str().into(),
            c.0.into(),
            c.1.into(),
            c.2.into(),
            c.3.into(),
            c.4.into(),
            "合成工单 synthetic case".into(),
            (rng.bool() as i64).into(),
            Some(user).into(),
            "居民".into(),
            owner_kind.as_str().into(),
            (*owner_id).into(),
            "compound".into(),
            sla.as_str().into(),
            periods.sign_seconds.into(),
            periods.reply_seconds.into(),
            created.into(),
            Some(sign_due).into(),
            Some(reply_due).into(),
            next_due.into(),
            signed.then_some(created + periods.sign_seconds / 2).into(),
            replied
                .then_some(created + periods.reply_seconds / 2)
                .into(),
            (status.is_final())
                .then_some(created + periods.reply_seconds)
                .into(),
            1i64.into(),
            (status == CaseStatus::Closed)
                .then(|| RATINGS[rng.usize(..RATINGS.len())])
                .into(),
            signed.then_some((rng.u8(0..10) < 9) as i64).into(),
            signed.then_some(user).into(),
        ]);
        events.push(vec![
            id.into(),
            created.into(),
            Some(user).into(),
            "submitted".into(),
            "submitted".into(),
            "submitted".into(),
            "".into(),
            0i64.into(),
        ]);
        if cases.is_full() || events.is_full() {
            cases.flush(&mut tx).await?;
            events.flush(&mut tx).await?;
            if let Some(b) = &bar {
                b.set_position(i + 1);
            }
        }
    }
    cases.flush(&mut tx).await?;
    events.flush(&mut tx).await?;
    for (_, sql) in &dropped {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    db.reset_sequences(&["cases", "case_events"]).await?;
    // The figures kept per month, counted again in a few statements rather than month by month.
    db.cases().rebuild_figures(crate::db::now()).await?;
    if db.backend == crate::db::Backend::Sqlite {
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    db.checkpoint().await?;
    if let Some(b) = bar {
        b.finish();
    }
    Ok(CasesReport {
        cases: cases.written,
        seconds: started.elapsed().as_secs_f64(),
    })
}
