//! The working-day calendar (issue 14 §1, RULES.md §7): shipped with 2026, entered by
//! administrators (API, page, command line), audited, and used by every deadline that counts
//! working days or ends a period; years without a calendar count weekends only and say so.
use crate::cases::{compound, get, post, put};
use crate::helpers::*;
use redbutler::domain::calendar::{Calendar, CalendarDay, DayKind};
use redbutler::domain::deadline;
use serde_json::json;

fn today() -> jiff::civil::Date {
    deadline::local_day(redbutler::db::now())
}

fn weekend(d: jiff::civil::Date) -> bool {
    matches!(
        d.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    )
}

/// The first Monday–Friday on or after a day of `year`.
fn weekday_from(year: i64, month: i8, day: i8) -> jiff::civil::Date {
    let mut d = jiff::civil::Date::new(year as i16, month, day).unwrap();
    while weekend(d) {
        d = d.tomorrow().unwrap();
    }
    d
}

/// Posts a page form as a browser does from `page` (the Referer its refusal comes back to).
async fn post_from(
    session: &Session,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut f: Vec<(&str, &str)> = fields.to_vec();
    f.push(("_csrf", &session.csrf));
    session
        .client
        .post(format!("{}{path}", session.base))
        .header("Referer", format!("{}{page}", session.base))
        .form(&f)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_calendar_ships_2026_and_administrators_enter_a_year() {
    let app = spawn_demo().await;
    let admin = app.token("admin").await;
    let zhang = app.token("zhangshiying").await;

    // Everyone signed in reads it; 2026 is shipped as published.
    let (status, v) = get(&app, &zhang, "/api/v1/calendar").await;
    assert_eq!(status, 200, "{v}");
    let y2026 = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2026)
        .expect("2026 shipped");
    let shipped: Vec<CalendarDay> = serde_json::from_value(y2026["days"].clone()).unwrap();
    assert_eq!(shipped, redbutler::domain::calendar::shipped_2026());
    assert_eq!(v["may_edit"], false);
    let stored = app.db.calendar().calendar().await.unwrap();
    assert!(stored.knows(2026));
    assert!(!stored.is_working_day("2026-10-01".parse().unwrap()));
    assert!(stored.is_working_day("2026-10-10".parse().unwrap()));

    // The admin home page warns about every missing year of this and next year.
    let this = today().year();
    let missing: Vec<i16> = [this, this + 1]
        .into_iter()
        .filter(|y| !stored.knows(*y))
        .collect();
    assert!(!missing.is_empty(), "next year is never shipped");
    assert_eq!(v["missing"], json!(missing));
    let admin_page = app.login("admin").await;
    let home = admin_page.get("/").await.text().await.unwrap();
    for y in &missing {
        assert!(
            home.contains(&format!("id=\"calendar-missing-{y}\"")),
            "{y}"
        );
    }
    let resident_home = app
        .login("zhangshiying")
        .await
        .get("/")
        .await
        .text()
        .await
        .unwrap();
    assert!(!resident_home.contains("calendar-missing"));

    // Only administrators enter a year.
    let year = i64::from(*missing.last().unwrap());
    let (jan, oct, apr) = (
        weekday_from(year, 1, 1),
        weekday_from(year, 10, 1),
        weekday_from(year, 4, 5),
    );
    let days = json!({"days": [
        {"day": jan.to_string(), "kind": "holiday", "name": "元旦"},
        {"day": oct.to_string(), "kind": "休", "name": "国庆节"},
    ]});
    let (status, _) = put(
        &app,
        &zhang,
        &format!("/api/v1/calendar/{year}"),
        days.clone(),
    )
    .await;
    assert_eq!(status, 403);

    // Bad days are named and nothing is entered.
    let bad = json!({"days": [
        {"day": format!("{year}-01-01"), "kind": "holiday"},
        {"day": format!("{year}-02-30"), "kind": "holiday"},
        {"day": format!("{}-05-01", year + 1), "kind": "holiday"},
        {"day": format!("{year}-05-02"), "kind": "sometimes"},
    ]});
    let (status, e) = put(&app, &admin, &format!("/api/v1/calendar/{year}"), bad).await;
    assert_eq!(status, 422, "{e}");
    let fields: Vec<(&str, &str)> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![("days[1].day", "invalid_date"), ("days[3].kind", "invalid")]
    );
    let twice = json!({"days": [
        {"day": format!("{year}-01-01"), "kind": "holiday"},
        {"day": format!("{year}-01-01"), "kind": "working"},
    ]});
    let (status, e) = put(&app, &admin, &format!("/api/v1/calendar/{year}"), twice).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "days[1].day");
    assert_eq!(e["error"]["fields"][0]["code"], "duplicate_day");
    let other = json!({"days": [{"day": format!("{}-01-01", year + 1), "kind": "holiday"}]});
    let (status, e) = put(&app, &admin, &format!("/api/v1/calendar/{year}"), other).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["code"], "other_year");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM calendar_years WHERE year = {year}"
        ))
        .await,
        0
    );

    // Entered: audited, used at once, and the warning for that year is gone.
    let (status, y) = put(&app, &admin, &format!("/api/v1/calendar/{year}"), days).await;
    assert_eq!(status, 200, "{y}");
    assert_eq!(y["days"][1]["kind"], "holiday", "休 reads as a holiday");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'calendar_year' AND entity_id = {year} AND action = 'create'"
        ))
        .await,
        1
    );
    let cal = app.db.calendar().calendar().await.unwrap();
    assert!(cal.knows(year as i16));
    assert!(!cal.is_working_day(oct));
    let home = admin_page.get("/").await.text().await.unwrap();
    assert!(!home.contains(&format!("id=\"calendar-missing-{year}\"")));

    // The page: pasted lines, a bad line named by its number in the user's language, the
    // typed text kept; then saved.
    let typed = format!("日期,类型,名称\n{apr},休,清明节\n{year}-13-01,休,x");
    let r = post_from(
        &admin_page,
        "/admin/calendar",
        "/admin/calendar",
        &[("year", &year.to_string()), ("days", &typed)],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("行 3 · 日期"), "the third line is named");
    assert!(
        page.contains(&format!("{apr},休,清明节")),
        "the text is kept"
    );
    let r = admin_page
        .post_form(
            "/admin/calendar",
            &[
                ("year", &year.to_string()),
                ("days", &format!("{apr}\t休\t清明节")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let cal = app.db.calendar().calendar().await.unwrap();
    assert!(!cal.is_working_day(apr));
    assert!(
        cal.is_working_day(oct),
        "saving a year replaces what was entered"
    );
    let page = admin_page
        .get("/admin/calendar")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("id=\"year-{year}\"")));
    // Residents do not get the page's forms (nor any write).
    let resident = app.login("zhangshiying").await;
    let r = resident
        .post_form(
            "/admin/calendar",
            &[("year", &year.to_string()), ("days", "")],
        )
        .await;
    assert_eq!(r.status(), 403);

    // Removed: weekends only again, audited.
    let r = app
        .api(
            &admin,
            reqwest::Method::DELETE,
            &format!("/api/v1/calendar/{year}"),
        )
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        !app.db
            .calendar()
            .calendar()
            .await
            .unwrap()
            .knows(year as i16)
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'calendar_year' AND entity_id = {year} AND action = 'delete'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_operator_imports_a_calendar_file_all_or_nothing() {
    let app = spawn_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_redbutler"))
            .args(["--database-url", &app.database_url, "calendar", "import"])
            .arg(file)
            .output()
            .expect("run redbutler calendar import")
    };
    // A bad line: named, nothing entered, exit code 2.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "date,kind,name\n2030-01-01,holiday,元旦\n2030-01-02,maybe,x\n",
    )
    .unwrap();
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("行 3"), "{err}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calendar_years WHERE year >= 2030")
            .await,
        0
    );
    // Two years in one file.
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "\u{feff}date,kind,name\n2030-01-01,holiday,元旦\n2030-02-02,班,春节\n2031-01-01,休,元旦\n",
    )
    .unwrap();
    let out = run(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cal = app.db.calendar().calendar().await.unwrap();
    assert!(cal.knows(2030) && cal.knows(2031));
    assert!(!cal.is_working_day("2030-01-01".parse().unwrap()));
    assert!(
        cal.is_working_day("2030-02-02".parse().unwrap()),
        "a Saturday worked"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'calendar_year' AND actor_user_id IS NULL")
            .await,
        2
    );
}

