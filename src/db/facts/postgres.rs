//! PostgreSQL: `information_schema.columns` with `pg_attribute`, `pg_attrdef`, `pg_index`,
//! `pg_constraint`, `pg_trigger`, `pg_sequences`, `pg_class` and `pg_stat_user_tables`.
//!
//! Every table is read at once: the names are resolved to oids (`to_regclass`, so a
//! missing table is no error for the others), then one query per kind with `IN (oids)`.

use super::{
    cell, group_foreign_keys, group_indexes, lit, number, rows_of, text, ColumnFacts, Counter,
    FactsError, Generated, Identity, Rows, TableFacts, Trigger, WriteStats,
};
use crate::db::introspect::{postgres_column, IntrospectError, POSTGRES_COLUMN_CELLS};
use crate::db::pool::DbPool;
use crate::db::rows::fetch_text;
use crate::db::sql::TableRef;
use crate::db::url::Dialect;

const D: Dialect = Dialect::Postgres;

/// Reads the facts of every table, in order, with seven queries in all.
pub(super) async fn read_all(
    pool: &DbPool,
    tables: &[TableRef],
) -> Vec<Result<TableFacts, FactsError>> {
    match Catalog::read(pool, tables).await {
        Ok(c) => tables
            .iter()
            .enumerate()
            .map(|(i, t)| c.facts(i, t))
            .collect(),
        Err((what, cause)) => tables
            .iter()
            .map(|t| {
                Err(FactsError::Catalog {
                    what,
                    table: t.to_string(),
                    cause: cause.clone(),
                })
            })
            .collect(),
    }
}

/// The catalog rows of a set of tables, each kind read once; rows carry their table's oid
/// in the last cell (foreign keys: the referencing and the referenced oid in the last two).
struct Catalog {
    /// The oid of each table asked for, by position; `None` when it does not exist.
    oids: Vec<Option<String>>,
    columns: Rows,
    indexes: Rows,
    foreign_keys: Rows,
    triggers: Rows,
    /// `sequence, last_value, max_value, increment_by`.
    sequences: Rows,
    size: Rows,
}

