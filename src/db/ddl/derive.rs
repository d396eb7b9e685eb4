//! The target table's DDL derived from the live source table: its columns (and, from
//! MySQL/MariaDB, their collations), its secondary indexes, and what the target server
//! offers. Shared by the copy that creates the table and by preflight, which says before
//! the night whether it can be created.

use std::collections::BTreeMap;

use super::{plan, CreateInput, CreatePlan, DdlError, SourceColumn, SourceIndex};
use crate::db::introspect::{self, IntrospectError};
use crate::db::rows::fetch_text;
use crate::db::sql::TableRef;
use crate::db::{facts, DbPool, Dialect};

/// The part of a copy job that shapes its target table.
#[derive(Debug, Clone)]
pub struct TableShape<'a> {
    pub source_table: &'a str,
    pub target_table: &'a str,
    pub key: &'a [String],
    /// `None`: every source column.
    pub columns: Option<&'a [String]>,
    pub rename: &'a BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error("column `{column}` is not in source table {table}")]
    UnknownColumn { column: String, table: String },
    #[error(transparent)]
    Ddl(#[from] Box<DdlError>),
}

/// The DDL that creates `shape`'s target from the source as it is now.
pub async fn derive(
    shape: &TableShape<'_>,
    source: &DbPool,
    target: &DbPool,
) -> Result<CreatePlan, DeriveError> {
    let src = TableRef::parse(shape.source_table);
    let all = introspect::columns(source, &src).await?;
    let mut names: Vec<String> = match shape.columns {
        Some(cols) => cols.to_vec(),
        None => all.iter().map(|c| c.name.clone()).collect(),
    };
    for k in shape.key {
        if !names.contains(k) {
            names.push(k.clone());
        }
    }
    let target_name = |n: &str| {
        shape
            .rename
            .get(n)
            .cloned()
            .unwrap_or_else(|| n.to_string())
    };
    let collations = if source.dialect() == Dialect::MySql {
        introspect::collations(source, &src, &names).await
    } else {
        Vec::new()
    };
    let mut columns = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let column =
            all.iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| DeriveError::UnknownColumn {
                    column: name.clone(),
                    table: src.to_string(),
                })?;
        columns.push(SourceColumn {
            column: column.clone(),
            target_name: target_name(name),
            collation: collations.get(i).cloned().flatten(),
        });
    }
    let indexes = facts::read(source, &src)
        .await
        .map(|f| f.indexes)
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.primary && !i.partial && i.columns.iter().all(|c| names.contains(c)))
        .map(|i| SourceIndex {
            name: i.name,
            columns: i.columns.iter().map(|c| target_name(c)).collect(),
            unique: i.unique,
        })
        .collect();
    let input = CreateInput {
        source: source.dialect(),
        target: target.dialect(),
        table: TableRef::parse(shape.target_table),
        columns,
        key: shape.key.iter().map(|k| target_name(k)).collect(),
        indexes,
        bytes_collation: bytes_collation(target).await,
    };
    Ok(plan(&input).map_err(Box::new)?)
}

/// The MySQL/MariaDB server's binary NO PAD collation, if it has one.
async fn bytes_collation(target: &DbPool) -> Option<String> {
    if target.dialect() != Dialect::MySql {
        return None;
    }
    let rows = fetch_text(
        target,
        "SELECT COLLATION_NAME FROM information_schema.COLLATIONS \
         WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') \
         ORDER BY COLLATION_NAME DESC",
    )
    .await
    .ok()?;
    rows.into_iter().next()?.into_iter().next().flatten()
}
