//! MySQL/MariaDB: `information_schema` (COLUMNS, `CHECK_CONSTRAINTS`, TABLES, STATISTICS,
//! `REFERENTIAL_CONSTRAINTS`, `KEY_COLUMN_USAGE`, TRIGGERS) and, when it is on,
//! `performance_schema`'s per-table write counts.
//!
//! Every table of a schema is read at once: one query per kind with `TABLE_NAME IN (...)`,
//! whatever the number of tables (an `information_schema` query opens the tables of the
//! schema once, where a query per table opened them once per table).

use std::collections::BTreeMap;

use super::{
    cell, group_foreign_keys, group_indexes, lit, number, rows_of, text, ColumnFacts, Counter,
    FactsError, Generated, Rows, TableFacts, Trigger, WriteStats,
};
use crate::db::introspect::{mysql_column, IntrospectError};
use crate::db::pool::DbPool;
use crate::db::rows::fetch_text;
use crate::db::sql::TableRef;
use crate::db::url::Dialect;

const D: Dialect = Dialect::MySql;

/// Reads the facts of every table, in order, with a handful of queries per schema.
pub(super) async fn read_all(
    pool: &DbPool,
    tables: &[TableRef],
) -> Vec<Result<TableFacts, FactsError>> {
    let mut by_schema: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, t) in tables.iter().enumerate() {
        by_schema.entry(t.schema.as_deref()).or_default().push(i);
    }
    let mut out: Vec<Option<Result<TableFacts, FactsError>>> =
        tables.iter().map(|_| None).collect();
    for (schema, idx) in by_schema {
        let group: Vec<&TableRef> = idx.iter().map(|&i| &tables[i]).collect();
        for (i, r) in idx.into_iter().zip(read_schema(pool, schema, &group).await) {
            out[i] = Some(r);
        }
    }
    out.into_iter().flatten().collect()
}

/// One schema's tables (`None`: the connection's database).
async fn read_schema(
    pool: &DbPool,
    schema: Option<&str>,
    tables: &[&TableRef],
) -> Vec<Result<TableFacts, FactsError>> {
    let schema = schema.map_or("DATABASE()".to_string(), |s| lit(D, s));
    let names = tables
        .iter()
        .map(|t| lit(D, &t.name))
        .collect::<Vec<_>>()
        .join(", ");
    let catalog = Catalog::read(pool, &schema, &names).await;
    tables
        .iter()
        .map(|t| match &catalog {
            Ok(c) => c.facts(t),
            Err((what, cause)) => Err(FactsError::Catalog {
                what,
                table: t.to_string(),
                cause: cause.clone(),
            }),
        })
        .collect()
}

/// The catalog rows of a set of tables, each kind read once.
struct Catalog {
    columns: Rows,
    checks: Rows,
    tables: Rows,
    indexes: Rows,
    /// `CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME` of every foreign
    /// key from or to one of the tables.
    foreign_keys: Rows,
    triggers: Rows,
    /// `None`: `performance_schema` is off or may not be read.
    writes: Option<Rows>,
}

