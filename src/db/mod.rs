//! All SQL lives under this module. One text per query for both backends (sqlx `Any`):
//! `$n` placeholders, portable column types only (see ENGINEERING.md §3).
pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod calendar;
pub mod cases;
pub mod decisions;
pub mod direct;
pub mod group_commit;
pub mod notify;
pub mod open311;
pub mod organisations;
pub mod people;
pub mod places;
pub mod store;
pub mod teams;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Compounds by id, kept a short while: nearly every request checks one and they rarely
    /// change. Writes on this node drop it; other nodes see a change within [`COMPOUND_TTL`].
    pub caches: std::sync::Arc<CaseCaches>,
    /// SQLite allows one writer at a time; case writes queue here instead of sleeping in
    /// SQLite's busy handler (which makes latency jump under load). Unused on PostgreSQL.
    pub write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the group-commit writer of new cases, started on first use.
    case_writer: std::sync::Arc<std::sync::OnceLock<cases::writer::CaseWriter>>,
    /// SQLite: the database file, for reads on the calling thread (see `direct`).
    pub sqlite_file: Option<std::sync::Arc<str>>,
    /// SQLite: the group-commit writer of ballots, started on first use.
    ballot_writer: std::sync::Arc<std::sync::OnceLock<decisions::writer::BallotWriter>>,
    compounds: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, places::Compound)>>,
    >,
}

pub const COMPOUND_TTL: Duration = Duration::from_secs(30);

/// A small map whose entries expire: for rarely changing reference data (categories, routes,
/// who works for a unit) that nearly every case request reads. Each node keeps its own; a
/// change made on another node is seen within the TTL.
pub struct Ttl<K, V> {
    ttl: Duration,
    map: std::sync::Mutex<std::collections::HashMap<K, (std::time::Instant, V)>>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Ttl<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            map: Default::default(),
        }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(k)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 100_000 {
                map.clear();
            }
            map.insert(k, (std::time::Instant::now(), v));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// Reference data of cases kept in memory (see [`Ttl`]).
pub struct CaseCaches {
    pub categories: Ttl<(), std::sync::Arc<Vec<cases::Category>>>,
    pub sla: Ttl<String, crate::domain::deadline::SlaPeriods>,
    /// (compound, handler) → (first receiver, handling unit)
    pub routes: Ttl<
        (i64, String),
        (
            crate::domain::cases::Unit,
            Option<crate::domain::cases::Unit>,
        ),
    >,
    pub unit_users: Ttl<crate::domain::cases::Unit, std::sync::Arc<Vec<i64>>>,
    pub supervisors: Ttl<i64, std::sync::Arc<Vec<i64>>>,
    /// Figures pages: (scope, from, to) → the figures as JSON; within the TTL they are served
    /// as counted.
    pub figures: Ttl<(String, i64, i64), std::sync::Arc<String>>,
    /// When this node last brought the figures kept per month up to date: at most every
    /// [`FIGURES_REFRESH_SECONDS`], as figures are served up to that old anyway.
    pub figures_refreshed: std::sync::atomic::AtomicI64,
    /// The working-day calendar (RULES.md §7); an edit on another node is seen within the TTL.
    pub calendar: Ttl<(), std::sync::Arc<crate::domain::calendar::Calendar>>,
}

/// How old the figures kept per month may be when read (the same as the figures' cache).
pub const FIGURES_REFRESH_SECONDS: i64 = 30;

