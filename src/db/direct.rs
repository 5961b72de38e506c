//! Point reads on SQLite without leaving the calling thread. sqlx runs every SQLite connection
//! on a thread of its own, so each query is two thread hand-overs; on a small machine under load
//! the wake-ups cost more than the query (perf: a sixth of the time of a case page went to
//! futex wake-ups between tokio and sqlx's threads). The hottest reads — one indexed statement
//! that the database answers as JSON text — run here instead, on a read-only connection kept by
//! each thread, in well under a millisecond. Writes and everything else stay on sqlx.
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static CONNECTIONS: RefCell<HashMap<String, rusqlite::Connection>> = RefCell::new(HashMap::new());
}

/// A bound value of a direct read.
pub enum Param<'a> {
    I(i64),
    T(&'a str),
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Param::I(i) => i.to_sql(),
            Param::T(t) => t.to_sql(),
        }
    }
}

fn open(file: &str) -> rusqlite::Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    // 16 MB of page cache per reading thread: the hot pages of a large district stay in memory
    // (a few threads, so the server stays well under its memory budget).
    c.execute_batch("PRAGMA cache_size=-16000;")?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(c)
}

/// The first column of the first row, as text (None: no row, or NULL).
pub fn text(file: &str, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, sqlx::Error> {
    Ok(rows(file, sql, params, |r| r.get::<_, Option<String>>(0))?
        .into_iter()
        .next()
        .flatten())
}

/// Every row of a statement, mapped by `f`.
pub fn rows<T>(
    file: &str,
    sql: &str,
    params: &[Param<'_>],
    mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, sqlx::Error> {
    CONNECTIONS
        .with(|cell| {
            let mut map = cell.borrow_mut();
            if !map.contains_key(file) {
                map.insert(file.to_string(), open(file)?);
            }
            let Some(c) = map.get(file) else {
                return Ok(vec![]);
            };
            let mut st = c.prepare_cached(sql)?;
            let mut out = Vec::new();
            let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
            while let Some(r) = rows.next()? {
                out.push(f(r)?);
            }
            Ok(out)
        })
        .map_err(|e: rusqlite::Error| sqlx::Error::Protocol(format!("direct SQLite read: {e}")))
}

/// Calls `f` on every row of a statement, keeping nothing (for sums over many rows).
pub fn for_each_row(
    file: &str,
    sql: &str,
    params: &[Param<'_>],
    mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), sqlx::Error> {
    rows(file, sql, params, |r| f(r)).map(|_| ())
}

/// Reading a column by name, the same for a sqlx row and a direct one, so that one mapping
/// serves both paths.
pub trait Columns {
    fn get_i64(&self, name: &str) -> Result<i64, sqlx::Error>;
    fn get_opt_i64(&self, name: &str) -> Result<Option<i64>, sqlx::Error>;
    fn get_string(&self, name: &str) -> Result<String, sqlx::Error>;
    fn get_opt_string(&self, name: &str) -> Result<Option<String>, sqlx::Error>;
}

fn decode(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

impl Columns for rusqlite::Row<'_> {
    fn get_i64(&self, name: &str) -> Result<i64, sqlx::Error> {
        self.get(name).map_err(decode)
    }
    fn get_opt_i64(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        self.get(name).map_err(decode)
    }
    fn get_string(&self, name: &str) -> Result<String, sqlx::Error> {
        self.get(name).map_err(decode)
    }
    fn get_opt_string(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        self.get(name).map_err(decode)
    }
}

impl Columns for sqlx::any::AnyRow {
    fn get_i64(&self, name: &str) -> Result<i64, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn get_opt_i64(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn get_string(&self, name: &str) -> Result<String, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn get_opt_string(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}
