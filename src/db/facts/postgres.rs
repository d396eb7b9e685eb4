//! PostgreSQL: `pg_attribute`, `pg_attrdef`, `pg_index`, `pg_constraint`, `pg_trigger`, `pg_sequences`,
//! `pg_class` and `pg_stat_user_tables`.

use super::{
    cell, group_foreign_keys, group_indexes, lit, number, text, ColumnFacts, Counter, FactsError,
    Generated, Identity, TableFacts, Trigger, WriteStats,
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
    let d = Dialect::Postgres;
    let oid = format!("{}::regclass", lit(d, &table.quoted(d)));
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
            "SELECT a.attname::text, pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated::text, \
             a.attidentity::text, co.collname::text, \
             pg_get_serial_sequence({oid}::text, a.attname) \
             FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped"
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
            let flag = |i| row.map(|r| text(r, i)).unwrap_or_default();
            let sequence = row.and_then(|r| cell(r, 5));
            let identity = match flag(3).as_str() {
                "a" => Some(Identity::Always),
                "d" => Some(Identity::ByDefault),
                _ => None,
            };
            let generated = (flag(2) == "s").then_some(Generated::Stored);
            ColumnFacts {
                // A generated column's expression sits where defaults do.
                default: row.and_then(|r| cell(r, 1)).filter(|_| generated.is_none()),
                generated,
                invisible: false,
                auto_increment: sequence.is_some() || identity.is_some(),
                identity,
                sequence,
                collation: row.and_then(|r| cell(r, 4)),
                column,
            }
        })
        .collect();
    let indexes = fetch_text(
        pool,
        &format!(
            "SELECT i.relname::text, CASE WHEN ix.indisunique THEN '1' ELSE '0' END, \
             CASE WHEN ix.indisprimary THEN '1' ELSE '0' END, \
             CASE WHEN ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL THEN '1' ELSE '0' END, \
             a.attname::text \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
             CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
             WHERE ix.indrelid = {oid} AND k.ord <= ix.indnkeyatts \
             ORDER BY ix.indisprimary DESC, i.relname, k.ord"
        ),
    )
    .await
    .map_err(wrap("indexes"))?;
    let indexes = group_indexes(indexes.iter().map(|r| {
        (
            text(r, 0),
            text(r, 1) == "1",
            text(r, 2) == "1",
            text(r, 3) == "1" || cell(r, 4).is_none(),
            text(r, 4),
        )
    }));
    let fk_sql = |side: &str| {
        format!(
            "SELECT c.conname::text, c.conrelid::regclass::text, a.attname::text, \
             c.confrelid::regclass::text FROM pg_constraint c \
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             WHERE c.contype = 'f' AND {side} ORDER BY c.conname, k.ord"
        )
    };
    let outgoing = fetch_text(pool, &fk_sql(&format!("c.conrelid = {oid}")))
        .await
        .map_err(wrap("foreign keys"))?;
    let incoming = fetch_text(pool, &fk_sql(&format!("c.confrelid = {oid}")))
        .await
        .map_err(wrap("foreign keys"))?;
    let fks = |rows: &[Vec<Option<String>>]| {
        group_foreign_keys(
            rows.iter()
                .map(|r| (text(r, 0), text(r, 1), text(r, 2), text(r, 3))),
        )
    };
    // tgtype bits: 2 BEFORE, 64 INSTEAD OF; 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE.
    let triggers = fetch_text(
        pool,
        &format!(
            "SELECT tgname::text, \
             CASE WHEN tgtype & 2 <> 0 THEN 'BEFORE' WHEN tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END \
             || ' ' || concat_ws(' OR ', CASE WHEN tgtype & 4 <> 0 THEN 'INSERT' END, \
               CASE WHEN tgtype & 16 <> 0 THEN 'UPDATE' END, CASE WHEN tgtype & 8 <> 0 THEN 'DELETE' END, \
               CASE WHEN tgtype & 32 <> 0 THEN 'TRUNCATE' END) \
             || CASE WHEN tgenabled = 'D' THEN ' (disabled)' ELSE '' END \
             FROM pg_trigger WHERE tgrelid = {oid} AND NOT tgisinternal ORDER BY tgname"
        ),
    )
    .await
    .map_err(wrap("triggers"))?;
    let mut counters = Vec::new();
    for c in &columns {
        let Some(seq) = &c.sequence else { continue };
        // pg_sequences hides last_value (NULL) from a login without USAGE or SELECT on it.
        let rows = fetch_text(
            pool,
            &format!(
                "SELECT last_value::text, max_value::text, increment_by::text FROM pg_sequences \
                 WHERE (quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass = {}::regclass",
                lit(d, seq)
            ),
        )
        .await
        .map_err(wrap("sequences"))?;
        if let Some(r) = rows.first() {
            counters.push(Counter {
                column: c.column.name.clone(),
                name: seq.clone(),
                current: number(r, 0),
                max: number(r, 1),
                increment: number(r, 2).unwrap_or(1),
            });
        }
    }
    let size = fetch_text(
        pool,
        &format!(
            "SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END::text, \
             pg_total_relation_size(c.oid)::text, s.n_tup_ins::text, s.n_tup_upd::text, \
             s.n_tup_del::text FROM pg_class c \
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = {oid}"
        ),
    )
    .await
    .map_err(wrap("size"))?;
    let size = size.first().cloned().unwrap_or_default();
    let writes = (|| {
        Some(WriteStats {
            inserted: number(&size, 2)?,
            updated: number(&size, 3)?,
            deleted: number(&size, 4)?,
        })
    })();
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
                when: text(r, 1),
            })
            .collect(),
        counters,
        // A table never analyzed has no estimate (reltuples -1): the caller says so.
        rows_estimate: number(&size, 0),
        bytes: number(&size, 1),
        writes,
    })
}