/// Enters `days` (any years) as the whole calendar of their years, through the operator's
/// import, and gives back the calendar the product now uses.
async fn enter(app: &TestApp, days: &[(jiff::civil::Date, DayKind)]) -> Calendar {
    let text: String = days
        .iter()
        .map(|(d, k)| format!("{d},{},test\n", k.as_str()))
        .collect();
    redbutler::services::calendar::import(&app.db, None, &text)
        .await
        .expect("calendar entered");
    (*app.db.calendar().calendar().await.unwrap()).clone()
}

#[tokio::test]
async fn deadlines_count_the_calendar_and_end_on_working_days() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await;
    let admin = app.token("admin").await;
    let guoshui = compound(&app, "国税佳苑").await;
    // Holidays on every weekday from day 13 to day 24 after today: a 15-day period ends in
    // them and moves to the first working day after; working days are counted around them.
    let t = today();
    let holidays: Vec<(jiff::civil::Date, DayKind)> = (13..=24)
        .map(|n| t.checked_add(jiff::Span::new().days(n)).unwrap())
        .filter(|d| {
            !matches!(
                d.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            )
        })
        .map(|d| (d, DayKind::Holiday))
        .collect();
    let cal = enter(&app, &holidays).await;
    let weekends_only = Calendar::new(cal.years(), &[]);

    // A petition: accept within 15 days, the end moved past the holidays.
    let body = json!({"kind": "petition", "category": "fees_services", "compound_id": guoshui,
        "channel": "letter", "reporter_name": "李某", "reporter_phone": "13912345678",
        "description": "物业费上涨未经业主大会同意"});
    let (status, c) = post(&app, &staff, "/api/v1/cases", body).await;
    assert_eq!(status, 201, "{c}");
    let (_, v) = get(&app, &staff, &format!("/api/v1/cases/{}", c["id"])).await;
    let created = v["created_at"].as_i64().unwrap();
    let accept_due = v["accept_due"].as_i64().unwrap();
    assert_eq!(accept_due, deadline::petition_accept_due(&cal, created));
    assert!(
        accept_due > deadline::petition_accept_due(&weekends_only, created),
        "day 15 is a holiday: the period ends later"
    );
    let last = deadline::local_day(accept_due - 1);
    assert!(cal.is_working_day(last));
    assert!(last > t.checked_add(jiff::Span::new().days(24)).unwrap());

    // An SLA class counted in working days.
    let (status, e) = put(
        &app,
        &admin,
        "/api/v1/sla-classes/ordinary",
        json!({"sign_minutes": 60, "reply_hours": 168, "reply_working_days": 99}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "reply_working_days");
    let (status, s) = put(
        &app,
        &admin,
        "/api/v1/sla-classes/ordinary",
        json!({"sign_minutes": 60, "reply_hours": 168, "reply_working_days": 15}),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["reply_working_days"], 15);
    let zhang = app.token("zhangshiying").await;
    let id = app
        .create_case(&zhang, "complaint", "parking", "凤栖阁", "车位被占")
        .await;
    let (_, v) = get(&app, &zhang, &format!("/api/v1/cases/{id}")).await;
    let created = v["created_at"].as_i64().unwrap();
    let reply_due = v["reply_due"].as_i64().unwrap();
    assert_eq!(
        deadline::local_day(reply_due - 1),
        cal.working_days_after(deadline::local_day(created), 15)
    );
    assert!(
        deadline::local_day(reply_due - 1)
            > weekends_only.working_days_after(deadline::local_day(created), 15),
        "the holidays are not counted"
    );
}

