//! The keyset planner: key ranges that split a table's key space, and the keyset chunk
//! query inside a range.
//!
//! Ranges split the key space (by arithmetic on an integer leading key column, or by
//! sampled boundaries otherwise); inside a range, chunks follow the key with
//! `WHERE key > last ORDER BY key LIMIT n`, never OFFSET.

use serde::{Deserialize, Serialize};

use crate::db::rows::fetch_values;
use crate::db::rows::ReadError;
use crate::db::sql::{tuple_cmp, Cmp};
use crate::db::table::TablePair;
use crate::db::types::Kind;
use crate::db::value::Value;
use crate::db::{introspect, DbPool};

/// `lo <= key < hi` on a prefix of the key; `None` is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRange {
    pub lo: Option<Vec<Value>>,
    pub hi: Option<Vec<Value>>,
}

impl KeyRange {
    pub fn all() -> KeyRange {
        KeyRange { lo: None, hi: None }
    }

    pub fn bound_text(b: &Option<Vec<Value>>, open: &str) -> String {
        match b {
            None => open.to_string(),
            Some(vals) => vals
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// The WHERE clause for rows of `range` after `after` (exclusive), with the job's filter.
/// `cols` are the key column names on the side the SQL runs on.
pub fn where_clause(
    r: &TablePair,
    style: crate::db::sql::LiteralStyle,
    cols: &[String],
    range: &KeyRange,
    after: Option<&[Value]>,
    with_filter: bool,
) -> String {
    let mut parts = Vec::new();
    if with_filter {
        if let Some(f) = &r.filter {
            parts.push(format!("({f})"));
        }
    }
    if let Some(lo) = &range.lo {
        parts.push(tuple_cmp(style, cols, lo, Cmp::Ge));
    }
    if let Some(hi) = &range.hi {
        parts.push(tuple_cmp(style, cols, hi, Cmp::Lt));
    }
    if let Some(after) = after {
        parts.push(tuple_cmp(style, cols, after, Cmp::Gt));
    }
    if parts.is_empty() {
        "1=1".into()
    } else {
        parts.join(" AND ")
    }
}

/// The next chunk of a range.
pub fn chunk_sql(r: &TablePair, range: &KeyRange, after: Option<&[Value]>, limit: u64) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {limit}",
        r.select_list(),
        r.source_table.quoted(r.src_dialect),
        where_clause(r, r.src_style, &r.key_src(), range, after, true),
        r.order_by(),
    )
}

/// Splits the source's key space into about `parts` ranges.
pub async fn plan(
    source: &DbPool,
    r: &TablePair,
    parts: usize,
) -> Result<Vec<KeyRange>, ReadError> {
    let parts = parts.max(1);
    if parts == 1 {
        return Ok(vec![KeyRange::all()]);
    }
    let first = &r.src_cols[r.key_idx[0]];
    let table = r.source_table.quoted(r.src_dialect);
    let filter = r
        .filter
        .as_ref()
        .map_or(String::new(), |f| format!(" WHERE ({f})"));
    if first.kind.is_integer() {
        let q = crate::db::sql::quote_ident(r.src_dialect, &first.name);
        let cast = |x: String| {
            if r.src_dialect == crate::db::Dialect::Postgres {
                format!("{x}::text")
            } else {
                x
            }
        };
        let sql = format!(
            "SELECT {}, {} FROM {table}{filter}",
            cast(format!("MIN({q})")),
            cast(format!("MAX({q})"))
        );
        let kinds = [first.kind.clone(), first.kind.clone()];
        let rows = fetch_values(source, &sql, &kinds, &[]).await?;
        let as_i128 = |v: &Value| match v {
            Value::Int(i) => Some(i128::from(*i)),
            Value::UInt(u) => Some(i128::from(*u)),
            _ => None,
        };
        let (Some(min), Some(max)) = (
            rows.first().and_then(|r| as_i128(&r[0])),
            rows.first().and_then(|r| as_i128(&r[1])),
        ) else {
            return Ok(vec![KeyRange::all()]);
        };
        let span = max - min + 1;
        let parts = (parts as i128).min(span.max(1));
        // `n` lies between the key's min and max, read as i64 or u64: what is not an i64 is a u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let to_value = |n: i128| i64::try_from(n).map_or(Value::UInt(n as u64), Value::Int);
        let bounds: Vec<Value> = (1..parts)
            .map(|i| to_value(min + span * i / parts))
            .collect();
        return Ok(ranges_from(bounds.into_iter().map(|b| vec![b]).collect()));
    }
    // Any other key: sample boundaries along the key index (planning only, once per job).
    let rows = introspect::estimate_rows(source, &r.source_table)
        .await
        .unwrap_or(0);
    if rows < parts as u64 * 2 {
        return Ok(vec![KeyRange::all()]);
    }
    let keys = r
        .key_idx
        .iter()
        .map(|&i| {
            let q = crate::db::sql::quote_ident(r.src_dialect, &r.src_cols[i].name);
            if r.src_dialect == crate::db::Dialect::Postgres {
                format!("{q}::text")
            } else {
                q
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let kinds: Vec<Kind> = r
        .key_idx
        .iter()
        .map(|&i| r.src_cols[i].kind.clone())
        .collect();
    let mut bounds: Vec<Vec<Value>> = Vec::new();
    for i in 1..parts as u64 {
        let sql = format!(
            "SELECT {keys} FROM {table}{filter} ORDER BY {} LIMIT 1 OFFSET {}",
            r.order_by(),
            rows * i / parts as u64
        );
        let found = fetch_values(source, &sql, &kinds, &[]).await?;
        if let Some(b) = found.into_iter().next() {
            if bounds.last() != Some(&b) {
                bounds.push(b);
            }
        }
    }
    Ok(ranges_from(bounds))
}

fn ranges_from(bounds: Vec<Vec<Value>>) -> Vec<KeyRange> {
    let mut out = Vec::with_capacity(bounds.len() + 1);
    let mut lo = None;
    for b in bounds {
        out.push(KeyRange {
            lo: lo.take(),
            hi: Some(b.clone()),
        });
        lo = Some(b);
    }
    out.push(KeyRange { lo, hi: None });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_without_overlap() {
        let r = ranges_from(vec![vec![Value::Int(10)], vec![Value::Int(20)]]);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].lo, None);
        assert_eq!(r[0].hi, r[1].lo);
        assert_eq!(r[1].hi, r[2].lo);
        assert_eq!(r[2].hi, None);
    }
}
