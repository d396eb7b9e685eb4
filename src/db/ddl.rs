//! The DDL of a target table derived from its source table, by the rules of
//! `docs/type-mapping.md`: the columns a copy job writes, their nullability, the job's key
//! as the primary key, and the source's secondary indexes (created after the load).
//!
//! A column the mapping cannot carry without losing data is refused, naming it; nothing is
//! widened, narrowed or re-collated silently. Defaults, checks, triggers and foreign keys
//! are not carried: a target warroom creates holds the data, the rest is the schema owner's.

pub mod derive;

pub use derive::{derive, DeriveError, TableShape};

use super::sql::{quote_ident, TableRef};
use super::types::{Column, Kind};
use super::url::Dialect;

/// Why a target table cannot be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}` ({declared}) cannot be created on the {target} target without losing data: {why}; create {table} by hand (docs/type-mapping.md says what fits)")]
pub struct DdlError {
    pub table: String,
    pub column: String,
    pub declared: String,
    pub target: Dialect,
    pub why: String,
}

/// One column to create: the source column, its name on the target and, for MySQL/MariaDB
/// sources, its collation.
#[derive(Debug, Clone)]
pub struct SourceColumn {
    pub column: Column,
    pub target_name: String,
    pub collation: Option<String>,
}

/// A secondary index of the source, with its columns' target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// What to create the target table from.
#[derive(Debug, Clone)]
pub struct CreateInput {
    pub source: Dialect,
    pub target: Dialect,
    pub table: TableRef,
    pub columns: Vec<SourceColumn>,
    /// The key's target names, in order.
    pub key: Vec<String>,
    pub indexes: Vec<SourceIndex>,
    /// For a MySQL/MariaDB target of a source that compares text by bytes (PostgreSQL,
    /// SQLite): the server's binary NO PAD collation, so `a` and `A` (or `a` and `a `)
    /// stay two keys. `None` when the server has none (then text keys are refused).
    pub bytes_collation: Option<String>,
}

/// The statements that create the table, and those that add its indexes once loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePlan {
    pub create_table: String,
    /// `(index name, statement)`, run after the load.
    pub indexes: Vec<(String, String)>,
}

/// Longest VARCHAR a MySQL/MariaDB key column may have in utf8mb4 (3072-byte index limit).
const MYSQL_KEY_CHARS: u64 = 768;
/// Longest VARCHAR kept as VARCHAR on MySQL/MariaDB (a row holds at most 65,535 bytes).
const MYSQL_VARCHAR_CHARS: u64 = 16_383;

pub fn plan(input: &CreateInput) -> Result<CreatePlan, DdlError> {
    let d = input.target;
    let mut defs = Vec::new();
    for c in &input.columns {
        let is_key = input.key.contains(&c.target_name);
        let ty = column_type(input, c, is_key)?;
        let null = if c.column.nullable && !is_key {
            ""
        } else {
            " NOT NULL"
        };
        defs.push(format!("{} {ty}{null}", quote_ident(d, &c.target_name)));
    }
    let key = input
        .key
        .iter()
        .map(|k| quote_ident(d, k))
        .collect::<Vec<_>>()
        .join(", ");
    defs.push(format!("PRIMARY KEY ({key})"));
    let create_table = format!(
        "CREATE TABLE {} (\n  {}\n)",
        input.table.quoted(d),
        defs.join(",\n  ")
    );
    let indexes = input
        .indexes
        .iter()
        .filter(|i| i.columns != input.key)
        .map(|i| {
            let name = index_name(input, &i.name);
            let cols = i
                .columns
                .iter()
                .map(|c| quote_ident(d, c))
                .collect::<Vec<_>>()
                .join(", ");
            let unique = if i.unique { "UNIQUE " } else { "" };
            let sql = format!(
                "CREATE {unique}INDEX {} ON {} ({cols})",
                quote_ident(d, &name),
                input.table.quoted(d)
            );
            (name, sql)
        })
        .collect();
    Ok(CreatePlan {
        create_table,
        indexes,
    })
}

/// PostgreSQL and SQLite index names are per schema, MySQL's per table: across dialects the
/// name is prefixed with the table's so two tables' `idx_created` do not collide.
fn index_name(input: &CreateInput, source_name: &str) -> String {
    let table = &input.table.name;
    let name = if input.source == input.target || source_name.starts_with(table.as_str()) {
        source_name.to_string()
    } else {
        format!("{table}_{source_name}")
    };
    // PostgreSQL and MySQL both stop at 63/64 bytes.
    let mut cut = name.len().min(63);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    name[..cut].to_string()
}

