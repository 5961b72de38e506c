//! Bad input from outside: a clear, structured error and no change; never a 500.
use crate::helpers::*;
use reqwest::Method;

async fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT CAST(COALESCE(SUM(area_centi_m2), 0) AS BIGINT) FROM dwellings")
            .await,
        app.count("SELECT COUNT(*) FROM organisations").await,
        app.count("SELECT COUNT(*) FROM team_members").await,
    )
}

#[tokio::test]
async fn the_api_answers_bad_json_with_structured_errors_and_changes_nothing() {
    let app = spawn_demo().await;
    let t = app.token("admin").await;
    let dwelling = app.id_of("SELECT MIN(id) FROM dwellings").await;
    let team = app.id_of("SELECT MIN(id) FROM teams").await;
    let district = app
        .id_of("SELECT id FROM regions WHERE level = 'district'")
        .await;
    let before = snapshot(&app).await;
    let long = "长".repeat(500);
    // method, path, raw body, JSON body, expected status, expected code ("" = any)
    type Case<'a> = (
        Method,
        String,
        Option<&'a str>,
        serde_json::Value,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        // malformed JSON
        (
            Method::PATCH,
            format!("/api/v1/dwellings/{dwelling}"),
            Some("{\"floor\": 1,"),
            serde_json::Value::Null,
            400,
            "bad_request",
        ),
        // wrong types
        (
            Method::PATCH,
            format!("/api/v1/dwellings/{dwelling}"),
            None,
            serde_json::json!({"floor": "one", "use_kind": "residential", "area_m2": "1", "area_source": "register"}),
            422,
            "",
        ),
        // missing fields
        (
            Method::PATCH,
            format!("/api/v1/dwellings/{dwelling}"),
            None,
            serde_json::json!({"floor": 1}),
            422,
            "",
        ),
        // invalid values, every field reported
        (
            Method::PATCH,
            format!("/api/v1/dwellings/{dwelling}"),
            None,
            serde_json::json!({"floor": 9999, "use_kind": "castle", "area_m2": "-1", "area_source": "rumour"}),
            422,
            "invalid",
        ),
        // unknown id
        (
            Method::PATCH,
            "/api/v1/dwellings/999999999".into(),
            None,
            serde_json::json!({"floor": 1, "use_kind": "residential", "area_m2": "80", "area_source": "register"}),
            404,
            "not_found",
        ),
        // not a number in the path
        (
            Method::GET,
            "/api/v1/dwellings/abc".into(),
            None,
            serde_json::Value::Null,
            400,
            "bad_request",
        ),
        // overlong text
        (
            Method::POST,
            "/api/v1/organisations".into(),
            None,
            serde_json::json!({"kind": "department", "name": long, "region_id": district}),
            422,
            "invalid",
        ),
        // unknown reference
        (
            Method::POST,
            "/api/v1/organisations".into(),
            None,
            serde_json::json!({"kind": "department", "name": "某局", "region_id": 987654}),
            422,
            "invalid",
        ),
        (
            Method::POST,
            format!("/api/v1/teams/{team}/members"),
            None,
            serde_json::json!({"person_id": 987654321}),
            422,
            "invalid",
        ),
        (
            Method::POST,
            "/api/v1/teams/987654/members".into(),
            None,
            serde_json::json!({"person_id": 1}),
            404,
            "not_found",
        ),
        // bad paging
        (
            Method::GET,
            "/api/v1/compounds?limit=100000".into(),
            None,
            serde_json::Value::Null,
            422,
            "invalid",
        ),
        (
            Method::GET,
            "/api/v1/compounds?after=xyz".into(),
            None,
            serde_json::Value::Null,
            400,
            "bad_request",
        ),
    ];
    for (method, path, raw, json, status, code) in cases {
        let mut rb = app.api(&t, method.clone(), &path).await;
        rb = match raw {
            Some(r) => rb
                .header("content-type", "application/json")
                .body(r.to_string()),
            None if !json.is_null() => rb.json(&json),
            None => rb,
        };
        let r = rb.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{method} {path}");
        let body: serde_json::Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: JSON error body expected: {e}"));
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{method} {path}: a message"
        );
        if !code.is_empty() {
            assert_eq!(body["error"]["code"], code, "{method} {path}");
        }
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = spawn_demo().await;
    let t = app.token("admin").await;
    let dwelling = app.id_of("SELECT MIN(id) FROM dwellings").await;
    let body: serde_json::Value = app
        .api(&t, Method::PATCH, &format!("/api/v1/dwellings/{dwelling}"))
        .await
        .header("accept-language", "en")
        .json(&serde_json::json!({"floor": 9999, "use_kind": "castle", "area_m2": "1.234", "area_source": "rumour"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["floor", "use_kind", "area_source", "area_m2"]);
    assert!(
        body["error"]["fields"][3]["message"]
            .as_str()
            .unwrap()
            .contains("two decimals"),
        "English message: {body}"
    );
}

#[tokio::test]
async fn pages_answer_bad_forms_in_the_users_language() {
    let app = spawn_demo().await;
    let s = app.login("liwenjing").await;
    let dwelling = app.id_of("SELECT MIN(id) FROM dwellings").await;
    let before = snapshot(&app).await;
    let r = s
        .post_form(
            &format!("/dwellings/{dwelling}"),
            &[
                ("floor", "abc"),
                ("use_kind", "residential"),
                ("area_m2", "80"),
                ("area_source", "register"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请填写数字"),
        "Chinese message for a bad number"
    );
    let r = s
        .post_form(&format!("/dwellings/{dwelling}"), &[("floor", "1")])
        .await;
    assert_eq!(r.status(), 422, "missing fields");
    let r = s
        .post_form(
            &format!("/dwellings/{dwelling}"),
            &[
                ("floor", "1"),
                ("use_kind", "residential"),
                ("area_m2", "0"),
                ("area_source", "register"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let person = app
        .id_of("SELECT id FROM people WHERE name = '熊婆婆'")
        .await;
    let r = s
        .post_form(
            &format!("/people/{person}"),
            &[("name", ""), ("phone", "12345")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("必须填写") && html.contains("11 位手机号"),
        "both fields reported"
    );
    assert_eq!(s.get("/dwellings/0").await.status(), 404);
    assert_eq!(s.get("/dwellings/abc").await.status(), 404);
    assert_eq!(s.get("/no-such-page").await.status(), 404);
    assert_eq!(snapshot(&app).await, before, "nothing changed");
}
