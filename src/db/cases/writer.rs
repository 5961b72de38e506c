//! Group commit of new cases on SQLite. SQLite has one writer at a time, and every transaction
//! pays a fixed price (begin, commit, and a round trip to sqlx's connection thread per
//! statement). Requests to register a case queue here; one task takes whatever has queued (up
//! to 64), writes them all in one transaction with a few multi-row statements, and answers each
//! request. One case alone costs the same as before; many at once cost little more than one.
//! A batch that fails is retried case by case, so one bad case never fails the others.
use crate::db::cases::NewCase;
use tokio::sync::{mpsc, oneshot};

pub const MAX_BATCH: usize = 64;

type Reply = oneshot::Sender<sqlx::Result<(i64, String)>>;

pub struct CaseWriter {
    tx: mpsc::Sender<(NewCase, Reply)>,
}

impl CaseWriter {
    /// Starts the writer task; it ends when the last `CaseWriter` (and so the `Db`) is dropped.
    pub fn start(pool: sqlx::AnyPool, lock: std::sync::Arc<tokio::sync::Mutex<()>>) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(pool, lock, rx));
        Self { tx }
    }

    pub async fn submit(&self, c: NewCase) -> sqlx::Result<(i64, String)> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((c, reply))
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }
}

async fn run(
    pool: sqlx::AnyPool,
    lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    mut rx: mpsc::Receiver<(NewCase, Reply)>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let cases: Vec<NewCase> = jobs.iter().map(|(c, _)| c.clone()).collect();
        let result = write(&pool, &lock, &cases).await;
        match result {
            Ok(ids) => {
                for ((_, reply), id) in jobs.into_iter().zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some((_, reply)) = jobs.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                for (c, reply) in jobs {
                    let r = write(&pool, &lock, std::slice::from_ref(&c))
                        .await
                        .map(|mut v| v.remove(0));
                    let _ = reply.send(r);
                }
            }
        }
    }
}

async fn write(
    pool: &sqlx::AnyPool,
    lock: &tokio::sync::Mutex<()>,
    cases: &[NewCase],
) -> sqlx::Result<Vec<(i64, String)>> {
    let _writer = lock.lock().await;
    // IMMEDIATE: take SQLite's write lock now, so that the next id read below stays ours even
    // if another process writes to the file.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
        .fetch_one(&mut *tx)
        .await?;
    let out =
        crate::db::cases::insert_cases(&mut tx, crate::db::Backend::Sqlite, cases, first).await?;
    tx.commit().await?;
    Ok(out)
}