impl Catalog {
    async fn read(pool: &DbPool, tables: &[TableRef]) -> Result<Catalog, (&'static str, String)> {
        let get = |what: &'static str, sql: String| async move {
            fetch_text(pool, &sql)
                .await
                .map_err(|e| (what, e.to_string()))
        };
        let array = |items: &mut dyn Iterator<Item = String>| {
            let items: Vec<String> = items.map(|s| lit(D, &s)).collect();
            format!("ARRAY[{}]::text[]", items.join(", "))
        };
        let resolved = get(
            "columns",
            format!(
                "SELECT x.i::text, c.oid::text, n.nspname::text, c.relname::text \
                 FROM unnest({}) WITH ORDINALITY AS x(name, i) \
                 JOIN pg_class c ON c.oid = to_regclass(x.name) \
                 JOIN pg_namespace n ON n.oid = c.relnamespace",
                array(&mut tables.iter().map(|t| t.quoted(D)))
            ),
        )
        .await?;
        let mut oids: Vec<Option<String>> = tables.iter().map(|_| None).collect();
        for r in &resolved {
            if let Some(slot) = number::<usize>(r, 0)
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| oids.get_mut(i))
            {
                *slot = cell(r, 1);
            }
        }
        let found: Vec<&String> = oids.iter().flatten().collect();
        if found.is_empty() {
            return Ok(Catalog {
                oids,
                columns: Vec::new(),
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                triggers: Vec::new(),
                sequences: Vec::new(),
                size: Vec::new(),
            });
        }
        let in_oids = found
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let names = |i: usize| {
            let mut v: Vec<String> = resolved.iter().map(|r| text(r, i)).collect();
            v.sort();
            v.dedup();
            v.iter().map(|s| lit(D, s)).collect::<Vec<_>>().join(", ")
        };
        // The name filters let the view find its rows by index; the oid join keeps only
        // the tables asked for.
        let columns = get(
            "columns",
            format!(
                "SELECT {POSTGRES_COLUMN_CELLS}, pg_get_expr(ad.adbin, ad.adrelid), \
                 a.attgenerated::text, a.attidentity::text, co.collname::text, \
                 pg_get_serial_sequence(a.attrelid::regclass::text, a.attname), a.attrelid::text \
                 FROM information_schema.columns c \
                 JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass \
                   AND a.attname = c.column_name \
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation \
                 WHERE c.table_schema IN ({}) AND c.table_name IN ({}) AND a.attrelid IN ({in_oids}) \
                 ORDER BY a.attrelid, c.ordinal_position",
                names(2),
                names(3)
            ),
        )
        .await?;
        let indexes = get(
            "indexes",
            format!(
                "SELECT i.relname::text, CASE WHEN ix.indisunique THEN '1' ELSE '0' END, \
                 CASE WHEN ix.indisprimary THEN '1' ELSE '0' END, \
                 CASE WHEN ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL THEN '1' ELSE '0' END, \
                 a.attname::text, ix.indrelid::text \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
                 WHERE ix.indrelid IN ({in_oids}) AND k.ord <= ix.indnkeyatts \
                 ORDER BY ix.indrelid, ix.indisprimary DESC, i.relname, k.ord"
            ),
        )
        .await?;
        let foreign_keys = get(
            "foreign keys",
            format!(
                "SELECT c.conname::text, c.conrelid::regclass::text, a.attname::text, \
                 c.confrelid::regclass::text, c.conrelid::text, c.confrelid::text \
                 FROM pg_constraint c \
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                 WHERE c.contype = 'f' AND (c.conrelid IN ({in_oids}) OR c.confrelid IN ({in_oids})) \
                 ORDER BY c.conrelid, c.conname, k.ord"
            ),
        )
        .await?;
        // tgtype bits: 2 BEFORE, 64 INSTEAD OF; 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE.
        let triggers = get(
            "triggers",
            format!(
                "SELECT tgname::text, \
                 CASE WHEN tgtype & 2 <> 0 THEN 'BEFORE' WHEN tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END \
                 || ' ' || concat_ws(' OR ', CASE WHEN tgtype & 4 <> 0 THEN 'INSERT' END, \
                   CASE WHEN tgtype & 16 <> 0 THEN 'UPDATE' END, CASE WHEN tgtype & 8 <> 0 THEN 'DELETE' END, \
                   CASE WHEN tgtype & 32 <> 0 THEN 'TRUNCATE' END) \
                 || CASE WHEN tgenabled = 'D' THEN ' (disabled)' ELSE '' END, tgrelid::text \
                 FROM pg_trigger WHERE tgrelid IN ({in_oids}) AND NOT tgisinternal ORDER BY tgname"
            ),
        )
        .await?;
        let mut seqs: Vec<String> = columns.iter().filter_map(|r| cell(r, 13)).collect();
        seqs.sort();
        seqs.dedup();
        // pg_sequences hides last_value (NULL) from a login without USAGE or SELECT on it.
        let sequences = if seqs.is_empty() {
            Vec::new()
        } else {
            get(
                "sequences",
                format!(
                    "SELECT x.seq, s.last_value::text, s.max_value::text, s.increment_by::text \
                     FROM unnest({}) AS x(seq) JOIN pg_sequences s \
                     ON (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass = x.seq::regclass",
                    array(&mut seqs.into_iter())
                ),
            )
            .await?
        };
        let size = get(
            "size",
            format!(
                "SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END::text, \
                 pg_total_relation_size(c.oid)::text, s.n_tup_ins::text, s.n_tup_upd::text, \
                 s.n_tup_del::text, c.oid::text FROM pg_class c \
                 LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid IN ({in_oids})"
            ),
        )
        .await?;
        Ok(Catalog {
            oids,
            columns,
            indexes,
            foreign_keys,
            triggers,
            sequences,
            size,
        })
    }

    /// The facts of the table asked for at position `i`.
    fn facts(&self, i: usize, table: &TableRef) -> Result<TableFacts, FactsError> {
        let missing = || {
            FactsError::Columns(IntrospectError::Missing {
                table: table.to_string(),
                dialect: D,
            })
        };
        let oid = self.oids.get(i).cloned().flatten().ok_or_else(missing)?;
        let columns: Vec<ColumnFacts> = rows_of(&self.columns, 14, &oid)
            .into_iter()
            .map(|r| {
                let identity = match text(r, 11).as_str() {
                    "a" => Some(Identity::Always),
                    "d" => Some(Identity::ByDefault),
                    _ => None,
                };
                let generated = (text(r, 10) == "s").then_some(Generated::Stored);
                let sequence = cell(r, 13);
                ColumnFacts {
                    column: postgres_column(r),
                    // A generated column's expression sits where defaults do.
                    default: cell(r, 9).filter(|_| generated.is_none()),
                    generated,
                    invisible: false,
                    auto_increment: sequence.is_some() || identity.is_some(),
                    identity,
                    sequence,
                    collation: cell(r, 12),
                }
            })
            .collect();
        if columns.is_empty() {
            return Err(missing());
        }
        let indexes = group_indexes(rows_of(&self.indexes, 5, &oid).into_iter().map(|r| {
            (
                text(r, 0),
                text(r, 1) == "1",
                text(r, 2) == "1",
                text(r, 3) == "1" || cell(r, 4).is_none(),
                text(r, 4),
            )
        }));
        let fks = |col: usize| {
            group_foreign_keys(
                rows_of(&self.foreign_keys, col, &oid)
                    .into_iter()
                    .map(|r| (text(r, 0), text(r, 1), text(r, 2), text(r, 3))),
            )
        };
        let counters = columns
            .iter()
            .filter_map(|c| {
                let seq = c.sequence.as_ref()?;
                let r = rows_of(&self.sequences, 0, seq).into_iter().next()?;
                Some(Counter {
                    column: c.column.name.clone(),
                    name: seq.clone(),
                    current: number(r, 1),
                    max: number(r, 2),
                    increment: number(r, 3).unwrap_or(1),
                })
            })
            .collect();
        let size = rows_of(&self.size, 5, &oid)
            .first()
            .map(|r| (*r).clone())
            .unwrap_or_default();
        let writes = (|| {
            Some(WriteStats {
                inserted: number(&size, 2)?,
                updated: number(&size, 3)?,
                deleted: number(&size, 4)?,
            })
        })();
        Ok(TableFacts {
            table: table.to_string(),
            dialect: D,
            columns,
            indexes,
            foreign_keys: fks(4),
            referenced_by: fks(5),
            triggers: rows_of(&self.triggers, 2, &oid)
                .into_iter()
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
}
