//! Cases end to end through the JSON API: S1 (nuisance at 凤栖阁), the case part of S2 (parking
//! at 国税佳苑 with the landscaping bureau), S3 (petitions) and the concern part of S6, plus who
//! sees what, bad input and the deadline job.
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A JSON request with a token: the status and the body as JSON (Null when it is not JSON).
pub(crate) async fn send_json(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = app
        .api(token, method, path)
        .await
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(app, token, Method::POST, path, body).await
}

pub(crate) async fn act(app: &TestApp, token: &str, case: i64, body: Value) -> Value {
    let (status, v) = post(
        app,
        token,
        &format!("/api/v1/cases/{case}/actions"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body} → {v}");
    v
}

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .api(token, Method::GET, path)
        .await
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn building(app: &TestApp, compound: &str, name: &str) -> i64 {
    app.id_of(&format!(
        "SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.name = '{compound}' AND b.name = '{name}'"
    ))
    .await
}

pub(crate) async fn compound(app: &TestApp, name: &str) -> i64 {
    app.id_of(&format!("SELECT id FROM compounds WHERE name = '{name}'"))
        .await
}

fn kinds(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn s1_a_nuisance_report_reaches_the_squad_is_handled_and_rated() {
    let app = spawn_demo().await;
    let resident = app.token("zhangshiying").await;
    let handler = app.token("zhengkairui").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let b3 = building(&app, "凤栖阁", "3栋").await;
    let (status, created) = post(
        &app,
        &resident,
        "/api/v1/cases",
        json!({"kind": "complaint", "category": "pets_noise", "compound_id": fengqige, "building_id": b3,
               "description": "3栋楼下有狗没拴绳，整夜叫；电瓶车在小路上骑得很快，差点撞到小孩。"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let number = created["number"].as_str().unwrap();
    assert!(
        number.starts_with("YC-20") && number.len() == "YC-2026-000001".len(),
        "{number}"
    );
    assert_eq!(created["status"], "dispatched");
    assert_eq!(created["unit_name"], "物管服务分队");
    let id = created["id"].as_i64().unwrap();

    // The squad member finds it in the queue and has been told.
    let (_, queue) = get(&app, &handler, "/api/v1/cases").await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );
    let (_, inbox) = get(&app, &handler, "/api/v1/notifications").await;
    assert!(inbox["unread"].as_i64().unwrap() >= 1);
    assert_eq!(inbox["items"][0]["kind"], "assigned");

    act(&app, &handler, id, json!({"action": "sign_for"})).await;
    act(&app, &handler, id, json!({"action": "start"})).await;
    act(&app, &handler, id, json!({"action": "note", "note": "宠物登记表：3栋 2 户养狗，电话 13800001111", "internal": true})).await;
    // A reply before the work is done is fine; closing before a follow-up is not.
    act(&app, &handler, id, json!({"action": "reply", "note": "已提醒两户犬主拴绳；在东门设电瓶车停放区并加装减速带。"})).await;
    let (status, refused) = post(
        &app,
        &handler,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "close"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(refused["error"]["code"], "case_wrong_status");
    assert!(!refused["error"]["message"].as_str().unwrap().is_empty());

    // The reporter sees the public timeline (no internal note) and rates.
    let (status, mine) = get(&app, &resident, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(mine["standing"], "reporter");
    assert!(
        !kinds(&mine).contains(&"note".to_string()),
        "internal note hidden: {mine}"
    );
    assert!(!mine.to_string().contains("13800001111"));
    assert!(
        mine["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("follow_up"))
    );
    let (_, inbox) = get(&app, &resident, "/api/v1/notifications").await;
    assert_eq!(inbox["items"][0]["kind"], "replied");
    act(
        &app,
        &resident,
        id,
        json!({"action": "follow_up", "rating": "satisfied", "note": "谢谢"}),
    )
    .await;
    let closed = act(&app, &handler, id, json!({"action": "close"})).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        kinds(&closed),
        [
            "submitted",
            "dispatched",
            "signed_for",
            "started",
            "note",
            "replied",
            "followed_up",
            "closed"
        ]
    );
    // Every step names its actor, except the automatic dispatch.
    let events = closed["events"].as_array().unwrap();
    assert!(events[2..].iter().all(|e| e["actor"].is_string()));
}

#[tokio::test]
async fn s1_a_repeat_report_is_merged_and_both_reporters_are_told() {
    let app = spawn_demo().await;
    let first = app.token("zhangshiying").await;
    let second = app.token("yangmingli").await;
    let handler = app.token("zhengkairui").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let body = json!({"kind": "complaint", "category": "pets_noise", "compound_id": fengqige, "description": "狗叫", "description_public": true});
    let (_, a) = post(&app, &first, "/api/v1/cases", body.clone()).await;
    // The second resident sees the open issue in the public list first: no name, the agreed text.
    let (status, public) = get(
        &app,
        &second,
        &format!("/api/v1/compounds/{fengqige}/issues"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(public[0]["id"], a["id"]);
    assert_eq!(public[0]["description"], "狗叫");
    assert!(!public.to_string().contains("张世英"));
    let (_, b) = post(&app, &second, "/api/v1/cases", body).await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    // The second reporter cannot see the first one's case.
    assert_eq!(
        get(&app, &second, &format!("/api/v1/cases/{a}")).await.0,
        404
    );
    let merged = act(
        &app,
        &handler,
        b,
        json!({"action": "merge", "into": a.to_string(), "note": "同一问题"}),
    )
    .await;
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], a);
    for t in [&first, &second] {
        let (_, inbox) = get(&app, t, "/api/v1/notifications").await;
        assert!(
            inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "merged"),
            "{inbox}"
        );
    }
    // The second reporter now follows the case theirs was merged into, and hears of its reply;
    // internal notes stay hidden from them.
    act(
        &app,
        &handler,
        a,
        json!({"action": "note", "note": "内部：联系养犬人", "internal": true}),
    )
    .await;
    act(&app, &handler, a, json!({"action": "sign_for"})).await;
    act(
        &app,
        &handler,
        a,
        json!({"action": "reply", "note": "已约谈养犬人，夜间关窗"}),
    )
    .await;
    let (status, view) = get(&app, &second, &format!("/api/v1/cases/{a}")).await;
    assert_eq!(status, 200, "{view}");
    assert!(view.to_string().contains("已约谈养犬人"));
    assert!(!view.to_string().contains("联系养犬人"), "{view}");
    assert_eq!(
        view["actions"],
        json!([]),
        "a follower may not rate or withdraw it"
    );
    let (status, _) = post(
        &app,
        &second,
        &format!("/api/v1/cases/{a}/actions"),
        json!({"action": "withdraw"}),
    )
    .await;
    assert_eq!(status, 403);
    let (_, inbox) = get(&app, &second, "/api/v1/notifications").await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "replied" && n["case_id"].as_i64() == Some(a)),
        "{inbox}"
    );
}

#[tokio::test]
async fn s2_parking_is_escalated_and_the_landscaping_bureau_answers_its_own_request() {
    let app = spawn_demo().await;
    let manager = app.token("zhengkairui").await;
    let butler = app.token("luojiangyan").await;
    let bureau = app.token("liuyuan").await;
    let resident = app.token("pengdaye").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let (status, c) = post(
        &app,
        &resident,
        "/api/v1/cases",
        json!({"kind": "complaint", "category": "parking", "compound_id": guoshui, "public_area": "消防通道",
               "description": "消防通道被车堵住，需要划停车位。"}),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["unit_name"], "重庆远博物业管理有限公司");
    let id = c["id"].as_i64().unwrap();
    act(&app, &manager, id, json!({"action": "sign_for"})).await;
    // The company cannot decide alone: up to the Red Butler team.
    let up = act(
        &app,
        &manager,
        id,
        json!({"action": "escalate", "level": "team", "note": "需园林局审批和业主同意"}),
    )
    .await;
    assert_eq!(up["owner_name"], "兴龙湖社区红管家工作站");
    assert_eq!(up["level"], "team");
    // Going back down is refused, with a reason.
    let (status, e) = post(
        &app,
        &butler,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "escalate", "level": "team", "note": "x"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("case_not_higher"))
    );
    // Before a request the bureau does not see the case at all.
    assert_eq!(
        get(&app, &bureau, &format!("/api/v1/cases/{id}")).await.0,
        404
    );
    act(&app, &butler, id, json!({"action": "sign_for"})).await;
    let landscaping = app
        .id_of("SELECT id FROM organisations WHERE name = '永川区市政园林管理局'")
        .await;
    act(&app, &butler, id, json!({"action": "request_coordination", "organisation_id": landscaping, "days": 10,
                                   "note": "请对国税佳苑停车位划线方案出具意见并派员参加业主大会答疑"})).await;
    // A reply waits for the answer.
    let (status, e) = post(
        &app,
        &butler,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "reply", "note": "x"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("case_coordination_open"))
    );
    // The bureau sees its request and the summary, not the description or the timeline.
    let (_, requests) = get(&app, &bureau, "/api/v1/coordination-requests").await;
    assert_eq!(requests.as_array().unwrap().len(), 1);
    let request_id = requests[0]["id"].as_i64().unwrap();
    let (status, seen) = get(&app, &bureau, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["standing"], "department");
    assert!(seen["description"].is_null());
    assert!(seen["events"].as_array().unwrap().is_empty());
    assert_eq!(seen["actions"], json!(["answer_coordination"]));
    // The bureau cannot work the case itself.
    let (status, _) = post(
        &app,
        &bureau,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "reply", "note": "x"}),
    )
    .await;
    assert_eq!(status, 403);
    act(&app, &bureau, id, json!({"action": "answer_coordination", "request_id": request_id, "note": "同意划线方案，会派员答疑"})).await;
    let replied = act(
        &app,
        &butler,
        id,
        json!({"action": "reply", "note": "园林局同意；将召开业主大会表决停车方案。"}),
    )
    .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(
        replied["coordination"][0]["answer"],
        "同意划线方案，会派员答疑"
    );
}

