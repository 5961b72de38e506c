//! The authorization matrix over HTTP: every demo role × resource kinds × inside and outside
//! its scope, plus masking and the logging of unmasked reads.
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

struct Ids {
    fengqige: i64,
    guoshui: i64,
    /// 熊婆婆, building 8 of 凤栖阁
    xiong: i64,
    /// 张世英, building 3 of 凤栖阁
    zhang: i64,
    /// 彭大爷, owner at 国税佳苑
    peng: i64,
    guoshui_dwelling: i64,
}

async fn ids(app: &TestApp) -> Ids {
    let person = |n: &str| format!("SELECT id FROM people WHERE name = '{n}'");
    Ids {
        fengqige: app.id_of("SELECT id FROM compounds WHERE name = '凤栖阁'").await,
        guoshui: app.id_of("SELECT id FROM compounds WHERE name = '国税佳苑'").await,
        xiong: app.id_of(&person("熊婆婆")).await,
        zhang: app.id_of(&person("张世英")).await,
        peng: app.id_of(&person("彭大爷")).await,
        guoshui_dwelling: app
            .id_of("SELECT d.id FROM dwellings d JOIN compounds c ON c.id = d.compound_id WHERE c.name = '国税佳苑' ORDER BY d.id LIMIT 1")
            .await,
    }
}

