//! Running SQL without bind parameters and turning result rows into [`Value`]s.
//!
//! Every query here is plain text (`raw_sql`): MySQL answers in its text protocol and
//! PostgreSQL reads go through `::text` casts, so each cell arrives as its exact text and
//! [`read_cell`] parses it. Keys and values are inlined as escaped literals
//! ([`super::sql::push_literal`]).

use futures::TryStreamExt;
use sqlx::{Row, TypeInfo, ValueRef};

use super::pool::DbPool;
use super::types::{read_cell, Cell, Kind};
use super::value::Value;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// A cell that cannot be read as its column's kind.
    #[error("column #{column}: {reason}")]
    Value {
        /// Key values of the row, as far as they could be read.
        key: Vec<Value>,
        column: usize,
        reason: String,
    },
}

/// Runs `sql` and reads every row with `kinds` (one per result column). `key_idx` names the
/// key's result columns, for error messages.
pub async fn fetch_values(
    pool: &DbPool,
    sql: &str,
    kinds: &[Kind],
    key_idx: &[usize],
) -> Result<Vec<Vec<Value>>, ReadError> {
    let dialect = pool.dialect();
    let mut out = Vec::new();
    macro_rules! drain {
        ($pool:expr, $cell:expr) => {{
            let mut rows = sqlx::raw_sql(sql).fetch($pool);
            while let Some(row) = rows.try_next().await? {
                let mut vals = Vec::with_capacity(kinds.len());
                for (i, kind) in kinds.iter().enumerate() {
                    let cell = $cell(&row, i)?;
                    match read_cell(dialect, kind, cell) {
                        Ok(v) => vals.push(v),
                        Err(reason) => {
                            let key = key_idx
                                .iter()
                                .filter_map(|&k| {
                                    read_cell(dialect, &kinds[k], $cell(&row, k).ok()?).ok()
                                })
                                .collect();
                            return Err(ReadError::Value {
                                key,
                                column: i,
                                reason,
                            });
                        }
                    }
                }
                out.push(vals);
            }
        }};
    }
    match pool {
        DbPool::MySql(p) => drain!(p, mysql_cell),
        DbPool::Postgres(p) => drain!(p, pg_cell),
        DbPool::Sqlite(p) => drain!(p, sqlite_cell),
    }
    Ok(out)
}

/// Runs `sql` and hands each row's cells, as the driver holds them, to `each` (no value is
/// built: the copy passes cells that need no decoding through as they came). Returns the
/// number of rows.
pub async fn for_each_row<E>(
    pool: &DbPool,
    sql: &str,
    mut each: impl FnMut(&[Cell<'_>]) -> Result<(), E>,
) -> Result<u64, E>
where
    E: From<sqlx::Error>,
{
    let mut n = 0u64;
    macro_rules! drain {
        ($pool:expr, $cell:expr) => {{
            let mut rows = sqlx::raw_sql(sql).fetch($pool);
            while let Some(row) = rows.try_next().await? {
                let cells = (0..row.len())
                    .map(|i| $cell(&row, i))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                each(&cells)?;
                n += 1;
            }
        }};
    }
    match pool {
        DbPool::MySql(p) => drain!(p, mysql_cell),
        DbPool::Postgres(p) => drain!(p, pg_cell),
        DbPool::Sqlite(p) => drain!(p, sqlite_cell),
    }
    Ok(n)
}

/// PostgreSQL: runs `COPY (query) TO STDOUT` and returns its text (the server writes the
/// rows in COPY text itself, with no per-row message).
pub async fn copy_out(pool: &sqlx::PgPool, query: &str) -> Result<Vec<u8>, sqlx::Error> {
    use sqlx::postgres::PgPoolCopyExt;
    let sql = format!("COPY ({query}) TO STDOUT");
    let mut stream = pool.copy_out_raw(&sql).await?;
    let mut out = Vec::new();
    while let Some(bytes) = stream.try_next().await? {
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

fn mysql_cell(row: &sqlx::mysql::MySqlRow, i: usize) -> Result<Cell<'_>, sqlx::Error> {
    Ok(match row.try_get_unchecked::<Option<&[u8]>, _>(i)? {
        None => Cell::Null,
        Some(b) => Cell::Raw(b),
    })
}

fn pg_cell(row: &sqlx::postgres::PgRow, i: usize) -> Result<Cell<'_>, sqlx::Error> {
    // Simple-protocol results are text: every cell is its text form.
    Ok(match row.try_get_unchecked::<Option<&str>, _>(i)? {
        None => Cell::Null,
        Some(s) => Cell::Raw(s.as_bytes()),
    })
}

fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Cell<'_>, sqlx::Error> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let storage = raw.type_info().name().to_string();
    Ok(match storage.as_str() {
        "INTEGER" => Cell::Int(row.try_get_unchecked::<i64, _>(i)?),
        "REAL" => Cell::Real(row.try_get_unchecked::<f64, _>(i)?),
        _ => Cell::Raw(row.try_get_unchecked::<&[u8], _>(i)?),
    })
}

/// Runs `sql` and returns every cell as text (for catalog queries; PostgreSQL queries must
/// cast their columns to text).
pub async fn fetch_text(pool: &DbPool, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let mut out = Vec::new();
    macro_rules! drain {
        ($pool:expr, $cell:expr) => {{
            let mut rows = sqlx::raw_sql(sql).fetch($pool);
            while let Some(row) = rows.try_next().await? {
                let mut vals = Vec::with_capacity(row.len());
                for i in 0..row.len() {
                    vals.push(match $cell(&row, i)? {
                        Cell::Null => None,
                        Cell::Raw(b) => Some(String::from_utf8_lossy(b).into_owned()),
                        Cell::Int(n) => Some(n.to_string()),
                        Cell::Real(f) => Some(f.to_string()),
                    });
                }
                out.push(vals);
            }
        }};
    }
    match pool {
        DbPool::MySql(p) => drain!(p, mysql_cell),
        DbPool::Postgres(p) => drain!(p, pg_cell),
        DbPool::Sqlite(p) => drain!(p, sqlite_cell),
    }
    Ok(out)
}

/// Runs statements that return nothing.
pub async fn execute(pool: &DbPool, sql: &str) -> Result<u64, sqlx::Error> {
    Ok(match pool {
        DbPool::MySql(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
        DbPool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
        DbPool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
    })
}
