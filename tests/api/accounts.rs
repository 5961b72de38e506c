//! Logging in and out, home pages per role, language switch, CSRF, throttling, tokens.
use crate::helpers::*;

#[tokio::test]
async fn health_answers_when_the_database_is_reachable() {
    let app = spawn_empty().await;
    let r = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn pages_need_a_login_and_come_back_after_it() {
    let app = spawn_demo().await;
    let r = client()
        .get(format!("{}/compounds/1", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fcompounds%2F1");
}

#[tokio::test]
async fn every_demo_role_logs_in_and_sees_its_home_page() {
    let app = spawn_demo().await;
    for (user, role) in [
        ("admin", "admin"),
        ("zhangshiying", "resident"),
        ("wangxinglian", "building_leader"),
        ("luojiangyan", "butler"),
        ("chengang", "property_staff"),
        ("zhengkairui", "property_manager"),
        ("pengdaye", "committee_member"),
        ("liuyuan", "department_staff"),
        ("liwenjing", "community_staff"),
        ("huminjian", "district_official"),
    ] {
        let s = app.login(user).await;
        let home = s.get("/").await;
        assert_eq!(home.status(), 200, "{user}");
        let html = home.text().await.unwrap();
        assert!(
            html.contains(&format!("data-role=\"{role}\"")),
            "{user} sees the {role} section"
        );
        assert!(html.contains("您好"), "zh-CN by default");
    }
}

#[tokio::test]
async fn login_by_phone_number_works_too() {
    let app = spawn_demo().await;
    let phone: String = sqlx::query_scalar(
        "SELECT p.phone FROM people p JOIN users u ON u.person_id = p.id WHERE u.username = 'zhangshiying'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let s = app.login(&phone).await;
    assert!(s.get("/").await.text().await.unwrap().contains("张世英"));
}

#[tokio::test]
async fn the_language_switch_gives_english_pages() {
    let app = spawn_demo().await;
    let s = app.login("huminjian").await;
    let r = s.get("/lang/en?back=/").await;
    assert_eq!(r.status(), 303);
    let html = s.get("/").await.text().await.unwrap();
    assert!(html.contains("Hello, "), "English home page");
    assert!(html.contains("lang=\"en\""));
    // An outside address is never a place to go back to.
    let r = s.get("/lang/zh-CN?back=//evil.example").await;
    assert_eq!(r.headers()["location"], "/");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_throttled() {
    let app = spawn_demo().await;
    for _ in 0..5 {
        let r = app
            .login_with("zhangshiying", "wrong-password")
            .await
            .err()
            .expect("refused");
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("密码不正确"));
    }
    // The sixth attempt is throttled even with the right password.
    let r = app
        .login_with("zhangshiying", PASSWORD)
        .await
        .err()
        .expect("throttled");
    assert_eq!(r.status(), 429);
    // Another account from the same address is still allowed.
    assert!(app.login_with("yangmingli", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let app = spawn_demo().await;
    let s = app.login("zhengkairui").await;
    let dwelling = app
        .id_of("SELECT d.id FROM dwellings d JOIN compounds c ON c.id = d.compound_id WHERE c.name = '国税佳苑' ORDER BY d.id LIMIT 1")
        .await;
    let before = app
        .count(&format!(
            "SELECT area_centi_m2 FROM dwellings WHERE id = {dwelling}"
        ))
        .await;
    let r = s
        .client
        .post(format!("{}/dwellings/{dwelling}", app.base))
        .form(&[
            ("floor", "1"),
            ("use_kind", "residential"),
            ("area_m2", "12.34"),
            ("area_source", "register"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text().await.unwrap().contains("页面已过期"),
        "says the page expired"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT area_centi_m2 FROM dwellings WHERE id = {dwelling}"
        ))
        .await,
        before
    );
    // With the token it goes through and is audited with before and after.
    let r = s
        .post_form(
            &format!("/dwellings/{dwelling}"),
            &[
                ("floor", "1"),
                ("use_kind", "residential"),
                ("area_m2", "12.34"),
                ("area_source", "survey"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.count(&format!(
            "SELECT area_centi_m2 FROM dwellings WHERE id = {dwelling}"
        ))
        .await,
        1234
    );
    let (b, a): (String, String) = sqlx::query_as("SELECT before_json, after_json FROM audit_log WHERE entity = 'dwelling' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(b.contains(&format!("\"area_centi_m2\":{before}")));
    assert!(a.contains("\"area_centi_m2\":1234"));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_demo().await;
    let s = app.login("admin").await;
    assert_eq!(s.get("/").await.status(), 200);
    let r = s.post_form("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(s.get("/").await.status(), 303);
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one() {
    let app = spawn_demo().await;
    let s = app.login("yangmingli").await;
    let r = s
        .post_form(
            "/password",
            &[("current", "nope"), ("new", "a-new-password")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = s
        .post_form("/password", &[("current", PASSWORD), ("new", "short")])
        .await;
    assert_eq!(r.status(), 422);
    let r = s
        .post_form(
            "/password",
            &[("current", PASSWORD), ("new", "a-new-password")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(app.login_with("yangmingli", PASSWORD).await.is_err());
    assert!(app.login_with("yangmingli", "a-new-password").await.is_ok());
}

#[tokio::test]
async fn api_tokens_authenticate_and_bad_ones_do_not() {
    let app = spawn_demo().await;
    let token = app.token("huminjian").await;
    let r = app
        .api(&token, reqwest::Method::GET, "/api/v1/me")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["username"], "huminjian");
    let r = app
        .api("not-a-token", reqwest::Method::GET, "/api/v1/me")
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_empty().await;
    let doc: serde_json::Value = client()
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/compounds",
        "/api/v1/compounds/{id}",
        "/api/v1/compounds/{id}/dwellings",
        "/api/v1/buildings/{id}",
        "/api/v1/dwellings/{id}",
        "/api/v1/people/{id}",
        "/api/v1/people/{id}/unmask",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/teams",
        "/api/v1/teams/{id}",
        "/api/v1/teams/{id}/members",
        "/api/v1/teams/{id}/squads",
        "/api/v1/teams/{id}/squads/{squad}/members",
        "/api/v1/teams/{id}/fields",
        "/api/v1/buildings/{id}/leader",
        "/api/v1/audit",
        "/api/v1/case-categories",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions",
        "/api/v1/cases/{id}/photos/{photo}",
        "/api/v1/compounds/{id}/issues",
        "/api/v1/coordination-requests",
        "/api/v1/notifications",
        "/api/v1/notifications/read",
        "/api/v1/cases/{id}/mediation",
        "/api/v1/cases/{id}/mediation/sessions",
        "/api/v1/cases/{id}/mediation/outcome",
        "/api/v1/case-figures",
        "/api/v1/decisions",
        "/api/v1/decisions/{id}",
        "/api/v1/decisions/{id}/notice",
        "/api/v1/decisions/{id}/cancel",
        "/api/v1/decisions/{id}/roll",
        "/api/v1/decisions/{id}/objections",
        "/api/v1/decisions/{id}/objections/{objection}/answer",
        "/api/v1/decisions/{id}/questions",
        "/api/v1/decisions/{id}/questions/{question}/answer",
        "/api/v1/decisions/{id}/ballots",
        "/api/v1/decisions/{id}/progress",
        "/api/v1/decisions/{id}/close",
        "/api/v1/decisions/{id}/verify",
        "/api/v1/decisions/{id}/roll.csv",
        "/api/v1/decisions/{id}/items/{item}/ballots.csv",
        "/api/v1/decisions/{id}/items/{item}/follow-up",
        "/api/v1/compounds/{id}/meeting-demands",
        "/api/v1/meeting-demands/{id}",
        "/api/v1/meeting-demands/{id}/sign",
        "/api/v1/decisions/{id}/documents",
        "/api/v1/decisions/{id}/documents/{doc}",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    let docs = client()
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
}
