//! Every table of a connection's database (MySQL/MariaDB: `DATABASE()`, PostgreSQL:
//! `current_schema()`, SQLite: `main`) with its columns, its primary key and its unique
//! keys: what `warroom init` pairs up and keys its jobs by.

use std::collections::BTreeMap;

use super::pool::DbPool;
use super::rows::fetch_text;
use super::url::Dialect;

/// A unique index (or the primary key), its columns in index order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueKey {
    pub name: String,
    pub columns: Vec<String>,
    /// Every column of the key is NOT NULL (a key that allows NULL does not identify rows).
    pub not_null: bool,
}

/// One base table as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    /// Column names in declaration order.
    pub columns: Vec<String>,
    pub primary_key: Option<Vec<String>>,
    /// Unique keys other than the primary key, by name.
    pub unique_keys: Vec<UniqueKey>,
}

/// How a table's rows are identified, or why they are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Primary(Vec<String>),
    /// A unique key whose columns are all NOT NULL (the shortest one).
    Unique {
        name: String,
        columns: Vec<String>,
    },
    /// No primary key and no NOT NULL unique key; the reason in one sentence.
    None(String),
}

impl TableInfo {
    /// The key jobs on this table can walk: its primary key, else its shortest unique key
    /// with no nullable column.
    pub fn row_key(&self) -> RowKey {
        if let Some(pk) = &self.primary_key {
            return RowKey::Primary(pk.clone());
        }
        if let Some(k) = self
            .unique_keys
            .iter()
            .filter(|k| k.not_null)
            .min_by_key(|k| k.columns.len())
        {
            return RowKey::Unique {
                name: k.name.clone(),
                columns: k.columns.clone(),
            };
        }
        let nullable: Vec<String> = self
            .unique_keys
            .iter()
            .map(|k| format!("{} ({})", k.name, k.columns.join(", ")))
            .collect();
        RowKey::None(if nullable.is_empty() {
            "no primary key and no unique key: rows cannot be matched one to one".to_string()
        } else {
            format!(
                "no primary key, and its unique keys allow NULL: {}; make those columns NOT NULL or add a primary key",
                nullable.join("; ")
            )
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot list the tables of the {dialect} database: {source}")]
pub struct CatalogError {
    pub dialect: Dialect,
    #[source]
    pub source: sqlx::Error,
}

fn cell(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// The base tables of the connection's current database or schema, sorted by name.
/// Tables whose name starts with `_warroom_` (warroom's own checkpoints) are left out.
pub async fn list_tables(pool: &DbPool) -> Result<Vec<TableInfo>, CatalogError> {
    let d = pool.dialect();
    let wrap = |source| CatalogError { dialect: d, source };
    // (table, column) in order; then (table, index, is_primary, column, not_null) in order.
    let (cols_sql, keys_sql) = match d {
        Dialect::MySql => (
            "SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c \
             JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA \
               AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE' \
             WHERE c.TABLE_SCHEMA = DATABASE() ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"
                .to_string(),
            "SELECT s.TABLE_NAME, s.INDEX_NAME, IF(s.INDEX_NAME = 'PRIMARY', 1, 0), \
             s.COLUMN_NAME, IF(c.IS_NULLABLE = 'NO', 1, 0) FROM information_schema.STATISTICS s \
             JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA \
               AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME \
             WHERE s.TABLE_SCHEMA = DATABASE() AND s.NON_UNIQUE = 0 AND s.SUB_PART IS NULL \
             ORDER BY s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX"
                .to_string(),
        ),
        Dialect::Postgres => (
            "SELECT c.relname::text, a.attname::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
               AND NOT c.relispartition ORDER BY c.relname, a.attnum"
                .to_string(),
            "SELECT c.relname::text, i.relname::text, \
             CASE WHEN ix.indisprimary THEN '1' ELSE '0' END, a.attname::text, \
             CASE WHEN a.attnotnull THEN '1' ELSE '0' END \
             FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class i ON i.oid = ix.indexrelid \
             CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
             WHERE n.nspname = current_schema() AND ix.indisunique AND ix.indpred IS NULL \
               AND ix.indexprs IS NULL AND k.ord <= ix.indnkeyatts \
             ORDER BY c.relname, i.relname, k.ord"
                .to_string(),
        ),
        Dialect::Sqlite => (
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
                .to_string(),
            "SELECT m.name, l.name, CASE WHEN l.origin = 'pk' THEN 1 ELSE 0 END, i.name, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END \
             FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i \
             LEFT JOIN pragma_table_info(m.name) p ON p.name = i.name \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.\"unique\" = 1 \
               AND l.partial = 0 ORDER BY m.name, l.name, i.seqno"
                .to_string(),
        ),
    };
    let mut tables: BTreeMap<String, TableInfo> = BTreeMap::new();
    for row in fetch_text(pool, &cols_sql).await.map_err(wrap)? {
        let name = cell(&row, 0);
        if name.starts_with("_warroom_") {
            continue;
        }
        tables
            .entry(name.clone())
            .or_insert_with(|| TableInfo {
                name,
                columns: Vec::new(),
                primary_key: None,
                unique_keys: Vec::new(),
            })
            .columns
            .push(cell(&row, 1));
    }
    // index name -> (is primary, columns, all not null), per table
    let mut keys: BTreeMap<(String, String), (bool, Vec<String>, bool)> = BTreeMap::new();
    for row in fetch_text(pool, &keys_sql).await.map_err(wrap)? {
        let entry = keys.entry((cell(&row, 0), cell(&row, 1))).or_insert((
            cell(&row, 2) == "1",
            Vec::new(),
            true,
        ));
        entry.1.push(cell(&row, 3));
        entry.2 &= cell(&row, 4) == "1";
    }
    if d == Dialect::Sqlite {
        // A rowid table's INTEGER PRIMARY KEY has no index in pragma_index_list.
        for row in fetch_text(
            pool,
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.pk > 0 ORDER BY m.name, p.pk",
        )
        .await
        .map_err(wrap)?
        {
            if let Some(t) = tables.get_mut(&cell(&row, 0)) {
                t.primary_key
                    .get_or_insert_with(Vec::new)
                    .push(cell(&row, 1));
            }
        }
    }
    for ((table, index), (primary, columns, not_null)) in keys {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        if primary {
            t.primary_key = Some(columns);
        } else if t.primary_key.as_ref() != Some(&columns) {
            t.unique_keys.push(UniqueKey {
                name: index,
                columns,
                not_null,
            });
        }
    }
    Ok(tables.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pk: Option<&[&str]>, uniques: &[(&str, &[&str], bool)]) -> TableInfo {
        TableInfo {
            name: "t".into(),
            columns: vec!["a".into(), "b".into()],
            primary_key: pk.map(|k| k.iter().map(ToString::to_string).collect()),
            unique_keys: uniques
                .iter()
                .map(|(n, c, nn)| UniqueKey {
                    name: n.to_string(),
                    columns: c.iter().map(ToString::to_string).collect(),
                    not_null: *nn,
                })
                .collect(),
        }
    }

    #[test]
    fn primary_key_first_then_a_not_null_unique_key() {
        assert_eq!(
            table(Some(&["a", "b"]), &[("u", &["a"], true)]).row_key(),
            RowKey::Primary(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            table(
                None,
                &[("wide", &["a", "b"], true), ("narrow", &["b"], true)]
            )
            .row_key(),
            RowKey::Unique {
                name: "narrow".into(),
                columns: vec!["b".into()]
            }
        );
        let RowKey::None(why) = table(None, &[("u_email", &["a"], false)]).row_key() else {
            panic!("a nullable unique key is no key");
        };
        assert!(why.contains("allow NULL: u_email (a)"), "{why}");
        let RowKey::None(why) = table(None, &[]).row_key() else {
            panic!("no key");
        };
        assert!(why.starts_with("no primary key and no unique key"), "{why}");
    }
}
