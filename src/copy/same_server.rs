//! When source and target are tables on one MySQL/MariaDB server, rows need not leave it:
//! each chunk is copied with `INSERT INTO target SELECT ... FROM source` run on the target
//! connection, bounded by the chunk's keys, with its checkpoint in the same transaction.
//! Only the chunk boundaries (key values) travel to warroom.
//!
//! "Same server" is proven, not guessed from host names: the source connection takes a
//! named lock and the target connection must see it taken (`IS_USED_LOCK`). A target
//! connection that cannot read the source table falls back to copying over the wire.

use crate::db::keyset::{where_clause, KeyRange};
use crate::db::sql::{quote_ident, tuple_cmp, Cmp, TableRef};
use crate::db::table::TablePair;
use crate::db::value::Value;
use crate::db::{DbPool, Dialect};

use super::error::CopyError;

/// The source table named so that the target connection can read it (`src`.`payments`),
/// when both connections reach the same MySQL/MariaDB server and the target may read it.
pub async fn source_as_seen_from_target(
    r: &TablePair,
    source: &DbPool,
    target: &DbPool,
) -> Option<String> {
    let (DbPool::MySql(src), DbPool::MySql(tgt)) = (source, target) else {
        return None;
    };
    let mut held = src.acquire().await.ok()?;
    let name = format!("warroom-same-server-{}", std::process::id());
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
        .bind(&name)
        .fetch_one(&mut *held)
        .await
        .ok()?;
    let seen: Option<i64> = match got {
        Some(1) => sqlx::query_scalar("SELECT IS_USED_LOCK(?)")
            .bind(&name)
            .fetch_one(tgt)
            .await
            .ok()?,
        _ => None,
    };
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&name)
        .execute(&mut *held)
        .await;
    let database: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *held)
        .await
        .ok()?;
    let _ = held.close().await;
    seen?;
    let schema = r.source_table.schema.clone().or(database)?;
    let qualified = TableRef {
        schema: Some(schema),
        name: r.source_table.name.clone(),
    }
    .quoted(Dialect::MySql);
    // The target's user must be allowed to read the source table.
    sqlx::query(&format!("SELECT 1 FROM {qualified} LIMIT 0"))
        .execute(tgt)
        .await
        .ok()?;
    Some(qualified)
}

/// The key columns of the next chunk's rows (the boundaries, not the rows).
pub fn keys_sql(r: &TablePair, range: &KeyRange, after: Option<&[Value]>, limit: u64) -> String {
    let keys: Vec<String> = r
        .key_src()
        .iter()
        .map(|k| quote_ident(r.src_dialect, k))
        .collect();
    format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {limit}",
        keys.join(", "),
        r.source_table.quoted(r.src_dialect),
        where_clause(r, r.src_style, &r.key_src(), range, after, true),
        r.order_by(),
    )
}

/// `INSERT INTO target (...) SELECT ... FROM source WHERE <chunk> ORDER BY key`: the rows
/// of `range` after `after` up to and including `through`, in key order (so the server's
/// "at row N" is the chunk's N-th key).
pub fn insert_select_sql(
    r: &TablePair,
    source: &str,
    range: &KeyRange,
    after: Option<&[Value]>,
    through: &[Value],
    tail: &str,
) -> String {
    let cols: Vec<String> = r
        .tgt_cols
        .iter()
        .map(|c| quote_ident(Dialect::MySql, &c.name))
        .collect();
    let order: Vec<String> = r
        .key_src()
        .iter()
        .map(|k| quote_ident(Dialect::MySql, k))
        .collect();
    format!(
        "INSERT INTO {} ({}) SELECT {} FROM {source} WHERE {} AND {} ORDER BY {}{tail}",
        r.target_table.quoted(Dialect::MySql),
        cols.join(", "),
        r.source_columns(),
        where_clause(r, r.src_style, &r.key_src(), range, after, true),
        tuple_cmp(r.src_style, &r.key_src(), through, Cmp::Le),
        order.join(", "),
    )
}

/// A chunk the server refused, as one sentence: the tables, the chunk's key range, the
/// key of the row the server names (`at row N`: the chunk's N-th key) and its reason,
/// once. `keys` are the chunk's keys in order. Errors other than the database's pass.
pub fn refused(
    r: &TablePair,
    source: &str,
    range: &KeyRange,
    after: Option<&[Value]>,
    through: &[Value],
    keys: &[Vec<Value>],
    e: CopyError,
) -> CopyError {
    let CopyError::Db {
        error: sqlx::Error::Database(db),
        ..
    } = &e
    else {
        return e;
    };
    let (message, number) = match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        Some(my) => (my.message().to_string(), Some(my.number())),
        None => (db.message().to_string(), None),
    };
    let (reason, row) = match message.rsplit_once(" at row ") {
        Some((head, n)) => (head.to_string(), n.trim().parse::<usize>().ok()),
        None => (message, None),
    };
    let at = row
        .and_then(|n| keys.get(n.checked_sub(1)?))
        .map_or(String::new(), |k| format!(" at key {}", r.key_display(k)));
    CopyError::InServer {
        source_table: source.replace('`', ""),
        target_table: r.target_table.to_string(),
        keys: chunk_keys(r, range, after, through),
        at,
        reason: match number {
            Some(n) => format!("{reason} (error {n})"),
            None => reason,
        },
    }
}

/// `id > 40 and id <= 60`; `(grp, id) >= (1, 5) and (grp, id) <= (2, 9)` for a composite key.
fn chunk_keys(
    r: &TablePair,
    range: &KeyRange,
    after: Option<&[Value]>,
    through: &[Value],
) -> String {
    let tuple = |vals: &[Value]| -> (String, String) {
        let names = r.key_src();
        let names = &names[..vals.len().min(names.len())];
        let shown: Vec<String> = vals.iter().map(Value::display).collect();
        if names.len() == 1 {
            (names[0].clone(), shown[0].clone())
        } else {
            (
                format!("({})", names.join(", ")),
                format!("({})", shown.join(", ")),
            )
        }
    };
    let lower = match (after, &range.lo) {
        (Some(a), _) => Some((tuple(a), ">")),
        (None, Some(lo)) => Some((tuple(lo), ">=")),
        (None, None) => None,
    };
    let (names, upper) = tuple(through);
    match lower {
        Some(((n, v), op)) => format!("{n} {op} {v} and {names} <= {upper}"),
        None => format!("{names} <= {upper}"),
    }
}