impl Catalog {
    async fn read(
        pool: &DbPool,
        schema: &str,
        names: &str,
    ) -> Result<Catalog, (&'static str, String)> {
        let get = |what: &'static str, sql: String| async move {
            fetch_text(pool, &sql)
                .await
                .map_err(|e| (what, e.to_string()))
        };
        let columns = get(
            "columns",
            format!(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, \
                 CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, \
                 DATETIME_PRECISION, CHARACTER_SET_NAME, COLUMN_DEFAULT, EXTRA, COLLATION_NAME, \
                 TABLE_NAME FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME IN ({names}) \
                 ORDER BY TABLE_NAME, ORDINAL_POSITION"
            ),
        )
        .await?;
        // MariaDB's JSON is LONGTEXT with a json_valid() check (MySQL has no such checks:
        // an error here is no JSON column).
        let checks = get(
            "checks",
            format!(
                "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = {schema} AND TABLE_NAME IN ({names})"
            ),
        )
        .await
        .unwrap_or_default();
        let tables = get(
            "size",
            format!(
                "SELECT TABLE_NAME, TABLE_ROWS, AUTO_INCREMENT, DATA_LENGTH + INDEX_LENGTH \
                 FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME IN ({names})"
            ),
        )
        .await?;
        let indexes = get(
            "indexes",
            format!(
                "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {schema} \
                 AND TABLE_NAME IN ({names}) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
            ),
        )
        .await?;
        // REFERENTIAL_CONSTRAINTS names the keys each way without opening the tables;
        // KEY_COLUMN_USAGE then reads only the tables that hold one.
        let holding = get(
            "foreign keys",
            format!(
                "SELECT DISTINCT TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = {schema} \
                 AND (TABLE_NAME IN ({names}) OR REFERENCED_TABLE_NAME IN ({names}))"
            ),
        )
        .await?;
        let foreign_keys = if holding.is_empty() {
            Vec::new()
        } else {
            let holders = holding
                .iter()
                .map(|r| lit(D, &text(r, 0)))
                .collect::<Vec<_>>()
                .join(", ");
            get(
                "foreign keys",
                format!(
                    "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME \
                     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = {schema} \
                     AND TABLE_NAME IN ({holders}) AND REFERENCED_TABLE_NAME IS NOT NULL \
                     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
                ),
            )
            .await?
        };
        let triggers = get(
            "triggers",
            format!(
                "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION \
                 FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = {schema} \
                 AND EVENT_OBJECT_TABLE IN ({names}) ORDER BY TRIGGER_NAME"
            ),
        )
        .await?;
        // performance_schema counts row operations since the server started, when it is on.
        let writes = get(
            "write statistics",
            format!(
                "SELECT OBJECT_NAME, COUNT_INSERT, COUNT_UPDATE, COUNT_DELETE \
                 FROM performance_schema.table_io_waits_summary_by_table \
                 WHERE OBJECT_SCHEMA = {schema} AND OBJECT_NAME IN ({names}) \
                 AND @@performance_schema = 1"
            ),
        )
        .await
        .ok();
        Ok(Catalog {
            columns,
            checks,
            tables,
            indexes,
            foreign_keys,
            triggers,
            writes,
        })
    }

    /// One table's facts from the rows read.
    fn facts(&self, table: &TableRef) -> Result<TableFacts, FactsError> {
        let name = table.name.as_str();
        let checks = rows_of(&self.checks, 0, name);
        let is_json = |col: &str| {
            let needle = format!("json_valid(`{col}`)");
            checks.iter().any(|r| text(r, 1).contains(&needle))
        };
        let columns: Vec<ColumnFacts> = rows_of(&self.columns, 12, name)
            .into_iter()
            .map(|r| {
                let extra = text(r, 10).to_ascii_lowercase();
                ColumnFacts {
                    column: mysql_column(r, is_json),
                    // MariaDB writes a nullable column's absent default as the text NULL.
                    default: cell(r, 9).filter(|d| !d.eq_ignore_ascii_case("null")),
                    generated: if extra.contains("stored generated") || extra.contains("persistent")
                    {
                        Some(Generated::Stored)
                    } else if extra.contains("virtual") {
                        Some(Generated::Virtual)
                    } else {
                        None
                    },
                    invisible: extra.contains("invisible"),
                    auto_increment: extra.contains("auto_increment"),
                    identity: None,
                    sequence: None,
                    collation: cell(r, 11),
                }
            })
            .collect();
        if columns.is_empty() {
            return Err(FactsError::Columns(IntrospectError::Missing {
                table: table.to_string(),
                dialect: D,
            }));
        }
        let info = rows_of(&self.tables, 0, name)
            .first()
            .and_then(|r| r.get(1..).map(<[_]>::to_vec))
            .unwrap_or_default();
        let mut indexes = group_indexes(rows_of(&self.indexes, 0, name).into_iter().map(|r| {
            let index = text(r, 1);
            (
                index.clone(),
                text(r, 2) == "0",
                index == "PRIMARY",
                cell(r, 4).is_some() || cell(r, 3).is_none(),
                text(r, 3),
            )
        }));
        indexes.sort_by_key(|i| !i.primary);
        let fks = |col: usize| {
            group_foreign_keys(
                rows_of(&self.foreign_keys, col, name)
                    .into_iter()
                    .map(|r| (text(r, 0), text(r, 1), text(r, 2), text(r, 3))),
            )
        };
        // AUTO_INCREMENT is the next value: the last one handed out is one less.
        let counters = match (
            columns.iter().find(|c| c.auto_increment),
            number::<i128>(&info, 1),
        ) {
            (Some(c), Some(next)) => vec![Counter {
                column: c.column.name.clone(),
                name: table.to_string(),
                current: Some(next - 1),
                max: None,
                increment: 1,
            }],
            _ => Vec::new(),
        };
        let writes = self.writes.as_ref().and_then(|w| {
            let r = rows_of(w, 0, name).into_iter().next()?;
            Some(WriteStats {
                inserted: number(r, 1)?,
                updated: number(r, 2)?,
                deleted: number(r, 3)?,
            })
        });
        Ok(TableFacts {
            table: table.to_string(),
            dialect: D,
            columns,
            indexes,
            foreign_keys: fks(1),
            referenced_by: fks(3),
            triggers: rows_of(&self.triggers, 0, name)
                .into_iter()
                .map(|r| Trigger {
                    name: text(r, 1),
                    when: format!("{} {}", text(r, 2), text(r, 3)),
                })
                .collect(),
            counters,
            rows_estimate: number(&info, 0),
            bytes: number(&info, 2),
            writes,
        })
    }
}