fn column_type(input: &CreateInput, c: &SourceColumn, is_key: bool) -> Result<String, DdlError> {
    let refuse = |why: &str| DdlError {
        table: input.table.to_string(),
        column: c.column.name.clone(),
        declared: c.column.declared.clone(),
        target: input.target,
        why: why.to_string(),
    };
    if input.source == input.target {
        return Ok(same_dialect(input.target, c));
    }
    match input.target {
        Dialect::Postgres => to_postgres(c, &refuse),
        Dialect::MySql => to_mysql(input, c, is_key, &refuse),
        Dialect::Sqlite => to_sqlite(c, &refuse),
    }
}

/// Same dialect: the declared type as the source declares it, plus (MySQL/MariaDB) the
/// column's character set and collation, which the declared type does not carry.
fn same_dialect(d: Dialect, c: &SourceColumn) -> String {
    let mut ty = c.column.declared.clone();
    if d == Dialect::MySql {
        if let Some(cs) = c
            .column
            .charset
            .as_deref()
            .filter(|_| is_text(&c.column.kind))
        {
            ty.push_str(&format!(" CHARACTER SET {cs}"));
            if let Some(co) = c.collation.as_deref().filter(|co| !co.is_empty()) {
                ty.push_str(&format!(" COLLATE {co}"));
            }
        }
    }
    ty
}

fn is_text(kind: &Kind) -> bool {
    matches!(kind, Kind::Text { .. } | Kind::Enum { .. })
}

/// `varchar(n)` when the source declares a bounded character type, else `None`.
fn bounded_chars(c: &Column) -> Option<u64> {
    let declared = c.declared.to_ascii_lowercase();
    let bounded = declared.starts_with("varchar")
        || declared.starts_with("char")
        || declared.starts_with("character");
    match c.kind {
        Kind::Text { max_chars: Some(n) } if bounded => Some(n),
        _ => None,
    }
}

fn enum_check(name: &str, labels: &[String]) -> String {
    let list = labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        " CHECK ({} IN ({list}))",
        quote_ident(Dialect::Postgres, name)
    )
}

fn to_postgres(c: &SourceColumn, refuse: &dyn Fn(&str) -> DdlError) -> Result<String, DdlError> {
    Ok(match &c.column.kind {
        Kind::Bool => "boolean".into(),
        Kind::Int { bytes, unsigned } => match (bytes, unsigned) {
            (1 | 2, false) | (1, true) => "smallint".into(),
            (3 | 4, false) | (2 | 3, true) => "integer".into(),
            (4, true) | (8, false) => "bigint".into(),
            _ => "numeric(20,0)".into(),
        },
        Kind::Bit { bits } => match bits {
            1 => "boolean".into(),
            2..=63 => "bigint".into(),
            _ => "numeric(20,0)".into(),
        },
        Kind::Float { double } => if *double { "double precision" } else { "real" }.into(),
        Kind::Decimal {
            precision: Some(p),
            scale,
        } => format!("numeric({p},{})", scale.unwrap_or(0)),
        Kind::Decimal { .. } => "numeric".into(),
        Kind::Text { .. } => match bounded_chars(&c.column) {
            Some(n) => format!("varchar({n})"),
            None => "text".into(),
        },
        Kind::Binary { .. } => "bytea".into(),
        Kind::Date => "date".into(),
        Kind::Time { fsp } => format!("time({fsp})"),
        Kind::DateTime { fsp } => format!("timestamp({fsp})"),
        Kind::Timestamp { fsp } => format!("timestamptz({fsp})"),
        // `json` keeps the document's text as it came; `jsonb` would reorder keys and drop
        // duplicates.
        Kind::Json => "json".into(),
        Kind::Enum { labels } if !labels.is_empty() => {
            format!("text{}", enum_check(&c.target_name, labels))
        }
        Kind::Enum { .. } => "text".into(),
        Kind::Uuid => "uuid".into(),
        Kind::Other { name } => {
            return Err(refuse(&format!(
                "warroom has no mapping for the type `{name}`"
            )))
        }
    })
}

