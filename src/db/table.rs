//! Two tables matched row for row by a key (a copy's or a recon's source and target),
//! resolved against the live schemas: which columns pair up, with which types, keyed how.
//!
//! Copy, recon and preflight each derive a [`TableSpec`] from their own spec and resolve
//! it into a [`TablePair`]; what is their own (type checks, writers, checksums) they build
//! on top.

use std::collections::BTreeMap;

use crate::db::introspect::{self, IntrospectError};
use crate::db::sql::{exact_read, quote_ident, LiteralStyle, TableRef};
use crate::db::types::Column;
use crate::db::value::Value;
use crate::db::{DbPool, Dialect};

/// A table on a runbook connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The runbook connection's name.
    pub connection: String,
    /// `table` or `schema.table`.
    pub table: String,
}

/// What resolving a pair needs, and nothing of a job's own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The job's name, for messages.
    pub job: String,
    pub source: TableName,
    pub target: TableName,
    /// Key columns (single or composite), in order.
    pub key: Vec<String>,
    /// Columns to pair (source names); `None` means every source column.
    pub columns: Option<Vec<String>>,
    /// Source column -> target column renames.
    pub rename: BTreeMap<String, String>,
    /// SQL filter on the rows (`where`).
    pub filter: Option<String>,
}

/// Why a [`TableSpec`] does not resolve.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The spec does not fit the tables (no key, a column that is not there).
    #[error("{msg}")]
    Spec { job: String, msg: String },
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    /// A session setting could not be read; the database's words are in the message.
    #[error("{what}: {error}")]
    Session {
        what: &'static str,
        error: sqlx::Error,
    },
}

/// The spec resolved against the live schemas.
#[derive(Debug, Clone)]
pub struct TablePair {
    pub job: String,
    pub source_table: TableRef,
    pub target_table: TableRef,
    /// The paired columns as the source declares them, in the spec's order.
    pub src_cols: Vec<Column>,
    /// The matching target columns, same order.
    pub tgt_cols: Vec<Column>,
    /// Positions of the key columns in `src_cols`, in key order.
    pub key_idx: Vec<usize>,
    pub filter: Option<String>,
    pub src_style: LiteralStyle,
    pub tgt_style: LiteralStyle,
    pub src_dialect: Dialect,
    pub tgt_dialect: Dialect,
}

impl TablePair {
    pub fn key_src(&self) -> Vec<String> {
        self.key_idx
            .iter()
            .map(|&i| self.src_cols[i].name.clone())
            .collect()
    }

    pub fn key_tgt(&self) -> Vec<String> {
        self.key_idx
            .iter()
            .map(|&i| self.tgt_cols[i].name.clone())
            .collect()
    }

    pub fn key_of(&self, row: &[Value]) -> Vec<Value> {
        self.key_idx.iter().map(|&i| row[i].clone()).collect()
    }

    pub fn key_display(&self, key: &[Value]) -> String {
        let names = self.key_src();
        names
            .iter()
            .zip(key)
            .map(|(n, v)| format!("{n}={}", v.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Source select list for reading rows over the wire: each column in a form that keeps
    /// every bit ([`exact_read`]: PostgreSQL as text, MariaDB FLOAT widened to DOUBLE).
    pub fn select_list(&self) -> String {
        self.src_cols
            .iter()
            .map(|c| {
                exact_read(
                    self.src_dialect,
                    &quote_ident(self.src_dialect, &c.name),
                    &c.kind,
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The source columns by name, as they are (for `INSERT ... SELECT` inside one server,
    /// where the server converts each value itself).
    pub fn source_columns(&self) -> String {
        self.src_cols
            .iter()
            .map(|c| quote_ident(self.src_dialect, &c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Key columns qualified by the table: PostgreSQL would otherwise sort by the
    /// same-named `::text` output column.
    pub fn order_by(&self) -> String {
        let table = self.source_table.quoted(self.src_dialect);
        self.key_src()
            .iter()
            .map(|k| format!("{table}.{}", quote_ident(self.src_dialect, k)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads both tables' columns and pairs them up as `spec` says.
pub async fn resolve(
    spec: &TableSpec,
    source: &DbPool,
    target: &DbPool,
) -> Result<TablePair, TableError> {
    let spec_err = |msg: String| TableError::Spec {
        job: spec.job.clone(),
        msg,
    };
    if spec.key.is_empty() {
        return Err(spec_err("declare `key` (one or more columns)".into()));
    }
    let source_table = TableRef::parse(&spec.source.table);
    let target_table = TableRef::parse(&spec.target.table);
    let src_all = introspect::columns(source, &source_table).await?;
    let tgt_all = introspect::columns(target, &target_table).await?;
    let mut names: Vec<String> = match &spec.columns {
        Some(cols) => cols.clone(),
        None => src_all.iter().map(|c| c.name.clone()).collect(),
    };
    for k in &spec.key {
        if !names.contains(k) {
            names.push(k.clone());
        }
    }
    let mut src_cols = Vec::new();
    let mut tgt_cols = Vec::new();
    for name in &names {
        let src = src_all.iter().find(|c| &c.name == name).ok_or_else(|| {
            spec_err(format!(
                "column `{name}` is not in source table {source_table}"
            ))
        })?;
        let tname = spec.rename.get(name).unwrap_or(name);
        let tgt = tgt_all.iter().find(|c| &c.name == tname).ok_or_else(|| {
            spec_err(format!(
                "column `{tname}` is not in target table {target_table}"
            ))
        })?;
        src_cols.push(src.clone());
        tgt_cols.push(tgt.clone());
    }
    let key_idx = spec
        .key
        .iter()
        .filter_map(|k| names.iter().position(|n| n == k))
        .collect();
    let src_style =
        introspect::literal_style(source)
            .await
            .map_err(|error| TableError::Session {
                what: "source session",
                error,
            })?;
    let tgt_style =
        introspect::literal_style(target)
            .await
            .map_err(|error| TableError::Session {
                what: "target session",
                error,
            })?;
    Ok(TablePair {
        job: spec.job.clone(),
        source_table,
        target_table,
        src_cols,
        tgt_cols,
        key_idx,
        filter: spec.filter.clone(),
        src_style,
        tgt_style,
        src_dialect: source.dialect(),
        tgt_dialect: target.dialect(),
    })
}
