//! `kind = "sql"`: a query on a named connection.
//!
//! With a `query`, the value is the first column of the first row (replication lag, open
//! connections, row counts); no row or NULL is NO DATA. Without one, the probe runs
//! `SELECT 1` and its value is the round trip in milliseconds. The pool (one connection) is
//! made on first use and re-made after a failed connect, so a database that comes back is
//! picked up on the next interval.

use std::time::{Duration, Instant};

use sqlx::{Column, Row, TypeInfo};

use crate::db::{DbPool, Dialect, SecretUrl};

use super::error::ProbeError;
use super::reading::Reading;

/// What a SQL probe measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlMode {
    /// The query's round trip in milliseconds.
    Latency,
    /// The first column of the first row, as a number.
    Value,
}

pub(crate) struct SqlProbe {
    connection: String,
    url_template: String,
    query: String,
    mode: SqlMode,
    timeout: Duration,
    pool: Option<DbPool>,
}

impl SqlProbe {
    pub(crate) fn new(
        connection: &str,
        url_template: &str,
        query: Option<&str>,
        timeout: Duration,
    ) -> SqlProbe {
        let (query, mode) = match query {
            Some(q) => (q.to_string(), SqlMode::Value),
            None => ("SELECT 1".to_string(), SqlMode::Latency),
        };
        SqlProbe {
            connection: connection.to_string(),
            url_template: url_template.to_string(),
            query,
            mode,
            timeout,
            pool: None,
        }
    }

    async fn pool(&mut self) -> Result<DbPool, ProbeError> {
        if let Some(pool) = &self.pool {
            return Ok(pool.clone());
        }
        let url = SecretUrl::from_env(&self.connection, &self.url_template)
            .map_err(|e| ProbeError::Config(e.to_string()))?;
        // A pool retries a refused connect until its timeout and then says only "timed
        // out"; one plain connection first fails fast with the real cause.
        try_connect(&url).await.map_err(|source| {
            ProbeError::Database(connect_text(&crate::db::ConnectError {
                url: url.to_string(),
                dialect: url.dialect(),
                source,
            }))
        })?;
        let pool = DbPool::connect(&url, 1, self.timeout)
            .await
            .map_err(|e| ProbeError::Database(connect_text(&e)))?;
        self.pool = Some(pool.clone());
        Ok(pool)
    }

    pub(crate) async fn measure(&mut self) -> Result<Reading, ProbeError> {
        let pool = self.pool().await?;
        let started = Instant::now();
        let first = first_value(&pool, &self.query).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let first = first.map_err(|e| match e {
            sqlx::Error::Database(db) => ProbeError::Query(db.message().to_string()),
            sqlx::Error::PoolTimedOut => ProbeError::Timeout(self.timeout),
            other => ProbeError::Database(format!("connection `{}`: {other}", self.connection)),
        })?;
        match self.mode {
            SqlMode::Latency => Ok(Reading::one(latency_ms)),
            SqlMode::Value => match first {
                Cell::Value(v) => Ok(Reading::one(v)),
                Cell::NoRow => Ok(Reading::none("the query returned no row".into())),
                Cell::Null => Ok(Reading::none("the query returned NULL".into())),
                Cell::NotNumber(what) => Err(ProbeError::BadResponse(what)),
            },
        }
    }
}

/// Opens and closes one connection.
async fn try_connect(url: &SecretUrl) -> Result<(), sqlx::Error> {
    use sqlx::Connection as _;
    match url.dialect() {
        Dialect::MySql => {
            sqlx::MySqlConnection::connect(url.expose())
                .await?
                .close()
                .await
        }
        Dialect::Postgres => {
            sqlx::PgConnection::connect(url.expose())
                .await?
                .close()
                .await
        }
        // Opening a file cannot be refused; the pool says what is wrong.
        Dialect::Sqlite => Ok(()),
    }
}