/// RULES.md §2: a receiver that disputes it is competent for a petition says so within 5
/// working days; afterwards it must handle it.
#[tokio::test]
async fn a_petition_is_returned_as_not_ours_only_within_five_working_days() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await; // 兴龙湖社区居民委员会
    let bureau_staff = app.token("jiangyong").await; // 永川区国土资源和房屋管理局
    let manager = app.token("zhengkairui").await; // 远博物业
    let bureau = app
        .id_of("SELECT id FROM organisations WHERE name = '永川区国土资源和房屋管理局'")
        .await;
    let company = app
        .id_of("SELECT id FROM organisations WHERE name = '重庆远博物业管理有限公司'")
        .await;
    let guoshui = compound(&app, "国税佳苑").await;
    let body = json!({"kind": "petition", "category": "fees_services", "compound_id": guoshui, "channel": "letter",
                      "reporter_name": "李某", "description": "电梯维修费分摊不公"});
    let (_, late) = post(&app, &staff, "/api/v1/cases", body.clone()).await;
    let (_, timely) = post(&app, &staff, "/api/v1/cases", body.clone()).await;
    let (_, asked) = post(&app, &staff, "/api/v1/cases", body).await;
    let (late, timely) = (late["id"].as_i64().unwrap(), timely["id"].as_i64().unwrap());
    let asked = asked["id"].as_i64().unwrap();
    // RULES.md §2: received by the community's petition office, never by the property company
    // the category would send a complaint to.
    let (_, v) = get(&app, &staff, &format!("/api/v1/cases/{late}")).await;
    assert_eq!(v["owner_name"], "兴龙湖社区居民委员会", "{v}");
    assert_eq!(late_status(&app, late).await, "submitted");
    let (s, e) = post(
        &app,
        &staff,
        &format!("/api/v1/cases/{late}/actions"),
        json!({"action": "dispatch", "unit_kind": "organisation", "unit_id": company}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["code"], "petition_needs_organ");
    assert_eq!(
        late_status(&app, late).await,
        "submitted",
        "nothing changed"
    );
    // The company can be asked to act; the office keeps the case and its clock.
    let (s, v) = post(
        &app,
        &staff,
        &format!("/api/v1/cases/{asked}/actions"),
        json!({"action": "sign_for"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &app,
        &staff,
        &format!("/api/v1/cases/{asked}/actions"),
        json!({"action": "request_coordination", "organisation_id": company, "note": "请物业核算分摊明细", "days": 5}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["owner_name"], "兴龙湖社区居民委员会");
    let (s, v) = get(&app, &manager, &format!("/api/v1/cases/{asked}")).await;
    assert_eq!(s, 200, "the company sees what it was asked: {v}");
    // Sent on to the competent department, which may say it is not competent within 5
    // working days of receiving it.
    for id in [late, timely] {
        let (s, v) = post(
            &app,
            &staff,
            &format!("/api/v1/cases/{id}/actions"),
            json!({"action": "dispatch", "unit_kind": "organisation", "unit_id": bureau}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    assert_eq!(late_status(&app, late).await, "dispatched");
    // The first reached the bureau ten days ago.
    sqlx::query("UPDATE cases SET created_at = created_at - 864000, dispatched_at = dispatched_at - 864000 WHERE id = $1")
        .bind(late)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let ret = json!({"action": "return", "note": "不属本局职责"});
    let (s, e) = post(
        &app,
        &bureau_staff,
        &format!("/api/v1/cases/{late}/actions"),
        ret.clone(),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("case_return_too_late")),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 个工作日"),
        "{e}"
    );
    assert_eq!(
        late_status(&app, late).await,
        "dispatched",
        "nothing changed"
    );
    let (s, v) = post(
        &app,
        &bureau_staff,
        &format!("/api/v1/cases/{timely}/actions"),
        ret,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "submitted");
    assert_eq!(
        v["standing"], "follower",
        "the bureau follows what it returned"
    );
    assert_eq!(v["actions"], json!([]));
}

async fn late_status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn s3_a_petition_is_accepted_extended_once_and_answered() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await;
    let guoshui = compound(&app, "国税佳苑").await;
    // A visit needs the number of visitors.
    let body = json!({"kind": "petition", "category": "fees_services", "compound_id": guoshui, "channel": "visit",
                      "reporter_name": "李某", "reporter_phone": "13912345678", "description": "物业费上涨未经业主大会同意"});
    let (status, e) = post(&app, &staff, "/api/v1/cases", body.clone()).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "visitors");
    let mut with_visitors = body.clone();
    // A group of thirty sends representatives, at most five; nothing is registered otherwise.
    with_visitors["visitors"] = json!(30);
    let (status, e) = post(&app, &staff, "/api/v1/cases", with_visitors.clone()).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["code"], "too_many_representatives");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases WHERE kind = 'petition' AND description = '物业费上涨未经业主大会同意'").await, 0);
    with_visitors["visitors"] = json!(3);
    let (status, c) = post(&app, &staff, "/api/v1/cases", with_visitors).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (_, v) = get(&app, &staff, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(v["visitors"], 3, "the number of visitors is shown");
    assert!(v["accept_due"].is_i64());
    assert!(
        v["reply_due"].is_null(),
        "no reply period before acceptance"
    );
    assert_eq!(v["reporter_phone"], "139****5678", "masked for staff too");
    let accepted = act(&app, &staff, id, json!({"action": "accept"})).await;
    let due = accepted["reply_due"].as_i64().unwrap();
    // RULES.md §2: the handling office does not extend its own limit; a supervisor (the district
    // official) approves it, with the reason the petitioner sees on their case page.
    assert!(
        !accepted["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("extend"))
    );
    let ask = json!({"action": "extend", "days": 30, "note": "需调取三年收费台账；经区信访办批准"});
    let (status, e) = post(
        &app,
        &staff,
        &format!("/api/v1/cases/{id}/actions"),
        ask.clone(),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("extension_needs_approver"))
    );
    let official = app.token("huminjian").await;
    let extended = act(&app, &official, id, ask).await;
    let new_due = extended["reply_due"].as_i64().unwrap();
    // 30 more days, ending on a working day.
    let cal = app.db.calendar().calendar().await.unwrap();
    assert_eq!(
        new_due,
        redbutler::domain::deadline::extended_due(&cal, due, 30)
    );
    assert!(new_due - due >= 30 * 86_400);
    let event = extended["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "extended")
        .cloned()
        .unwrap();
    assert_eq!(event["internal"], 0, "the reason is public: {event}");
    assert_eq!(event["note"], "需调取三年收费台账；经区信访办批准");
    let (status, e) = post(
        &app,
        &official,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "extend", "days": 5, "note": "again"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("case_already_extended"))
    );
    act(&app, &staff, id, json!({"action": "sign_for"})).await;
    act(
        &app,
        &staff,
        id,
        json!({"action": "reply", "note": "书面答复已送达"}),
    )
    .await;
    act(
        &app,
        &staff,
        id,
        json!({"action": "no_follow_up", "note": "信访人拒绝回访"}),
    )
    .await;
    let closed = act(&app, &staff, id, json!({"action": "close"})).await;
    assert_eq!(closed["status"], "closed");
    let count = app
        .count(&format!(
            "SELECT COUNT(*) FROM cases WHERE kind = 'petition' AND compound_id = {guoshui}"
        ))
        .await;
    assert_eq!(count, 1);

    // Only before the 60-day limit runs out.
    let mut again = body.clone();
    again["visitors"] = json!(1);
    let (_, c) = post(&app, &staff, "/api/v1/cases", again).await;
    let late = c["id"].as_i64().unwrap();
    act(&app, &staff, late, json!({"action": "accept"})).await;
    sqlx::query("UPDATE cases SET reply_due = $1, next_due = $1 WHERE id = $2")
        .bind(redbutler::db::now() - 60)
        .bind(late)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, e) = post(
        &app,
        &official,
        &format!("/api/v1/cases/{late}/actions"),
        json!({"action": "extend", "days": 10, "note": "太迟了"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("case_extension_too_late"))
    );
}

#[tokio::test]
async fn s6_a_building_leader_raises_a_wellbeing_concern_for_a_neighbour() {
    let app = spawn_demo().await;
    let leader = app.token("wangxinglian").await;
    // 郑开锐 (property manager and butler) works cases at 凤栖阁 by his grants; 罗江燕's field is
    // 国税佳苑, so her membership of the team that owns the concern gives her no standing.
    let butler = app.token("zhengkairui").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let b8 = building(&app, "凤栖阁", "8栋").await;
    let b3 = building(&app, "凤栖阁", "3栋").await;
    let concern = json!({"kind": "wellbeing", "category": "other", "compound_id": fengqige, "building_id": b8,
                         "channel": "building_leader", "reporter_name": "王兴莲（代熊婆婆）",
                         "description": "熊婆婆独居，一周没下楼，敲门无人应。"});
    // Only for her own building.
    let mut elsewhere = concern.clone();
    elsewhere["building_id"] = json!(b3);
    assert_eq!(post(&app, &leader, "/api/v1/cases", elsewhere).await.0, 403);
    let (status, c) = post(&app, &leader, "/api/v1/cases", concern).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["unit_name"], "兴龙湖社区红管家工作站");
    let id = c["id"].as_i64().unwrap();
    act(&app, &butler, id, json!({"action": "sign_for"})).await;
    act(
        &app,
        &butler,
        id,
        json!({"action": "reply", "note": "联系到其子：熊婆婆住在儿子家，平安。"}),
    )
    .await;
    // The handler may not rate its own work; community staff make the follow-up call.
    let (s, e) = post(
        &app,
        &butler,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "follow_up", "rating": "satisfied"}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("follow_up_by_handler"))
    );
    let staff = app.token("liwenjing").await;
    act(
        &app,
        &staff,
        id,
        json!({"action": "follow_up", "rating": "satisfied", "note": "电话回访王兴莲"}),
    )
    .await;
    let closed = act(&app, &butler, id, json!({"action": "close"})).await;
    assert_eq!(closed["status"], "closed");
    // A wellbeing concern never appears in the compound's public list.
    let (_, public) = get(
        &app,
        &leader,
        &format!("/api/v1/compounds/{fengqige}/issues"),
    )
    .await;
    assert!(public.as_array().unwrap().iter().all(|i| i["id"] != id));
}

