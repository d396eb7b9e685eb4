//! What a table looks like: its columns and types (`information_schema`, pg catalogs,
//! `pragma_table_info`), their collations, a row estimate, and how the connection wants
//! literals escaped.

use super::pool::DbPool;
use super::rows::fetch_text;
use super::sql::{literal, LiteralStyle, TableRef};
use super::types::{Column, Kind};
use super::url::Dialect;
use super::value::Value;

#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("cannot read the columns of {table}: {source}")]
    Db {
        table: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("table {table} does not exist (or has no columns) on the {dialect} connection")]
    Missing { table: String, dialect: Dialect },
}

fn text_lit(d: Dialect, s: &str) -> String {
    literal(LiteralStyle::new(d), &Value::Text(s.to_string()))
}

fn num<T: std::str::FromStr>(cell: Option<&str>) -> Option<T> {
    cell.and_then(|s| s.parse().ok())
}

/// The table's columns in declaration order.
pub async fn columns(pool: &DbPool, table: &TableRef) -> Result<Vec<Column>, IntrospectError> {
    let d = pool.dialect();
    let wrap = |source| IntrospectError::Db {
        table: table.to_string(),
        source,
    };
    let name = text_lit(d, &table.name);
    let cols = match d {
        Dialect::MySql => {
            let schema = table
                .schema
                .as_deref()
                .map_or("DATABASE()".to_string(), |s| text_lit(d, s));
            let rows = fetch_text(
                pool,
                &format!(
                    "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, \
                     CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, \
                     DATETIME_PRECISION, CHARACTER_SET_NAME FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name} \
                     ORDER BY ORDINAL_POSITION"
                ),
            )
            .await
            .map_err(wrap)?;
            // MariaDB's JSON is LONGTEXT with a json_valid() check: find those columns.
            let checks = fetch_text(
                pool,
                &format!(
                    "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
                     WHERE CONSTRAINT_SCHEMA = {schema} AND TABLE_NAME = {name}"
                ),
            )
            .await
            .unwrap_or_default();
            let is_json = |col: &str| {
                checks.iter().any(|r| {
                    r.first()
                        .and_then(|c| c.as_deref())
                        .is_some_and(|c| c.contains(&format!("json_valid(`{col}`)")))
                })
            };
            rows.iter()
                .map(|r| mysql_column(r, is_json))
                .collect::<Vec<_>>()
        }
        Dialect::Postgres => {
            let schema = table
                .schema
                .as_deref()
                .map_or("current_schema()".to_string(), |s| text_lit(d, s));
            let rows = fetch_text(
                pool,
                &format!(
                    "SELECT c.column_name::text, c.udt_name::text, c.is_nullable::text, \
                     c.character_maximum_length::text, c.numeric_precision::text, \
                     c.numeric_scale::text, c.datetime_precision::text, \
                     (SELECT string_agg(e.enumlabel, E'\\x1f' ORDER BY e.enumsortorder) \
                        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid \
                        WHERE t.typname = c.udt_name), \
                     format_type(a.atttypid, a.atttypmod) \
                     FROM information_schema.columns c \
                     JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass \
                       AND a.attname = c.column_name \
                     WHERE c.table_schema = {schema} AND c.table_name = {name} \
                     ORDER BY c.ordinal_position"
                ),
            )
            .await
            .map_err(wrap)?;
            rows.iter().map(|r| postgres_column(r)).collect()
        }
        Dialect::Sqlite => {
            let rows = fetch_text(
                pool,
                &format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info({name})"),
            )
            .await
            .map_err(wrap)?;
            rows.iter()
                .map(|r| {
                    let declared = r[1].clone().unwrap_or_default();
                    Column {
                        name: r[0].clone().unwrap_or_default(),
                        kind: Kind::from_sqlite(&declared),
                        nullable: r[2].as_deref() != Some("1"),
                        declared,
                        charset: None,
                    }
                })
                .collect()
        }
    };
    if cols.is_empty() {
        return Err(IntrospectError::Missing {
            table: table.to_string(),
            dialect: d,
        });
    }
    Ok(cols)
}

/// A column from the first nine cells of a MySQL/MariaDB `information_schema.COLUMNS` row:
/// `COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH,
/// NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME`. `is_json`
/// says which LONGTEXT columns carry MariaDB's `json_valid()` check.
pub(crate) fn mysql_column(r: &[Option<String>], is_json: impl Fn(&str) -> bool) -> Column {
    let cell = |i: usize| r.get(i).cloned().flatten();
    let name = cell(0).unwrap_or_default();
    let data_type = cell(1).unwrap_or_default().to_ascii_lowercase();
    let column_type = cell(2).unwrap_or_default().to_ascii_lowercase();
    let kind = if data_type == "longtext" && is_json(&name) {
        Kind::Json
    } else {
        Kind::from_mysql(
            &data_type,
            &column_type,
            num(cell(4).as_deref()),
            num(cell(5).as_deref()),
            num(cell(6).as_deref()),
            num(cell(7).as_deref()),
        )
    };
    Column {
        declared: if kind == Kind::Json {
            "json".into()
        } else {
            column_type
        },
        name,
        kind,
        nullable: cell(3).as_deref() == Some("YES"),
        charset: cell(8),
    }
}

