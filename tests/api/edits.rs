//! Editing the organisation model: a compound's name, kind and address; who holds a dwelling
//! (added and ended, never overlapping); property contracts (one company at a time); owners'
//! committee members. Each through the API and the pages, refused when wrong, audited.
use crate::cases::{compound, get, post, send_json};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(app, token, Method::PATCH, path, body).await
}

fn field_error(e: &Value) -> (&str, &str) {
    (
        e["error"]["fields"][0]["field"].as_str().unwrap_or(""),
        e["error"]["fields"][0]["code"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn compounds_are_edited_within_reach_and_audited() {
    let app = spawn_demo().await;
    let manager = app.token("zhengkairui").await; // 国税佳苑's property manager
    let resident = app.token("zhangshiying").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let path = format!("/api/v1/compounds/{guoshui}");
    let good =
        json!({"name": "国税佳苑", "kind": "owner_occupied", "address": "永川区兴龙大道 88 号"});
    for (change, expected) in [
        (json!({"name": " "}), ("name", "required")),
        (json!({"kind": "castle"}), ("kind", "invalid")),
        (json!({"name": "凤栖阁"}), ("name", "taken")),
        (
            json!({"address": "长".repeat(201)}),
            ("address", "too_long"),
        ),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, e) = patch(&app, &manager, &path, body).await;
        assert_eq!((status, field_error(&e)), (422, expected), "{change}");
    }
    assert_eq!(
        patch(&app, &manager, &path, json!({"name": 3})).await.0,
        422
    );
    assert_eq!(patch(&app, &resident, &path, good.clone()).await.0, 403);
    // Out of the manager's reach.
    let other = format!("/api/v1/compounds/{fengqige}");
    assert_eq!(patch(&app, &manager, &other, good.clone()).await.0, 403);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'compound' AND entity_id = {guoshui}"
        ))
        .await,
        0,
        "nothing refused was changed"
    );
    let (status, c) = patch(&app, &manager, &path, good).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["address"], "永川区兴龙大道 88 号");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'compound' AND entity_id = {guoshui} AND action = 'update'"
        ))
        .await,
        1
    );
    // The page form, in the user's language when wrong.
    let s = app.login("zhengkairui").await;
    let html = s
        .get(&format!("/compounds/{guoshui}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("修改小区信息"), "the edit form is offered");
    let r = s
        .post_form(
            &format!("/compounds/{guoshui}"),
            &[
                ("name", "国税佳苑"),
                ("kind", "mixed"),
                ("address", "兴龙大道 88 号"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = s
        .post_form(
            &format!("/compounds/{guoshui}"),
            &[("name", ""), ("kind", "mixed")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("必须填写"));
    let resident_page = app.login("zhangshiying").await;
    let html = resident_page
        .get(&format!("/compounds/{fengqige}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("修改小区信息"));
}

#[tokio::test]
async fn holdings_are_added_and_ended_without_overlaps() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await; // community office: people of the community
    let resident = app.token("zhangshiying").await;
    let dwelling = app
        .id_of("SELECT d.id FROM dwellings d JOIN compounds c ON c.id = d.compound_id WHERE c.name = '国税佳苑' ORDER BY d.id LIMIT 1")
        .await;
    let person = app
        .id_of("SELECT id FROM people WHERE name = '杨明利'")
        .await;
    let path = format!("/api/v1/dwellings/{dwelling}/holdings");
    let good = json!({"person_id": person, "relation": "tenant", "since": "2026-01-01"});
    let before = app.count("SELECT COUNT(*) FROM holdings").await;
    for (change, expected) in [
        (json!({"person_id": 99_999_999}), ("person_id", "unknown")),
        (json!({"relation": "developer"}), ("relation", "invalid")),
        (json!({"relation": "landlord"}), ("relation", "invalid")),
        (json!({"since": "2026-02-30"}), ("since", "invalid_date")),
        (json!({"until": "2025-12-31"}), ("until", "before_start")),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, e) = post(&app, &staff, &path, body).await;
        assert_eq!((status, field_error(&e)), (422, expected), "{change}");
    }
    assert_eq!(post(&app, &resident, &path, good.clone()).await.0, 403);
    assert_eq!(
        post(
            &app,
            &staff,
            "/api/v1/dwellings/99999999/holdings",
            good.clone()
        )
        .await
        .0,
        404
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM holdings").await, before);

    let (status, h) = post(&app, &staff, &path, good.clone()).await;
    assert_eq!(status, 201, "{h}");
    let holding = h["id"].as_i64().unwrap();
    // The same tenancy again overlaps; one that starts after it ends is fine later.
    let (status, e) = post(
        &app,
        &staff,
        &path,
        json!({"person_id": person, "relation": "tenant", "since": "2027-05-01"}),
    )
    .await;
    assert_eq!((status, field_error(&e)), (422, ("since", "overlaps")));
    let (_, view) = get(&app, &staff, &format!("/api/v1/dwellings/{dwelling}")).await;
    assert!(view.to_string().contains("杨明利"), "{view}");

    let end = format!("/api/v1/holdings/{holding}/end");
    let (status, e) = post(&app, &staff, &end, json!({"until": "2025-06-30"})).await;
    assert_eq!((status, field_error(&e)), (422, ("until", "before_start")));
    assert_eq!(
        post(&app, &resident, &end, json!({"until": "2026-06-30"}))
            .await
            .0,
        403
    );
    let (status, ended) = post(&app, &staff, &end, json!({"until": "2026-06-30"})).await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["until"], "2026-06-30");
    let (status, e) = post(&app, &staff, &end, json!({"until": "2026-07-30"})).await;
    assert_eq!((status, field_error(&e)), (422, ("until", "already_ended")));
    let (status, _) = post(
        &app,
        &staff,
        &path,
        json!({"person_id": person, "relation": "tenant", "since": "2026-07-01"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'holding'")
            .await,
        3
    );

    // The dwelling page: add a family member through the form; bad input in the user's language.
    let s = app.login("liwenjing").await;
    let html = s
        .get(&format!("/dwellings/{dwelling}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("登记住户或产权人"));
    let r = s
        .post_form(
            &format!("/dwellings/{dwelling}/holdings"),
            &[
                ("person_id", &person.to_string()),
                ("relation", "family"),
                ("since", "2026-03-01"),
                ("until", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = s
        .post_form(
            &format!("/dwellings/{dwelling}/holdings"),
            &[
                ("person_id", "abc"),
                ("relation", "family"),
                ("since", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写数字"));
}

#[tokio::test]
async fn contracts_and_committee_members_are_recorded_by_those_who_edit_organisations() {
    let app = spawn_demo().await;
    let official = app.token("huminjian").await;
    let resident = app.token("zhangshiying").await;
    let yuanbo = app
        .id_of("SELECT id FROM organisations WHERE name = '重庆远博物业管理有限公司'")
        .await;
    let committee = app
        .id_of("SELECT id FROM organisations WHERE kind = 'owners_committee' LIMIT 1")
        .await;
    let guoshui = compound(&app, "国税佳苑").await;
    let contracts = format!("/api/v1/organisations/{yuanbo}/contracts");
    // 国税佳苑 is managed by 远博 from 2012 with no end: a second contract at the same time is
    // refused; the history before it is recorded.
    let (status, e) = post(
        &app,
        &official,
        &contracts,
        json!({"compound_id": guoshui, "starts_on": "2026-01-01"}),
    )
    .await;
    assert_eq!((status, field_error(&e)), (422, ("starts_on", "overlaps")));
    let (status, e) = post(
        &app,
        &official,
        &contracts,
        json!({"compound_id": 99_999_999, "starts_on": "2001-01-01"}),
    )
    .await;
    assert_eq!((status, field_error(&e)), (422, ("compound_id", "unknown")));
    let (status, e) = post(
        &app,
        &official,
        &format!("/api/v1/organisations/{committee}/contracts"),
        json!({"compound_id": guoshui, "starts_on": "2001-01-01", "ends_on": "2005-12-31"}),
    )
    .await;
    assert_eq!(
        (status, field_error(&e)),
        (422, ("organisation_id", "not_a_property_company"))
    );
    assert_eq!(
        post(
            &app,
            &resident,
            &contracts,
            json!({"compound_id": guoshui, "starts_on": "2001-01-01", "ends_on": "2005-12-31"})
        )
        .await
        .0,
        403
    );
    let (status, v) = post(
        &app,
        &official,
        &contracts,
        json!({"compound_id": guoshui, "starts_on": "2001-01-01", "ends_on": "2011-12-31"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["contracts"].as_array().unwrap().len(), 2);

    let members = format!("/api/v1/organisations/{committee}/committee");
    let person = app
        .id_of("SELECT id FROM people WHERE name = '杨明利'")
        .await;
    let good = json!({"person_id": person, "position": "委员", "term_from": "2026-01-01", "term_to": "2030-12-31"});
    for (change, expected) in [
        (json!({"position": ""}), ("position", "required")),
        (
            json!({"term_to": "2020-01-01"}),
            ("term_to", "before_start"),
        ),
        (
            json!({"term_from": "next year"}),
            ("term_from", "invalid_date"),
        ),
        (json!({"person_id": 99_999_999}), ("person_id", "unknown")),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, e) = post(&app, &official, &members, body).await;
        assert_eq!((status, field_error(&e)), (422, expected), "{change}");
    }
    let (status, e) = post(
        &app,
        &official,
        &format!("/api/v1/organisations/{yuanbo}/committee"),
        good.clone(),
    )
    .await;
    assert_eq!(
        (status, field_error(&e)),
        (422, ("organisation_id", "not_a_committee"))
    );
    assert_eq!(post(&app, &resident, &members, good.clone()).await.0, 403);
    let (status, v) = post(&app, &official, &members, good).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["committee"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "杨明利")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE entity IN ('property_contract', 'committee_member')").await,
        2
    );
    // The organisation pages offer the forms to the official, not to a resident.
    let s = app.login("huminjian").await;
    let html = s
        .get(&format!("/organisations/{yuanbo}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("登记物业服务合同"));
    let r = s
        .post_form(
            &format!("/organisations/{committee}/committee"),
            &[
                ("person_id", &person.to_string()),
                ("position", "副主任"),
                ("term_from", "2026-01-01"),
                ("term_to", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app.login("zhangshiying").await;
    let html = r
        .get(&format!("/organisations/{committee}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("登记业委会成员"));
}

/// New buildings, dwellings and residents: within reach only, each bad field refused by name
/// with nothing created, duplicates refused, personal numbers masked in the log.
#[tokio::test]
async fn buildings_dwellings_and_new_residents_are_added_within_reach() {
    let app = spawn_demo().await;
    let manager = app.token("zhengkairui").await; // 国税佳苑's property manager
    let staff = app.token("liwenjing").await; // community office
    let resident = app.token("zhangshiying").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let fengqige = compound(&app, "凤栖阁").await;

    // A building.
    let path = format!("/api/v1/compounds/{guoshui}/buildings");
    let buildings = app.count("SELECT COUNT(*) FROM buildings").await;
    for (body, expected) in [
        (json!({"name": " "}), ("name", "required")),
        (json!({"name": "楼".repeat(41)}), ("name", "too_long")),
    ] {
        let (s, e) = post(&app, &manager, &path, body.clone()).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{body}");
    }
    assert_eq!(post(&app, &manager, &path, json!({"name": 9})).await.0, 422);
    assert_eq!(
        post(&app, &resident, &path, json!({"name": "20栋"}))
            .await
            .0,
        403
    );
    let other = format!("/api/v1/compounds/{fengqige}/buildings");
    assert_eq!(
        post(&app, &manager, &other, json!({"name": "20栋"}))
            .await
            .0,
        403
    );
    assert_eq!(
        post(
            &app,
            &manager,
            "/api/v1/compounds/99999999/buildings",
            json!({"name": "20栋"})
        )
        .await
        .0,
        404
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM buildings").await, buildings);
    let (s, b) = post(&app, &manager, &path, json!({"name": "20栋"})).await;
    assert_eq!(s, 201, "{b}");
    let building = b["id"].as_i64().unwrap();
    let (s, e) = post(&app, &manager, &path, json!({"name": "20栋"})).await;
    assert_eq!((s, field_error(&e)), (422, ("name", "taken")));

    // A dwelling in it.
    let path = format!("/api/v1/buildings/{building}/dwellings");
    let good = json!({"number": "1-101", "entrance": "1单元", "floor": 1, "use_kind": "residential", "area_m2": "89.50", "area_source": "register"});
    for (change, expected) in [
        (json!({"number": ""}), ("number", "required")),
        (json!({"floor": 400}), ("floor", "out_of_range")),
        (json!({"use_kind": "castle"}), ("use_kind", "invalid")),
        (json!({"area_m2": "89.505"}), ("area_m2", "invalid_area")),
        (json!({"area_source": "rumour"}), ("area_source", "invalid")),
        (
            json!({"entrance": "单".repeat(21)}),
            ("entrance", "too_long"),
        ),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = post(&app, &manager, &path, body).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{change}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM dwellings WHERE building_id = {building}"
        ))
        .await,
        0
    );
    assert_eq!(post(&app, &resident, &path, good.clone()).await.0, 403);
    let (s, d) = post(&app, &manager, &path, good.clone()).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["area_centi_m2"], 8950);
    let dwelling = d["id"].as_i64().unwrap();
    let (s, e) = post(&app, &manager, &path, good.clone()).await;
    assert_eq!((s, field_error(&e)), (422, ("number", "taken")));
    // The same entrance is reused.
    let mut second = good.clone();
    second["number"] = json!("1-102");
    assert_eq!(post(&app, &manager, &path, second).await.0, 201);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM entrances WHERE building_id = {building}"
        ))
        .await,
        1
    );

    // A new resident of it.
    let path = format!("/api/v1/dwellings/{dwelling}/residents");
    let known_id: String =
        sqlx::query_scalar("SELECT id_number FROM people WHERE id_number IS NOT NULL LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let people = app.count("SELECT COUNT(*) FROM people").await;
    let good = json!({"name": "赵六", "phone": "13912345678", "relation": "tenant", "since": "2026-11-01"});
    for (change, expected) in [
        (json!({"name": ""}), ("name", "required")),
        (json!({"phone": "12345"}), ("phone", "invalid_phone")),
        (
            json!({"id_number": "12345"}),
            ("id_number", "invalid_id_number"),
        ),
        (json!({"id_number": known_id}), ("id_number", "taken")),
        (json!({"relation": "developer"}), ("relation", "invalid")),
        (json!({"since": "2026-02-30"}), ("since", "invalid_date")),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = post(&app, &staff, &path, body).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{change}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people").await,
        people,
        "nothing refused was created"
    );
    assert_eq!(post(&app, &resident, &path, good.clone()).await.0, 403);
    let (s, h) = post(&app, &staff, &path, good.clone()).await;
    assert_eq!(s, 201, "{h}");
    assert_eq!(h["relation"], "tenant");
    let person = h["person_id"].as_i64().unwrap();
    let (_, view) = get(&app, &staff, &format!("/api/v1/dwellings/{dwelling}")).await;
    assert!(view.to_string().contains("赵六"), "{view}");
    let logged: String = sqlx::query_scalar(&format!(
        "SELECT after_json FROM audit_log WHERE entity = 'person' AND entity_id = {person}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        !logged.contains("13912345678") && logged.contains("139"),
        "masked in the log: {logged}"
    );

    // The page forms, in Chinese.
    let session = app.login("zhengkairui").await;
    let html = session
        .get(&format!("/compounds/{guoshui}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("新增楼栋"),
        "the compound page offers a new building"
    );
    let r = session
        .post_form(&format!("/compounds/{guoshui}/buildings"), &[("name", "")])
        .await;
    assert_eq!(r.status(), 422);
    let r = session
        .post_form(
            &format!("/compounds/{guoshui}/buildings"),
            &[("name", "21栋")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let html = session.get(&to).await.text().await.unwrap();
    assert!(html.contains("新增房屋"), "{html}");
    let r = session
        .post_form(
            &format!("{to}/dwellings"),
            &[
                ("number", "101"),
                ("entrance", ""),
                ("floor", "一"),
                ("use_kind", "residential"),
                ("area_m2", "60"),
                ("area_source", "survey"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = session
        .post_form(
            &format!("{to}/dwellings"),
            &[
                ("number", "101"),
                ("entrance", ""),
                ("floor", "1"),
                ("use_kind", "residential"),
                ("area_m2", "60"),
                ("area_source", "survey"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let resident_page = app.login("zhangshiying").await;
    let html = resident_page
        .get(&format!("/compounds/{fengqige}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("新增楼栋"),
        "a resident is not offered the form"
    );
}
