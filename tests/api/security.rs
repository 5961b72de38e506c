//! Issue 13: access follows who owns the action; throttle, tokens, redirects, CSV, roll.
use crate::cases::{post, send_json};
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

/// Community staff cannot give a field of responsibility in a compound of another community,
/// and no one can give a team a field outside the compounds it works for.
#[tokio::test]
async fn a_field_lies_in_the_editors_reach_and_the_teams_area() {
    let app = spawn_demo().await;
    let (_, elsewhere) = app.other_community("南山社区").await;
    let staff = app.token("liwenjing").await;
    let (team, member): (i64, i64) = sqlx::query_as(
        "SELECT m.team_id, m.id FROM team_members m JOIN users u ON u.person_id = m.person_id WHERE u.username = 'luojiangyan'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let path = format!("/api/v1/teams/{team}/fields");
    let before = app
        .id_of("SELECT COUNT(*) FROM responsibility_fields")
        .await;
    let (s, body) = post(
        &app,
        &staff,
        &path,
        json!({"member_id": member, "compound_id": elsewhere}),
    )
    .await;
    assert_eq!(s, 403, "another community's compound: {body}");
    let admin = app.token("admin").await;
    let (s, body) = post(
        &app,
        &admin,
        &path,
        json!({"member_id": member, "compound_id": elsewhere}),
    )
    .await;
    assert_eq!(
        (s, field_error(&body)),
        (422, ("compound_id", "outside_team"))
    );
    assert_eq!(
        app.id_of("SELECT COUNT(*) FROM responsibility_fields")
            .await,
        before,
        "nothing given"
    );
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    let (s, body) = post(
        &app,
        &staff,
        &path,
        json!({"member_id": member, "compound_id": guoshui}),
    )
    .await;
    assert_eq!(s, 200, "inside both: {body}");
}

/// Being a member of a team or squad routes cases to a person but gives no standing on them:
/// 张世英 (a resident of 凤栖阁, in the team's policy-publicity squad) does not read or annotate
/// a complaint of a 国税佳苑 resident that the team owns; the butler whose field is 国税佳苑 does.
#[tokio::test]
async fn membership_is_not_a_grant() {
    let app = spawn_demo().await;
    let manager = app.token("zhengkairui").await;
    let resident = app.token("pengdaye").await;
    let member = app.token("zhangshiying").await;
    let butler = app.token("luojiangyan").await;
    let guoshui = app
        .id_of("SELECT id FROM compounds WHERE name = '国税佳苑'")
        .await;
    let (s, c) = post(
        &app,
        &resident,
        "/api/v1/cases",
        json!({"kind": "complaint", "category": "parking",
        "compound_id": guoshui, "description": "消防通道被车堵住。"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    crate::cases::act(&app, &manager, id, json!({"action": "sign_for"})).await;
    let up = crate::cases::act(
        &app,
        &manager,
        id,
        json!({"action": "escalate", "level": "team", "note": "需团队协调"}),
    )
    .await;
    assert_eq!(up["owner_name"], "兴龙湖社区红管家工作站");
    let (s, _) = send_json(
        &app,
        &member,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        json!(null),
    )
    .await;
    assert_eq!(
        s, 404,
        "a squad member without a grant there does not see it"
    );
    let (s, _) = post(
        &app,
        &member,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "note", "note": "x", "internal": true}),
    )
    .await;
    assert_eq!(s, 404, "nor annotates it");
    let (_, q) = send_json(
        &app,
        &member,
        Method::GET,
        "/api/v1/cases?show=open",
        json!(null),
    )
    .await;
    assert!(
        q["items"]
            .as_array()
            .is_none_or(|a| a.iter().all(|c| c["id"] != id)),
        "nor finds it in a queue: {q}"
    );
    let (s, v) = send_json(
        &app,
        &butler,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        json!(null),
    )
    .await;
    assert_eq!(s, 200, "the butler of 国税佳苑 works it: {v}");
}

/// One login through the page, as a browser would: the status and the page.
async fn try_login(base: String, login: String, password: &'static str) -> (u16, String) {
    let client = client();
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("login", login.as_str()),
            ("password", password),
            ("_csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// 40 simultaneous wrong passwords for one account are checked at most 5 times (the rest are
/// refused before argon2 runs); the phone number is the same account; the page says how long to
/// wait; once the back-off is over the right password works (no hard lock).
#[tokio::test]
async fn the_login_throttle_holds_under_concurrency_and_never_locks_out() {
    let app = spawn_demo().await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        set.spawn(try_login(
            app.base.clone(),
            "zhangshiying".into(),
            "wrong-password",
        ));
    }
    let mut checked = 0;
    let mut refused = 0;
    while let Some(r) = set.join_next().await {
        match r.unwrap().0 {
            401 => checked += 1,
            429 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords checked");
    assert_eq!(checked + refused, 40);
    // The phone number is the same account: refused too, with the wait in words.
    let phone: String = sqlx::query_scalar("SELECT phone FROM people WHERE name = '张世英'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (s, page) = try_login(app.base.clone(), phone, redbutler::demo::DEMO_PASSWORD).await;
    assert_eq!(s, 429);
    assert!(page.contains("分钟后再试"), "says how long to wait");
    // Another account from the same address still gets in.
    assert!(app.login_with("yangmingli", PASSWORD).await.is_ok());
    // The back-off passes (time travel: the last try 15 minutes ago): the right password works.
    sqlx::query("UPDATE login_throttle SET window_start = window_start - 900 WHERE throttle_key LIKE 'user:%'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(
        app.login_with("zhangshiying", PASSWORD).await.is_ok(),
        "no hard lock"
    );
}

/// `back=` and `next=` lead only to printable same-site paths; anything else to the home page,
/// never off-site and never a 500.
#[tokio::test]
async fn redirects_stay_on_the_site() {
    let app = spawn_demo().await;
    let client = client();
    for back in [
        "/%09/evil.example/",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "/%E5%87%A4",
    ] {
        let r = client
            .get(format!("{}/lang/en?back={back}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{back}");
        assert_eq!(r.headers()["location"], "/", "{back}");
    }
    let r = client
        .get(format!("{}/lang/en?back=/cases%3Fshow%3Dmine", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/cases?show=mine");
    // Logging in with a poisoned next= still logs in, and lands at home.
    let page = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let r = client
        .post(format!("{}/login", app.base))
        .form(&[
            ("login", "zhangshiying"),
            ("password", PASSWORD),
            ("_csrf", &csrf),
            ("next", "/\t/evil.example/\u{7}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
}

/// Every CSV export neutralises formulas: an unmask reason typed as a formula reaches the audit
/// export as text.
#[tokio::test]
async fn csv_exports_neutralise_formulas() {
    let app = spawn_demo().await;
    let admin = app.token("admin").await;
    let xiong = app
        .id_of("SELECT id FROM people WHERE name = '熊婆婆'")
        .await;
    let (s, v) = post(
        &app,
        &admin,
        &format!("/api/v1/people/{xiong}/unmask"),
        json!({"reason": "=HYPERLINK(\"http://evil.example\",\"x\")"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let session = app.login("admin").await;
    let r = session.get("/admin/audit.csv").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("'=HYPERLINK"), "neutralised");
    assert!(
        !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
        "no live formula"
    );
    assert!(text.contains("+08:00"), "local times");
}