async fn status(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> u16 {
    let mut rb = app.api(token, method, path).await;
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_role_inside_and_outside_its_scope() {
    let app = spawn_demo().await;
    let i = ids(&app).await;
    let edit = serde_json::json!({"floor": 1, "use_kind": "residential", "area_m2": "88.00", "area_source": "register"});
    // user, [fengqige, guoshui, xiong (b8), zhang (b3), peng (guoshui), audit, edit guoshui dwelling]
    let matrix: &[(&str, [u16; 7])] = &[
        ("admin", [200, 200, 200, 200, 200, 200, 200]),
        ("zhangshiying", [200, 403, 404, 200, 404, 403, 403]),
        ("wangxinglian", [200, 403, 200, 404, 404, 403, 403]),
        ("luojiangyan", [403, 200, 404, 404, 200, 403, 403]),
        ("chengang", [403, 200, 404, 404, 200, 403, 403]),
        ("zhengkairui", [200, 200, 200, 200, 200, 403, 200]),
        ("pengdaye", [403, 200, 404, 404, 200, 403, 403]),
        ("liuyuan", [403, 403, 404, 404, 404, 403, 403]),
        ("jiangyong", [403, 403, 404, 404, 404, 403, 403]),
        ("liwenjing", [200, 200, 200, 200, 200, 403, 200]),
        ("huminjian", [200, 200, 404, 404, 404, 403, 403]),
    ];
    for (user, expected) in matrix {
        let t = app.token(user).await;
        let got = [
            status(
                &app,
                &t,
                Method::GET,
                &format!("/api/v1/compounds/{}", i.fengqige),
                None,
            )
            .await,
            status(
                &app,
                &t,
                Method::GET,
                &format!("/api/v1/compounds/{}", i.guoshui),
                None,
            )
            .await,
            status(
                &app,
                &t,
                Method::GET,
                &format!("/api/v1/people/{}", i.xiong),
                None,
            )
            .await,
            status(
                &app,
                &t,
                Method::GET,
                &format!("/api/v1/people/{}", i.zhang),
                None,
            )
            .await,
            status(
                &app,
                &t,
                Method::GET,
                &format!("/api/v1/people/{}", i.peng),
                None,
            )
            .await,
            status(&app, &t, Method::GET, "/api/v1/audit", None).await,
            status(
                &app,
                &t,
                Method::PATCH,
                &format!("/api/v1/dwellings/{}", i.guoshui_dwelling),
                Some(edit.clone()),
            )
            .await,
        ];
        assert_eq!(
            &got, expected,
            "{user}: [fengqige, guoshui, xiong, zhang, peng, audit, edit]"
        );
    }
}

#[tokio::test]
async fn lists_show_only_what_the_role_reaches() {
    let app = spawn_demo().await;
    let names = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |user: &'static str| {
        let app = &app;
        async move {
            let t = app.token(user).await;
            app.get_json(&t, "/api/v1/compounds").await
        }
    };
    assert_eq!(names(get("zhangshiying").await), vec!["凤栖阁"]);
    assert_eq!(names(get("chengang").await), vec!["国税佳苑"]);
    assert!(names(get("liuyuan").await).is_empty());
    assert_eq!(names(get("huminjian").await).len(), 5);
}

#[tokio::test]
async fn phones_are_masked_and_an_unmasked_read_is_logged() {
    let app = spawn_demo().await;
    let i = ids(&app).await;
    let full: String =
        sqlx::query_scalar(&format!("SELECT phone FROM people WHERE id = {}", i.xiong))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let t = app.token("wangxinglian").await;
    let v = app
        .get_json(&t, &format!("/api/v1/people/{}", i.xiong))
        .await;
    let masked = v["phone"].as_str().unwrap();
    assert_eq!(masked, format!("{}****{}", &full[..3], &full[7..]));
    assert_eq!(v["unmasked"], false);
    assert!(v["id_number"].as_str().unwrap().contains("**********"));

    // No reason, no unmasking; nothing is logged.
    let r = app
        .api(
            &t,
            Method::POST,
            &format!("/api/v1/people/{}/unmask", i.xiong),
        )
        .await
        .json(&serde_json::json!({"reason": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'unmask'")
            .await,
        0
    );

    let v: serde_json::Value = app
        .api(
            &t,
            Method::POST,
            &format!("/api/v1/people/{}/unmask", i.xiong),
        )
        .await
        .json(&serde_json::json!({"reason": "熊婆婆一周未下楼，联系家属"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["phone"].as_str().unwrap(), full);
    let (actor, reason): (String, String) = sqlx::query_as(
        "SELECT u.username, a.reason FROM audit_log a JOIN users u ON u.id = a.actor_user_id WHERE a.action = 'unmask' AND a.entity_id = $1",
    )
    .bind(i.xiong)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actor, "wangxinglian");
    assert_eq!(reason, "熊婆婆一周未下楼，联系家属");

    // A district official may not unmask anyone.
    let t = app.token("huminjian").await;
    let r = app
        .api(
            &t,
            Method::POST,
            &format!("/api/v1/people/{}/unmask", i.xiong),
        )
        .await
        .json(&serde_json::json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_building_leader_sees_the_residents_of_the_building_only() {
    let app = spawn_demo().await;
    let b8 = app.id_of("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '凤栖阁' AND b.name = '8栋'").await;
    let b3 = app.id_of("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '凤栖阁' AND b.name = '3栋'").await;
    let s = app.login("wangxinglian").await;
    let html = s
        .get(&format!("/buildings/{b8}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("熊婆婆"));
    assert!(html.contains("****"), "phones masked");
    let html = s
        .get(&format!("/buildings/{b3}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("张世英"), "no residents of another building");
    // The resident 张世英 sees the structure of her compound but nobody's details.
    let s = app.login("zhangshiying").await;
    let html = s
        .get(&format!("/buildings/{b8}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("熊婆婆"));
}

#[tokio::test]
async fn a_person_edit_is_audited_with_masked_values() {
    let app = spawn_demo().await;
    let i = ids(&app).await;
    let t = app.token("zhengkairui").await;
    let r = app
        .api(&t, Method::PATCH, &format!("/api/v1/people/{}", i.peng))
        .await
        .json(&serde_json::json!({"name": "彭大爷", "phone": "13900001111"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["phone"], "139****1111");
    let after: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE entity = 'person' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        after.contains("139****1111") && !after.contains("13900001111"),
        "{after}"
    );
    // The admin reads it in the audit page and the CSV export.
    let s = app.login("admin").await;
    let page = s.get("/admin/audit").await.text().await.unwrap();
    assert!(page.contains("139****1111"));
    let csv = s.get("/admin/audit.csv").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().await.unwrap().contains("person"));
    // Nobody else may.
    let s = app.login("huminjian").await;
    assert_eq!(s.get("/admin/audit").await.status(), 403);
    assert_eq!(s.get("/admin/audit.csv").await.status(), 403);
}

#[tokio::test]
async fn responsibility_fields_decide_what_a_butler_reaches() {
    let app = spawn_demo().await;
    let team = app.id_of("SELECT id FROM teams").await;
    let luo_member = app.id_of("SELECT m.id FROM team_members m JOIN people p ON p.id = m.person_id WHERE p.name = '罗江燕'").await;
    let fengqige = app
        .id_of("SELECT id FROM compounds WHERE name = '凤栖阁'")
        .await;
    let b3 = app.id_of("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '凤栖阁' AND b.name = '3栋'").await;
    let zhang = app
        .id_of("SELECT id FROM people WHERE name = '张世英'")
        .await;
    let luo = app.token("luojiangyan").await;
    assert_eq!(
        status(
            &app,
            &luo,
            Method::GET,
            &format!("/api/v1/people/{zhang}"),
            None
        )
        .await,
        404
    );

    // A resident may not change the team; the community staff may.
    let field =
        serde_json::json!({"member_id": luo_member, "compound_id": fengqige, "building_id": b3});
    let resident = app.token("zhangshiying").await;
    assert_eq!(
        status(
            &app,
            &resident,
            Method::POST,
            &format!("/api/v1/teams/{team}/fields"),
            Some(field.clone())
        )
        .await,
        403
    );
    let staff = app.token("liwenjing").await;
    for bad in [
        serde_json::json!({"compound_id": fengqige}),
        serde_json::json!({"member_id": luo_member, "squad_id": 1, "compound_id": fengqige}),
        serde_json::json!({"member_id": luo_member, "compound_id": fengqige, "building_id": 999999}),
        serde_json::json!({"member_id": 999999, "compound_id": fengqige}),
    ] {
        assert_eq!(
            status(
                &app,
                &staff,
                Method::POST,
                &format!("/api/v1/teams/{team}/fields"),
                Some(bad.clone())
            )
            .await,
            422,
            "{bad}"
        );
    }
    assert_eq!(
        status(
            &app,
            &staff,
            Method::POST,
            &format!("/api/v1/teams/{team}/fields"),
            Some(field)
        )
        .await,
        200
    );
    // A new credential sees the new field at once (the per-node cache holds an actor for seconds only).
    let luo = app.token("luojiangyan").await;
    assert_eq!(
        status(
            &app,
            &luo,
            Method::GET,
            &format!("/api/v1/people/{zhang}"),
            None
        )
        .await,
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'responsibility_field'")
            .await,
        1
    );

    // Squads: the district official may add one; a bad kind is refused.
    let official = app.token("huminjian").await;
    let squad = serde_json::json!({"kind": "custom", "name": "文体分队"});
    assert_eq!(
        status(
            &app,
            &official,
            Method::POST,
            &format!("/api/v1/teams/{team}/squads"),
            Some(squad)
        )
        .await,
        200
    );
    let bad = serde_json::json!({"kind": "army", "name": "x"});
    assert_eq!(
        status(
            &app,
            &official,
            Method::POST,
            &format!("/api/v1/teams/{team}/squads"),
            Some(bad)
        )
        .await,
        422
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM squads").await, 5);
}

#[tokio::test]
async fn a_building_leader_must_live_in_the_building() {
    let app = spawn_demo().await;
    let peng = app
        .id_of("SELECT id FROM people WHERE name = '彭大爷'")
        .await;
    let gs = |b: &str| {
        format!(
            "SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '国税佳苑' AND b.name = '{b}'"
        )
    };
    let b1 = app.id_of(&gs("1栋")).await;
    let b2 = app.id_of(&gs("2栋")).await;
    let staff = app.token("liwenjing").await;
    let body = serde_json::json!({"person_id": peng});
    assert_eq!(
        status(
            &app,
            &staff,
            Method::PUT,
            &format!("/api/v1/buildings/{b1}/leader"),
            Some(body.clone())
        )
        .await,
        422
    );
    assert_eq!(
        status(
            &app,
            &staff,
            Method::PUT,
            &format!("/api/v1/buildings/{b2}/leader"),
            Some(body.clone())
        )
        .await,
        200
    );
    assert_eq!(
        app.count(&format!(
            "SELECT leader_person_id FROM buildings WHERE id = {b2}"
        ))
        .await,
        peng
    );
    let official = app.token("huminjian").await;
    assert_eq!(
        status(
            &app,
            &official,
            Method::PUT,
            &format!("/api/v1/buildings/{b2}/leader"),
            Some(body)
        )
        .await,
        403
    );
}

/// The audit log holds every case step (registration, withdrawal, a department's answer) in the
/// same transaction as the step; it reads in words in both languages, filters by who, what,
/// which record and which days, and the CSV follows the filters.
#[tokio::test]
async fn the_audit_log_reads_in_words_filters_and_holds_case_steps() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let id = app
        .create_case(
            &zhang,
            "complaint",
            "pets_noise",
            "凤栖阁",
            "楼下的狗夜里一直叫",
        )
        .await;
    let r = app
        .api(&zhang, Method::POST, &format!("/api/v1/cases/{id}/actions"))
        .await
        .json(&json!({"action": "withdraw", "note": "已解决"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let admin = app.token("admin").await;
    let steps = app
        .get_json(&admin, &format!("/api/v1/audit?entity=case&entity_id={id}"))
        .await;
    let actions: Vec<&str> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["withdrawn", "submitted"], "{steps}");
    assert_eq!(steps[0]["actor"], "zhangshiying");
    assert!(
        steps[1]["after_json"]
            .as_str()
            .unwrap()
            .contains("\"number\"")
    );
    // By the acting user: only theirs.
    let mine = app
        .get_json(&admin, "/api/v1/audit?actor=ZhangShiying")
        .await;
    assert!(mine.as_array().unwrap().len() >= 2);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "zhangshiying")
    );
    // By day (Asia/Shanghai): today holds them, a day long ago nothing; bad days are refused.
    let today = redbutler::domain::deadline::format_local(redbutler::db::now(), "%Y-%m-%d");
    let on_day = app
        .get_json(
            &admin,
            &format!("/api/v1/audit?entity=case&entity_id={id}&from={today}&to={today}"),
        )
        .await;
    assert_eq!(on_day.as_array().unwrap().len(), 2);
    let old = app
        .get_json(&admin, "/api/v1/audit?from=2015-01-01&to=2015-01-02")
        .await;
    assert_eq!(old.as_array().unwrap().len(), 0);
    for (bad, status) in [
        ("from=yesterday", 422),
        ("from=2026-02-01&to=2026-01-01", 422),
        ("entity_id=x", 400),
    ] {
        let r = app
            .api(&admin, Method::GET, &format!("/api/v1/audit?{bad}"))
            .await
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{bad}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    // The page in words: case steps and records by name, not code words.
    let s = app.login("admin").await;
    let page = s
        .get(&format!("/admin/audit?entity=case&entity_id={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<td>撤回</td>") && page.contains("<td>登记</td>"),
        "{page}"
    );
    assert!(page.contains(&format!("工单 #{id}")), "{page}");
    assert!(page.contains("id=\"audit-filter\"") && page.contains(&format!("value=\"{id}\"")));
    assert!(!page.contains("<td>withdrawn</td>"));
    // The filter form sent with every field blank lists everything.
    let r = s
        .get("/admin/audit?actor=&action=&entity=&entity_id=&from=&to=")
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"audit\""));
    assert_eq!(s.get("/lang/en?back=/").await.status(), 303);
    let page = s
        .get(&format!("/admin/audit?entity=case&entity_id={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<td>Withdrawn</td>") || page.contains("<td>Withdraw"),
        "{page}"
    );
    // The CSV follows the filters, with the change in words and local times.
    let csv = s
        .get(&format!("/admin/audit.csv?entity=case&entity_id={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.contains("→ withdrawn") && csv.contains("+08:00"),
        "{csv}"
    );
    assert!(!csv.contains("person"));
}
