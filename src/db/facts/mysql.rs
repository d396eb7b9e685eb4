//! MySQL/MariaDB: `information_schema` (COLUMNS, TABLES, STATISTICS, `KEY_COLUMN_USAGE`,
//! TRIGGERS) and, when it is on, `performance_schema`'s per-table write counts.

use super::{
    cell, group_foreign_keys, group_indexes, lit, number, text, ColumnFacts, Counter, FactsError,
    Generated, TableFacts, Trigger, WriteStats,
};
use crate::db::pool::DbPool;
use crate::db::rows::fetch_text;
use crate::db::sql::TableRef;
use crate::db::types::Column;
use crate::db::url::Dialect;

pub(super) async fn read(
    pool: &DbPool,
    table: &TableRef,
    columns: Vec<Column>,
) -> Result<TableFacts, FactsError> {
    let d = Dialect::MySql;
    let schema = table
        .schema
        .as_deref()
        .map_or("DATABASE()".to_string(), |s| lit(d, s));
    let name = lit(d, &table.name);
    let wrap = |what: &'static str| {
        let table = table.to_string();
        move |source| FactsError::Db {
            what,
            table,
            source,
        }
    };
    let extras = fetch_text(
        pool,
        &format!(
            "SELECT COLUMN_NAME, COLUMN_DEFAULT, EXTRA, COLLATION_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name}"
        ),
    )
    .await
    .map_err(wrap("columns"))?;
    let columns: Vec<ColumnFacts> = columns
        .into_iter()
        .map(|column| {
            let row = extras
                .iter()
                .find(|r| cell(r, 0).as_deref() == Some(column.name.as_str()));
            let extra = row
                .map(|r| text(r, 2).to_ascii_lowercase())
                .unwrap_or_default();
            ColumnFacts {
                // MariaDB writes a nullable column's absent default as the text NULL.
                default: row
                    .and_then(|r| cell(r, 1))
                    .filter(|d| !d.eq_ignore_ascii_case("null")),
                generated: if extra.contains("stored generated") || extra.contains("persistent") {
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
                collation: row.and_then(|r| cell(r, 3)),
                column,
            }
        })
        .collect();
    let info = fetch_text(
        pool,
        &format!(
            "SELECT TABLE_ROWS, AUTO_INCREMENT, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name}"
        ),
    )
    .await
    .map_err(wrap("size"))?;
    let info = info.first().cloned().unwrap_or_default();
    let indexes = fetch_text(
        pool,
        &format!(
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name} ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        ),
    )
    .await
    .map_err(wrap("indexes"))?;
    let mut indexes = group_indexes(indexes.iter().map(|r| {
        let name = text(r, 0);
        (
            name.clone(),
            text(r, 1) == "0",
            name == "PRIMARY",
            cell(r, 3).is_some() || cell(r, 2).is_none(),
            text(r, 2),
        )
    }));
    indexes.sort_by_key(|i| !i.primary);
    let fk_sql = |side: &str| {
        format!(
            "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME \
             FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL \
             AND {side} ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION"
        )
    };
    // KEY_COLUMN_USAGE filtered by anything but a constraint's name opens every table of
    // the schema: REFERENTIAL_CONSTRAINTS names the few keys first (each way), then each is
    // read by its own table and name.
    let keys_of = |side: &str| {
        format!(
            "SELECT CONSTRAINT_NAME, TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = {schema} AND {side} = {name}"
        )
    };
    let mut outgoing = Vec::new();
    let mut incoming = Vec::new();
    for (side, out) in [
        ("TABLE_NAME", &mut outgoing),
        ("REFERENCED_TABLE_NAME", &mut incoming),
    ] {
        let named = fetch_text(pool, &keys_of(side))
            .await
            .map_err(wrap("foreign keys"))?;
        for r in &named {
            out.extend(
                fetch_text(
                    pool,
                    &fk_sql(&format!(
                        "TABLE_SCHEMA = {schema} AND TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
                        lit(d, &text(r, 1)),
                        lit(d, &text(r, 0))
                    )),
                )
                .await
                .map_err(wrap("foreign keys"))?,
            );
        }
    }
    let fks = |rows: &[Vec<Option<String>>]| {
        group_foreign_keys(
            rows.iter()
                .map(|r| (text(r, 0), text(r, 1), text(r, 2), text(r, 3))),
        )
    };
    // information_schema.TRIGGERS reads every table's triggers; SHOW TRIGGERS LIKE reads
    // the one table's (LIKE also matches other names: filtered below).
    let from = table.schema.as_deref().map_or(String::new(), |s| {
        format!(" FROM {}", crate::db::sql::quote_ident(d, s))
    });
    let triggers: Vec<Vec<Option<String>>> =
        fetch_text(pool, &format!("SHOW TRIGGERS{from} LIKE {name}"))
            .await
            .map_err(wrap("triggers"))?
            .into_iter()
            .filter(|r| cell(r, 2).as_deref() == Some(table.name.as_str()))
            .map(|r| vec![cell(&r, 0), cell(&r, 4), cell(&r, 1)])
            .collect();
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
    // performance_schema counts row operations since the server started, when it is on.
    let writes = fetch_text(
        pool,
        &format!(
            "SELECT COUNT_INSERT, COUNT_UPDATE, COUNT_DELETE \
             FROM performance_schema.table_io_waits_summary_by_table \
             WHERE OBJECT_SCHEMA = {schema} AND OBJECT_NAME = {name} AND @@performance_schema = 1"
        ),
    )
    .await
    .ok()
    .and_then(|rows| rows.into_iter().next())
    .and_then(|r| {
        Some(WriteStats {
            inserted: number(&r, 0)?,
            updated: number(&r, 1)?,
            deleted: number(&r, 2)?,
        })
    });
    Ok(TableFacts {
        table: table.to_string(),
        dialect: d,
        columns,
        indexes,
        foreign_keys: fks(&outgoing),
        referenced_by: fks(&incoming),
        triggers: triggers
            .iter()
            .map(|r| Trigger {
                name: text(r, 0),
                when: format!("{} {}", text(r, 1), text(r, 2)),
            })
            .collect(),
        counters,
        rows_estimate: number(&info, 0),
        bytes: number(&info, 2),
        writes,
    })
}
