//! Owners' decisions end to end through the JSON API: the decision part of S2 (the parking plan of
//! 国税佳苑), the counting rules on the demo roll, refusals that change nothing, tampering, the
//! offline audit tool on exported files, consultations and extraordinary meeting demands.
use crate::helpers::*;
use redbutler::domain::deadline;
use reqwest::Method;
use serde_json::{Value, json};

const DAY: i64 = 86_400;

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app.api(token, method, path).await;
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(app, token, Method::POST, path, Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app, token, Method::GET, path, None).await
}

async fn compound(app: &TestApp, name: &str) -> i64 {
    app.id_of(&format!("SELECT id FROM compounds WHERE name = '{name}'"))
        .await
}

fn local_in(days: i64) -> String {
    deadline::local(redbutler::db::now() + days * DAY)
}

/// "Time passes": moves a decision's schedule `secs` into the past.
async fn travel(app: &TestApp, id: i64, secs: i64) {
    sqlx::query(
        "UPDATE decisions SET opens_at = opens_at - $1, closes_at = closes_at - $1, noticed_at = noticed_at - $1 WHERE id = $2",
    )
    .bind(secs)
    .bind(id)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A parking vote on 国税佳苑 (art. 278 item 8, a major matter) convened by the owners'
/// committee (彭大爷), with the landscaping bureau invited; opens in `days`.
pub(crate) async fn parking_vote(
    app: &TestApp,
    committee: &str,
    days: i64,
    extra_item: bool,
) -> (u16, Value) {
    let guoshui = compound(app, "国税佳苑").await;
    let bureau = app
        .id_of("SELECT id FROM organisations WHERE name = '永川区市政园林管理局'")
        .await;
    let mut items = vec![json!({"title": "在小区主干道划设停车位、保留消防通道", "matter": 8})];
    if extra_item {
        items.push(json!({"title": "使用专项维修资金修缮 3 栋屋面", "matter": 5}));
    }
    post(
        app,
        committee,
        "/api/v1/decisions",
        json!({"compound_id": guoshui, "kind": "assembly", "mode": "meeting", "title": "停车规划业主大会",
               "description": "园林局已原则同意停车规划草案。", "place": "1 栋架空层",
               "opens_at": local_in(days), "closes_at": local_in(days + 3), "items": items, "invited": [bureau]}),
    )
    .await
}

/// Every head of the roll: (head, area, kind).
async fn roll(app: &TestApp, token: &str, id: i64) -> Vec<(i64, i64, String)> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let (s, page) = get(
            app,
            token,
            &format!("/api/v1/decisions/{id}/roll?after={after}&limit=200"),
        )
        .await;
        assert_eq!(s, 200, "{page}");
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            return out;
        }
        for h in &page {
            out.push((
                h["head_no"].as_i64().unwrap(),
                h["area"].as_i64().unwrap(),
                h["kind"].as_str().unwrap().to_string(),
            ));
        }
        after = out.last().unwrap().0;
    }
}

async fn paper(
    app: &TestApp,
    token: &str,
    id: i64,
    head: i64,
    item: i64,
    choice: &str,
) -> (u16, Value) {
    post(
        app,
        token,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"channel": "paper", "head": head, "ballot_number": format!("P-{item}-{head}"),
               "choices": [{"item": item, "choice": choice}]}),
    )
    .await
}

async fn decision_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM decisions").await
}

