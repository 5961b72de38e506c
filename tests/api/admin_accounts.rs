//! Administrators manage accounts and role grants through the API and the pages: every bad
//! field is refused by name with nothing changed, a grant takes effect at once and so does its
//! revocation, a disabled account loses its sessions, the last administrator stays, and every
//! change is audited without the password.
use crate::cases::{compound, get, post, send_json};
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn administrators_open_accounts_and_grants_take_effect_at_once() {
    let app = spawn_demo().await;
    let admin = app.token("admin").await;
    let resident = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let guoshui = compound(&app, "国税佳苑").await;
    // A person of 凤栖阁 with no account yet.
    let person = app
        .id_of(&format!(
            "SELECT p.id FROM people p JOIN holdings h ON h.person_id = p.id JOIN dwellings d ON d.id = h.dwelling_id \
             JOIN buildings b ON b.id = d.building_id WHERE b.compound_id = {fengqige} \
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.person_id = p.id) ORDER BY p.id LIMIT 1"
        ))
        .await;
    let users_before = app.count("SELECT COUNT(*) FROM users").await;

    let good = json!({"username": "zhaoliu", "password": "volunteer-2026", "person_id": person});
    for (change, expected) in [
        (json!({"username": ""}), ("username", "required")),
        (json!({"username": "Zhao Liu"}), ("username", "invalid")),
        (json!({"username": "13800001111"}), ("username", "invalid")),
        (
            json!({"username": "z".repeat(33)}),
            ("username", "too_long"),
        ),
        (json!({"username": "admin"}), ("username", "taken")),
        (json!({"password": "short"}), ("password", "too_short")),
        (json!({"person_id": 999_999_999}), ("person_id", "unknown")),
        (json!({"locale": "fr"}), ("locale", "invalid")),
    ] {
        let body = with_changes(&good, &change);
        let (status, e) = post(&app, &admin, "/api/v1/users", body).await;
        assert_eq!((status, field_error(&e)), (422, expected), "{change}");
    }
    assert_eq!(
        post(&app, &admin, "/api/v1/users", json!({"username": 5}))
            .await
            .0,
        422
    );
    assert_eq!(
        post(&app, &resident, "/api/v1/users", good.clone()).await.0,
        403
    );
    assert_eq!(get(&app, &resident, "/api/v1/users").await.0, 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        users_before,
        "nothing refused was created"
    );

    let (status, created) = post(&app, &admin, "/api/v1/users", good.clone()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["username"], "zhaoliu");
    assert_eq!(created["grants"], json!([]));
    assert!(created.get("password_hash").is_none());
    let (status, e) = post(&app, &admin, "/api/v1/users", good.clone()).await;
    assert_eq!((status, field_error(&e)), (422, ("username", "taken")));

    // Found by the start of the username, not by a wildcard.
    let (_, page) = get(&app, &admin, "/api/v1/users?q=zhao").await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id),
        "{page}"
    );
    let (_, page) = get(&app, &admin, "/api/v1/users?q=%25").await;
    assert_eq!(page["items"], json!([]));
    assert_eq!(get(&app, &admin, "/api/v1/users?limit=0").await.0, 422);

    // The new account logs in and sees nothing yet.
    let session = app
        .login_with("zhaoliu", "volunteer-2026")
        .await
        .expect("the new account logs in");
    let place = format!("/api/v1/compounds/{fengqige}");
    let status = |s: &Session, path: String| {
        let c = s.client.get(format!("{}{path}", s.base));
        async move { c.send().await.unwrap().status().as_u16() }
    };
    assert_ne!(status(&session, place.clone()).await, 200);

    // Grants: each wrong pairing refused by name.
    let grants = format!("/api/v1/users/{id}/grants");
    let committee = app
        .id_of("SELECT id FROM organisations WHERE kind = 'owners_committee' LIMIT 1")
        .await;
    let team = app.id_of("SELECT id FROM teams ORDER BY id LIMIT 1").await;
    for (body, expected) in [
        (
            json!({"role": "king", "scope_kind": "compound", "scope_id": fengqige}),
            ("role", "invalid"),
        ),
        (
            json!({"role": "resident", "scope_kind": "galaxy", "scope_id": fengqige}),
            ("scope_kind", "invalid"),
        ),
        (
            json!({"role": "resident", "scope_kind": "compound"}),
            ("scope_id", "required"),
        ),
        (
            json!({"role": "admin", "scope_kind": "global", "scope_id": 1}),
            ("scope_id", "invalid"),
        ),
        (
            json!({"role": "resident", "scope_kind": "compound", "scope_id": 999_999_999}),
            ("scope_id", "unknown"),
        ),
        (
            json!({"role": "resident", "scope_kind": "organisation", "scope_id": committee}),
            ("scope_kind", "not_for_role"),
        ),
        (
            json!({"role": "admin", "scope_kind": "compound", "scope_id": fengqige}),
            ("scope_kind", "not_for_role"),
        ),
        (
            json!({"role": "property_staff", "scope_kind": "organisation", "scope_id": committee}),
            ("scope_id", "not_for_role"),
        ),
        (
            json!({"role": "butler", "scope_kind": "team", "scope_id": team}),
            ("scope_id", "not_a_member"),
        ),
    ] {
        let (s, e) = post(&app, &admin, &grants, body.clone()).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{body}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_grants WHERE user_id = {id}"
        ))
        .await,
        0
    );

    let resident_of = json!({"role": "resident", "scope_kind": "compound", "scope_id": fengqige});
    let (s, granted) = post(&app, &admin, &grants, resident_of.clone()).await;
    assert_eq!(s, 201, "{granted}");
    assert_eq!(granted["grants"][0]["scope_name"], "凤栖阁");
    let (s, e) = post(&app, &admin, &grants, resident_of).await;
    assert_eq!((s, field_error(&e)), (422, ("role", "already_granted")));
    // At once: the grant reaches 凤栖阁, and only it.
    assert_eq!(status(&session, place.clone()).await, 200);
    assert_ne!(
        status(&session, format!("/api/v1/compounds/{guoshui}")).await,
        200
    );

    // Revoked: gone at once.
    let grant = granted["grants"][0]["id"].as_i64().unwrap();
    let (s, after) = send_json(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v1/grants/{grant}"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{after}");
    assert_eq!(after["grants"], json!([]));
    assert_ne!(status(&session, place.clone()).await, 200);
    assert_eq!(
        send_json(
            &app,
            &admin,
            Method::DELETE,
            &format!("/api/v1/grants/{grant}"),
            json!({})
        )
        .await
        .0,
        404
    );

    // Disabled: its session ends and it cannot log in; enabled again, it can.
    let user_path = format!("/api/v1/users/{id}");
    let (s, e) = send_json(&app, &admin, Method::PATCH, &user_path, json!({})).await;
    assert_eq!((s, field_error(&e)), (422, ("disabled", "required")));
    let (s, e) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &user_path,
        json!({"password": "short"}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("password", "too_short")));
    let (s, v) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &user_path,
        json!({"disabled": true}),
    )
    .await;
    assert_eq!((s, v["disabled"].as_i64()), (200, Some(1)), "{v}");
    assert_eq!(status(&session, "/api/v1/me".into()).await, 401);
    assert!(app.login_with("zhaoliu", "volunteer-2026").await.is_err());
    send_json(
        &app,
        &admin,
        Method::PATCH,
        &user_path,
        json!({"disabled": false, "password": "another-pass-1"}),
    )
    .await;
    assert!(
        app.login_with("zhaoliu", "volunteer-2026").await.is_err(),
        "the old password is gone"
    );
    assert!(app.login_with("zhaoliu", "another-pass-1").await.is_ok());

    // The last administrator stays.
    let admin_id = app
        .id_of("SELECT id FROM users WHERE username = 'admin'")
        .await;
    let (s, e) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{admin_id}"),
        json!({"disabled": true}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("disabled", "self")));
    let admin_grant = app
        .id_of(&format!(
            "SELECT id FROM role_grants WHERE user_id = {admin_id} AND role = 'admin'"
        ))
        .await;
    let (s, e) = send_json(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v1/grants/{admin_grant}"),
        json!({}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("role", "last_admin")));
    // With a second administrator, the first may go.
    let (s, _) = post(
        &app,
        &admin,
        &grants,
        json!({"role": "admin", "scope_kind": "global"}),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = send_json(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v1/grants/{admin_grant}"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);

    // Every change audited; never a password or its hash.
    let audit: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT COALESCE(after_json, '') FROM audit_log WHERE entity = 'user' AND entity_id = {id} ORDER BY id"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(audit.len() >= 6, "{audit:?}");
    for a in &audit {
        assert!(
            !a.contains("volunteer-2026") && !a.contains("another-pass") && !a.contains("argon2"),
            "{a}"
        );
    }
}

#[tokio::test]
async fn the_accounts_pages_work_in_chinese_and_only_for_administrators() {
    let app = spawn_demo().await;
    let admin = app.login("admin").await;
    let page = admin.get("/admin/users?q=wang").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("账号与角色") && html.contains("wangxinglian"),
        "{html}"
    );
    assert!(html.contains("楼长"), "roles are shown by name");

    // A bad form answers in Chinese and creates nothing.
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "Bad Name"),
                ("password", "volunteer-2026"),
                ("person_id", ""),
                ("locale", "zh-CN"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("用户名"), "{html}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'bad name'")
            .await,
        0
    );

    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "qianqi"),
                ("password", "volunteer-2026"),
                ("person_id", ""),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let id = app
        .id_of("SELECT id FROM users WHERE username = 'qianqi'")
        .await;
    assert_eq!(to, format!("/admin/users/{id}"));
    let fengqige = compound(&app, "凤栖阁").await.to_string();
    // The grant form offers only pairs of a role and a scope kind it may be granted within,
    // so its first choice (the default) is a valid one.
    let html = admin.get(&to).await.text().await.unwrap();
    let offered: Vec<&str> = html
        .split("<option value=\"")
        .skip(1)
        .filter_map(|o| o.split('"').next())
        .filter(|v| v.contains(':'))
        .collect();
    assert!(offered.len() >= 12, "{offered:?}");
    for pair in &offered {
        let (role, scope) = pair.split_once(':').unwrap();
        let role = redbutler::domain::kinds::Role::parse(role).unwrap();
        let scope = redbutler::domain::kinds::ScopeKind::parse(scope).unwrap();
        assert!(
            redbutler::domain::accounts::scopes_for(role).contains(&scope),
            "{pair}"
        );
    }
    let r = admin
        .post_form(
            &format!("/admin/users/{id}/grants"),
            &[("role_scope", "resident:compound"), ("scope_id", &fengqige)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = admin.get(&to).await.text().await.unwrap();
    assert!(html.contains("居民") && html.contains("凤栖阁"), "{html}");
    let r = admin
        .post_form(&format!("/admin/users/{id}"), &[("what", "disable")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.count(&format!("SELECT disabled FROM users WHERE id = {id}"))
            .await,
        1
    );
    let r = admin
        .post_form(&format!("/admin/users/{id}"), &[("what", "explode")])
        .await;
    assert_eq!(r.status(), 422);

    // Not for anyone else, and not without the form's token.
    let resident = app.login("zhangshiying").await;
    assert_eq!(resident.get("/admin/users").await.status(), 403);
    assert_eq!(resident.get(&to).await.status(), 403);
    let r = resident
        .post_form(&format!("/admin/users/{id}"), &[("what", "enable")])
        .await;
    assert_eq!(r.status(), 403);
    let r = admin
        .client
        .post(format!("{}/admin/users/{id}", admin.base))
        .form(&[("what", "enable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a form without its token is refused");
    assert_eq!(
        app.count(&format!("SELECT disabled FROM users WHERE id = {id}"))
            .await,
        1
    );
}
