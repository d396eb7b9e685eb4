//! SQLite: `pragma_table_xinfo`, `pragma_index_list`/`pragma_index_info`,
//! `pragma_foreign_key_list`, `sqlite_master` triggers and `sqlite_sequence`.

use super::{
    cell, group_foreign_keys, group_indexes, lit, number, plain, text, Counter, FactsError,
    Generated, TableFacts, Trigger,
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
    let d = Dialect::Sqlite;
    let name = lit(d, &table.name);
    let wrap = |what: &'static str| {
        let table = table.to_string();
        move |source| FactsError::Db {
            what,
            table,
            source,
        }
    };
    // hidden: 2 virtual generated, 3 stored generated.
    let extras = fetch_text(
        pool,
        &format!("SELECT name, dflt_value, hidden FROM pragma_table_xinfo({name})"),
    )
    .await
    .map_err(wrap("columns"))?;
    let ddl = fetch_text(
        pool,
        &format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {name}"),
    )
    .await
    .map_err(wrap("columns"))?
    .first()
    .map(|r| text(r, 0).to_ascii_uppercase())
    .unwrap_or_default();
    let mut columns = plain(columns);
    for c in &mut columns {
        let row = extras
            .iter()
            .find(|r| cell(r, 0).as_deref() == Some(c.column.name.as_str()));
        c.default = row.and_then(|r| cell(r, 1));
        c.generated = match row.map(|r| text(r, 2)).as_deref() {
            Some("2") => Some(Generated::Virtual),
            Some("3") => Some(Generated::Stored),
            _ => None,
        };
        c.collation = Some("BINARY".into());
    }
    let indexes = fetch_text(
        pool,
        &format!(
            "SELECT l.name, l.\"unique\", CASE WHEN l.origin = 'pk' THEN 1 ELSE 0 END, l.partial, i.name \
             FROM pragma_index_list({name}) l, pragma_index_info(l.name) i ORDER BY l.seq, i.seqno"
        ),
    )
    .await
    .map_err(wrap("indexes"))?;
    let mut indexes = group_indexes(indexes.iter().map(|r| {
        (
            text(r, 0),
            text(r, 1) == "1",
            text(r, 2) == "1",
            text(r, 3) == "1" || cell(r, 4).is_none(),
            text(r, 4),
        )
    }));
    // A rowid table's INTEGER PRIMARY KEY has no entry in pragma_index_list.
    if !indexes.iter().any(|i| i.primary) {
        let pk = fetch_text(
            pool,
            &format!("SELECT name FROM pragma_table_info({name}) WHERE pk > 0 ORDER BY pk"),
        )
        .await
        .map_err(wrap("indexes"))?;
        if !pk.is_empty() {
            indexes.insert(
                0,
                super::Index {
                    name: "PRIMARY".into(),
                    columns: pk.iter().map(|r| text(r, 0)).collect(),
                    unique: true,
                    primary: true,
                    partial: false,
                },
            );
        }
    }
    let outgoing = fetch_text(
        pool,
        &format!(
            "SELECT id, \"table\", \"from\" FROM pragma_foreign_key_list({name}) ORDER BY id, seq"
        ),
    )
    .await
    .map_err(wrap("foreign keys"))?;
    let incoming = fetch_text(
        pool,
        &format!(
            "SELECT f.id, m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" = {name} ORDER BY m.name, f.id, f.seq"
        ),
    )
    .await
    .map_err(wrap("foreign keys"))?;
    let triggers = fetch_text(
        pool,
        &format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = {name} ORDER BY name"
        ),
    )
    .await
    .map_err(wrap("triggers"))?;
    // sqlite_sequence exists only once some table uses AUTOINCREMENT.
    let seq = fetch_text(
        pool,
        &format!("SELECT seq FROM sqlite_sequence WHERE name = {name}"),
    )
    .await
    .ok()
    .and_then(|rows| rows.first().and_then(|r| number::<i128>(r, 0)));
    // pragma_table_info says an INTEGER PRIMARY KEY allows NULL, but it is the rowid (a
    // NULL written there becomes the next rowid), and a WITHOUT ROWID table's key columns
    // are NOT NULL: neither can hold a NULL key.
    if let Some(pk) = indexes.iter().find(|i| i.primary) {
        let without_rowid = ddl.contains("WITHOUT ROWID");
        let rowid_alias = pk.columns.len() == 1;
        for c in &mut columns {
            if pk.columns.contains(&c.column.name)
                && (without_rowid
                    || (rowid_alias && c.column.declared.eq_ignore_ascii_case("integer")))
            {
                c.column.nullable = false;
            }
        }
    }
    let mut counters = Vec::new();
    if ddl.contains("AUTOINCREMENT") {
        if let Some(pk) = indexes.iter().find(|i| i.primary && i.columns.len() == 1) {
            let col = pk.columns[0].clone();
            if let Some(c) = columns.iter_mut().find(|c| c.column.name == col) {
                c.auto_increment = true;
            }
            counters.push(Counter {
                column: col,
                name: table.to_string(),
                current: seq,
                max: None,
                increment: 1,
            });
        }
    }
    Ok(TableFacts {
        table: table.to_string(),
        dialect: d,
        columns,
        indexes,
        foreign_keys: group_foreign_keys(outgoing.iter().map(|r| {
            (
                format!("fk{}", text(r, 0)),
                table.to_string(),
                text(r, 2),
                text(r, 1),
            )
        })),
        referenced_by: group_foreign_keys(incoming.iter().map(|r| {
            (
                format!("fk{}", text(r, 0)),
                text(r, 1),
                text(r, 2),
                table.to_string(),
            )
        })),
        triggers: triggers
            .iter()
            .map(|r| {
                let sql = text(r, 1).to_ascii_uppercase();
                let timing = ["BEFORE", "AFTER", "INSTEAD OF"]
                    .into_iter()
                    .find(|w| sql.contains(w))
                    .unwrap_or("AFTER");
                let event = ["INSERT", "UPDATE", "DELETE"]
                    .into_iter()
                    .find(|w| sql.contains(&format!(" {w} ")))
                    .unwrap_or("");
                Trigger {
                    name: text(r, 0),
                    when: format!("{timing} {event}").trim().to_string(),
                }
            })
            .collect(),
        counters,
        rows_estimate: None,
        bytes: None,
        writes: None,
    })
}
