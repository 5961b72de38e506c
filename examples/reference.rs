//! The yardstick for the benchmarks: a minimal axum server doing one SQLite point read
//! (`GET /read/{id}`) or one insert (`POST /insert`) per request, with the same driver (sqlx)
//! and PRAGMAs as the product but none of its middleware, access checks or rendering.
//! `cargo run --release --example reference -- DB_FILE ADDR`; the bench scripts start it in the
//! same run as the product so that both figures come from the same machine state.
use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args.next().unwrap_or_else(|| "/tmp/reference.db".into());
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18090".into());
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{file}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )
    .execute(&pool)
    .await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM items")
        .fetch_one(&pool)
        .await?;
    if n < 1000 {
        let mut tx = pool.begin().await?;
        for i in 0..1000 {
            sqlx::query("INSERT INTO items (body, created_at) VALUES ($1, $2)")
                .bind(format!("item {i}"))
                .bind(i)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    let app = Router::new()
        .route("/read/{id}", get(read))
        .route("/insert", post(insert))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("reference listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}

async fn read(
    State(pool): State<sqlx::SqlitePool>,
    Path(id): Path<i64>,
) -> Result<String, StatusCode> {
    let row: Option<(String,)> = sqlx::query_as("SELECT body FROM items WHERE id = $1")
        .bind(id)
        .fetch_optional(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    row.map(|r| r.0).ok_or(StatusCode::NOT_FOUND)
}

async fn insert(State(pool): State<sqlx::SqlitePool>, body: String) -> Result<String, StatusCode> {
    let id = sqlx::query("INSERT INTO items (body, created_at) VALUES ($1, strftime('%s','now'))")
        .bind(body)
        .execute(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .last_insert_rowid();
    Ok(id.to_string())
}