fn to_mysql(
    input: &CreateInput,
    c: &SourceColumn,
    is_key: bool,
    refuse: &dyn Fn(&str) -> DdlError,
) -> Result<String, DdlError> {
    let text = |len: Option<u64>| -> Result<String, DdlError> {
        let collate = match &input.bytes_collation {
            Some(co) => format!(" CHARACTER SET utf8mb4 COLLATE {co}"),
            None if is_key => {
                return Err(refuse(
                    "the server has no binary NO PAD collation, so keys that differ only in case or trailing spaces would collide",
                ))
            }
            None => " CHARACTER SET utf8mb4".into(),
        };
        match len {
            Some(n) if is_key && n > MYSQL_KEY_CHARS => Err(refuse(&format!(
                "a key column longer than {MYSQL_KEY_CHARS} characters cannot be indexed"
            ))),
            None if is_key => Err(refuse(
                "a key of unbounded text cannot be indexed (declare it VARCHAR(n) on the source, or create the target by hand)",
            )),
            Some(n) if n <= MYSQL_VARCHAR_CHARS => Ok(format!("VARCHAR({n}){collate}")),
            _ => Ok(format!("LONGTEXT{collate}")),
        }
    };
    Ok(match &c.column.kind {
        Kind::Bool => "BOOLEAN".into(),
        Kind::Int { bytes, unsigned } => {
            let base = match bytes {
                1 => "TINYINT",
                2 => "SMALLINT",
                3 => "MEDIUMINT",
                4 => "INT",
                _ => "BIGINT",
            };
            if *unsigned {
                format!("{base} UNSIGNED")
            } else {
                base.into()
            }
        }
        Kind::Bit { bits } => format!("BIT({bits})"),
        Kind::Float { double } => if *double { "DOUBLE" } else { "FLOAT" }.into(),
        Kind::Decimal {
            precision: Some(p),
            scale,
        } if *p <= 65 && scale.unwrap_or(0) <= 30 => format!("DECIMAL({p},{})", scale.unwrap_or(0)),
        Kind::Decimal {
            precision: Some(_), ..
        } => {
            return Err(refuse(
                "DECIMAL holds at most 65 digits, 30 after the point",
            ))
        }
        Kind::Decimal {
            precision: None, ..
        } => {
            return Err(refuse(
                "a NUMERIC without precision may hold more digits than DECIMAL(65,30)",
            ))
        }
        Kind::Text { .. } => text(bounded_chars(&c.column))?,
        Kind::Binary { .. } if is_key => {
            return Err(refuse("a key of unbounded bytes cannot be indexed"))
        }
        Kind::Binary { .. } => "LONGBLOB".into(),
        Kind::Date => "DATE".into(),
        Kind::Time { fsp } => format!("TIME({fsp})"),
        // An instant is written in UTC; TIMESTAMP would stop at 2038.
        Kind::DateTime { fsp } | Kind::Timestamp { fsp } => format!("DATETIME({fsp})"),
        Kind::Json => "JSON".into(),
        Kind::Enum { labels } if !labels.is_empty() => {
            let list = labels
                .iter()
                .map(|l| format!("'{}'", l.replace('\\', "\\\\").replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            let collate = input
                .bytes_collation
                .as_deref()
                .map(|co| format!(" CHARACTER SET utf8mb4 COLLATE {co}"))
                .unwrap_or_default();
            format!("ENUM({list}){collate}")
        }
        Kind::Enum { .. } => text(None)?,
        Kind::Uuid => "CHAR(36) CHARACTER SET ascii".into(),
        Kind::Other { name } => {
            return Err(refuse(&format!(
                "warroom has no mapping for the type `{name}`"
            )))
        }
    })
}

/// SQLite's declared names are chosen so warroom reads each back as the same kind
/// (`Kind::from_sqlite`), with an affinity that keeps the value as it was written.
fn to_sqlite(c: &SourceColumn, refuse: &dyn Fn(&str) -> DdlError) -> Result<String, DdlError> {
    Ok(match &c.column.kind {
        Kind::Bool | Kind::Bit { bits: 1 } => "BOOLEAN".into(),
        // Above 2^63-1 only TEXT holds a BIGINT UNSIGNED; NUMERIC affinity would turn a
        // decimal's digits into a REAL, TEXT keeps them exact.
        Kind::Int {
            bytes: 8,
            unsigned: true,
        }
        | Kind::Bit { bits: 64.. }
        | Kind::Decimal { .. }
        | Kind::Text { .. }
        | Kind::Enum { .. } => "TEXT".into(),
        Kind::Int { .. } | Kind::Bit { .. } => "INTEGER".into(),
        Kind::Float { .. } => "REAL".into(),
        Kind::Binary { .. } => "BLOB".into(),
        Kind::Date => "DATE".into(),
        Kind::Time { .. } => "TIME".into(),
        Kind::DateTime { .. } => "DATETIME".into(),
        Kind::Timestamp { .. } => "TIMESTAMPTZ".into(),
        Kind::Json => "JSON".into(),
        Kind::Uuid => "UUID".into(),
        Kind::Other { name } => {
            return Err(refuse(&format!(
                "warroom has no mapping for the type `{name}`"
            )))
        }
    })
}

#[cfg(test)]
mod tests;