impl Default for CaseCaches {
    fn default() -> Self {
        let t = Duration::from_secs(30);
        Self {
            categories: Ttl::new(t),
            sla: Ttl::new(t),
            routes: Ttl::new(t),
            unit_users: Ttl::new(t),
            supervisors: Ttl::new(t),
            figures: Ttl::new(t),
            figures_refreshed: std::sync::atomic::AtomicI64::new(i64::MIN),
            calendar: Ttl::new(t),
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A keyset cursor for `id < $n`: 0 (the first page) reads from the top. Written as a plain
/// range (never `$n = 0 OR id < $n`), so the planner walks the index from the cursor.
pub fn keyset(before: i64) -> i64 {
    if before <= 0 { i64::MAX } else { before }
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Creates the file if it is missing, and makes it readable and writable by its owner only
/// (0600): the database and its backups hold personal data. SQLite gives its `-wal` and `-shm`
/// files the database file's permissions.
fn owner_only_file(path: &std::path::Path) -> anyhow::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    open.open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL (use sqlite:// or postgres://): {url}");
        };
        if backend == Backend::Sqlite {
            // Create the folder of the database file, so that a new user needs no set-up.
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or("");
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            if !path.is_empty() && !path.contains(":memory:") && !url.contains("mode=memory") {
                owner_only_file(std::path::Path::new(path))?;
            }
        }
        let max_connections = match (max_connections, backend) {
            (0, Backend::Sqlite) => std::thread::available_parallelism()
                .map_or(4, |n| 2 * n.get() as u32)
                .clamp(2, 16),
            (0, Backend::Postgres) => 16,
            (n, _) => n,
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL: readers never block the writer. synchronous=NORMAL in WAL mode: a
                    // committed transaction survives a crash of the program; a power loss may lose
                    // the last transactions but never corrupts the file (README, "Durability").
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
                         PRAGMA busy_timeout=10000; PRAGMA cache_size=-2000; PRAGMA temp_store=MEMORY;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = opts
            .connect(url)
            .await
            .with_context(|| format!("connecting to the database at {}", redact_url(url)))?;
        Ok(Self {
            pool,
            backend,
            compounds: Default::default(),
            caches: Default::default(),
            write_lock: Default::default(),
            case_writer: Default::default(),
            ballot_writer: Default::default(),
            // An in-memory database cannot be opened a second time: it reads through sqlx.
            sqlite_file: (backend == Backend::Sqlite
                && !url.contains(":memory:")
                && !url.contains("mode=memory"))
            .then(|| {
                url.trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .into()
            }),
        })
    }

    pub(crate) fn cached_compound(&self, id: i64) -> Option<places::Compound> {
        let map = self.compounds.lock().ok()?;
        map.get(&id)
            .filter(|(at, _)| at.elapsed() < COMPOUND_TTL)
            .map(|(_, c)| c.clone())
    }

    /// Drop a changed compound from this node's cache (other nodes see the change within
    /// [`COMPOUND_TTL`]).
    pub(crate) fn forget_compound(&self, id: i64) {
        if let Ok(mut map) = self.compounds.lock() {
            map.remove(&id);
        }
    }

    pub(crate) fn cache_compound(&self, c: &places::Compound) {
        if let Ok(mut map) = self.compounds.lock() {
            if map.len() > 100_000 {
                map.clear();
            }
            map.insert(c.id, (std::time::Instant::now(), c.clone()));
        }
    }

    pub fn ballot_writer(&self) -> &decisions::writer::BallotWriter {
        self.ballot_writer.get_or_init(|| {
            decisions::writer::BallotWriter::start(
                decisions::writer::BallotBatch,
                self.pool.clone(),
                self.write_lock.clone(),
            )
        })
    }

    pub fn case_writer(&self) -> &cases::writer::CaseWriter {
        self.case_writer.get_or_init(|| {
            cases::writer::CaseWriter::start(
                cases::writer::CaseBatch,
                self.pool.clone(),
                self.write_lock.clone(),
            )
        })
    }

    /// On SQLite, hold this while writing a case (see `write_lock`); None on PostgreSQL.
    pub async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Drops the compound cache of this node (after an import or an edit of compounds).
    pub fn forget_compounds(&self) {
        if let Ok(mut map) = self.compounds.lock() {
            map.clear();
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// SQLite: move the write-ahead log into the database file and truncate it (after a bulk
    /// load, so that the next readers do not wade through a huge log). Nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// After rows were inserted with explicit ids (demo, import), move PostgreSQL's identity
    /// sequences past them. SQLite needs nothing.
    pub async fn reset_sequences(&self, tables: &[&str]) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            for t in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                );
                sqlx::query(&sql).execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// A consistent online copy of a SQLite database, taken while the server may be running.
    pub async fn backup_to(&self, target: &std::path::Path) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.backend == Backend::Sqlite,
            "backup copies the SQLite file; for PostgreSQL use pg_dump (see README)"
        );
        anyhow::ensure!(
            !target.exists(),
            "{} exists already; choose a new file",
            target.display()
        );
        let path = target.to_str().context("backup path is not valid UTF-8")?;
        // Created empty and readable by the owner only first; VACUUM INTO fills an empty file.
        owner_only_file(target)?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        owner_only_file(target)?;
        Ok(())
    }

    /// Table → sorted column names, from the live schema (used to check both migration sets agree).
    pub async fn schema_columns(
        &self,
    ) -> anyhow::Result<std::collections::BTreeMap<String, Vec<String>>> {
        use sqlx::Row;
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'"
            }
        };
        let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in sqlx::query(sql).fetch_all(&self.pool).await? {
            out.entry(r.get::<String, _>("t"))
                .or_default()
                .push(r.get("c"));
        }
        for cols in out.values_mut() {
            cols.sort();
        }
        Ok(out)
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}