#[tokio::test]
async fn residents_see_only_their_own_cases_and_never_internal_notes() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let xiong = app.token("xiongpopo").await;
    let peng = app.token("pengdaye").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let (_, c) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "repair", "category": "facilities", "compound_id": fengqige, "description": "路灯坏了"})).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        get(&app, &xiong, &format!("/api/v1/cases/{id}")).await.0,
        404
    );
    assert_eq!(
        get(&app, &peng, &format!("/api/v1/cases/{id}")).await.0,
        404
    );
    assert_eq!(
        get(&app, &xiong, &format!("/api/v1/cases/{id}/photos/1"))
            .await
            .0,
        404
    );
    let (_, mine) = get(&app, &xiong, "/api/v1/cases?show=mine").await;
    assert!(mine["items"].as_array().unwrap().is_empty());
    // A resident's queue is empty: residents work no cases.
    let (_, queue) = get(&app, &xiong, "/api/v1/cases").await;
    assert!(queue["items"].as_array().unwrap().is_empty());
    // Another compound's public list is closed to them; reporting there too.
    assert_eq!(
        get(&app, &peng, &format!("/api/v1/compounds/{fengqige}/issues"))
            .await
            .0,
        403
    );
    let (status, _) = post(&app, &peng, "/api/v1/cases", json!({"kind": "repair", "category": "facilities", "compound_id": fengqige, "description": "x"})).await;
    assert_eq!(status, 403);
    let (status, _) = post(&app, &peng, "/api/v1/cases", json!({"kind": "repair", "category": "facilities", "compound_id": guoshui, "description": "x", "channel": "phone", "reporter_name": "x"})).await;
    assert_eq!(status, 403, "a resident cannot register for others");
    // A resident cannot work a case, not even their own.
    let (status, _) = post(
        &app,
        &zhang,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "sign_for"}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn bad_case_input_is_refused_and_changes_nothing() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let before = app.count("SELECT COUNT(*) FROM cases").await;
    for (body, field) in [
        (
            json!({"kind": "complaint", "category": "no_such", "compound_id": fengqige, "description": "x"}),
            "category",
        ),
        (
            json!({"kind": "rant", "category": "other", "compound_id": fengqige, "description": "x"}),
            "kind",
        ),
        (
            json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "description": "   "}),
            "description",
        ),
        (
            json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "description": "x".repeat(2001)}),
            "description",
        ),
        (
            json!({"kind": "complaint", "category": "other", "compound_id": 999_999, "description": "x"}),
            "compound_id",
        ),
        (
            json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "description": "x", "channel": "fax"}),
            "channel",
        ),
        (
            json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "building_id": 999_999, "description": "x"}),
            "building_id",
        ),
    ] {
        let (status, e) = post(&app, &zhang, "/api/v1/cases", body.clone()).await;
        assert_eq!(status, 422, "{body}: {e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{body}: {e}");
        assert!(
            !e["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    let (status, e) = post(&app, &zhang, "/api/v1/cases", json!({"kind": 3})).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, before);
    // Transitions out of order and unknown actions.
    let (_, c) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "complaint", "category": "other", "compound_id": fengqige, "description": "x"})).await;
    let id = c["id"].as_i64().unwrap();
    let butler = app.token("zhengkairui").await;
    let events = app
        .count(&format!(
            "SELECT COUNT(*) FROM case_events WHERE case_id = {id}"
        ))
        .await;
    for (body, status, code) in [
        (json!({"action": "close"}), 409, "case_wrong_status"),
        (
            json!({"action": "reply", "note": "x"}),
            409,
            "case_wrong_status",
        ),
        (
            json!({"action": "follow_up", "rating": "great"}),
            422,
            "invalid",
        ),
        (
            json!({"action": "return", "note": "x"}),
            409,
            "case_wrong_status",
        ),
        (
            json!({"action": "extend", "days": 10, "note": "x"}),
            409,
            "case_not_petition",
        ),
        (json!({"action": "fly"}), 422, "invalid"),
        (
            json!({"action": "escalate", "level": "moon", "note": "x"}),
            422,
            "invalid",
        ),
        (json!({"action": "note"}), 422, "invalid"),
    ] {
        let (s, e) = post(
            &app,
            &butler,
            &format!("/api/v1/cases/{id}/actions"),
            body.clone(),
        )
        .await;
        assert_eq!(
            (s, e["error"]["code"].as_str().unwrap()),
            (status, code),
            "{body}: {e}"
        );
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM case_events WHERE case_id = {id}"
        ))
        .await,
        events
    );
    assert_eq!(get(&app, &butler, "/api/v1/cases/999999").await.0, 404);
    assert_eq!(
        get(&app, &butler, "/api/v1/cases?show=everything").await.0,
        422
    );
}

