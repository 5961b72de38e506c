//! Fast inserts of many rows inside one transaction: multi-row `INSERT … VALUES (…), (…)` in
//! chunks, the same SQL text for every full chunk so the prepared statement is reused.
use sqlx::{Any, Transaction};

#[derive(Debug, Clone)]
pub enum Val {
    I(i64),
    T(String),
    /// NULL in an integer column.
    NullI,
    /// NULL in a text column (PostgreSQL types the parameter).
    NullT,
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::T(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::T(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Val::NullI, Val::I)
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        v.map_or(Val::NullT, Val::T)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Val::NullT, |s| Val::T(s.to_string()))
    }
}

pub struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Val>>,
    chunk: usize,
    pub written: u64,
    /// SQLite: anonymous `?` placeholders (SQLite looks `$n` names up one by one, which costs
    /// quadratic time in a statement with thousands of them). PostgreSQL: `$n`.
    positional: bool,
}

impl Table {
    pub fn new(
        name: &'static str,
        columns: &'static [&'static str],
        backend: crate::db::Backend,
    ) -> Self {
        // Stay under SQLite's 32,766 bound parameters per statement.
        let chunk = (30_000 / columns.len()).min(1000);
        Self {
            name,
            columns,
            rows: Vec::with_capacity(chunk),
            chunk,
            written: 0,
            positional: backend == crate::db::Backend::Sqlite,
        }
    }

    /// Queues a row; the owner flushes all its tables in dependency order once any is full.
    pub fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    pub fn is_full(&self) -> bool {
        self.rows.len() >= self.chunk
    }

    pub async fn flush(&mut self, tx: &mut Transaction<'_, Any>) -> sqlx::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let n = rows.len() as u64;
        // `$n` placeholders written out here: QueryBuilder<Any> writes `?`, which PostgreSQL refuses.
        let width = self.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.name,
            self.columns.join(", ")
        );
        for r in 0..rows.len() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                if self.positional {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&(r * width + c + 1).to_string());
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query::<Any>(&sql);
        for v in rows.into_iter().flatten() {
            q = match v {
                Val::I(i) => q.bind(i),
                Val::T(t) => q.bind(t),
                Val::NullI => q.bind(None::<i64>),
                Val::NullT => q.bind(None::<String>),
            };
        }
        q.persistent(true).execute(&mut **tx).await?;
        self.written += n;
        self.rows = Vec::with_capacity(self.chunk);
        Ok(())
    }
}
