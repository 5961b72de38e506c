//! Both migration sets must give the same tables and columns.
use crate::helpers::*;
use redbutler::db::Db;

#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(
        &format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display()),
        1,
    )
    .await
    .unwrap();
    sqlite.migrate().await.unwrap();
    // This test always needs PostgreSQL (scripts/test starts one); it never silently skips.
    let admin = pg_admin_url();
    let name = format!(
        "rbt_schema_{}",
        &redbutler::services::accounts::credentials::new_token()[..12]
    );
    let a = Db::connect(&admin, 1).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&a.pool)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let pg = Db::connect(&format!("{base}/{name}"), 1).await.unwrap();
    pg.migrate().await.unwrap();
    let s = sqlite.schema_columns().await.unwrap();
    let p = pg.schema_columns().await.unwrap();
    assert!(s.len() >= 20, "tables: {:?}", s.keys());
    assert_eq!(s, p);
}
