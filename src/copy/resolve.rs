//! A copy spec checked against both tables: which columns go where, with which types.

use crate::db::introspect;
use crate::db::sql::{exact_read, quote_ident, LiteralStyle, TableRef};
use crate::db::types::Column;
use crate::db::value::Value;
use crate::db::{DbPool, Dialect};
use crate::runbook::CopySpec;

use super::error::CopyError;

/// The spec resolved against the live schemas.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub job: String,
    pub source_table: TableRef,
    pub target_table: TableRef,
    /// Copied columns as the source declares them, in copy order.
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

impl Resolved {
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

    /// A digest of what the copy means, to refuse resuming a checkpoint made for another spec.
    pub fn digest(&self) -> String {
        let mut h = crc32fast::Hasher::new();
        for part in [
            self.source_table.to_string(),
            self.target_table.to_string(),
            self.key_src().join(","),
            self.src_cols
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
            self.tgt_cols
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
            self.filter.clone().unwrap_or_default(),
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        format!("{:08x}", h.finalize())
    }
}

pub async fn resolve(
    spec: &CopySpec,
    source: &DbPool,
    target: &DbPool,
) -> Result<Resolved, CopyError> {
    let spec_err = |msg: String| CopyError::Spec {
        job: spec.name.clone(),
        msg,
    };
    if spec.key.is_empty() {
        return Err(spec_err("declare `key` (one or more columns)".into()));
    }
    let source_table = TableRef::parse(&spec.source_table);
    let target_table = TableRef::parse(&spec.target_table);
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
    let src_style = introspect::literal_style(source)
        .await
        .map_err(|e| CopyError::db("source session", e))?;
    let tgt_style = introspect::literal_style(target)
        .await
        .map_err(|e| CopyError::db("target session", e))?;
    Ok(Resolved {
        job: spec.name.clone(),
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