#[tokio::test]
async fn a_deadline_in_a_year_without_a_calendar_says_it_counts_weekends_only() {
    let app = spawn_demo().await;
    let admin = app.token("admin").await;
    let this = today().year();
    // This year's calendar removed: every deadline of a new case is in an unentered year.
    let _ = app
        .api(
            &admin,
            reqwest::Method::DELETE,
            &format!("/api/v1/calendar/{this}"),
        )
        .await
        .send()
        .await
        .unwrap();
    let cal = app.db.calendar().calendar().await.unwrap();
    assert!(!cal.knows(this));
    let zhang = app.token("zhangshiying").await;
    let id = app
        .create_case(&zhang, "complaint", "parking", "凤栖阁", "车位被占")
        .await;
    let (_, v) = get(&app, &zhang, &format!("/api/v1/cases/{id}")).await;
    let due_year = deadline::local_day(v["reply_due"].as_i64().unwrap() - 1).year();
    assert!(!cal.knows(due_year));
    assert!(
        v["calendar_unentered"]
            .as_array()
            .unwrap()
            .contains(&json!(due_year))
    );
    let page = app
        .login("zhangshiying")
        .await
        .get(&format!("/cases/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("{due_year} 年节假日未录入，仅按周末计算")),
        "said beside the deadline"
    );
    // Entered again: no note.
    let text = format!("{},holiday,x\n", weekday_from(i64::from(this), 1, 2));
    redbutler::services::calendar::import(&app.db, None, &text)
        .await
        .unwrap();
    if due_year == this {
        let (_, v) = get(&app, &zhang, &format!("/api/v1/cases/{id}")).await;
        assert!(
            !v["calendar_unentered"]
                .as_array()
                .unwrap()
                .contains(&json!(this))
        );
    }
}
