//! One side of a pair as the checks see it: its connection, its catalog facts, and
//! bounded data queries (each with a time limit; whole-table scans only on tables the
//! statistics say are small enough).

use std::time::Duration;

use crate::db::facts::{ColumnFacts, TableFacts};
use crate::db::rows::fetch_text;
use crate::db::sql::{quote_ident, TableRef};
use crate::db::{DbPool, Dialect};

use super::finding::At;
use super::Options;

/// A table on a connection, with what its catalog says.
pub struct Side<'a> {
    pub connection: &'a str,
    pub pool: &'a DbPool,
    pub facts: &'a TableFacts,
    pub table: TableRef,
    pub jobs: &'a [String],
    pub opts: &'a Options,
    /// Rows counted up to a cap (see [`count_rows`]).
    pub count: Count,
    /// MIN/MAX already read, by expression: several checks ask for the same key's.
    pub min_max_seen: MinMaxMemo,
}

/// MIN and MAX of an expression as text, or the database's words.
pub type MinMax = Result<(Option<String>, Option<String>), String>;

/// The MIN/MAX results of one side, kept for the scan of its pair.
pub type MinMaxMemo = std::sync::Mutex<std::collections::HashMap<String, MinMax>>;

/// A bounded row count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(u64),
    /// The count stopped at the cap.
    AtLeast(u64),
    Unknown,
}

impl Count {
    pub fn rows(self) -> Option<u64> {
        match self {
            Count::Exact(n) | Count::AtLeast(n) => Some(n),
            Count::Unknown => None,
        }
    }
}

/// The cap a table's rows are counted to: twice its estimate, within 10 000 and 1 000 000.
pub fn count_cap(estimate: Option<u64>) -> u64 {
    estimate
        .unwrap_or(0)
        .saturating_mul(2)
        .clamp(10_000, 1_000_000)
}

/// Counts the rows up to `cap` (`SELECT COUNT(*) FROM (SELECT 1 ... LIMIT cap)`).
pub async fn count_rows(pool: &DbPool, table: &TableRef, cap: u64, timeout: Duration) -> Count {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT {cap}) x",
        table.quoted(pool.dialect())
    );
    let sql = if pool.dialect() == Dialect::Postgres {
        sql.replacen("COUNT(*)", "COUNT(*)::text", 1)
    } else {
        sql
    };
    let Ok(Ok(rows)) = tokio::time::timeout(timeout, fetch_text(pool, &sql)).await else {
        return Count::Unknown;
    };
    match rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(n) if n >= cap => Count::AtLeast(n),
        Some(n) => Count::Exact(n),
        None => Count::Unknown,
    }
}

/// The cells of a data query's rows, as text.
pub type Rows = Vec<Vec<Option<String>>>;

impl Side<'_> {
    pub fn at(&self) -> At<'_> {
        At {
            connection: self.connection,
            table: self.facts.table.as_str(),
            jobs: self.jobs,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    pub fn quoted_table(&self) -> String {
        self.table.quoted(self.dialect())
    }

    pub fn q(&self, column: &str) -> String {
        quote_ident(self.dialect(), column)
    }

    /// A column as text in a result (PostgreSQL simple-protocol cells are text anyway,
    /// but `::text` keeps sqlx from reading binary forms).
    pub fn as_text(&self, expr: &str) -> String {
        match self.dialect() {
            Dialect::Postgres => format!("({expr})::text"),
            _ => expr.to_string(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnFacts> {
        self.facts.column(name)
    }

    /// Whether a query may read the whole table: the statistics say it has at most
    /// `scan_rows` rows (SQLite always counts exactly).
    pub fn scannable(&self) -> bool {
        let small = |n: u64| n <= self.opts.scan_rows;
        match self.count {
            Count::Exact(n) => small(n),
            Count::AtLeast(n) => small(n) && self.facts.rows_estimate.is_some_and(small),
            Count::Unknown => self.facts.rows_estimate.is_some_and(small),
        }
    }

    /// Whether reading `column`'s minimum and maximum is cheap: an index starts with it,
    /// or the table may be scanned.
    pub fn min_max_cheap(&self, column: &str) -> bool {
        self.facts.index_leading(&[column.to_string()]) || self.scannable()
    }

    /// Runs a data query within the time limit; the database's words on failure.
    pub async fn query(&self, sql: &str) -> Result<Rows, String> {
        match tokio::time::timeout(self.opts.query_timeout, fetch_text(self.pool, sql)).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "no answer within {} s",
                self.opts.query_timeout.as_secs()
            )),
        }
    }

    /// The first cell of the first row.
    pub async fn scalar(&self, sql: &str) -> Result<Option<String>, String> {
        Ok(self
            .query(sql)
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }

    /// Whether any row matches `condition` (`SELECT 1 ... LIMIT 1`).
    pub async fn exists(&self, condition: &str) -> Result<bool, String> {
        let sql = format!(
            "SELECT 1 FROM {} WHERE {condition} LIMIT 1",
            self.quoted_table()
        );
        Ok(!self.query(&sql).await?.is_empty())
    }

    /// MIN and MAX of `expr` as text (read once per pair and expression).
    pub async fn min_max(&self, expr: &str) -> MinMax {
        let seen = |m: &MinMaxMemo| m.lock().ok().and_then(|m| m.get(expr).cloned());
        if let Some(r) = seen(&self.min_max_seen) {
            return r;
        }
        let r = self.read_min_max(expr).await;
        if let Ok(mut m) = self.min_max_seen.lock() {
            m.insert(expr.to_string(), r.clone());
        }
        r
    }

    async fn read_min_max(&self, expr: &str) -> MinMax {
        let sql = format!(
            "SELECT {}, {} FROM {}",
            self.as_text(&format!("MIN({expr})")),
            self.as_text(&format!("MAX({expr})")),
            self.quoted_table()
        );
        let rows = self.query(&sql).await?;
        let row = rows.into_iter().next().unwrap_or_default();
        let mut it = row.into_iter();
        Ok((it.next().flatten(), it.next().flatten()))
    }

    /// Characters of a text expression.
    pub fn char_length(&self, expr: &str) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("length({expr})"),
            _ => format!("char_length({expr})"),
        }
    }

    /// Bytes of a binary expression.
    pub fn byte_length(&self, expr: &str) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("length(CAST({expr} AS BLOB))"),
            _ => format!("octet_length({expr})"),
        }
    }
}

/// How long one data query may take by default.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(20);