#[tokio::test]
async fn the_deadline_job_announces_once_even_when_two_nodes_run_it() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let (_, c) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "repair", "category": "security", "compound_id": fengqige, "description": "单元门锁坏了"})).await;
    let id = c["id"].as_i64().unwrap();
    let due: i64 = app
        .id_of(&format!("SELECT next_due FROM cases WHERE id = {id}"))
        .await;
    let notices = |kind: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM notifications WHERE case_id = {id} AND kind = '{kind}'"
            ))
            .await
        }
    };
    // Well before the deadline: nothing.
    assert_eq!(
        redbutler::services::cases::deadline_pass(&app.db, due - 3 * 86_400)
            .await
            .unwrap(),
        0
    );
    // Due soon: two "nodes" run the same pass at once; one announcement.
    let (a, b) = tokio::join!(
        redbutler::services::cases::deadline_pass(&app.db, due - 60),
        redbutler::services::cases::deadline_pass(&app.db, due - 60)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let soon = notices("due_soon").await;
    assert!(soon >= 1);
    // Again later: no second due-soon notice.
    redbutler::services::cases::deadline_pass(&app.db, due - 30)
        .await
        .unwrap();
    assert_eq!(notices("due_soon").await, soon);
    // Overdue, once.
    redbutler::services::cases::deadline_pass(&app.db, due + 1)
        .await
        .unwrap();
    redbutler::services::cases::deadline_pass(&app.db, due + 100)
        .await
        .unwrap();
    let overdue = notices("overdue").await;
    assert!(overdue >= 1);
    // The community staff (supervisor) was told as well as the unit.
    let supervisor = app
        .id_of("SELECT id FROM users WHERE username = 'liwenjing'")
        .await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM notifications WHERE case_id = {id} AND kind = 'overdue' AND user_id = {supervisor}")).await,
        1
    );
}

pub(crate) async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(app, token, Method::PUT, path, body).await
}

