//! Group commit on SQLite, for any kind of write. SQLite has one writer at a time, and every
//! transaction pays a fixed price (begin, commit, and a round trip to sqlx's connection thread
//! per statement). Requests queue here; one task takes whatever has queued (up to
//! [`MAX_BATCH`]), writes them all in one `BEGIN IMMEDIATE` transaction under this node's write
//! lock, and answers each request. One request alone costs the same as before; many at once cost
//! little more than one. What is written, and what happens when a whole batch fails, is the
//! [`Batch`]'s: cases (`cases::writer`) and ballots (`decisions::writer`).
use sqlx::Any;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

pub const MAX_BATCH: usize = 64;

/// What one group-commit writer writes.
pub trait Batch: Send + Sync + 'static {
    type Job: Send + Sync + 'static;
    type Answer: Send + 'static;
    /// When a whole batch fails: true to write each job again alone (one bad job never fails the
    /// others), false to tell every job why.
    const RETRY_ALONE: bool;

    /// Write the jobs in the transaction (not committed here); one answer per job, in order.
    fn write<'a>(
        &'a self,
        tx: &'a mut sqlx::Transaction<'static, Any>,
        jobs: &'a [Self::Job],
    ) -> impl Future<Output = sqlx::Result<Vec<Self::Answer>>> + Send + 'a;
}

type Reply<A> = oneshot::Sender<sqlx::Result<A>>;

/// The queue of one writer; its task ends when the last handle (and so the `Db`) is dropped.
pub struct GroupCommit<B: Batch> {
    tx: mpsc::Sender<(B::Job, Reply<B::Answer>)>,
}

impl<B: Batch> GroupCommit<B> {
    pub fn start(batch: B, pool: sqlx::AnyPool, lock: Arc<Mutex<()>>) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(batch, pool, lock, rx));
        Self { tx }
    }

    pub async fn submit(&self, job: B::Job) -> sqlx::Result<B::Answer> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((job, reply))
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }
}

async fn write<B: Batch>(
    batch: &B,
    pool: &sqlx::AnyPool,
    lock: &Mutex<()>,
    jobs: &[B::Job],
) -> sqlx::Result<Vec<B::Answer>> {
    let _writer = lock.lock().await;
    // IMMEDIATE: take SQLite's write lock now, so that what the batch reads (the next id, a
    // chain head) stays true until it commits, even if another process writes to the file.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let answers = batch.write(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(answers)
}

async fn run<B: Batch>(
    batch: B,
    pool: sqlx::AnyPool,
    lock: Arc<Mutex<()>>,
    mut rx: mpsc::Receiver<(B::Job, Reply<B::Answer>)>,
) {
    while let Some(first) = rx.recv().await {
        let mut queued = vec![first];
        while queued.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => queued.push(j),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<B::Job>, Vec<_>) = queued.into_iter().unzip();
        match write(&batch, &pool, &lock, &jobs).await {
            Ok(answers) => {
                for (reply, a) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(a));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) if B::RETRY_ALONE => {
                for (job, reply) in jobs.iter().zip(replies) {
                    let r = write(&batch, &pool, &lock, std::slice::from_ref(job))
                        .await
                        .and_then(|mut v| v.pop().ok_or(sqlx::Error::RowNotFound));
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                // Nothing was stored; every request hears why.
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(sqlx::Error::Protocol(msg.clone())));
                }
            }
        }
    }
}