#[tokio::test]
async fn s2_the_owners_decide_the_parking_plan_lawfully_and_anyone_can_recount_it() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let bureau = app.token("liuyuan").await;
    let butler = app.token("luojiangyan").await;

    // Too short a notice: refused when the draft is saved, and nothing is created.
    let before = decision_count(&app).await;
    let (s, v) = parking_vote(&app, &committee, 10, false).await;
    assert_eq!(
        (s, field_error(&v)),
        (422, ("opens_at", "notice_too_short")),
        "{v}"
    );
    assert_eq!(decision_count(&app).await, before);
    // A draft that waited until too late is refused at the notice.
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let short = v["id"].as_i64().unwrap();
    travel(&app, short, 5 * DAY).await;
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{short}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_notice_too_short")),
        "{v}"
    );
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{short}")).await;
    assert_eq!(v["status"], "draft");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE decision_id = {short}"
        ))
        .await,
        0
    );
    // A draft is the convenor's: owners and the bureau do not see it.
    assert_eq!(
        get(&app, &bureau, &format!("/api/v1/decisions/{short}"))
            .await
            .0,
        404
    );

    // With 17 days it goes out: owners and the invited bureau are told.
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "noticed");
    let peng = app
        .id_of("SELECT id FROM users WHERE username = 'pengdaye'")
        .await;
    let liu = app
        .id_of("SELECT id FROM users WHERE username = 'liuyuan'")
        .await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM notifications WHERE decision_id = {id} AND user_id = {peng} AND kind = 'decision_noticed'")).await, 1);
    // The community office is informed, not told to vote.
    let li = app
        .id_of("SELECT id FROM users WHERE username = 'liwenjing'")
        .await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM notifications WHERE decision_id = {id} AND user_id = {li} AND kind = 'decision_noticed'")).await, 0);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM notifications WHERE decision_id = {id} AND user_id = {li} AND kind = 'decision_noticed_informed'")).await, 1);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM notifications WHERE decision_id = {id} AND user_id = {liu} AND kind = 'decision_invited'")).await, 1);
    // A second notice is refused.
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .1["error"]["code"],
        "vote_not_draft"
    );

    // An owner asks; the bureau answers from its own account; its name shows on the answer.
    let (s, q) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/questions"),
        json!({"text": "划线后消防通道宽度是否达标？"}),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    let (s, v) = post(
        &app,
        &bureau,
        &format!("/api/v1/decisions/{id}/questions/{qid}/answer"),
        json!({"text": "通道宽度 4 米，符合规范。"}),
    )
    .await;
    assert_eq!(s, 204, "{v}");
    let (_, v) = get(&app, &bureau, &format!("/api/v1/decisions/{id}/questions")).await;
    assert_eq!(v[0]["answered_by_organisation"], "永川区市政园林管理局");
    // The bureau is not the convenor: no roll, no paper ballots.
    assert_eq!(
        get(&app, &bureau, &format!("/api/v1/decisions/{id}/roll"))
            .await
            .0,
        403
    );

    // Before the window opens nobody votes.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_not_open_yet")),
        "{v}"
    );

    // 17 days later voting opens and the roll freezes.
    travel(&app, id, 17 * DAY).await;
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(v["status"], "open");
    let heads = v["decision"]["roll_heads"].as_i64().unwrap();
    let total_area = v["decision"]["roll_area"].as_i64().unwrap();
    assert!(heads >= 300, "{heads}");
    let roll = roll(&app, &committee, id).await;
    assert_eq!(roll.len() as i64, heads);
    assert_eq!(roll.iter().map(|r| r.1).sum::<i64>(), total_area);
    // The counting rules: several units one head, co-owned one head, unsold units one head.
    let units = app.count(&format!("SELECT COUNT(*) FROM dwellings WHERE compound_id = (SELECT compound_id FROM decisions WHERE id = {id})")).await;
    assert!(
        units > heads,
        "several units per head somewhere: {units} units, {heads} heads"
    );
    assert_eq!(roll.iter().filter(|r| r.2 == "developer").count(), 1);
    assert!(roll.iter().any(|r| r.2 == "co_owned"));

    // 彭大爷 votes online on his phone; a second vote is refused and changes nothing.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let peng_head = v["head"].as_i64().unwrap();
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "disagree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_already_cast")),
        "{v}"
    );
    // A butler who owns nothing here is not on the roll.
    let (s, v) = post(
        &app,
        &butler,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_not_on_roll")),
        "{v}"
    );
    // Property staff see the vote but do not record paper ballots.
    let staff = app.token("chengang").await;
    let other = roll.iter().find(|r| r.0 != peng_head).unwrap().0;
    let (s, _) = post(&app, &staff, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "paper", "head": other, "ballot_number": "X1", "choices": [{"item": 1, "choice": "agree"}]})).await;
    assert_eq!(s, 403);

    // Paper ballots from the meeting: exactly the heads needed for 2/3 participation and 3/4
    // approval in heads, with area to spare. Every 4th voter disagrees.
    let mut voters: Vec<&(i64, i64, String)> = roll
        .iter()
        .filter(|r| r.0 != peng_head && r.2 != "no_owner")
        .collect();
    voters.sort_by_key(|r| std::cmp::Reverse(r.1));
    let need_heads = (2 * heads + 2) / 3;
    let mut cast = 1;
    let mut agree = 1;
    for (i, (head, _, _)) in voters.iter().enumerate() {
        if cast >= need_heads {
            break;
        }
        // Keep agreement at ≥ 3/4 of participants.
        let choice = if (agree * 4) >= 3 * (cast + 1) && i % 4 == 3 {
            "disagree"
        } else {
            "agree"
        };
        let (s, v) = paper(&app, &committee, id, *head, 1, choice).await;
        assert_eq!(s, 201, "{v}");
        cast += 1;
        if choice == "agree" {
            agree += 1;
        }
    }
    // A proxy vote needs the reference of the written authorisation.
    let proxy_head = voters[cast as usize].0;
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "proxy", "head": proxy_head, "choices": [{"item": 1, "choice": "abstain"}]})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("proxy_reference")),
        "{v}"
    );
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "proxy", "head": proxy_head, "proxy_reference": "授权委托书 2026-017", "choices": [{"item": 1, "choice": "agree"}]})).await;
    assert_eq!(s, 201, "{v}");
    cast += 1;
    agree += 1;

    // The convenor follows participation, never the choices.
    let (_, v) = get(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/progress"),
    )
    .await;
    assert_eq!(v[0]["heads"].as_i64(), Some(cast));
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert!(
        v["items"][0]["result"].is_null(),
        "hidden until the close: {v}"
    );

    // It cannot close early, nor without its closing report and attendance.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/close"),
        json!({"report": "会议纪要", "attendance": 280, "organisations": "远博物业、园林局"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_still_open")),
        "{v}"
    );
    travel(&app, id, 3 * DAY).await;
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "paper", "head": voters[cast as usize + 2].0, "ballot_number": "late", "choices": [{"item": 1, "choice": "agree"}]})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_closed")),
        "a vote after the close: {v}"
    );
    let (s, _) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/close"),
        json!({"report": "会议纪要"}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/close"), json!({"report": "会议于 1 栋架空层召开，园林局到会答疑。", "attendance": 280, "organisations": "重庆远博物业、永川区市政园林管理局、兴龙湖社区"})).await;
    assert_eq!(s, 200, "{v}");
    let result = v["items"][0]["result"].clone();
    assert_eq!(result["passed"], true, "{result}");
    assert_eq!(result["class"], "major");
    assert_eq!(result["participating"]["heads"].as_i64(), Some(cast));
    assert_eq!(result["agreeing"]["heads"].as_i64(), Some(agree));
    assert!(!v["decision"]["chain_head"].as_str().unwrap().is_empty());

    // Verification from the stored ballots, and the offline recount from the exported files.
    let (_, ver) = get(&app, &bureau, &format!("/api/v1/decisions/{id}/verify")).await;
    assert_eq!(ver["intact"], true, "{ver}");
    assert_eq!(ver["ballots"].as_i64(), Some(cast));
    let roll_csv = app
        .api(
            &bureau,
            Method::GET,
            &format!("/api/v1/decisions/{id}/roll.csv"),
        )
        .await
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ballots_csv = app
        .api(
            &bureau,
            Method::GET,
            &format!("/api/v1/decisions/{id}/items/1/ballots.csv"),
        )
        .await
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(roll_csv.starts_with("head_id,units,area_m2\n"));
    assert!(ballots_csv.starts_with("head_id,choice\n"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ROLL.csv"), &roll_csv).unwrap();
    std::fs::write(dir.path().join("BALLOTS.csv"), &ballots_csv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redbutler"))
        .args(["tally", "--matter", "8", "--roll"])
        .arg(dir.path().join("ROLL.csv"))
        .arg("--ballots")
        .arg(dir.path().join("BALLOTS.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        offline, result,
        "the offline recount equals the published result"
    );
    // The command line exports exactly the same two files.
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_redbutler"))
            .arg("--database-url")
            .arg(&app.database_url)
            .args(args)
            .output()
            .unwrap()
    };
    let exported = dir.path().join("export");
    let out = cli(&[
        "export-vote",
        &id.to_string(),
        "--item",
        "1",
        "--to",
        exported.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(exported.join("ROLL.csv")).unwrap(),
        roll_csv
    );
    assert_eq!(
        std::fs::read_to_string(exported.join("BALLOTS.csv")).unwrap(),
        ballots_csv
    );
    assert!(cli(&["verify-vote", &id.to_string()]).status.success());

    // Follow-up work: the parking plan becomes a case, once.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/items/1/follow-up"),
        json!({"category": "parking"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let case = v["id"].as_i64().unwrap();
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {case} AND compound_id = (SELECT compound_id FROM decisions WHERE id = {id})")).await, 1);
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/items/1/follow-up"),
            json!({})
        )
        .await
        .1["error"]["code"],
        "vote_follow_up_exists"
    );

    // Tampering: a changed choice, a rewritten hash, a deleted ballot are each found and named.
    let (bid, seq): (i64, i64) = sqlx::query_as(&format!(
        "SELECT id, seq FROM ballots WHERE decision_id = {id} AND seq = 3"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    exec(&app, &format!("UPDATE ballots SET choice = CASE WHEN choice = 'agree' THEN 'disagree' ELSE 'agree' END WHERE id = {bid}")).await;
    let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
    assert_eq!(ver["intact"], false);
    assert!(
        ver["faults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fault"] == "altered"
                && f["ballot_id"].as_i64() == Some(bid)
                && f["seq"].as_i64() == Some(seq)),
        "{ver}"
    );
    assert_eq!(ver["tally_mismatches"], json!([1]), "{ver}");
    exec(&app, &format!("UPDATE ballots SET choice = CASE WHEN choice = 'agree' THEN 'disagree' ELSE 'agree' END WHERE id = {bid}")).await;
    assert_eq!(
        get(&app, &committee, &format!("/api/v1/decisions/{id}/verify"))
            .await
            .1["intact"],
        true
    );
    exec(
        &app,
        &format!("UPDATE ballots SET choice = 'yes' WHERE decision_id = {id} AND seq = 4"),
    )
    .await;
    let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
    assert!(
        ver["faults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fault"] == "altered" && f["seq"].as_i64() == Some(4)),
        "{ver}"
    );
    exec(
        &app,
        &format!("DELETE FROM ballots WHERE decision_id = {id} AND seq = 5"),
    )
    .await;
    let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
    assert!(
        ver["faults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fault"] == "missing" && f["seq"].as_i64() == Some(5)),
        "{ver}"
    );
    let out = cli(&["verify-vote", &id.to_string()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "verify-vote fails on a tampered chain"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"missing\""));
    exec(
        &app,
        &format!("UPDATE roll_heads SET area = area + 1 WHERE decision_id = {id} AND head_no = 1"),
    )
    .await;
    let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
    assert_ne!(
        ver["roll_digest"], ver["roll_digest_recomputed"],
        "a changed roll is found: {ver}"
    );
    assert_eq!(
        ver["changed_heads"],
        json!([1]),
        "and its head named: {ver}"
    );
    exec(
        &app,
        &format!("UPDATE roll_heads SET area = area - 1 WHERE decision_id = {id} AND head_no = 1"),
    )
    .await;
    // The three edits the ROLL.csv digest alone missed are found and their heads named.
    let heads = app
        .count(&format!(
            "SELECT COUNT(*) FROM roll_heads WHERE decision_id = {id}"
        ))
        .await;
    assert!(heads >= 3);
    for (sql, head) in [
        // a dwelling moved from head 2 to head 3
        (
            format!("UPDATE roll_units SET head_no = 3 WHERE decision_id = {id} AND head_no = 2"),
            vec![2, 3],
        ),
        // the designated voter of head 2 changed
        (
            format!(
                "UPDATE roll_heads SET designated_person_id = (SELECT MAX(id) FROM people) WHERE decision_id = {id} AND head_no = 2"
            ),
            vec![2],
        ),
        // the kind of head 3 changed
        (
            format!(
                "UPDATE roll_heads SET kind = 'developer' WHERE decision_id = {id} AND head_no = 3"
            ),
            vec![3],
        ),
    ] {
        exec(&app, &sql).await;
        let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
        assert_eq!(ver["roll_intact"], false, "{sql}: {ver}");
        assert_eq!(ver["intact"], false);
        let named: Vec<i64> = ver["changed_heads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_i64().unwrap())
            .collect();
        assert!(
            head.iter().all(|h| named.contains(h)),
            "{sql}: named {named:?}"
        );
    }
}

#[tokio::test]
async fn owners_only_one_vote_per_head_and_a_sale_moves_a_head_only_when_whole() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let butler = app.token("luojiangyan").await;
    let (s, v) = parking_vote(&app, &committee, 17, true).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    let guoshui = compound(&app, "国税佳苑").await;

    // Before voting opens an owner checks their entry and objects; the convenor answers.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/objections"),
        json!({"text": "我的车库面积漏登了"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(v["mine"]["heads"].as_array().unwrap().len(), 1, "{v}");
    let oid = v["objections"][0]["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/objections/{oid}/answer"),
            json!({"text": "已核对不动产登记，车库另有产权证。"})
        )
        .await
        .0,
        204
    );

    travel(&app, id, 17 * DAY).await;
    // Objections end when the roll freezes.
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/objections"),
            json!({"text": "again"})
        )
        .await
        .1["error"]["code"],
        "vote_roll_frozen"
    );

    // The butler rents a flat here: a tenant does not vote on an assembly matter.
    let luo_person = app
        .id_of("SELECT person_id FROM users WHERE username = 'luojiangyan'")
        .await;
    let rented = app.id_of(&format!("SELECT MIN(d.id) FROM dwellings d JOIN holdings h ON h.dwelling_id = d.id AND h.relation = 'owner' WHERE d.compound_id = {guoshui}")).await;
    // The community office keeps who holds which flat (through the product, as it would).
    let office = app.token("liwenjing").await;
    let (s, v) = post(
        &app,
        &office,
        &format!("/api/v1/dwellings/{rented}/holdings"),
        json!({"person_id": luo_person, "relation": "tenant", "since": "2020-01-01"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(
        &app,
        &butler,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_not_an_owner")),
        "{v}"
    );

    // 彭大爷 votes on item 1, then sells his flat to the butler.
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let peng_person = app
        .id_of("SELECT person_id FROM users WHERE username = 'pengdaye'")
        .await;
    let flat = app.id_of(&format!("SELECT MIN(dwelling_id) FROM holdings WHERE person_id = {peng_person} AND relation = 'owner'")).await;
    let yesterday = deadline::local_date(redbutler::db::now() - DAY);
    let sold = app.id_of(&format!("SELECT id FROM holdings WHERE dwelling_id = {flat} AND person_id = {peng_person} AND relation = 'owner'")).await;
    let (s, v) = post(
        &app,
        &office,
        &format!("/api/v1/holdings/{sold}/end"),
        json!({"until": yesterday}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &app,
        &office,
        &format!("/api/v1/dwellings/{flat}/holdings"),
        json!({"person_id": luo_person, "relation": "owner", "since": yesterday}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // RULES.md §1, "who votes for a head": the head had voted before the sale, so it stays with
    // the seller for every item; the buyer, who never held a head, gains none.
    for item in [1, 2] {
        let (s, v) = post(
            &app,
            &butler,
            &format!("/api/v1/decisions/{id}/ballots"),
            json!({"choices": [{"item": item, "choice": "disagree"}]}),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("head_with_seller")),
            "item {item}: {v}"
        );
    }
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 2, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(s, 201, "the seller keeps the head: {v}");

    // A head that has not voted and is sold whole passes to its buyer; a partial sale leaves it
    // with the seller; a buyer who is on the roll already gains no second head.
    let hash0 = redbutler::services::accounts::credentials::hash_password(PASSWORD.into())
        .await
        .unwrap();
    let resident = |name: &'static str, person: i64| {
        let app = &app;
        let hash = hash0.clone();
        async move {
            let uid = app
                .db
                .accounts()
                .insert_user(name, Some(person), &hash, "zh-CN")
                .await
                .unwrap();
            app.db
                .accounts()
                .insert_grant(
                    uid,
                    redbutler::domain::kinds::Role::Resident,
                    redbutler::domain::kinds::ScopeKind::Compound,
                    Some(guoshui),
                )
                .await
                .unwrap();
            app.token(name).await
        }
    };
    let sell = |holding_owner: i64, flat: i64, buyer: i64| {
        let app = &app;
        let office = office.clone();
        let yesterday = yesterday.clone();
        async move {
            let held = app.id_of(&format!("SELECT id FROM holdings WHERE dwelling_id = {flat} AND person_id = {holding_owner} AND relation IN ('owner', 'co_owner') AND until IS NULL")).await;
            let (s, v) = post(
                app,
                &office,
                &format!("/api/v1/holdings/{held}/end"),
                json!({"until": yesterday}),
            )
            .await;
            assert_eq!(s, 200, "{v}");
            let (s, v) = post(
                app,
                &office,
                &format!("/api/v1/dwellings/{flat}/holdings"),
                json!({"person_id": buyer, "relation": "owner", "since": yesterday}),
            )
            .await;
            assert_eq!(s, 201, "{v}");
        }
    };
    let new_person = |name: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO people (name, created_at) VALUES ($1, 0) RETURNING id",
            )
            .bind(name)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
        }
    };
    // A one-unit owner head that has not voted.
    let (whole_head, seller): (i64, i64) = sqlx::query_as(&format!(
        "SELECT h.head_no, MIN(v.person_id) FROM roll_heads h JOIN roll_voters v ON v.decision_id = h.decision_id AND v.head_no = h.head_no \
         WHERE h.decision_id = {id} AND h.kind = 'owner' AND h.units NOT LIKE '%;%' \
         AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.decision_id = h.decision_id AND b.head_no = h.head_no) \
         AND v.person_id NOT IN ({peng_person}, {luo_person}) GROUP BY h.head_no ORDER BY h.head_no LIMIT 1"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let whole_flat = app
        .id_of(&format!(
            "SELECT dwelling_id FROM roll_units WHERE decision_id = {id} AND head_no = {whole_head}"
        ))
        .await;
    let buyer = new_person("买房人").await;
    sell(seller, whole_flat, buyer).await;
    let buyer_token = resident("buyer_a", buyer).await;
    let seller_token = resident("seller_a", seller).await;
    let (s, v) = post(
        &app,
        &seller_token,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("head_with_seller")),
        "{v}"
    );
    let (s, v) = post(
        &app,
        &buyer_token,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}, {"item": 2, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        s, 201,
        "the buyer of a whole head that had not voted votes: {v}"
    );
    let cast: i64 = app.count(&format!("SELECT COUNT(*) FROM ballots WHERE decision_id = {id} AND head_no = {whole_head} AND voter_person_id = {buyer}")).await;
    assert_eq!(cast, 2);

    // Partial sale: a head of two or more units, one unit sold; the head stays with the seller.
    {
        let (multi_head, multi_seller) = sqlx::query_as::<_, (i64, i64)>(&format!(
        "SELECT h.head_no, MIN(v.person_id) FROM roll_heads h JOIN roll_voters v ON v.decision_id = h.decision_id AND v.head_no = h.head_no \
         WHERE h.decision_id = {id} AND h.kind = 'owner' AND h.units LIKE '%;%' \
         AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.decision_id = h.decision_id AND b.head_no = h.head_no) \
         GROUP BY h.head_no ORDER BY h.head_no LIMIT 1"
        ))
        .fetch_one(&app.db.pool)
        .await
        .expect("the demo has owners of several flats");
        let one_flat = app.id_of(&format!("SELECT MIN(dwelling_id) FROM roll_units WHERE decision_id = {id} AND head_no = {multi_head}")).await;
        let part_buyer = new_person("买一套的人").await;
        sell(multi_seller, one_flat, part_buyer).await;
        let part_token = resident("buyer_b", part_buyer).await;
        let (s, v) = post(
            &app,
            &part_token,
            &format!("/api/v1/decisions/{id}/ballots"),
            json!({"choices": [{"item": 1, "choice": "agree"}]}),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("head_with_seller")),
            "{v}"
        );
        let multi_token = resident("seller_b", multi_seller).await;
        let (s, v) = post(
            &app,
            &multi_token,
            &format!("/api/v1/decisions/{id}/ballots"),
            json!({"choices": [{"item": 1, "choice": "agree"}]}),
        )
        .await;
        assert_eq!(
            s, 201,
            "a partial sale leaves the head with the seller: {v}"
        );
    }

    // A buyer who is on the roll already (the seller_a-head buyer is not; 彭大爷 is) buys a
    // whole head that has not voted: no second head.
    let (third_head, third_seller): (i64, i64) = sqlx::query_as(&format!(
        "SELECT h.head_no, MIN(v.person_id) FROM roll_heads h JOIN roll_voters v ON v.decision_id = h.decision_id AND v.head_no = h.head_no \
         WHERE h.decision_id = {id} AND h.kind = 'owner' AND h.units NOT LIKE '%;%' \
         AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.decision_id = h.decision_id AND b.head_no = h.head_no) \
         AND v.person_id NOT IN ({peng_person}, {luo_person}, {seller}) GROUP BY h.head_no ORDER BY h.head_no LIMIT 1"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let third_flat = app
        .id_of(&format!(
            "SELECT dwelling_id FROM roll_units WHERE decision_id = {id} AND head_no = {third_head}"
        ))
        .await;
    sell(third_seller, third_flat, peng_person).await;
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(v["mine"]["heads"].as_array().unwrap().len(), 1, "{v}");
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"head": third_head, "choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(s, 422, "not his head: {v}");
    assert_eq!(v["error"]["fields"][0]["code"], "not_yours");
    // The roll's totals never changed.
    let (heads, area): (i64, i64) = sqlx::query_as(&format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(area), 0) AS BIGINT) FROM roll_heads WHERE decision_id = {id}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (_, dv) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(heads, dv["decision"]["roll_heads"].as_i64().unwrap());
    assert_eq!(area, dv["decision"]["roll_area"].as_i64().unwrap());

    // A co-owned unit votes once, through its designated co-owner.
    let (head, designated): (i64, i64) = sqlx::query_as(&format!("SELECT head_no, designated_person_id FROM roll_heads WHERE decision_id = {id} AND kind = 'co_owned' ORDER BY head_no LIMIT 1")).fetch_one(&app.db.pool).await.unwrap();
    let other = app.id_of(&format!("SELECT MIN(person_id) FROM roll_voters WHERE decision_id = {id} AND head_no = {head} AND person_id <> {designated}")).await;
    let hash = redbutler::services::accounts::credentials::hash_password(PASSWORD.into())
        .await
        .unwrap();
    let mut tokens = vec![];
    for (name, person) in [("co_a", designated), ("co_b", other)] {
        let uid = app
            .db
            .accounts()
            .insert_user(name, Some(person), &hash, "zh-CN")
            .await
            .unwrap();
        app.db
            .accounts()
            .insert_grant(
                uid,
                redbutler::domain::kinds::Role::Resident,
                redbutler::domain::kinds::ScopeKind::Compound,
                Some(guoshui),
            )
            .await
            .unwrap();
        tokens.push(app.token(name).await);
    }
    let (s, v) = post(
        &app,
        &tokens[1],
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_designated_co_owner")),
        "{v}"
    );
    let (s, v) = post(
        &app,
        &tokens[0],
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}, {"item": 2, "choice": "abstain"}]}),
    )
    .await;
    assert_eq!((s, v["head"].as_i64()), (201, Some(head)), "{v}");

    // Bad ballots are refused and store nothing.
    let before = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballots WHERE decision_id = {id}"
        ))
        .await;
    for body in [
        json!({"choices": []}),
        json!({"choices": [{"item": 9, "choice": "agree"}]}),
        json!({"choices": [{"item": 1, "choice": "yes"}]}),
        json!({"choices": [{"item": 1, "choice": "agree"}, {"item": 1, "choice": "agree"}]}),
        json!({"channel": "mail", "choices": [{"item": 1, "choice": "agree"}]}),
        json!({"channel": "paper", "head": 5, "choices": [{"item": 1, "choice": "agree"}]}),
    ] {
        let (s, v) = post(
            &app,
            &tokens[0],
            &format!("/api/v1/decisions/{id}/ballots"),
            body.clone(),
        )
        .await;
        assert_eq!(s, 422, "{body} → {v}");
    }
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "paper", "head": 999999, "ballot_number": "1", "choices": [{"item": 1, "choice": "agree"}]})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("head")),
        "{v}"
    );
    let (s, v) = post(&app, &committee, &format!("/api/v1/decisions/{id}/ballots"), json!({"channel": "paper", "head": 7, "ballot_number": "1", "choices": [{"item": 3, "choice": "agree"}]})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("choices[0].item")),
        "{v}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM ballots WHERE decision_id = {id}"
        ))
        .await,
        before
    );
    assert_eq!(
        get(&app, &committee, &format!("/api/v1/decisions/{id}/verify"))
            .await
            .1["intact"],
        true
    );
}