#[tokio::test]
async fn a_dispute_is_mediated_by_the_mediation_squad_to_a_recorded_outcome() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    // The butler of 凤栖阁 building 8 works the case (a grant there); 彭大爷 of the mediation squad
    // is named the mediator. Squad membership alone gives no standing on the case (issue 13).
    let mediator = app.token("wangxinglian").await;
    let member_only = app.token("pengdaye").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let (_, c) = post(
        &app,
        &zhang,
        "/api/v1/cases",
        json!({"kind": "dispute", "category": "neighbours", "compound_id": fengqige,
        "description": "楼上装修噪音，协商不成"}),
    )
    .await;
    assert_eq!(c["unit_name"], "纠纷调处分队");
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}/mediation");
    let (status, empty) = get(&app, &mediator, &path).await;
    assert_eq!(status, 200, "{empty}");
    assert!(empty["mediation"].is_null());
    // The reporter does not run the mediation, nor a squad member without a grant there.
    assert_eq!(get(&app, &zhang, &path).await.0, 403);
    assert_eq!(get(&app, &member_only, &path).await.0, 404);
    let not_mediator = app
        .id_of("SELECT tm.id FROM team_members tm JOIN people p ON p.id = tm.person_id WHERE p.name = '郑开锐'")
        .await;
    let (status, e) = put(
        &app,
        &mediator,
        &path,
        json!({"mediator_member_id": not_mediator, "parties": "301 与 401"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["fields"][0]["code"].as_str()),
        (422, Some("not_a_mediator"))
    );
    // A session before a mediator is chosen is refused.
    let (status, _) = post(
        &app,
        &mediator,
        &format!("{path}/sessions"),
        json!({"held_on": "2026-11-20", "attendees": "x"}),
    )
    .await;
    assert_eq!(status, 409);
    let peng = app
        .id_of("SELECT tm.id FROM team_members tm JOIN people p ON p.id = tm.person_id WHERE p.name = '彭大爷'")
        .await;
    let (status, m) = put(
        &app,
        &mediator,
        &path,
        json!({"mediator_member_id": peng, "parties": "301 张家与 401 李家"}),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["mediation"]["mediator_name"], "彭大爷");
    let (status, e) = post(
        &app,
        &mediator,
        &format!("{path}/sessions"),
        json!({"held_on": "20/11/2026", "attendees": "双方"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("held_on"))
    );
    let (status, m) = post(&app, &mediator, &format!("{path}/sessions"), json!({"held_on": "2026-11-20", "attendees": "张某、李某、彭大爷", "notes": "约定施工时间"})).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["sessions"].as_array().unwrap().len(), 1);
    for (body, field) in [
        (json!({"outcome": "agreement"}), "text"),
        (
            json!({"outcome": "referral", "referral": "police"}),
            "referral",
        ),
        (json!({"outcome": "peace"}), "outcome"),
    ] {
        let (status, e) = post(&app, &mediator, &format!("{path}/outcome"), body.clone()).await;
        assert_eq!(
            (status, e["error"]["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let (status, m) = post(
        &app,
        &mediator,
        &format!("{path}/outcome"),
        json!({"outcome": "agreement", "text": "工作日 9:00-18:00 施工"}),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["mediation"]["outcome"], "agreement");
    let (status, e) = post(
        &app,
        &mediator,
        &format!("{path}/outcome"),
        json!({"outcome": "withdrawn"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("outcome_recorded"))
    );
    // Only disputes are mediated.
    let (_, other) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "complaint", "category": "neighbours", "compound_id": fengqige, "description": "x"})).await;
    let (status, e) = get(
        &app,
        &mediator,
        &format!("/api/v1/cases/{}/mediation", other["id"]),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (409, Some("not_a_dispute"))
    );
}

#[tokio::test]
async fn the_three_rates_count_what_happened_and_export_as_csv() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let yang = app.token("yangmingli").await;
    let handler = app.token("zhengkairui").await;
    let official = app.token("huminjian").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let report = json!({"kind": "complaint", "category": "pets_noise", "compound_id": fengqige, "description": "狗叫"});
    let mut ids = vec![];
    for t in [&zhang, &yang, &zhang] {
        let (_, c) = post(&app, t, "/api/v1/cases", report.clone()).await;
        ids.push(c["id"].as_i64().unwrap());
    }
    // Case 1: signed in time, replied, satisfied, closed. Case 2: signed, replied, unsatisfied.
    // Case 3: withdrawn by the reporter (not taken on).
    for (id, reporter, rating) in [
        (ids[0], &zhang, "satisfied"),
        (ids[1], &yang, "unsatisfied"),
    ] {
        act(&app, &handler, id, json!({"action": "sign_for"})).await;
        act(
            &app,
            &handler,
            id,
            json!({"action": "reply", "note": "已处理"}),
        )
        .await;
        act(
            &app,
            reporter,
            id,
            json!({"action": "follow_up", "rating": rating}),
        )
        .await;
    }
    act(&app, &handler, ids[0], json!({"action": "close"})).await;
    act(&app, &zhang, ids[2], json!({"action": "withdraw"})).await;
    let (status, f) = get(&app, &official, "/api/v1/case-figures").await;
    assert_eq!(status, 200, "{f}");
    let total = &f["total"];
    assert_eq!(total["counts"]["total"], 3);
    assert_eq!(total["counts"]["due_to_sign"], 2);
    assert_eq!(total["counts"]["signed_in_time"], 2);
    assert_eq!(total["counts"]["taken_on"], 2);
    assert_eq!(total["counts"]["closed"], 1);
    assert_eq!(total["counts"]["rated"], 2);
    assert_eq!(total["counts"]["satisfied"], 1);
    assert_eq!(total["rates"]["response_bp"], 10000);
    assert_eq!(total["rates"]["resolution_bp"], 5000);
    assert_eq!(total["rates"]["satisfaction_bp"], 5000);
    let squad = f["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "物管服务分队")
        .unwrap();
    assert_eq!(squad["counts"]["total"], 3);
    assert_eq!(f["by_compound"][0]["name"], "凤栖阁");
    assert_eq!(f["by_category"][0]["name"], "pets_noise");
    assert_eq!(f["by_channel"][0]["name"], "online");
    // Another month has none; a bad month is refused; residents see no figures.
    let (_, empty) = get(&app, &official, "/api/v1/case-figures?month=2015-03").await;
    assert_eq!(empty["total"]["counts"]["total"], 0);
    assert!(empty["total"]["rates"]["response_bp"].is_null());
    assert_eq!(
        get(&app, &official, "/api/v1/case-figures?month=2026-13")
            .await
            .0,
        422
    );
    assert_eq!(
        get(
            &app,
            &official,
            "/api/v1/case-figures?from=2026-02-01&to=2026-01-01"
        )
        .await
        .0,
        422
    );
    assert_eq!(get(&app, &zhang, "/api/v1/case-figures").await.0, 403);
    // The page and its CSV.
    let s = app.login("huminjian").await;
    let page = s.get("/figures").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("响应率") && html.contains("100.00 %") && html.contains("50.00 %"),
        "{html}"
    );
    // Units, compounds and categories under their own column heads; categories by name.
    assert!(html.contains("<th>承办单位</th>") && html.contains("<th>问题分类</th>"));
    assert!(
        !html.contains("<th>姓名") && !html.contains("<th>名称"),
        "{html}"
    );
    assert!(
        html.contains("宠物与噪音") && !html.contains("pets_noise"),
        "{html}"
    );
    // Compounds come a page at a time.
    assert_eq!(f["compounds_count"], 1);
    let (_, none) = get(&app, &official, "/api/v1/case-figures?compounds_from=1").await;
    assert_eq!(none["by_compound"].as_array().unwrap().len(), 0);
    assert_eq!(none["compounds_count"], 1);
    assert_eq!(
        get(&app, &official, "/api/v1/case-figures?compounds_limit=0")
            .await
            .0,
        422
    );
    let csv = s.get("/figures.csv").await;
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("group,id,name,cases,due_to_sign,signed_in_time,response_rate"));
    assert!(
        text.contains("total,0,合计,3,2,2,100.00 %,2,1,50.00 %,2,1,50.00 %,0"),
        "{text}"
    );
    assert!(
        text.contains(",宠物与噪音,") && !text.contains("pets_noise"),
        "{text}"
    );
}

