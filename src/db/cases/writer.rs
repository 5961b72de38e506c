//! Group commit of new cases on SQLite (see `db::group_commit`): a batch of cases takes the
//! next ids in one read and is written with a few multi-row statements. A batch that fails is
//! retried case by case, so one bad case never fails the others.
use crate::db::cases::NewCase;
use crate::db::group_commit::{Batch, GroupCommit};
use std::future::Future;

pub struct CaseBatch;

pub type CaseWriter = GroupCommit<CaseBatch>;

impl Batch for CaseBatch {
    type Job = NewCase;
    type Answer = (i64, String);
    const RETRY_ALONE: bool = true;

    fn write<'a>(
        &'a self,
        tx: &'a mut sqlx::Transaction<'static, sqlx::Any>,
        cases: &'a [NewCase],
    ) -> impl Future<Output = sqlx::Result<Vec<(i64, String)>>> + Send + 'a {
        write(tx, cases)
    }
}

async fn write(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    cases: &[NewCase],
) -> sqlx::Result<Vec<(i64, String)>> {
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
        .fetch_one(&mut **tx)
        .await?;
    crate::db::cases::insert_cases(tx, crate::db::Backend::Sqlite, cases, first).await
}
