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
    let id = app
        .create_case(
            &resident,
            "complaint",
            "parking",
            "国税佳苑",
            "消防通道被车堵住。",
        )
        .await;
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
    let (r, _) = page_login(&client(), &base, &login, password).await;
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

async fn me(app: &TestApp, token: &str) -> u16 {
    send_json(app, token, Method::GET, "/api/v1/me", json!(null))
        .await
        .0
}

/// API tokens are named, listed without their secret, expire and are revoked; only their owner
/// or an administrator may revoke them; Open311 keys likewise (administrators).
#[tokio::test]
async fn tokens_and_keys_are_listed_expire_and_are_revoked() {
    let app = spawn_demo().await;
    let own = app.token("zhangshiying").await;
    let (s, made) = post(
        &app,
        &own,
        "/api/v1/tokens",
        json!({"name": "我的手机", "expires_in_days": 30}),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let secret = made["secret"].as_str().unwrap().to_string();
    let id = made["credential"]["id"].as_i64().unwrap();
    assert_eq!(me(&app, &secret).await, 200, "the new token works");
    let (_, list) = send_json(&app, &own, Method::GET, "/api/v1/tokens", json!(null)).await;
    let text = list.to_string();
    assert!(
        text.contains("我的手机") && !text.contains(&secret),
        "listed, never the secret"
    );
    // Someone else: may not list or revoke it.
    let other = app.token("wangxinglian").await;
    let zhang = app
        .id_of("SELECT id FROM users WHERE username = 'zhangshiying'")
        .await;
    let (s, _) = send_json(
        &app,
        &other,
        Method::GET,
        &format!("/api/v1/tokens?user_id={zhang}"),
        json!(null),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &app,
        &other,
        &format!("/api/v1/tokens/{id}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(me(&app, &secret).await, 200);
    // Bad lifetimes and names are refused.
    for bad in [
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "expires_in_days": 5000}),
        json!({"name": ""}),
    ] {
        let (s, e) = post(&app, &own, "/api/v1/tokens", bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {e}");
    }
    // Revoked by its owner: refused at once; a second revoke is a conflict.
    let (s, v) = post(
        &app,
        &own,
        &format!("/api/v1/tokens/{id}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(me(&app, &secret).await, 401);
    let (s, _) = post(
        &app,
        &own,
        &format!("/api/v1/tokens/{id}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409);
    // An expired token does not work (time travel: its expiry passed before its first use; a
    // node that resolved it within the last 5 s may still accept it for those seconds).
    let (_, made) = post(
        &app,
        &own,
        "/api/v1/tokens",
        json!({"name": "短期", "expires_in_days": 1}),
    )
    .await;
    let short = made["secret"].as_str().unwrap().to_string();
    sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE id = $1")
        .bind(made["credential"]["id"].as_i64().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(me(&app, &short).await, 401, "expired");
    // Open311 keys: administrators only; a revoked key is refused by the Open311 endpoint.
    let (s, _) = post(&app, &own, "/api/v1/open311-keys", json!({"name": "x"})).await;
    assert_eq!(s, 403);
    let admin = app.token("admin").await;
    let (s, k) = post(
        &app,
        &admin,
        "/api/v1/open311-keys",
        json!({"name": "12345 热线", "expires_in_days": 365}),
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let key = k["secret"].as_str().unwrap().to_string();
    let services = |key: String| {
        let base = app.base.clone();
        async move {
            client()
                .post(format!("{base}/open311/v2/requests.json?api_key={key}"))
                .form(&[("service_code", "nope"), ("description", "x")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_ne!(services(key.clone()).await, 403, "the key is accepted");
    let (s, _) = post(
        &app,
        &admin,
        &format!("/api/v1/open311-keys/{}/revoke", k["credential"]["id"]),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(services(key).await, 403, "revoked");
    // The page lists them for the administrator.
    let page = app
        .login("admin")
        .await
        .get("/admin/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("12345 热线") && page.contains("已吊销"));
}

/// A password change ends the user's other sessions and revokes their tokens at once (the session
/// that changed it stays); an administrator's reset ends them all. The CSRF token rotates at
/// login, and pages carry a content security policy.
#[tokio::test]
async fn a_password_change_ends_other_sessions_and_tokens_at_once() {
    let app = spawn_demo().await;
    let here = app.login("zhangshiying").await;
    let there = app.login("zhangshiying").await;
    let token = app.token("zhangshiying").await;
    assert_eq!(there.get("/inbox").await.status(), 200);
    assert_eq!(me(&app, &token).await, 200);
    let r = here
        .post_form(
            "/password",
            &[("current", PASSWORD), ("new", "a-new-password-1")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        here.get("/inbox").await.status(),
        200,
        "the changing session stays"
    );
    let r = there.get("/inbox").await;
    assert!(
        r.status() == 303 || r.status() == 401,
        "the other session ended: {}",
        r.status()
    );
    assert_eq!(me(&app, &token).await, 401, "tokens revoked");
    // An administrator's reset ends every session.
    let admin = app.token("admin").await;
    let zhang = app
        .id_of("SELECT id FROM users WHERE username = 'zhangshiying'")
        .await;
    let (s, _) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{zhang}"),
        json!({"password": "another-password-2"}),
    )
    .await;
    assert_eq!(s, 200);
    let r = here.get("/inbox").await;
    assert!(
        r.status() == 303 || r.status() == 401,
        "reset ends it: {}",
        r.status()
    );
    // The CSRF cookie changes at login.
    let client = client();
    let page = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let before = set_cookie_value(&page, "rb_csrf").unwrap();
    assert!(page.headers().contains_key("content-security-policy"));
    let csrf = csrf_of(&page.text().await.unwrap());
    let r = client
        .post(format!("{}/login", app.base))
        .header("cookie", format!("rb_csrf={csrf}"))
        .form(&[
            ("login", "wangxinglian"),
            ("password", PASSWORD),
            ("_csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after = set_cookie_value(&r, "rb_csrf").expect("a new CSRF cookie at login");
    assert_ne!(before, after);
    assert!(
        !r.headers().contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
}

/// Data at rest is the owner's only; an oversized body gets the documented JSON error; party
/// membership is shown to those who run the team, not to every resident.
#[tokio::test]
async fn files_bodies_and_party_membership() {
    let app = spawn_demo().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = app
            .database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        if app.database_url.starts_with("sqlite") {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the database file");
            let backup = app.data_dir.path().join("backup.db");
            app.db.backup_to(&backup).await.unwrap();
            let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the backup");
        }
    }
    let token = app.token("admin").await;
    let big = "x".repeat(21 * 1024 * 1024);
    let r = app
        .api(&token, Method::POST, "/api/v1/cases")
        .await
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "too_large");
    let team = app.id_of("SELECT MIN(id) FROM teams").await;
    let resident = app.token("zhangshiying").await;
    let (_, v) = send_json(
        &app,
        &resident,
        Method::GET,
        &format!("/api/v1/teams/{team}"),
        json!(null),
    )
    .await;
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["party_member"].is_null()),
        "{v}"
    );
    let staff = app.token("liwenjing").await;
    let (_, v) = send_json(
        &app,
        &staff,
        Method::GET,
        &format!("/api/v1/teams/{team}"),
        json!(null),
    )
    .await;
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["party_member"] == 1),
        "{v}"
    );
}

/// A new case is not "due soon" in its first minute: its signing deadline is a day away and the
/// warning comes a quarter of that period before it.
#[tokio::test]
async fn no_false_due_soon_alerts() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let id = app
        .create_case(&zhang, "complaint", "other", "凤栖阁", "路灯坏了")
        .await;
    let (sign_due, sign_seconds): (i64, i64) =
        sqlx::query_as("SELECT sign_due, sign_seconds FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let soon = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM notifications WHERE case_id = $1 AND kind = 'due_soon'",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let now = redbutler::db::now();
    redbutler::services::cases::deadline_pass(&app.db, now + 60)
        .await
        .unwrap();
    assert_eq!(
        soon(&app).await,
        0,
        "not due soon a minute after it came in"
    );
    let margin = (sign_seconds / 4).min(86_400);
    redbutler::services::cases::deadline_pass(&app.db, sign_due - margin - 60)
        .await
        .unwrap();
    assert_eq!(soon(&app).await, 0, "nor just before the margin");
    redbutler::services::cases::deadline_pass(&app.db, sign_due - margin + 60)
        .await
        .unwrap();
    assert!(soon(&app).await > 0, "due soon inside the last quarter");
}

/// Smaller defects found trying every journey: the favicon exists; a username typed in capitals
/// is taken in lower case; a vote's notice title never reads "关于关于…的公告的公告"; a vote past
/// its end no longer says "投票中".
#[tokio::test]
async fn smaller_defects_of_the_journeys() {
    let app = spawn_demo().await;
    let r = client()
        .get(format!("{}/favicon.ico", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let admin = app.token("admin").await;
    let (s, v) = post(
        &app,
        &admin,
        "/api/v1/users",
        json!({"username": "WangXiaoMing", "password": "a-long-password"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["username"], "wangxiaoming");
    assert!(
        app.login_with("wangxiaoming", "a-long-password")
            .await
            .is_ok()
    );
    let committee = app.token("pengdaye").await;
    let guoshui = app.compound("国税佳苑").await;
    let day = 86_400;
    let at = |days: i64| redbutler::domain::deadline::local(redbutler::db::now() + days * day);
    let (s, v) = post(
        &app,
        &committee,
        "/api/v1/decisions",
        json!({"compound_id": guoshui, "kind": "assembly",
        "title": "关于增设充电桩的公告", "opens_at": at(17), "closes_at": at(20),
        "items": [{"title": "增设充电桩", "matter": 9}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, _) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let session = app.login("pengdaye").await;
    let page = session
        .get(&format!("/decisions/{id}/notice"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(">关于增设充电桩的公告<"),
        "the title as given"
    );
    assert!(!page.contains("关于关于") && !page.contains("公告的公告"));
    // Past its end (time travel), the vote says voting has ended, not "voting".
    sqlx::query("UPDATE decisions SET opens_at = opens_at - $1, closes_at = closes_at - $1, noticed_at = noticed_at - $1 WHERE id = $2")
        .bind(21 * day)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = session
        .get(&format!("/decisions/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("投票已结束"), "ended");
    assert!(!page.contains(">投票中<"));
    // A resident's timeline does not show the login names of the staff who handled it.
    let zhang = app.token("zhangshiying").await;
    let case = app
        .create_case(&zhang, "complaint", "other", "凤栖阁", "楼道灯不亮")
        .await;
    let manager = app.token("zhengkairui").await;
    crate::cases::act(&app, &manager, case, json!({"action": "sign_for"})).await;
    let (_, v) = send_json(
        &app,
        &zhang,
        Method::GET,
        &format!("/api/v1/cases/{case}"),
        json!(null),
    )
    .await;
    let events = v["events"].as_array().unwrap();
    assert!(events.len() >= 2, "{v}");
    assert!(!v.to_string().contains("zhengkairui"), "{v}");
    let (_, v) = send_json(
        &app,
        &manager,
        Method::GET,
        &format!("/api/v1/cases/{case}"),
        json!(null),
    )
    .await;
    assert!(
        v.to_string().contains("zhengkairui"),
        "staff still see who did what"
    );
    // The rating form comes after the reply it rates.
    crate::cases::act(
        &app,
        &manager,
        case,
        json!({"action": "reply", "note": "已更换灯泡"}),
    )
    .await;
    let page = app
        .login("zhangshiying")
        .await
        .get(&format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    let (reply, rate) = (page.find("已更换灯泡"), page.find("id=\"rate\""));
    assert!(reply.is_some() && rate.is_some(), "both on the page");
    assert!(reply < rate, "the reply before the rating form");
}