/// Two real server processes on one database run the deadline job every second: each overdue
/// deadline is announced once, to each person once.
#[tokio::test]
async fn two_server_processes_announce_an_overdue_case_once() {
    let app = spawn_demo().await;
    let zhang = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let (_, c) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "repair", "category": "facilities", "compound_id": fengqige, "description": "电梯停了"})).await;
    let id = c["id"].as_i64().unwrap();
    let past = redbutler::db::now() - 10;
    sqlx::query("UPDATE cases SET sign_due = $1, next_due = $1 WHERE id = $2")
        .bind(past)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Each node also delivers to a spool file of its own: every notification lands in one of
    // the two files, once.
    let spools = tempfile::tempdir().unwrap();
    let spool = |n: usize| spools.path().join(format!("node{n}.jsonl"));
    let spawn = |n: usize| {
        std::process::Command::new(env!("CARGO_BIN_EXE_redbutler"))
            .args([
                "--database-url",
                &app.database_url,
                "serve",
                "--addr",
                "127.0.0.1:0",
            ])
            .env("REDBUTLER_DEADLINE_JOB_SECONDS", "1")
            .env("REDBUTLER_NOTIFY_SPOOL", spool(n))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start a server process")
    };
    let mut nodes = [spawn(0), spawn(1)];
    let count = || async {
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE case_id = {id} AND kind = 'overdue'"
        ))
        .await
    };
    let mut seen = 0;
    for _ in 0..150 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = count().await;
        if seen > 0 {
            break;
        }
    }
    // Let both nodes tick a few more times.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let alive = nodes.iter_mut().all(|n| n.try_wait().unwrap().is_none());
    for n in &mut nodes {
        let _ = n.kill();
        let _ = n.wait();
    }
    assert!(alive, "both server processes kept running");
    assert!(seen > 0, "the overdue case was announced");
    let after = count().await;
    let recipients = app
        .count(&format!("SELECT COUNT(DISTINCT user_id) FROM notifications WHERE case_id = {id} AND kind = 'overdue'"))
        .await;
    assert_eq!(after, recipients, "nobody was told twice");
    let supervisor = app
        .id_of("SELECT id FROM users WHERE username = 'liwenjing'")
        .await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM notifications WHERE case_id = {id} AND kind = 'overdue' AND user_id = {supervisor}")).await,
        1
    );
    let claimed: Option<i64> = sqlx::query_scalar("SELECT overdue_for FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(claimed, Some(past));
    let mut delivered: Vec<Value> = Vec::new();
    for n in 0..2 {
        let text = std::fs::read_to_string(spool(n)).unwrap_or_default();
        delivered.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    let overdue: Vec<&Value> = delivered
        .iter()
        .filter(|m| m["kind"] == "overdue" && m["link"] == format!("/cases/{id}"))
        .collect();
    assert_eq!(
        overdue.len() as i64,
        after,
        "each overdue notice delivered once: {delivered:?}"
    );
    let mut ids: Vec<i64> = delivered
        .iter()
        .map(|m| m["notification_id"].as_i64().unwrap())
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no notification was delivered twice");
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(len, 0x42);
    v
}

async fn submit_form(
    s: &Session,
    fields: &[(&str, &str)],
    photos: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in photos {
        form = form.part(
            "photos",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    s.client
        .post(format!("{}/cases/submit?_csrf={}", s.base, s.csrf))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_report_form_takes_up_to_three_real_photos_of_at_most_5_mb() {
    let app = spawn_demo().await;
    let s = app.login("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await.to_string();
    let fields = [
        ("kind", "complaint"),
        ("category", "pets_noise"),
        ("compound_id", fengqige.as_str()),
        ("description", "狗叫"),
    ];
    let before = app.count("SELECT COUNT(*) FROM cases").await;
    let png = png_image(40, 30);
    for (photos, message) in [
        (
            vec![("dog.jpg", b"this is a text file, not a photo".to_vec())],
            "不是 JPEG、PNG 或 WebP 图片",
        ),
        (vec![("big.jpg", jpeg(5 * 1024 * 1024 + 1))], "太大了"),
        (
            vec![
                ("a.jpg", phone_photo(20, 20, 1)),
                ("b.jpg", phone_photo(20, 20, 1)),
                ("c.png", png.clone()),
                ("d.jpg", phone_photo(20, 20, 1)),
            ],
            "太多了",
        ),
    ] {
        let r = submit_form(&s, &fields, photos).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("照片") && page.contains(message), "{page}");
    }
    let r = submit_form(
        &s,
        &[
            ("kind", "complaint"),
            ("category", "pets_noise"),
            ("compound_id", &fengqige),
            ("description", "  "),
        ],
        vec![],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("问题描述"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases").await,
        before,
        "nothing was stored"
    );
    // A file that starts like a JPEG but is not one is refused too (it is decoded at upload).
    let r = submit_form(&s, &fields, vec![("fake.jpg", jpeg(2048))]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("不是 JPEG、PNG 或 WebP 图片")
    );
    // Real photos are accepted whatever their names; the acknowledgement shows the number at once.
    // A phone photo: 2000 × 1500 stored sideways (EXIF orientation 6) with a GPS position.
    let original = phone_photo(2000, 1500, 6);
    assert!(
        (1_000_000..5 * 1024 * 1024).contains(&original.len()),
        "{}",
        original.len()
    );
    let r = submit_form(
        &s,
        &fields,
        vec![("photo.bin", original.clone()), ("x.txt", png)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("?new=1"));
    let page = s.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("已收到您的反映") && page.contains("YC-"),
        "{page}"
    );
    let id = app.id_of("SELECT MAX(id) FROM cases").await;
    let photos: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, content_type FROM case_photos WHERE case_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        photos.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        ["image/jpeg", "image/png"]
    );
    // The page shows thumbnails; opening one gives the screen copy: upright, at most 1600 px,
    // JPEG, without the metadata (no GPS).
    assert!(
        page.contains(&format!("/cases/{id}/photos/{}?size=thumb", photos[0].0)),
        "{page}"
    );
    let r = s.get(&format!("/cases/{id}/photos/{}", photos[0].0)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let screen = r.bytes().await.unwrap();
    assert!(
        screen.len() < original.len() / 2,
        "{} vs {}",
        screen.len(),
        original.len()
    );
    assert!(
        !screen.windows(4).any(|w| w == b"Exif"),
        "metadata stripped"
    );
    let img = image::load_from_memory(&screen).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (1200, 1600),
        "upright and screen-sized"
    );
    let thumb = s
        .get(&format!("/cases/{id}/photos/{}?size=thumb", photos[0].0))
        .await
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&thumb).unwrap();
    assert_eq!(img.height(), 320);
    assert!(thumb.len() < 60_000, "{}", thumb.len());
    // The original, as sent, for the reporter (and the case's workers); each read is logged.
    let r = s
        .get(&format!("/cases/{id}/photos/{}?size=original", photos[0].0))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), original);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'unmask' AND entity = 'case_photo' AND entity_id = {}",
            photos[0].0
        ))
        .await,
        1
    );
    assert_eq!(
        s.get(&format!("/cases/{id}/photos/{}?size=huge", photos[0].0))
            .await
            .status(),
        422
    );
    // Another resident cannot fetch it.
    let other = app.login("xiongpopo").await;
    assert_eq!(
        other
            .get(&format!("/cases/{id}/photos/{}", photos[0].0))
            .await
            .status(),
        404
    );
    assert_eq!(other.get(&format!("/cases/{id}")).await.status(), 404);
}

/// On SQLite the figures are summed in Rust, not by a GROUP BY; on generated cases of every
/// state both ways give the same counts in every dimension. (On PostgreSQL both calls take the
/// GROUPING SETS path.)
#[tokio::test]
async fn figure_cells_summed_in_rust_equal_the_group_by() {
    let app = spawn_demo().await;
    redbutler::demo::generate_cases(&app.db, 3000, false)
        .await
        .unwrap();
    let scope = redbutler::db::cases::PlaceScope {
        all: true,
        ..Default::default()
    };
    let now = redbutler::db::now();
    let (from, to) = (0, i64::MAX);
    let summed = app
        .db
        .cases()
        .case_figures(&scope, from, to, now)
        .await
        .unwrap();
    let grouped = app
        .db
        .cases()
        .case_figures_grouped(&scope.sql().unwrap(), from, to, now)
        .await
        .unwrap();
    assert!(
        summed.by_compound.len() > 1 && summed.by_unit.len() > 1,
        "{summed:?}"
    );
    for dim_total in [
        summed.by_compound.values().map(|c| c.total).sum::<i64>(),
        summed.by_kind.values().map(|c| c.total).sum::<i64>(),
        summed.by_category.values().map(|c| c.total).sum::<i64>(),
        summed.by_channel.values().map(|c| c.total).sum::<i64>(),
        summed
            .by_unit
            .values()
            .flat_map(|m| m.values())
            .map(|c| c.total)
            .sum::<i64>(),
    ] {
        assert_eq!(dim_total, 3000, "every dimension counts every case once");
    }
    assert_eq!(summed, grouped);
}