/// `"cannot connect to mysql://root@127.0.0.1:1/test (MySQL/MariaDB): ... refused"`.
fn connect_text(e: &crate::db::ConnectError) -> String {
    match &e.source {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {} ({})", e.url, e.dialect)
        }
        sqlx::Error::PoolTimedOut => format!("timed out connecting to {} ({})", e.url, e.dialect),
        _ => e.to_string(),
    }
}

/// The first column of the first row.
enum Cell {
    Value(f64),
    NoRow,
    Null,
    NotNumber(String),
}

async fn first_value(pool: &DbPool, query: &str) -> Result<Cell, sqlx::Error> {
    Ok(match pool {
        DbPool::MySql(p) => sqlx::query(query)
            .fetch_optional(p)
            .await?
            .map_or(Cell::NoRow, |r| decode_mysql(&r)),
        DbPool::Postgres(p) => sqlx::query(query)
            .fetch_optional(p)
            .await?
            .map_or(Cell::NoRow, |r| decode_postgres(&r)),
        DbPool::Sqlite(p) => sqlx::query(query)
            .fetch_optional(p)
            .await?
            .map_or(Cell::NoRow, |r| decode_sqlite(&r)),
    })
}

/// Returns from the enclosing function when column 0 decodes as `$t`. A column type the
/// driver does not accept for `$t` is an `Err` from `try_get`, never a panic.
macro_rules! attempt {
    ($row:expr, $t:ty) => {
        if let Ok(v) = $row.try_get::<Option<$t>, _>(0usize) {
            return v.map_or(Cell::Null, |v| Cell::Value(ToF64::to_f64(v)));
        }
    };
}

/// Lossy conversion to the f64 a probe shows.
trait ToF64 {
    fn to_f64(self) -> f64;
}

// `as f64` for every width: `f64::from` does not exist for i64 and u64, whose values are
// probe readings shown and compared with thresholds, never copied.
macro_rules! to_f64_as {
    ($($t:ty),*) => { $(#[allow(clippy::cast_lossless)] impl ToF64 for $t { fn to_f64(self) -> f64 { self as f64 } })* };
}
to_f64_as!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl ToF64 for bool {
    fn to_f64(self) -> f64 {
        if self {
            1.0
        } else {
            0.0
        }
    }
}

impl ToF64 for sqlx::types::Decimal {
    fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

/// Text that holds a number (MySQL returns some status values as text).
fn text_cell<R: Row>(row: &R) -> Cell
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    if row.columns().is_empty() {
        return Cell::NotNumber("the query returned no column".into());
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(0usize) {
        return match v {
            None => Cell::Null,
            Some(s) => match s.trim().parse::<f64>() {
                Ok(v) => Cell::Value(v),
                Err(_) => Cell::NotNumber(format!("the first column is \"{s}\", not a number")),
            },
        };
    }
    let column = &row.columns()[0];
    Cell::NotNumber(format!(
        "the first column `{}` is of type {}, not a number",
        column.name(),
        column.type_info().name()
    ))
}

fn decode_mysql(row: &sqlx::mysql::MySqlRow) -> Cell {
    if row.columns().is_empty() {
        return Cell::NotNumber("the query returned no column".into());
    }
    attempt!(row, i64);
    attempt!(row, u64);
    attempt!(row, f64);
    attempt!(row, f32);
    attempt!(row, sqlx::types::Decimal);
    attempt!(row, bool);
    text_cell(row)
}

fn decode_postgres(row: &sqlx::postgres::PgRow) -> Cell {
    if row.columns().is_empty() {
        return Cell::NotNumber("the query returned no column".into());
    }
    attempt!(row, i64);
    attempt!(row, i32);
    attempt!(row, i16);
    attempt!(row, f64);
    attempt!(row, f32);
    attempt!(row, sqlx::types::Decimal);
    attempt!(row, bool);
    text_cell(row)
}

fn decode_sqlite(row: &sqlx::sqlite::SqliteRow) -> Cell {
    if row.columns().is_empty() {
        return Cell::NotNumber("the query returned no column".into());
    }
    attempt!(row, i64);
    attempt!(row, f64);
    attempt!(row, bool);
    text_cell(row)
}
