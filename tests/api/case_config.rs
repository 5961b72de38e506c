//! The district's case configuration: an administrator adds and changes categories and SLA
//! periods; new cases follow the change; bad changes are refused and change nothing; nobody
//! else may change anything.
use crate::cases::{compound, get, post, put};
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn an_administrator_configures_categories_and_sla_and_new_cases_follow() {
    let app = spawn_demo().await;
    let admin = app.token("admin").await;
    let zhang = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;

    // Nobody but an administrator sees or changes the configuration.
    for user in ["zhangshiying", "zhengkairui", "huminjian"] {
        let t = app.token(user).await;
        assert_eq!(get(&app, &t, "/api/v1/case-config").await.0, 403, "{user}");
        let (status, _) = put(
            &app,
            &t,
            "/api/v1/sla-classes/danger",
            json!({"sign_minutes": 10, "reply_hours": 1}),
        )
        .await;
        assert_eq!(status, 403, "{user}");
    }
    let (status, config) = get(&app, &admin, "/api/v1/case-config").await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["categories"].as_array().unwrap().len(), 10);
    assert_eq!(config["sla_classes"].as_array().unwrap().len(), 4);
    assert!(
        config["handlers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "squad:dispute_mediation")
    );

    // Bad categories are refused with the field and change nothing.
    let good = json!({"code": "e_bikes", "name_zh": "电动车充电", "name_en": "E-bike charging",
                      "handler": "squad:property_services", "sla_class": "danger"});
    for (change, field, code) in [
        (json!({"code": "E-Bikes"}), "code", "invalid_code"),
        (json!({"code": "parking"}), "code", "taken"),
        (json!({"name_zh": " "}), "name_zh", "required"),
        (json!({"name_en": "x".repeat(41)}), "name_en", "too_long"),
        (json!({"handler": "squad:cooks"}), "handler", "invalid"),
        (
            json!({"handler": "organisation:999999"}),
            "handler",
            "unknown",
        ),
        (json!({"sla_class": "whenever"}), "sla_class", "unknown"),
    ] {
        let body = with_changes(&good, &change);
        let (status, e) = post(&app, &admin, "/api/v1/case-categories", body).await;
        assert_eq!(status, 422, "{change} → {e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
        assert_eq!(e["error"]["fields"][0]["code"], code, "{e}");
    }
    let (status, _) = post(
        &app,
        &admin,
        "/api/v1/case-categories",
        json!({"code": "x1", "handler": 3}),
    )
    .await;
    assert_eq!(status, 422);
    let (_, after) = get(&app, &admin, "/api/v1/case-config").await;
    assert_eq!(after["categories"], config["categories"]);

    // A new category: residents can report under it at once, with its SLA class.
    let (status, created) = post(&app, &admin, "/api/v1/case-categories", good.clone()).await;
    assert_eq!(status, 201, "{created}");
    let category_id = created["id"].as_i64().unwrap();
    let report = json!({"kind": "complaint", "category": "e_bikes", "compound_id": fengqige,
                        "description": "楼道里给电动车充电"});
    let (status, case) = post(&app, &zhang, "/api/v1/cases", report.clone()).await;
    assert_eq!(status, 201, "{case}");
    let (_, view) = get(&app, &admin, &format!("/api/v1/cases/{}", case["id"])).await;
    assert_eq!(view["category"], "e_bikes");
    assert_eq!(view["owner_kind"], "squad", "{view}");
    let sign = view["sign_due"].as_i64().unwrap() - view["created_at"].as_i64().unwrap();
    assert_eq!(sign, 1800, "danger: sign for within 30 minutes");

    // SLA periods: refused out of range or with the reply before the signing; then changed,
    // and the next case follows.
    for (body, field, code) in [
        (
            json!({"sign_minutes": 5, "reply_hours": 2}),
            "sign_minutes",
            "out_of_range",
        ),
        (
            json!({"sign_minutes": 30, "reply_hours": 24 * 91}),
            "reply_hours",
            "out_of_range",
        ),
        (
            json!({"sign_minutes": 180, "reply_hours": 2}),
            "reply_hours",
            "reply_before_sign",
        ),
    ] {
        let (status, e) = put(&app, &admin, "/api/v1/sla-classes/danger", body.clone()).await;
        assert_eq!(status, 422, "{body} → {e}");
        assert_eq!(e["error"]["fields"][0]["field"], field);
        assert_eq!(e["error"]["fields"][0]["code"], code);
    }
    let (status, _) = put(
        &app,
        &admin,
        "/api/v1/sla-classes/someday",
        json!({"sign_minutes": 30, "reply_hours": 2}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, sla) = put(
        &app,
        &admin,
        "/api/v1/sla-classes/danger",
        json!({"sign_minutes": 15, "reply_hours": 3}),
    )
    .await;
    assert_eq!(status, 200, "{sla}");
    assert_eq!(sla["sign_seconds"], 900);
    let (_, case2) = post(&app, &zhang, "/api/v1/cases", report.clone()).await;
    let (_, view2) = get(&app, &admin, &format!("/api/v1/cases/{}", case2["id"])).await;
    let sign = view2["sign_due"].as_i64().unwrap() - view2["created_at"].as_i64().unwrap();
    assert_eq!(sign, 900);
    // The earlier case keeps the deadline it was given.
    let (_, again) = get(&app, &admin, &format!("/api/v1/cases/{}", case["id"])).await;
    assert_eq!(again["sign_due"], view["sign_due"]);

    // Changing a category: its code is fixed; taken out of use, it can no longer be reported
    // and Open311 no longer offers it.
    let path = format!("/api/v1/case-categories/{category_id}");
    let mut change = good.clone();
    change["code"] = json!("e_bikes_2");
    let (status, e) = put(&app, &admin, &path, change).await;
    assert_eq!(
        (status, e["error"]["fields"][0]["code"].as_str()),
        (422, Some("fixed"))
    );
    let mut off = good.clone();
    off["active"] = json!(false);
    off["name_zh"] = json!("电动车");
    let (status, updated) = put(&app, &admin, &path, off).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (updated["active"].as_i64(), updated["name_zh"].as_str()),
        (Some(0), Some("电动车"))
    );
    let (status, e) = post(&app, &zhang, "/api/v1/cases", report).await;
    assert_eq!(status, 422, "{e}");
    let services = client()
        .get(format!("{}/open311/v2/services.json", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        services.contains("pets_noise") && !services.contains("e_bikes"),
        "{services}"
    );
    assert_eq!(
        put(&app, &admin, "/api/v1/case-categories/999999", good)
            .await
            .0,
        404
    );

    // Every change is in the audit log with before and after.
    let audit = app.get_json(&admin, "/api/v1/audit?limit=20").await;
    let entities: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity"].as_str().unwrap())
        .collect();
    assert_eq!(
        entities.iter().filter(|e| **e == "case_category").count(),
        2,
        "{audit}"
    );
    assert_eq!(
        entities.iter().filter(|e| **e == "sla_class").count(),
        1,
        "{audit}"
    );
}

#[tokio::test]
async fn the_configuration_page_in_both_languages() {
    let app = spawn_demo().await;
    let s = app.login("admin").await;
    for (lang, words) in [
        ("zh-CN", ["工单分类", "时限类别", "纠纷调处"]),
        ("en", ["Case categories", "Time-limit classes", "Dispute"]),
    ] {
        s.get(&format!("/lang/{lang}")).await;
        let html = s.get("/admin/case-config").await.text().await.unwrap();
        for w in words {
            assert!(html.contains(w), "{lang}: {w}");
        }
    }
    // A new category from the form, then a bad SLA change answered on the page.
    let r = s
        .post_form(
            "/admin/case-config/categories",
            &[
                ("code", "stairs"),
                ("name_zh", "楼梯扶手"),
                ("name_en", "Stair rails"),
                ("handler", "property_company"),
                ("sla_class", "ordinary"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = s.get("/admin/case-config").await.text().await.unwrap();
    assert!(html.contains("Stair rails"));
    let r = s
        .post_form(
            "/admin/case-config/sla/ordinary",
            &[("sign_minutes", "abc"), ("reply_hours", "2")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("must be a number"));
    // Not for a resident.
    let resident = app.login("zhangshiying").await;
    assert_eq!(resident.get("/admin/case-config").await.status(), 403);
}