/// Staff who see many compounds pick the compound first, then its buildings by name; nobody is
/// asked for an internal building number.
#[tokio::test]
async fn the_staff_case_form_offers_buildings_by_name() {
    let app = spawn_demo().await;
    let s = app.login("liwenjing").await;
    let html = s
        .get("/cases/new?kind=petition")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"pick-compound\""), "{html}");
    assert!(!html.contains("id=\"case-form\""));
    assert!(html.contains("name=\"kind\" value=\"petition\""));
    let guoshui = app.compound("国税佳苑").await;
    let html = s
        .get(&format!("/cases/new?kind=petition&compound_id={guoshui}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"case-form\"") && !html.contains("pick-compound"));
    assert!(html.contains("<select id=\"building_id\""), "{html}");
    assert!(html.contains(">1栋</option>"), "{html}");
    assert!(!html.contains("name=\"building_id\" inputmode"), "{html}");
    // A compound outside the reader's reach is not offered: back to the first step.
    let (_, other) = app.other_community("远方").await;
    let zhang = app.login("zhangshiying").await;
    let html = zhang
        .get(&format!("/cases/new?compound_id={other}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(other > 0 && !html.contains("远方小区"), "{html}");
    // A resident with few compounds sees the whole form at once, buildings by name.
    assert!(html.contains("id=\"case-form\"") && html.contains("<select id=\"building_id\""));
}

/// A refused report comes back to its form with what was typed; a report sent after the
/// session expired leads to the login page, which carries the text, and after logging in one
/// button sends it.
#[tokio::test]
async fn a_refused_or_expired_report_keeps_what_was_typed() {
    let app = spawn_demo().await;
    let s = app.login("zhangshiying").await;
    let fengqige = app.compound("凤栖阁").await.to_string();
    let form = |description: &str| {
        reqwest::multipart::Form::new()
            .text("kind", "complaint")
            .text("category", "pets_noise")
            .text("compound_id", fengqige.clone())
            .text("public_area", "3 栋门口的草坪")
            .text("description", description.to_string())
    };
    let r = s
        .client
        .post(format!("{}/cases/submit?_csrf={}", s.base, s.csrf))
        .header("referer", format!("{}/cases/new", s.base))
        .multipart(form(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"case-form\"") && html.contains("id=\"description-error\""),
        "{html}"
    );
    assert!(html.contains("value=\"3 栋门口的草坪\""), "{html}");
    let before = app.count("SELECT COUNT(*) FROM cases").await;
    // A browser whose session has expired (its cookie no longer names a session): the text
    // survives the login.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookies = format!("rb_session={}; rb_csrf={}", "0".repeat(64), s.csrf);
    let r = browser
        .post(format!("{}/cases/submit?_csrf={}", s.base, s.csrf))
        .header("cookie", &cookies)
        .header("referer", format!("{}/cases/new", s.base))
        .multipart(form("狗夜里一直叫"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("name=\"resume\"") && html.contains("狗夜里一直叫"),
        "{html}"
    );
    let resume = html
        .split("name=\"resume\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let r = browser
        .post(format!("{}/login", s.base))
        .header("cookie", &cookies)
        .form(&[
            ("_csrf", s.csrf.as_str()),
            ("login", "zhangshiying"),
            ("password", PASSWORD),
            ("next", "/cases/new"),
            ("resume", resume.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csrf = set_cookie_value(&r, "rb_csrf").unwrap();
    let session = set_cookie_value(&r, "rb_session").unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"resume-form\"") && html.contains("狗夜里一直叫"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/cases/submit?_csrf={csrf}")),
        "{html}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases").await,
        before,
        "nothing sent yet"
    );
    let again = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "complaint")
        .text("category", "pets_noise")
        .text("compound_id", fengqige.clone())
        .text("public_area", "3 栋门口的草坪")
        .text("description", "狗夜里一直叫");
    let r = browser
        .post(format!("{}/cases/submit?_csrf={csrf}", s.base))
        .header("cookie", format!("rb_session={session}; rb_csrf={csrf}"))
        .multipart(again)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, before + 1);
}

/// An upload announced larger than any report may be is refused before its body is read: the
/// answer comes although the body never does.
#[tokio::test]
async fn an_oversized_upload_is_refused_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_demo().await;
    let s = app.login("zhangshiying").await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /cases/submit?_csrf={csrf} HTTP/1.1\r\nHost: {addr}\r\nCookie: rb_csrf={csrf}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        64 * 1024 * 1024,
        csrf = s.csrf
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .expect("answered without the body")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

/// The figures kept per month equal the figures counted from the cases: after a bulk load of
/// cases of every state, after steps on some of them, after deadlines pass (time travel), for
/// every scope kind (everything, a district, a community inside it with a compound, compounds),
/// a month and a year.
#[tokio::test]
async fn figures_kept_per_month_equal_the_counting_from_cases() {
    use redbutler::db::cases::{PlaceScope, RollupScope};
    let app = spawn_demo().await;
    redbutler::demo::generate_cases(&app.db, 2000, false)
        .await
        .unwrap();
    // Steps on live cases (the triggers mark their months) and a few new cases.
    let zhang = app.token("zhangshiying").await;
    for i in 0..3 {
        app.create_case(
            &zhang,
            "complaint",
            "pets_noise",
            "凤栖阁",
            &format!("第{i}次"),
        )
        .await;
    }
    let open: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM cases WHERE status = 'dispatched' ORDER BY id LIMIT 40")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    sqlx::query(&format!(
        "UPDATE cases SET status = 'closed', next_due = NULL WHERE id IN ({})",
        open.iter()
            .take(20)
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    // Deadlines passing without any write: the refresh counts them overdue.
    let later = redbutler::db::now() + 40 * 86_400;
    let fengqige = app.compound("凤栖阁").await;
    let (community, district): (i64, i64) =
        sqlx::query_as("SELECT community_id, district_id FROM compounds WHERE id = $1")
            .bind(fengqige)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let scopes = [
        (
            PlaceScope {
                all: true,
                ..Default::default()
            },
            RollupScope {
                all: true,
                ..Default::default()
            },
        ),
        (
            PlaceScope {
                regions: vec![("district_id", district)],
                ..Default::default()
            },
            RollupScope {
                regions: vec![("district", district)],
                ..Default::default()
            },
        ),
        (
            PlaceScope {
                regions: vec![("community_id", community)],
                compounds: vec![],
                all: false,
            },
            RollupScope {
                regions: vec![("community", community)],
                ..Default::default()
            },
        ),
        (
            PlaceScope {
                compounds: vec![fengqige],
                ..Default::default()
            },
            RollupScope {
                compounds: vec![fengqige],
                ..Default::default()
            },
        ),
    ];
    for now in [redbutler::db::now(), later] {
        app.db.cases().refresh_figures(now).await.unwrap();
        let this_month: i64 = redbutler::domain::deadline::format_local(now, "%Y%m")
            .parse()
            .unwrap();
        let year = this_month / 100;
        for (first, end) in [
            (this_month, redbutler::db::cases::next_month(this_month)),
            (year * 100 + 1, (year + 1) * 100 + 1),
            ((year - 1) * 100 + 1, (year + 1) * 100 + 1),
            // Part of a year, then a whole one (months and a year row), and months only.
            ((year - 1) * 100 + 7, (year + 1) * 100 + 1),
            ((year - 1) * 100 + 7, this_month),
        ] {
            for (place, kept) in &scopes {
                let counted = app
                    .db
                    .cases()
                    .case_figures_grouped(
                        &place.sql().unwrap(),
                        redbutler::db::cases::month_start(first),
                        redbutler::db::cases::month_start(end),
                        now,
                    )
                    .await
                    .unwrap();
                let read = app
                    .db
                    .cases()
                    .kept_figures(kept, first, end, true)
                    .await
                    .unwrap();
                assert_eq!(read, counted, "{kept:?} {first}..{end} at {now}");
                // A month or a year: the compounds read a page at a time, largest first.
                if let Some(row) = redbutler::db::cases::kept_row(first, end) {
                    let mut ranked: Vec<_> = counted.by_compound.clone().into_iter().collect();
                    ranked.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(&b.0)));
                    for (offset, limit) in [(0, 1), (0, 2), (1, 2), (2, 50), (0, 1000)] {
                        let (page, count) = app
                            .db
                            .cases()
                            .kept_compounds(kept, row, offset, limit)
                            .await
                            .unwrap();
                        assert_eq!(count as usize, ranked.len(), "{kept:?} {row}");
                        let want: Vec<_> = ranked
                            .iter()
                            .skip(offset as usize)
                            .take(limit as usize)
                            .cloned()
                            .collect();
                        assert_eq!(page, want, "{kept:?} {row} {offset}+{limit}");
                    }
                    let without = app
                        .db
                        .cases()
                        .kept_figures(kept, first, end, false)
                        .await
                        .unwrap();
                    assert!(without.by_compound.is_empty());
                    assert_eq!(without.by_unit, counted.by_unit);
                    assert_eq!(without.by_kind, counted.by_kind);
                }
            }
        }
    }
    // The rebuild gives the same as the month-by-month refresh.
    let before = app
        .db
        .cases()
        .kept_figures(&scopes[0].1, 200001, 210001, true)
        .await
        .unwrap();
    app.db.cases().rebuild_figures(later).await.unwrap();
    let after = app
        .db
        .cases()
        .kept_figures(&scopes[0].1, 200001, 210001, true)
        .await
        .unwrap();
    assert_eq!(before, after);
}

