//! A change and its audit row commit together or not at all: with the audit insert made to fail
//! (a trigger in the test database), the change is refused and nothing of it stays, on SQLite
//! and on PostgreSQL.
use crate::cases::{compound, send_json};
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

async fn make_audit_fail(app: &TestApp, fail: bool) {
    let statements: &[&str] = match (backend(), fail) {
        ("postgres", true) => &[
            "CREATE FUNCTION audit_refused() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refused()",
        ],
        ("postgres", false) => &[
            "DROP TRIGGER audit_refused ON audit_log",
            "DROP FUNCTION audit_refused()",
        ],
        (_, true) => &[
            "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        ],
        (_, false) => &["DROP TRIGGER audit_refused"],
    };
    for s in statements {
        sqlx::query(s).execute(&app.db.pool).await.unwrap();
    }
}

#[tokio::test]
async fn a_change_whose_audit_row_fails_does_not_happen() {
    let app = spawn_demo().await;
    let manager = app.token("zhengkairui").await; // 国税佳苑's property manager
    let guoshui = compound(&app, "国税佳苑").await;
    let path = format!("/api/v1/compounds/{guoshui}");
    let renamed =
        json!({"name": "国税佳苑二期", "kind": "owner_occupied", "address": "兴龙大道 1 号"});
    let audit_rows = "SELECT COUNT(*) FROM audit_log";
    let before = app.count(audit_rows).await;

    make_audit_fail(&app, true).await;
    // An update: the compound keeps its name.
    let (status, _) = send_json(&app, &manager, Method::PATCH, &path, renamed.clone()).await;
    assert_eq!(status, 500);
    let c = app.get_json(&manager, &path).await;
    assert_eq!(
        c["compound"]["name"], "国税佳苑",
        "the rename was rolled back: {c}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM compounds WHERE name = '国税佳苑二期'")
            .await,
        0
    );
    // A creation: no building appears.
    let (status, _) = send_json(
        &app,
        &manager,
        Method::POST,
        &format!("/api/v1/compounds/{guoshui}/buildings"),
        json!({"name": "99栋"}),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM buildings WHERE compound_id = {guoshui} AND name = '99栋'"
        ))
        .await,
        0
    );
    assert_eq!(app.count(audit_rows).await, before);

    // With the audit log working again, the same change goes through with its row.
    make_audit_fail(&app, false).await;
    let (status, c) = send_json(&app, &manager, Method::PATCH, &path, renamed).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["name"], "国税佳苑二期");
    assert_eq!(app.count(audit_rows).await, before + 1);
}
