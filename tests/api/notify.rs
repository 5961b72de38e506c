//! The interface behind which e-mail or SMS hang off the inbox: a channel gets every new
//! notification once, in its recipient's language; a failed batch is offered again.
use crate::cases::{post, send_json};
use crate::helpers::*;
use redbutler::services::notify::{Channel, Outgoing, SpoolFile, delivery_pass, start};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

struct Failing;

impl Channel for Failing {
    fn name(&self) -> &str {
        "spool"
    }
    fn deliver(&self, _batch: &[Outgoing]) -> anyhow::Result<()> {
        anyhow::bail!("gateway down")
    }
}

async fn cursor(app: &TestApp) -> i64 {
    app.count("SELECT last_id FROM delivery_cursors WHERE channel = 'spool'")
        .await
}

#[tokio::test]
async fn a_channel_gets_each_new_notification_once_and_a_failed_batch_again() {
    let app = spawn_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spool.jsonl");
    let spool: Vec<Arc<dyn Channel>> = vec![Arc::new(SpoolFile::new(&file))];
    let failing: Vec<Arc<dyn Channel>> = vec![Arc::new(Failing)];
    // Switching the channel on later does not send the history.
    start(&app.db, &spool, redbutler::db::now() + 1)
        .await
        .unwrap();
    let start_at = cursor(&app).await;
    assert_eq!(
        start_at,
        app.count("SELECT COALESCE(MAX(id), 0) FROM notifications")
            .await
    );
    // Starting again (another node, a restart) keeps the cursor where it is.
    start(&app.db, &spool, redbutler::db::now() + 100)
        .await
        .unwrap();
    assert_eq!(cursor(&app).await, start_at);

    let zhang = app.token("zhangshiying").await;
    let fengqige = app
        .id_of("SELECT id FROM compounds WHERE name = '凤栖阁'")
        .await;
    let (status, case) = post(&app, &zhang, "/api/v1/cases", json!({"kind": "repair", "category": "pets_noise", "compound_id": fengqige, "description": "楼下的狗整夜叫"})).await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let new = app
        .count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE id > {start_at}"
        ))
        .await;
    assert!(new > 0, "the new case notified its unit");
    // One recipient reads English.
    let english = app
        .id_of(&format!(
            "SELECT user_id FROM notifications WHERE id > {start_at} ORDER BY id LIMIT 1"
        ))
        .await;
    let admin = app.token("admin").await;
    let (status, _) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{english}"),
        json!({"locale": "en"}),
    )
    .await;
    assert_eq!(status, 200, "an administrator sets the user's language");
    let (status, body) = send_json(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{english}"),
        json!({"locale": "fr"}),
    )
    .await;
    assert_eq!(status, 422, "an unknown language is refused: {body}");
    assert_eq!(body["error"]["fields"][0]["field"], "locale");

    // The gateway is down: nothing is lost, the cursor stays.
    assert_eq!(
        delivery_pass(&app.db, &failing, redbutler::db::now())
            .await
            .unwrap(),
        0
    );
    assert_eq!(cursor(&app).await, start_at);
    assert!(!file.exists());

    let n = delivery_pass(&app.db, &spool, redbutler::db::now())
        .await
        .unwrap();
    assert_eq!(n as i64, new);
    assert_eq!(
        delivery_pass(&app.db, &spool, redbutler::db::now())
            .await
            .unwrap(),
        0,
        "nothing twice"
    );
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as i64, new);
    for m in &lines {
        assert_eq!(m["kind"], "assigned");
        assert_eq!(m["case_number"], case["number"]);
        assert_eq!(m["link"], format!("/cases/{id}"));
        let number = case["number"].as_str().unwrap();
        if m["user_id"] == english {
            assert_eq!(m["locale"], "en");
            assert_eq!(
                m["text"],
                format!("A case was assigned to your unit: {number}")
            );
        } else {
            assert_eq!(m["text"], format!("有新工单派给您的单位: {number}"));
        }
    }
    assert!(lines.iter().any(|m| m["user_id"] == english));
    assert_eq!(
        cursor(&app).await,
        lines.last().unwrap()["notification_id"].as_i64().unwrap()
    );
}