#[tokio::test]
async fn convening_is_checked_and_bad_input_changes_nothing() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let resident = app.token("zhangshiying").await;
    let butler = app.token("luojiangyan").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let good = json!({"compound_id": guoshui, "kind": "assembly", "title": "t", "opens_at": local_in(20), "closes_at": local_in(21),
                      "items": [{"title": "x", "matter": 3}]});
    let before = decision_count(&app).await;
    let mut bad = vec![];
    for (field, value) in [
        ("kind", json!("referendum")),
        ("mode", json!("telepathy")),
        ("title", json!("")),
        ("title", json!("长".repeat(201))),
        ("opens_at", json!("next week")),
        ("closes_at", json!(local_in(19))),
        ("items", json!([])),
        ("items", json!([{"title": "x", "matter": 10}])),
        ("items", json!([{"title": "x"}])),
        ("compound_id", json!(999999)),
        ("invited", json!([999999])),
    ] {
        let mut b = good.clone();
        b[field] = value;
        bad.push(b);
    }
    for b in bad {
        let (s, v) = post(&app, &committee, "/api/v1/decisions", b.clone()).await;
        assert_eq!(s, 422, "{b} → {v}");
        assert!(
            v["error"]["fields"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{v}"
        );
    }
    let r = app
        .api(&committee, Method::POST, "/api/v1/decisions")
        .await
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let (s, _) = post(
        &app,
        &committee,
        "/api/v1/decisions",
        json!({"compound_id": "one"}),
    )
    .await;
    assert!(s == 422 || s == 400, "{s}");
    assert_eq!(decision_count(&app).await, before);

    // A resident does not convene; a butler does not convene an assembly where a committee
    // exists; 公租房 has no owners' assembly.
    assert_eq!(
        post(&app, &resident, "/api/v1/decisions", good.clone())
            .await
            .0,
        403
    );
    let (s, v) = post(&app, &butler, "/api/v1/decisions", good.clone()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_committee_convenes")),
        "{v}"
    );
    let mut rental = good.clone();
    rental["compound_id"] = json!(fengqige);
    let admin = app.token("admin").await;
    let (s, v) = post(&app, &admin, "/api/v1/decisions", rental).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("no_owners_here")),
        "{v}"
    );
    assert_eq!(decision_count(&app).await, before);

    // Who sees what: a resident of another compound never sees it, even noticed.
    let (s, v) = post(&app, &committee, "/api/v1/decisions", good.clone()).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        get(&app, &resident, &format!("/api/v1/decisions/{id}"))
            .await
            .0,
        404
    );
    let (_, list) = get(&app, &resident, "/api/v1/decisions").await;
    assert!(
        !list
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"].as_i64() == Some(id))
    );
    let (_, list) = get(&app, &committee, "/api/v1/decisions").await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"].as_i64() == Some(id))
    );
    // The department was not invited to this one.
    let bureau = app.token("liuyuan").await;
    assert_eq!(
        get(&app, &bureau, &format!("/api/v1/decisions/{id}"))
            .await
            .0,
        404
    );
    // Exports wait for the close.
    assert_eq!(
        get(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/roll.csv")
        )
        .await
        .1["error"]["code"],
        "vote_not_closed"
    );
    // A noticed vote can be cancelled before it opens; an open one cannot.
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/cancel"),
            json!({})
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn a_resident_consultation_counts_households_and_says_it_is_advisory() {
    let app = spawn_demo().await;
    let butler = app.token("liwenjing").await;
    let tenant = app.token("zhangshiying").await;
    let fengqige = compound(&app, "凤栖阁").await;
    let (s, v) = post(
        &app,
        &butler,
        "/api/v1/decisions",
        json!({"compound_id": fengqige, "kind": "consultation", "mode": "written",
        "title": "电动车集中充电点选址", "opens_at": local_in(16), "closes_at": local_in(18),
        "items": [{"title": "在 8 栋北侧设集中充电点"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = post(
        &app,
        &butler,
        &format!("/api/v1/decisions/{id}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    travel(&app, id, 16 * DAY).await;
    let (s, v) = post(
        &app,
        &tenant,
        &format!("/api/v1/decisions/{id}/ballots"),
        json!({"choices": [{"item": 1, "choice": "agree"}]}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    travel(&app, id, 2 * DAY).await;
    let (s, v) = post(
        &app,
        &butler,
        &format!("/api/v1/decisions/{id}/close"),
        json!({"report": "书面征求意见结束。"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r = &v["items"][0]["result"];
    assert_eq!(r["advisory"], true, "{v}");
    assert_eq!(r["participating"]["heads"], 1);
    assert!(r.get("passed").is_none());
    let households = v["decision"]["roll_heads"].as_i64().unwrap();
    let occupied = app.count(&format!("SELECT COUNT(DISTINCT d.id) FROM dwellings d JOIN holdings h ON h.dwelling_id = d.id AND h.until IS NULL WHERE d.compound_id = {fengqige}")).await;
    assert_eq!(households, occupied);
}

#[tokio::test]
async fn owners_demand_an_extraordinary_meeting_and_at_twenty_percent_a_case_opens() {
    let app = spawn_demo().await;
    let guoshui = compound(&app, "国税佳苑").await;
    let peng = app.token("pengdaye").await;
    let tenant = app.token("zhangshiying").await;
    let (s, v) = post(
        &app,
        &peng,
        &format!("/api/v1/compounds/{guoshui}/meeting-demands"),
        json!({"subject": "改选业主委员会"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["signed"]["heads"], 1);
    assert_eq!(
        post(
            &app,
            &peng,
            &format!("/api/v1/meeting-demands/{id}/sign"),
            json!({})
        )
        .await
        .1["error"]["code"],
        "demand_signed_already"
    );
    // Someone who owns nothing here cannot sign.
    assert_eq!(
        post(
            &app,
            &tenant,
            &format!("/api/v1/meeting-demands/{id}/sign"),
            json!({})
        )
        .await
        .0,
        404
    );

    // Owners with accounts sign one by one, largest holdings last, until both 20 % are reached.
    let owners: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT h.person_id FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id WHERE d.compound_id = {guoshui} \
         AND h.relation = 'owner' AND h.until IS NULL AND h.person_id NOT IN (SELECT person_id FROM users WHERE person_id IS NOT NULL) ORDER BY h.person_id"
    )).fetch_all(&app.db.pool).await.unwrap();
    let hash = redbutler::services::accounts::credentials::hash_password(PASSWORD.into())
        .await
        .unwrap();
    let mut reached = None;
    for (i, (person,)) in owners.iter().enumerate() {
        let name = format!("owner{i}");
        let uid = app
            .db
            .accounts()
            .insert_user(&name, Some(*person), &hash, "zh-CN")
            .await
            .unwrap();
        app.db
            .accounts()
            .insert_grant(
                uid,
                redbutler::domain::kinds::Role::Resident,
                redbutler::domain::kinds::ScopeKind::Compound,
                Some(guoshui),
            )
            .await
            .unwrap();
        let token = app.token(&name).await;
        let (s, v) = post(
            &app,
            &token,
            &format!("/api/v1/meeting-demands/{id}/sign"),
            json!({}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let enough = v["signed"]["heads"].as_i64() >= v["needed"]["heads"].as_i64()
            && v["signed"]["area"].as_i64() >= v["needed"]["area"].as_i64();
        assert_eq!(
            v["case_id"].is_number(),
            enough,
            "a case exactly when both reach 20 %: {v}"
        );
        if enough {
            reached = Some(v);
            break;
        }
    }
    let v = reached.expect("the owners reach 20 %");
    let case = v["case_id"].as_i64().unwrap();
    let peng_user = app
        .id_of("SELECT id FROM users WHERE username = 'pengdaye'")
        .await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM notifications WHERE user_id = {peng_user} AND case_id = {case} AND kind = 'demand_reached'")).await, 1);
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cases WHERE id = {case} AND next_due IS NOT NULL"
        ))
        .await
            == 1,
        "the case has a deadline"
    );
}

/// A tenant is not offered a demand they may not sign: the pages say who may, instead of
/// refusing after the form is filled in; an owner is offered both.
#[tokio::test]
async fn only_owners_are_offered_the_meeting_demand() {
    let app = spawn_demo().await;
    let fengqige = compound(&app, "凤栖阁").await;
    let guoshui = compound(&app, "国税佳苑").await;
    let tenant = app.login("zhangshiying").await;
    let html = tenant
        .get(&format!("/compounds/{fengqige}/demands"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"owners-only\""), "{html}");
    assert!(!html.contains("name=\"subject\""), "{html}");
    let peng = app.login("pengdaye").await;
    let html = peng
        .get(&format!("/compounds/{guoshui}/demands"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"subject\"") && !html.contains("owners-only"));
    let token = app.token("pengdaye").await;
    let (_, v) = post(
        &app,
        &token,
        &format!("/api/v1/compounds/{guoshui}/meeting-demands"),
        json!({"subject": "改选业主委员会"}),
    )
    .await;
    assert_eq!(v["may_sign"], true);
    let id = v["id"].as_i64().unwrap();
    // Someone who may see the demand but owns nothing there is told so, with no sign button.
    let official = app.login("huminjian").await;
    let html = official
        .get(&format!("/demands/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("owners-only") && !html.contains("sign-demand"),
        "{html}"
    );
}

/// Every decision page renders for the roles that use it, in zh-CN and in en; a bad form gets a
/// page that says what is wrong (never a 500) and changes nothing.
#[tokio::test]
async fn decision_pages_render_in_both_languages_and_bad_forms_explain_themselves() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let (s, v) = parking_vote(&app, &committee, 17, true).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    let guoshui = compound(&app, "国税佳苑").await;
    let peng = app.login("pengdaye").await;
    for lang in ["en", "zh-CN"] {
        assert_eq!(
            peng.get(&format!("/lang/{lang}?back=/")).await.status(),
            303
        );
        for path in [
            "/decisions".to_string(),
            "/decisions/new".to_string(),
            format!("/decisions/{id}"),
            format!("/decisions/{id}/roll"),
            format!("/decisions/{id}/notice"),
            format!("/decisions/{id}/vote"),
            format!("/compounds/{guoshui}/demands"),
        ] {
            let r = peng.get(&path).await;
            assert_eq!(r.status(), 200, "{lang} {path}");
            let html = r.text().await.unwrap();
            assert!(
                !html.contains("decisions."),
                "{lang} {path}: an untranslated key"
            );
            if path.ends_with("/notice") {
                assert!(
                    html.contains("关于停车规划业主大会的公告"),
                    "the notice is always in Chinese"
                );
            } else if lang == "en" {
                assert!(!html.contains("议事表决</h1>"), "{lang} {path}");
            }
        }
    }
    // A bad form: an error page in the user's language, nothing stored.
    let before = decision_count(&app).await;
    let r = peng
        .post_form(
            "/decisions/new",
            &[
                ("compound_id", &guoshui.to_string()),
                ("kind", "assembly"),
                ("title", ""),
                ("opens_at", "soon"),
                ("closes_at", ""),
                ("item_title", "x"),
                ("item_matter", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("时间格式应为"), "{html}");
    let r = peng
        .post_form("/decisions/new", &[("compound_id", "abc")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(decision_count(&app).await, before);
    // The notice cannot go out twice from the page either.
    let r = peng
        .post_form(&format!("/decisions/{id}/notice"), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已经公告"));
    // A resident of another compound gets a 404 page.
    let other = app.login("zhangshiying").await;
    assert_eq!(other.get(&format!("/decisions/{id}")).await.status(), 404);
    assert_eq!(other.get("/decisions/new").await.status(), 403);
}

/// Concurrent ballots: many at once for different owners all land on one intact chain; the same
/// owner sending the same vote twenty times at once is counted once.
#[tokio::test]
async fn concurrent_ballots_keep_one_vote_per_head_and_an_intact_chain() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    travel(&app, id, 17 * DAY).await;
    let heads: Vec<i64> = roll(&app, &committee, id)
        .await
        .into_iter()
        .filter(|h| h.2 != "no_owner")
        .map(|h| h.0)
        .take(41)
        .collect();
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for (n, head) in heads[1..].iter().copied().enumerate() {
        let (app, token) = (app.clone(), committee.clone());
        tasks.push(tokio::spawn(async move {
            paper(
                &app,
                &token,
                id,
                head,
                1,
                ["agree", "disagree", "abstain"][n % 3],
            )
            .await
            .0
        }));
    }
    for _ in 0..20 {
        let (app, token, head) = (app.clone(), committee.clone(), heads[0]);
        tasks.push(tokio::spawn(async move {
            paper(&app, &token, id, head, 1, "agree").await.0
        }));
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses[..40].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        statuses[40..].iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses[40..].iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let (_, ver) = get(&app, &committee, &format!("/api/v1/decisions/{id}/verify")).await;
    assert_eq!(
        (ver["intact"].as_bool(), ver["ballots"].as_i64()),
        (Some(true), Some(41)),
        "{ver}"
    );
    let seqs: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT seq FROM ballots WHERE decision_id = {id} ORDER BY seq"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        seqs.iter().map(|s| s.0).collect::<Vec<_>>(),
        (1..=41).collect::<Vec<_>>()
    );
}

/// The background job opens a vote whose window started (freezing its roll) without anyone
/// looking, and reminds the convenor once to close and publish when the window has ended;
/// convenor actions are in the audit log.
#[tokio::test]
async fn the_job_opens_votes_and_reminds_the_convenor_once_to_close_them() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    travel(&app, id, 17 * DAY).await;
    let now = redbutler::db::now();
    redbutler::services::decisions::decision_pass(&app.db, now)
        .await
        .unwrap();
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM decisions WHERE id = {id} AND status = 'open' AND frozen_at IS NOT NULL")).await, 1);
    let peng = app
        .id_of("SELECT id FROM users WHERE username = 'pengdaye'")
        .await;
    let reminders = format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = {peng} AND decision_id = {id} AND kind = 'decision_to_close'"
    );
    assert_eq!(app.count(&reminders).await, 0, "not before the window ends");
    travel(&app, id, 4 * DAY).await;
    redbutler::services::decisions::decision_pass(&app.db, now)
        .await
        .unwrap();
    redbutler::services::decisions::decision_pass(&app.db, now + 60)
        .await
        .unwrap();
    assert_eq!(app.count(&reminders).await, 1, "reminded once");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'decision' AND entity_id = {id} AND action IN ('create', 'notice')")).await,
        2
    );
}

/// The convenor attaches the parking plan as a PDF; owners read it; anything that is not a PDF
/// or an image, or too large, is refused by its content and nothing is stored.
#[tokio::test]
async fn documents_are_checked_by_content_and_shown_to_whoever_sees_the_vote() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let upload = |token: String, name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
            let r = app
                .api(
                    &token,
                    Method::POST,
                    &format!("/api/v1/decisions/{id}/documents"),
                )
                .await
                .multipart(form)
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (s, v) = upload(
        committee.clone(),
        "C:\\\\plans\\\\停车规划.pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let doc = v["id"].as_i64().unwrap();
    let (s, v) = upload(
        committee.clone(),
        "plan.pdf",
        b"just text pretending".to_vec(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("not_a_document")),
        "{v}"
    );
    let (s, v) = upload(
        committee.clone(),
        "big.pdf",
        [b"%PDF-".as_slice(), &vec![b'x'; 10 * 1024 * 1024]].concat(),
    )
    .await;
    assert!(s == 422 || s == 413, "{s} {v}");
    let staff = app.token("chengang").await;
    assert_eq!(
        upload(staff, "plan.pdf", pdf.clone()).await.0,
        404,
        "a draft is the convenor's alone"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM decision_documents WHERE decision_id = {id}"
        ))
        .await,
        1
    );
    // Noticed, it is there for owners, under its own name without the folder.
    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    let (_, view) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(view["documents"][0]["name"], "停车规划.pdf");
    let r = app
        .login("pengdaye")
        .await
        .get(&format!("/decisions/{id}/documents/{doc}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let outsider = app.token("zhangshiying").await;
    assert_eq!(
        get(
            &app,
            &outsider,
            &format!("/api/v1/decisions/{id}/documents/{doc}")
        )
        .await
        .0,
        404
    );
}

/// Issue 13 §1: the convenor's powers are the convening committee's. A butler and community
/// staff have a general right to convene at 国税佳苑, but not over the committee's vote: they do
/// not see its draft, cannot send its notice, cancel it, key paper or proxy ballots, read its roll
/// or progress, or close it. The committee member can; so can an administrator.
#[tokio::test]
async fn convenor_actions_belong_to_the_convening_committee() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let outsiders = [app.token("luojiangyan").await, app.token("liwenjing").await];
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    for t in &outsiders {
        let (s, _) = get(&app, t, &format!("/api/v1/decisions/{id}")).await;
        assert_eq!(s, 404, "the committee's draft is hidden");
        let (_, list) = get(&app, t, "/api/v1/decisions").await;
        assert!(
            list.as_array().unwrap().iter().all(|d| d["id"] != id),
            "nor listed: {list}"
        );
        for path in ["notice", "cancel"] {
            let (s, _) = post(
                &app,
                t,
                &format!("/api/v1/decisions/{id}/{path}"),
                json!({}),
            )
            .await;
            assert!(s == 403 || s == 404, "{path} by an outsider: {s}");
        }
    }
    let (s, v) = post(
        &app,
        &committee,
        &format!("/api/v1/decisions/{id}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    travel(&app, id, 18 * 86_400).await;
    for t in &outsiders {
        let (s, v) = get(&app, t, &format!("/api/v1/decisions/{id}")).await;
        assert_eq!(s, 200, "a noticed vote is public in the compound: {v}");
        assert_eq!(v["rights"]["manage"], false);
        for path in ["roll", "progress"] {
            let (s, _) = get(&app, t, &format!("/api/v1/decisions/{id}/{path}")).await;
            assert_eq!(s, 403, "{path}");
        }
        let (s, _) = paper(&app, t, id, 1, 1, "agree").await;
        assert_eq!(s, 403, "paper ballot keyed by an outsider");
        let (s, _) = post(
            &app,
            t,
            &format!("/api/v1/decisions/{id}/ballots"),
            json!({"channel": "proxy", "head": 2, "proxy_reference": "made-up",
                   "choices": [{"item": 1, "choice": "agree"}]}),
        )
        .await;
        assert_eq!(s, 403, "proxy ballot keyed by an outsider");
        for path in ["cancel", "close"] {
            let (s, _) = post(
                &app,
                t,
                &format!("/api/v1/decisions/{id}/{path}"),
                json!({"report": "x"}),
            )
            .await;
            assert_eq!(s, 403, "{path} by an outsider");
        }
    }
    let (_, v) = get(&app, &committee, &format!("/api/v1/decisions/{id}")).await;
    assert_eq!(v["status"], "open", "nothing the outsiders did took effect");
    assert_eq!(v["rights"]["manage"], true);
    let (s, _) = paper(&app, &committee, id, 1, 1, "agree").await;
    assert_eq!(s, 201, "the convenor keys a paper ballot");
    let (s, v) = get(
        &app,
        &app.token("admin").await,
        &format!("/api/v1/decisions/{id}/progress"),
    )
    .await;
    assert_eq!(s, 200, "an administrator may: {v}");
}

/// A draft is editable by its convenor until the notice goes out, with the checks of a new one
/// (the 15 days included); the compound and kind stay; others may not; a refused page form
/// comes back with what was typed and the error beside the field; the matter list says which
/// matters need 3/4.
#[tokio::test]
async fn drafts_are_edited_until_the_notice_and_refused_forms_keep_what_was_typed() {
    let app = spawn_demo().await;
    let peng = app.token("pengdaye").await;
    let (s, v) = parking_vote(&app, &peng, 20, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let guoshui = compound(&app, "国税佳苑").await;
    let body = |title: &str, opens: i64| {
        json!({"compound_id": guoshui, "kind": "assembly", "mode": "written", "title": title,
               "opens_at": local_in(opens), "closes_at": local_in(opens + 5),
               "items": [{"title": "划设停车位", "matter": 8}, {"title": "修缮 3 栋屋面", "matter": 5}]})
    };
    let path = format!("/api/v1/decisions/{id}");
    let (s, v) = send(
        &app,
        &peng,
        Method::PUT,
        &path,
        Some(body("停车规划业主大会（修订）", 25)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["decision"]["title"], "停车规划业主大会（修订）");
    assert_eq!(v["decision"]["mode"], "written");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["invited"].as_array().unwrap().len(), 0);
    // The 15 days are checked on every save; the kind and compound cannot change.
    let (s, v) = send(&app, &peng, Method::PUT, &path, Some(body("x", 3))).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("notice_too_short"))
    );
    let mut other_kind = body("x", 25);
    other_kind["kind"] = "consultation".into();
    let (s, v) = send(&app, &peng, Method::PUT, &path, Some(other_kind)).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("fixed"))
    );
    // Nobody else edits the committee's draft.
    let butler = app.token("zhengkairui").await;
    let (s, _) = send(&app, &butler, Method::PUT, &path, Some(body("x", 25))).await;
    assert!(s == 403 || s == 404, "{s}");
    // The page: the edit form is filled in, matters say what they need.
    let page = app.login("pengdaye").await;
    let html = page
        .get(&format!("/decisions/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"停车规划业主大会（修订）\""),
        "{html}"
    );
    assert!(html.contains("value=\"修缮 3 栋屋面\""));
    assert!(html.contains("3/4 以上同意") && html.contains("过半数同意"));
    assert!(
        page.get(&format!("/decisions/{id}"))
            .await
            .text()
            .await
            .unwrap()
            .contains("id=\"edit-draft\"")
    );
    // A refused page form comes back to its page with the typed text and the error beside it.
    let r = page
        .client
        .post(format!("{}/decisions/{id}/edit", page.base))
        .header("referer", format!("{}/decisions/{id}/edit", page.base))
        .form(&[
            ("_csrf", page.csrf.as_str()),
            ("compound_id", &guoshui.to_string()),
            ("kind", "assembly"),
            ("mode", "meeting"),
            ("title", "我新写的标题"),
            ("opens_at", &local_in(2)),
            ("closes_at", &local_in(6)),
            ("item_title", "划设停车位"),
            ("item_matter", "8"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"form-errors\"") && html.contains("id=\"opens_at-error\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"我新写的标题\"") && html.contains("id=\"decision-form\""),
        "{html}"
    );
    // Unchanged by the refused form.
    let (_, v) = get(&app, &peng, &path).await;
    assert_eq!(v["decision"]["title"], "停车规划业主大会（修订）");
    // After the notice the draft is no longer editable.
    let (s, v) = post(
        &app,
        &peng,
        &format!("/api/v1/decisions/{id}/notice"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send(&app, &peng, Method::PUT, &path, Some(body("x", 25))).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("vote_not_draft"))
    );
    assert_eq!(
        page.get(&format!("/decisions/{id}/edit")).await.status(),
        409
    );
}

/// RULES.md §1: a buyer counts as an owner from delivery. A unit the developer sold but has not
/// delivered when the roll is frozen stays in the developer's head; a delivered one is the
/// buyer's own head.
#[tokio::test]
async fn a_unit_sold_but_not_delivered_stays_in_the_developers_head() {
    let app = spawn_demo().await;
    let committee = app.token("pengdaye").await;
    let office = app.token("liwenjing").await;
    let (s, v) = parking_vote(&app, &committee, 17, false).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let guoshui = compound(&app, "国税佳苑").await;
    let developer_units: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT h.id, h.dwelling_id FROM holdings h JOIN dwellings d ON d.id = h.dwelling_id \
         WHERE d.compound_id = {guoshui} AND h.relation IN ('owner', 'developer') AND h.person_id IS NULL \
         AND h.organisation_id IS NOT NULL AND h.until IS NULL ORDER BY h.dwelling_id LIMIT 2"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        developer_units.len(),
        2,
        "the demo developer holds unsold flats"
    );
    let yesterday = deadline::local_date(redbutler::db::now() - DAY);
    let next_year = deadline::local_date(redbutler::db::now() + 365 * DAY);
    let mut buyers = vec![];
    for (n, (holding, flat)) in developer_units.iter().enumerate() {
        let (s, v) = post(
            &app,
            &office,
            &format!("/api/v1/holdings/{holding}/end"),
            json!({"until": yesterday}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let buyer: i64 =
            sqlx::query_scalar("INSERT INTO people (name, created_at) VALUES ($1, 0) RETURNING id")
                .bind(format!("购房人{n}"))
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        // The first is delivered next year, the second was delivered yesterday.
        let delivered = if n == 0 { &next_year } else { &yesterday };
        let (s, v) = post(&app, &office, &format!("/api/v1/dwellings/{flat}/holdings"),
            json!({"person_id": buyer, "relation": "owner", "since": yesterday, "delivered_on": delivered})).await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["delivered_on"], json!(delivered));
        buyers.push(buyer);
    }
    // A delivery date before the purchase, or on a tenancy, is refused.
    let (s, v) = post(&app, &office, &format!("/api/v1/dwellings/{}/holdings", developer_units[0].1),
        json!({"person_id": buyers[1], "relation": "tenant", "since": yesterday, "delivered_on": yesterday})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("delivered_on")),
        "{v}"
    );
    let (s, v) = post(&app, &office, &format!("/api/v1/dwellings/{}/holdings", developer_units[0].1),
        json!({"person_id": buyers[1], "relation": "co_owner", "since": yesterday, "delivered_on": "2000-01-01"})).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (422, Some("out_of_range")),
        "{v}"
    );

    assert_eq!(
        post(
            &app,
            &committee,
            &format!("/api/v1/decisions/{id}/notice"),
            json!({})
        )
        .await
        .0,
        200
    );
    let head_of = |flat: i64| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>(&format!(
                "SELECT h.kind FROM roll_units u JOIN roll_heads h ON h.decision_id = u.decision_id AND h.head_no = u.head_no \
                 WHERE u.decision_id = {id} AND u.dwelling_id = {flat}"
            ))
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        head_of(developer_units[0].1).await,
        "developer",
        "not delivered: the developer's"
    );
    assert_eq!(
        head_of(developer_units[1].1).await,
        "owner",
        "delivered: the buyer's own head"
    );
    let voters: i64 = app
        .count(&format!(
            "SELECT COUNT(*) FROM roll_voters WHERE decision_id = {id} AND person_id = {}",
            buyers[0]
        ))
        .await;
    assert_eq!(voters, 0, "the buyer awaiting delivery is not on the roll");
}
