//! Stores and the unit of work.
//!
//! Each capability has its own store (`db.places()`, `db.cases()`, …): a reader of a service sees
//! exactly which queries it runs. A store reads and writes either straight on the pool (each
//! statement takes a connection and gives it back, as before) or inside a unit of work
//! ([`Work`]): `db.begin()` opens one transaction, `work.places()`, `work.audit()` … run in it,
//! and `work.commit()` makes the change and its audit row durable together, or neither.
use super::Db;
use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};

/// Where a store's statements run: on the pool, or on the transaction of a unit of work.
pub enum Handle<'a> {
    Pool(&'a AnyPool),
    Tx(&'a mut AnyConnection),
}

/// A connection for one statement: taken from the pool (and given back after the statement) or
/// borrowed from the unit of work.
pub enum ConnRef<'a> {
    Pooled(PoolConnection<Any>),
    Borrowed(&'a mut AnyConnection),
}

impl std::ops::Deref for ConnRef<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            ConnRef::Pooled(c) => c,
            ConnRef::Borrowed(c) => c,
        }
    }
}

impl std::ops::DerefMut for ConnRef<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            ConnRef::Pooled(c) => c,
            ConnRef::Borrowed(c) => c,
        }
    }
}

impl Handle<'_> {
    pub async fn conn(&mut self) -> sqlx::Result<ConnRef<'_>> {
        match self {
            Handle::Pool(p) => Ok(ConnRef::Pooled(p.acquire().await?)),
            Handle::Tx(c) => Ok(ConnRef::Borrowed(c)),
        }
    }

    pub fn in_work(&self) -> bool {
        matches!(self, Handle::Tx(_))
    }
}

/// One change and its audit row, committed together: begin → change → audit → commit. Dropped
/// without `commit`, nothing of it stays. On SQLite it holds this node's write lock (one writer
/// at a time, as the case and ballot writers), so that the transaction never waits on another.
pub struct Work<'a> {
    pub(crate) db: &'a Db,
    tx: sqlx::Transaction<'static, Any>,
    _lock: Option<tokio::sync::MutexGuard<'a, ()>>,
}

impl Db {
    /// Start a unit of work.
    pub async fn begin(&self) -> sqlx::Result<Work<'_>> {
        let lock = self.writer().await;
        // SQLite: IMMEDIATE takes the file's write lock at once, so that a work which reads
        // and then writes never finds its snapshot outdated by a write of another connection.
        let tx = match self.backend {
            super::Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            super::Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Work {
            db: self,
            tx,
            _lock: lock,
        })
    }
}

impl Work<'_> {
    /// Make every change of this unit of work durable, with its audit rows.
    /// The compounds cache of this node is dropped after the commit: a compound read between a
    /// change and its commit must not outlive it (edits are rare; the cache refills at once).
    pub async fn commit(self) -> sqlx::Result<()> {
        let db = self.db;
        self.tx.commit().await?;
        db.forget_compounds();
        Ok(())
    }

    pub fn db(&self) -> &Db {
        self.db
    }
}

/// Declares a capability's store: `db.$method()` on the pool, `work.$method()` in a unit of work.
macro_rules! store {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        pub struct $name<'a> {
            #[allow(dead_code)]
            pub(crate) db: &'a crate::db::Db,
            h: crate::db::store::Handle<'a>,
        }

        impl crate::db::Db {
            pub fn $method(&self) -> $name<'_> {
                $name {
                    db: self,
                    h: crate::db::store::Handle::Pool(&self.pool),
                }
            }
        }

        impl crate::db::store::Work<'_> {
            pub fn $method(&mut self) -> $name<'_> {
                $name {
                    db: self.db,
                    h: crate::db::store::Handle::Tx(self.conn()),
                }
            }
        }

        impl<'a> $name<'a> {
            /// On SQLite outside a unit of work, this node's write lock (a unit of work holds
            /// it already); None on PostgreSQL.
            #[allow(dead_code)]
            fn writer(
                &self,
            ) -> impl std::future::Future<Output = Option<tokio::sync::MutexGuard<'a, ()>>> + Send + 'a
            {
                let db: Option<&'a crate::db::Db> = (!self.h.in_work()).then_some(self.db);
                async move {
                    match db {
                        Some(db) => db.writer().await,
                        None => None,
                    }
                }
            }
        }
    };
}
pub(crate) use store;

impl Work<'_> {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
