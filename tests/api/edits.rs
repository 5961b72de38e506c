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
        let body = with_changes(&good, &change);
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
        let body = with_changes(&good, &change);
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
        let body = with_changes(&good, &change);
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
        let body = with_changes(&good, &change);
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
        let body = with_changes(&good, &change);
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

/// Organisations are renamed and their matters changed, a property contract ends (and with it
/// the company staff's reach), and new Red Butler teams start with the four standing squads.
#[tokio::test]
async fn organisations_change_contracts_end_and_new_teams_start_with_four_squads() {
    let app = spawn_demo().await;
    let official = app.token("huminjian").await;
    let staff = app.token("liwenjing").await; // community staff: teams of the community
    let resident = app.token("zhangshiying").await;
    let yuanbo = app
        .id_of("SELECT id FROM organisations WHERE name = '重庆远博物业管理有限公司'")
        .await;
    let bureau = app
        .id_of("SELECT id FROM organisations WHERE kind = 'department' ORDER BY id LIMIT 1")
        .await;
    let other_department: String = sqlx::query_scalar(&format!(
        "SELECT name FROM organisations WHERE kind = 'department' AND id <> {bureau} ORDER BY id LIMIT 1"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();

    // A department's name, phone and matters.
    let path = format!("/api/v1/organisations/{bureau}");
    let patch = |token: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move { send_json(app, &token, Method::PATCH, &path, body).await }
    };
    for (body, expected) in [
        (json!({"name": ""}), ("name", "required")),
        (json!({"name": other_department}), ("name", "taken")),
        (
            json!({"name": "园林局", "phone": "1".repeat(31)}),
            ("phone", "too_long"),
        ),
        (
            json!({"name": "园林局", "matters": ["绿".repeat(41)]}),
            ("matters", "too_long"),
        ),
    ] {
        let (s, e) = patch(official.clone(), body.clone()).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{body}");
    }
    assert_eq!(
        patch(resident.clone(), json!({"name": "园林局"})).await.0,
        403
    );
    let (s, v) = patch(
        official.clone(),
        json!({"name": "永川区园林绿化局", "phone": "023-49888888", "matters": ["绿地", "道路", "停车规划", "绿地"]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["organisation"]["name"], "永川区园林绿化局");
    assert_eq!(v["matters"], json!(["绿地", "道路", "停车规划"]));
    // A property company owns no matters.
    let (s, e) = send_json(
        &app,
        &official,
        Method::PATCH,
        &format!("/api/v1/organisations/{yuanbo}"),
        json!({"name": "重庆远博物业管理有限公司", "matters": ["停车"]}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("matters", "not_a_department")));

    // 远博's contract for 国税佳苑 ends; its manager then no longer reaches the compound.
    let manager = app.token("zhengkairui").await;
    let guoshui = compound(&app, "国税佳苑").await;
    assert_eq!(
        get(
            &app,
            &manager,
            &format!("/api/v1/compounds/{guoshui}/dwellings")
        )
        .await
        .0,
        200
    );
    let contract = app
        .id_of(&format!("SELECT id FROM property_contracts WHERE organisation_id = {yuanbo} AND compound_id = {guoshui} AND ends_on IS NULL"))
        .await;
    let end = format!("/api/v1/contracts/{contract}/end");
    let (s, e) = post(&app, &official, &end, json!({"ends_on": "2001-01-01"})).await;
    assert_eq!((s, field_error(&e)), (422, ("ends_on", "before_start")));
    let (s, e) = post(&app, &official, &end, json!({"ends_on": "someday"})).await;
    assert_eq!((s, field_error(&e)), (422, ("ends_on", "invalid_date")));
    assert_eq!(
        post(&app, &resident, &end, json!({"ends_on": "2026-01-31"}))
            .await
            .0,
        403
    );
    assert_eq!(
        post(
            &app,
            &official,
            "/api/v1/contracts/99999999/end",
            json!({"ends_on": "2026-01-31"})
        )
        .await
        .0,
        404
    );
    let (s, v) = post(&app, &official, &end, json!({"ends_on": "2026-01-31"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, e) = post(&app, &official, &end, json!({"ends_on": "2026-02-28"})).await;
    assert_eq!((s, field_error(&e)), (422, ("ends_on", "already_ended")));
    let manager = app.token("zhengkairui").await; // a fresh credential: no cached reach
    assert_eq!(
        get(
            &app,
            &manager,
            &format!("/api/v1/compounds/{guoshui}/dwellings")
        )
        .await
        .0,
        403
    );
    assert!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'property_contract' AND entity_id = {contract}")).await >= 1
    );

    // A new team for 凤栖阁 with its four standing squads.
    let fengqige = compound(&app, "凤栖阁").await;
    let community = app
        .id_of("SELECT id FROM regions WHERE level = 'community' ORDER BY id LIMIT 1")
        .await;
    let district = app
        .id_of("SELECT id FROM regions WHERE level = 'district' ORDER BY id LIMIT 1")
        .await;
    for (body, expected) in [
        (
            json!({"name": "新队", "compound_id": fengqige, "community_id": community}),
            ("compound_id", "one_of_compound_or_community"),
        ),
        (
            json!({"name": "新队"}),
            ("compound_id", "one_of_compound_or_community"),
        ),
        (
            json!({"name": "", "compound_id": fengqige}),
            ("name", "required"),
        ),
        (
            json!({"name": "新队", "compound_id": 99_999_999}),
            ("compound_id", "unknown"),
        ),
        (
            json!({"name": "新队", "community_id": district}),
            ("community_id", "invalid"),
        ),
    ] {
        let (s, e) = post(&app, &staff, "/api/v1/teams", body.clone()).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{body}");
    }
    assert_eq!(
        post(
            &app,
            &resident,
            "/api/v1/teams",
            json!({"name": "新队", "compound_id": fengqige})
        )
        .await
        .0,
        403
    );
    let teams = app.count("SELECT COUNT(*) FROM teams").await;
    let (s, t) = post(&app, &staff, "/api/v1/teams", json!({"name": "凤栖阁第二工作站", "compound_id": fengqige, "station_address": "凤栖阁 3 栋一楼"})).await;
    assert_eq!(s, 201, "{t}");
    let kinds: Vec<&str> = t["squads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "party_building",
            "policy_publicity",
            "property_services",
            "dispute_mediation"
        ]
    );
    assert_eq!(t["squads"][2]["name"], "物管服务分队");
    let (s, e) = post(
        &app,
        &staff,
        "/api/v1/teams",
        json!({"name": "凤栖阁第二工作站", "compound_id": fengqige}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("name", "taken")));
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, teams + 1);

    // The pages: the team form only for those who may use it; the organisation form in Chinese.
    let page = app.login("liwenjing").await;
    let html = page.get("/teams").await.text().await.unwrap();
    assert!(
        html.contains("新建红管家队伍") && html.contains("凤栖阁"),
        "{html}"
    );
    let r = page
        .post_form(
            "/teams",
            &[
                ("name", "社区工作站二"),
                ("place", &format!("community:{community}")),
                ("station_address", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = page
        .post_form(
            "/teams",
            &[
                ("name", "社区工作站三"),
                ("place", "moon:1"),
                ("station_address", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = app
        .login("zhangshiying")
        .await
        .get("/teams")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("新建红管家队伍"));
    let official_page = app.login("huminjian").await;
    let html = official_page
        .get(&format!("/organisations/{bureau}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("停车规划") && html.contains("修改名称、电话和职责事项"),
        "{html}"
    );
    let r = official_page
        .post_form(
            &format!("/organisations/{bureau}"),
            &[
                ("name", "永川区园林局"),
                ("phone", ""),
                ("matters", "绿地\n\n道路\n"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, v) = get(&app, &official, &format!("/api/v1/organisations/{bureau}")).await;
    assert_eq!(v["matters"], json!(["绿地", "道路"]));
}

/// New compounds in a community, and committee terms ended early.
#[tokio::test]
async fn compounds_are_added_to_communities_and_committee_terms_end() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await; // community office of 兴龙湖社区
    let official = app.token("huminjian").await;
    let manager = app.token("zhengkairui").await;
    let community = app
        .id_of("SELECT id FROM regions WHERE name = '兴龙湖社区'")
        .await;
    let district = app
        .id_of("SELECT id FROM regions WHERE level = 'district' ORDER BY id LIMIT 1")
        .await;
    let path = format!("/api/v1/regions/{community}/compounds");
    let good =
        json!({"name": "滨江花园", "kind": "owner_occupied", "address": "永川区滨江路 1 号"});
    for (change, expected) in [
        (json!({"name": ""}), ("name", "required")),
        (json!({"name": "凤栖阁"}), ("name", "taken")),
        (json!({"kind": "castle"}), ("kind", "invalid")),
        (
            json!({"address": "路".repeat(201)}),
            ("address", "too_long"),
        ),
    ] {
        let (s, e) = post(&app, &staff, &path, with_changes(&good, &change)).await;
        assert_eq!((s, field_error(&e)), (422, expected), "{change}");
    }
    let admin = app.token("admin").await;
    let (s, e) = post(
        &app,
        &admin,
        &format!("/api/v1/regions/{district}/compounds"),
        good.clone(),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("community_id", "invalid")));
    assert_eq!(post(&app, &manager, &path, good.clone()).await.0, 403);
    assert_eq!(
        post(
            &app,
            &staff,
            "/api/v1/regions/99999999/compounds",
            good.clone()
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM compounds WHERE name = '滨江花园'")
            .await,
        0
    );
    let (s, c) = post(&app, &staff, &path, good.clone()).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["community_id"], community);
    // It is a place like any other: buildings can be added and it is listed.
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &staff,
            &format!("/api/v1/compounds/{id}/buildings"),
            json!({"name": "1栋"})
        )
        .await
        .0,
        201
    );
    let page = app.login("liwenjing").await;
    let html = page.get("/places").await.text().await.unwrap();
    assert!(
        html.contains("新增小区") && html.contains("滨江花园"),
        "{html}"
    );
    let r = page
        .post_form(
            "/places",
            &[
                ("community_id", &community.to_string()),
                ("name", "滨江花园二期"),
                ("kind", "mixed"),
                ("address", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = page
        .post_form(
            "/places",
            &[
                ("community_id", "x"),
                ("name", "滨江花园三期"),
                ("kind", "mixed"),
                ("address", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = app
        .login("zhangshiying")
        .await
        .get("/places")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("新增小区"));

    // A committee member's term ends early.
    let committee = app
        .id_of("SELECT id FROM organisations WHERE kind = 'owners_committee' ORDER BY id LIMIT 1")
        .await;
    let person = app
        .id_of("SELECT id FROM people WHERE name = '杨明利'")
        .await;
    let (s, v) = post(
        &app,
        &official,
        &format!("/api/v1/organisations/{committee}/committee"),
        json!({"person_id": person, "position": "委员", "term_from": "2025-01-01"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let member = v["committee"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == person && m["term_to"].is_null())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let end = format!("/api/v1/committee-members/{member}/end");
    let (s, e) = post(&app, &official, &end, json!({"term_to": "1999-01-01"})).await;
    assert_eq!((s, field_error(&e)), (422, ("term_to", "before_start")));
    assert_eq!(
        post(&app, &manager, &end, json!({"term_to": "2026-10-31"}))
            .await
            .0,
        403
    );
    let (s, v) = post(&app, &official, &end, json!({"term_to": "2026-10-31"})).await;
    assert_eq!(s, 200, "{v}");
    let ended = v["committee"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == member)
        .unwrap()
        .clone();
    assert_eq!(ended["term_to"], "2026-10-31");
    let (s, e) = post(&app, &official, &end, json!({"term_to": "2026-11-30"})).await;
    assert_eq!((s, field_error(&e)), (422, ("term_to", "already_ended")));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'committee_member' AND action = 'update' AND entity_id = {member}")).await,
        1
    );
}

/// A member leaves the team (their fields and squad places go, and with them their reach); a
/// field is given up; a mediator stays; only those who edit teams may do it.
#[tokio::test]
async fn members_leave_teams_and_fields_are_given_up() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await;
    let resident = app.token("zhangshiying").await;
    let (team, member): (i64, i64) = sqlx::query_as(
        "SELECT m.team_id, m.id FROM team_members m JOIN users u ON u.person_id = m.person_id WHERE u.username = 'luojiangyan'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let guoshui = compound(&app, "国税佳苑").await;
    let people = format!("/api/v1/compounds/{guoshui}/dwellings");
    assert_eq!(
        get(&app, &app.token("luojiangyan").await, &people).await.0,
        200
    );

    // A field given up.
    let field = app
        .id_of(&format!(
            "SELECT id FROM responsibility_fields WHERE member_id = {member} ORDER BY id LIMIT 1"
        ))
        .await;
    let path = format!("/api/v1/teams/{team}/fields/{field}");
    assert_eq!(
        send_json(&app, &resident, Method::DELETE, &path, json!({}))
            .await
            .0,
        403
    );
    assert_eq!(
        send_json(
            &app,
            &staff,
            Method::DELETE,
            &format!("/api/v1/teams/{team}/fields/99999999"),
            json!({})
        )
        .await
        .0,
        404
    );
    let (s, v) = send_json(&app, &staff, Method::DELETE, &path, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != field)
    );
    assert_eq!(
        send_json(&app, &staff, Method::DELETE, &path, json!({}))
            .await
            .0,
        404
    );

    // A mediator stays on the team.
    let zhang = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let (_, c) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "dispute", "category": "neighbours", "compound_id": fengqige, "description": "楼上漏水"})).await;
    let mediator = app
        .id_of(&format!("SELECT id FROM team_members WHERE team_id = {team} AND id <> {member} ORDER BY id LIMIT 1"))
        .await;
    sqlx::query("INSERT INTO mediations (case_id, mediator_member_id) VALUES ($1, $2)")
        .bind(c["id"].as_i64().unwrap())
        .bind(mediator)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (s, e) = send_json(
        &app,
        &staff,
        Method::DELETE,
        &format!("/api/v1/teams/{team}/members/{mediator}"),
        json!({}),
    )
    .await;
    assert_eq!((s, field_error(&e)), (422, ("member_id", "mediates")));

    // The member leaves: squads, fields and reach go with them.
    let path = format!("/api/v1/teams/{team}/members/{member}");
    assert_eq!(
        send_json(&app, &resident, Method::DELETE, &path, json!({}))
            .await
            .0,
        403
    );
    let (s, v) = send_json(&app, &staff, Method::DELETE, &path, json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != member)
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM squad_members WHERE member_id = {member}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM responsibility_fields WHERE member_id = {member}"
        ))
        .await,
        0
    );
    assert_ne!(
        get(&app, &app.token("luojiangyan").await, &people).await.0,
        200
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'team_member' AND action = 'delete' AND entity_id = {member}")).await,
        1
    );
    assert_eq!(
        send_json(&app, &staff, Method::DELETE, &path, json!({}))
            .await
            .0,
        404
    );

    // The team page offers it to staff, in Chinese.
    let page = app.login("liwenjing").await;
    let html = page
        .get(&format!("/teams/{team}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("离队"), "{html}");
    let other = app
        .id_of(&format!("SELECT id FROM team_members WHERE team_id = {team} AND id <> {mediator} ORDER BY id LIMIT 1"))
        .await;
    let r = page
        .post_form(&format!("/teams/{team}/members/{other}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let html = app
        .login("zhangshiying")
        .await
        .get(&format!("/teams/{team}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("离队"));
}