/// A column from the first nine cells of the PostgreSQL row [`columns`] reads:
/// name, `udt_name`, `is_nullable`, length, precision, scale, datetime precision, enum
/// labels (joined by `\x1f`) and `format_type`.
pub(crate) fn postgres_column(r: &[Option<String>]) -> Column {
    let cell = |i: usize| r.get(i).cloned().flatten();
    let udt = cell(1).unwrap_or_default();
    let labels = cell(7).map(|s| s.split('\x1f').map(str::to_string).collect());
    let numeric = udt == "numeric";
    Column {
        name: cell(0).unwrap_or_default(),
        kind: Kind::from_postgres(
            &udt,
            num(cell(3).as_deref()),
            if numeric {
                num(cell(4).as_deref())
            } else {
                None
            },
            if numeric {
                num(cell(5).as_deref())
            } else {
                None
            },
            num(cell(6).as_deref()),
            labels,
        ),
        nullable: cell(2).as_deref() == Some("YES"),
        declared: cell(8).unwrap_or(udt),
        charset: None,
    }
}

/// The PostgreSQL column cells [`postgres_column`] reads, from `information_schema.columns c`
/// joined to `pg_attribute a`.
pub(crate) const POSTGRES_COLUMN_CELLS: &str = "c.column_name::text, c.udt_name::text, \
     c.is_nullable::text, c.character_maximum_length::text, c.numeric_precision::text, \
     c.numeric_scale::text, c.datetime_precision::text, \
     (SELECT string_agg(e.enumlabel, E'\\x1f' ORDER BY e.enumsortorder) \
        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = c.udt_name), \
     format_type(a.atttypid, a.atttypmod)";

/// The collation of each of `names`: `None` for a column not found, nothing at all when
/// the catalog cannot be read. SQLite's is BINARY; PostgreSQL's is the column's and the
/// database's, `column/database`.
pub async fn collations(pool: &DbPool, table: &TableRef, names: &[String]) -> Vec<Option<String>> {
    let d = pool.dialect();
    let lit = |s: &str| {
        let mut out = String::new();
        super::sql::push_str_literal(&mut out, LiteralStyle::new(d), s);
        out
    };
    let sql = match d {
        Dialect::MySql => format!(
            "SELECT COLUMN_NAME, COALESCE(COLLATION_NAME, '') FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}",
            table
                .schema
                .as_deref()
                .map_or("DATABASE()".to_string(), lit),
            lit(&table.name)
        ),
        Dialect::Postgres => format!(
            "SELECT a.attname::text, coalesce(co.collname::text, '') || '/' || \
             (SELECT datcollate::text FROM pg_database WHERE datname = current_database()) \
             FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE a.attrelid = {}::regclass AND a.attnum > 0",
            lit(&table.quoted(d))
        ),
        Dialect::Sqlite => return names.iter().map(|_| Some("BINARY".into())).collect(),
    };
    let Ok(rows) = fetch_text(pool, &sql).await else {
        return Vec::new();
    };
    names
        .iter()
        .map(|n| {
            rows.iter()
                .find(|r| r.first().cloned().flatten().as_deref() == Some(n.as_str()))
                .and_then(|r| r.get(1).cloned().flatten())
        })
        .collect()
}

/// The planner's row estimate from statistics (cheap; SQLite counts).
pub async fn estimate_rows(pool: &DbPool, table: &TableRef) -> Option<u64> {
    let d = pool.dialect();
    let name = text_lit(d, &table.name);
    let sql = match d {
        Dialect::MySql => {
            let schema = table
                .schema
                .as_deref()
                .map_or("DATABASE()".to_string(), |s| text_lit(d, s));
            format!(
                "SELECT TABLE_ROWS FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name}"
            )
        }
        Dialect::Postgres => format!(
            "SELECT reltuples::bigint::text FROM pg_class WHERE oid = {}::regclass",
            text_lit(d, &table.quoted(d))
        ),
        Dialect::Sqlite => format!("SELECT count(*) FROM {}", table.quoted(d)),
    };
    let rows = fetch_text(pool, &sql).await.ok()?;
    let n: i64 = rows.first()?.first()?.as_deref()?.parse().ok()?;
    u64::try_from(n).ok()
}

/// The primary key's columns in order (MySQL/MariaDB only: `None` elsewhere, or when the
/// table has none or it cannot be read).
pub async fn primary_key(pool: &DbPool, table: &TableRef) -> Option<Vec<String>> {
    let d = pool.dialect();
    if d != Dialect::MySql {
        return None;
    }
    let schema = table
        .schema
        .as_deref()
        .map_or("DATABASE()".to_string(), |s| text_lit(d, s));
    let sql = format!(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
         WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {} AND CONSTRAINT_NAME = 'PRIMARY' \
         ORDER BY ORDINAL_POSITION",
        text_lit(d, &table.name)
    );
    let rows = fetch_text(pool, &sql).await.ok()?;
    let cols: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.into_iter().next()?)
        .collect();
    (!cols.is_empty()).then_some(cols)
}

/// How string literals are escaped on this connection (MySQL's `NO_BACKSLASH_ESCAPES`).
pub async fn literal_style(pool: &DbPool) -> Result<LiteralStyle, sqlx::Error> {
    let mut style = LiteralStyle::new(pool.dialect());
    if pool.dialect() == Dialect::MySql {
        let rows = fetch_text(pool, "SELECT @@SESSION.sql_mode").await?;
        let mode = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .unwrap_or_default();
        style.backslash_escapes = !mode.contains("NO_BACKSLASH_ESCAPES");
    }
    Ok(style)
}

/// MySQL's `max_allowed_packet` (bytes), if this is MySQL.
pub async fn max_allowed_packet(pool: &DbPool) -> Option<u64> {
    if pool.dialect() != Dialect::MySql {
        return None;
    }
    let rows = fetch_text(pool, "SELECT @@max_allowed_packet").await.ok()?;
    rows.first()?.first()?.as_deref()?.parse().ok()
}