/// RULES.md §3: a case with no clear owner goes to the level above. A compound of a new
/// community has no Red Butler team, no community office and no property company: its case is
/// received by the sub-district office, not refused.
#[tokio::test]
async fn a_case_with_no_team_or_office_goes_up_the_ladder() {
    let app = spawn_demo().await;
    let (_, compound) = app.other_community("无人社区").await;
    let admin = app.token("admin").await;
    let (status, c) = post(
        &app,
        &admin,
        "/api/v1/cases",
        json!({"kind": "complaint", "category": "other", "compound_id": compound,
               "channel": "phone", "reporter_name": "王某", "description": "路灯不亮"}),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let (_, v) = get(&app, &admin, &format!("/api/v1/cases/{}", c["id"])).await;
    assert_eq!(v["owner_name"], "中山路街道办事处", "{v}");
    assert_eq!(v["owner_kind"], "organisation");
}

/// RULES.md §2: a petition that is not accepted, or belongs in a court, in administrative
/// reconsideration or with another organ, says so with the reason and the body to go to; the
/// petitioner reads it on their case page.
#[tokio::test]
async fn a_petition_not_accepted_says_why_and_where_to_go() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let body = json!({"kind": "petition", "category": "fees_services", "compound_id": guoshui, "channel": "letter",
                      "reporter_name": "李某", "description": "要求撤销法院判决"});
    let (_, c) = post(&app, &staff, "/api/v1/cases", body).await;
    let id = c["id"].as_i64().unwrap();
    let url = format!("/api/v1/cases/{id}/actions");
    // The body to go to is needed for a redirection; a made-up outcome is refused.
    for (input, field, code) in [
        (
            json!({"action": "not_accept", "note": "属诉讼事项", "outcome": "court"}),
            "go_to",
            "required",
        ),
        (
            json!({"action": "not_accept", "note": "x", "outcome": "elsewhere"}),
            "outcome",
            "invalid",
        ),
        (
            json!({"action": "not_accept", "outcome": "court", "go_to": "永川区人民法院"}),
            "note",
            "required",
        ),
    ] {
        let (s, e) = post(&app, &staff, &url, input.clone()).await;
        assert_eq!(s, 422, "{input}: {e}");
        assert_eq!(
            (
                e["error"]["fields"][0]["field"].as_str(),
                e["error"]["fields"][0]["code"].as_str()
            ),
            (Some(field), Some(code)),
            "{e}"
        );
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM case_outcomes WHERE case_id = {id}"
        ))
        .await,
        0
    );
    let v = act(
        &app,
        &staff,
        id,
        json!({"action": "not_accept", "note": "已经法院生效判决的事项，依法通过诉讼程序解决", "outcome": "court",
               "go_to": "重庆市第五中级人民法院", "internal": true}),
    )
    .await;
    assert_eq!(v["status"], "not_accepted");
    assert_eq!(v["outcome"]["outcome"], "court");
    assert_eq!(v["outcome"]["go_to"], "重庆市第五中级人民法院");
    let event = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "not_accepted")
        .cloned()
        .unwrap();
    assert_eq!(
        event["internal"], 0,
        "what the petitioner must be told is never internal"
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = {id} AND after_json LIKE '%court%'")).await,
        1,
        "audited with the step"
    );
    let page = app
        .login("liwenjing")
        .await
        .get(&format!("/cases/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("不予受理：应通过诉讼解决") && page.contains("重庆市第五中级人民法院"),
        "shown on the page"
    );
}

/// RULES.md §2: a letter or visit registered after the day it arrived carries its day of
/// receipt, and the 15 days to decide run from that day.
#[tokio::test]
async fn a_petition_registered_late_runs_from_the_day_it_arrived() {
    let app = spawn_demo().await;
    let staff = app.token("liwenjing").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let today = redbutler::domain::deadline::local_day(redbutler::db::now());
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let petition = |received: &str| {
        json!({"kind": "petition", "category": "fees_services", "compound_id": guoshui, "channel": "letter",
               "reporter_name": "李某", "description": "来信反映物业费", "received_on": received})
    };
    for (received, code) in [
        (day(1), "in_future"),
        (day(-400), "too_old"),
        ("2026-02-30".to_string(), "invalid_date"),
    ] {
        let (s, e) = post(&app, &staff, "/api/v1/cases", petition(&received)).await;
        assert_eq!(s, 422, "{received}: {e}");
        assert_eq!(e["error"]["fields"][0]["field"], "received_on");
        assert_eq!(e["error"]["fields"][0]["code"], code, "{received}");
    }
    let complaint = json!({"kind": "complaint", "category": "parking", "compound_id": guoshui, "channel": "phone",
                           "reporter_name": "李某", "description": "x", "received_on": day(-3)});
    let (s, e) = post(&app, &staff, "/api/v1/cases", complaint).await;
    assert_eq!(
        (s, e["error"]["fields"][0]["code"].as_str()),
        (422, Some("only_petitions")),
        "{e}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases WHERE description = '来信反映物业费'")
            .await,
        0
    );

    let received = day(-10);
    let (s, c) = post(&app, &staff, "/api/v1/cases", petition(&received)).await;
    assert_eq!(s, 201, "{c}");
    let (_, v) = get(&app, &staff, &format!("/api/v1/cases/{}", c["id"])).await;
    assert_eq!(v["received_on"], received.as_str());
    let cal = app.db.calendar().calendar().await.unwrap();
    let arrived = redbutler::domain::deadline::local_midnight(received.parse().unwrap());
    assert_eq!(
        v["accept_due"].as_i64().unwrap(),
        redbutler::domain::deadline::petition_accept_due(&cal, arrived),
        "from the day it arrived, not the day it was registered"
    );
    assert!(
        v["accept_due"].as_i64().unwrap()
            < redbutler::domain::deadline::petition_accept_due(
                &cal,
                v["created_at"].as_i64().unwrap()
            )
    );
    let page = app
        .login("liwenjing")
        .await
        .get(&format!("/cases/{}", c["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("id=\"received-on\">{received}")),
        "shown on the case page"
    );
}
