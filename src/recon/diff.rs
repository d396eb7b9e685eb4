//! The row diff: rows fetched from both sides, matched by key, classified.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::db::value::Value;
use crate::drill::telemetry::recon::{ColumnDiff, Mismatch, MismatchKind};

use super::canon::{same, text};
use super::side::Side;

/// A mismatch with the rows behind it (for the fix SQL and the re-check).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub mismatch: Mismatch,
    /// The source row (missing, changed).
    pub source: Option<Vec<Value>>,
    /// The target row (extra, changed).
    pub target: Option<Vec<Value>>,
}

impl Finding {
    /// The row's key values (from whichever side has the row).
    pub fn key(&self, src: &Side, tgt: &Side) -> Vec<Value> {
        match (&self.source, &self.target) {
            (Some(row), _) => src.key_idx.iter().map(|&i| row[i].clone()).collect(),
            (None, Some(row)) => tgt.key_idx.iter().map(|&i| row[i].clone()).collect(),
            (None, None) => Vec::new(),
        }
    }
}

/// A key's row on each side, if it has one.
type RowPair = (Option<Vec<Value>>, Option<Vec<Value>>);

/// Classifies every difference between `source` and `target` rows (same key space).
pub fn diff_rows(
    src: &Side,
    tgt: &Side,
    source: Vec<Vec<Value>>,
    target: Vec<Vec<Value>>,
    tolerance: Option<f64>,
) -> Vec<Finding> {
    let mut by_key: BTreeMap<String, RowPair> = BTreeMap::new();
    for row in source {
        let key = src.key_text(&row);
        by_key.entry(key).or_default().0 = Some(row);
    }
    for row in target {
        let key = tgt.key_text(&row);
        by_key.entry(key).or_default().1 = Some(row);
    }
    by_key
        .into_values()
        .filter_map(|(s, t)| compare(src, tgt, s, t, tolerance))
        .collect()
}

/// One key's rows on each side: `None` when they match.
pub fn compare(
    src: &Side,
    tgt: &Side,
    s: Option<Vec<Value>>,
    t: Option<Vec<Value>>,
    tolerance: Option<f64>,
) -> Option<Finding> {
    let key_of = |side: &Side, row: &[Value]| -> Vec<String> {
        side.key_idx
            .iter()
            .map(|&i| format!("{}={}", side.cols[i].name, shown(&row[i])))
            .collect()
    };
    let (kind, key, columns) = match (&s, &t) {
        (Some(sr), None) => (MismatchKind::MissingInTarget, key_of(src, sr), Vec::new()),
        (None, Some(tr)) => (MismatchKind::ExtraInTarget, key_of(tgt, tr), Vec::new()),
        (Some(sr), Some(tr)) => {
            let columns: Vec<ColumnDiff> = (0..src.cols.len())
                .filter(|&i| {
                    !same(
                        &sr[i],
                        &src.cols[i].kind,
                        &tr[i],
                        &tgt.cols[i].kind,
                        tolerance,
                    )
                })
                .map(|i| ColumnDiff {
                    column: src.cols[i].name.clone(),
                    source: text(&sr[i], &src.cols[i].kind),
                    target: text(&tr[i], &tgt.cols[i].kind),
                })
                .collect();
            if columns.is_empty() {
                return None;
            }
            (MismatchKind::Changed, key_of(src, sr), columns)
        }
        (None, None) => return None,
    };
    Some(Finding {
        mismatch: Mismatch { kind, key, columns },
        source: s,
        target: t,
    })
}

/// A key value as a mismatch shows it: text whole and quoted ([`quoted`]), binary in hex,
/// anything else as its plain text. Two different keys never show alike.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Text(t) | Value::Json(t) => quoted(t),
        Value::Bytes(b) => {
            let mut s = String::from("0x");
            crate::db::value::push_hex(&mut s, b);
            s
        }
        other => other.display(),
    }
}

/// Text between single quotes, so that `''` and a trailing space show: a quote doubled (as
/// in SQL), a backslash doubled, and control characters escaped (`\n`, `\t`, `\u{1b}`),
/// so that a value never breaks its line.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The order mismatches are listed in: by key, numbers by value, text by its UTF-8 bytes,
/// dates and times in time order, NULL first (whatever order the chunks finished in).
pub fn key_order(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| value_order(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

fn value_order(a: &Value, b: &Value) -> Ordering {
    use Value as V;
    match (a, b) {
        (V::Null, V::Null) => Ordering::Equal,
        (V::Null, _) => Ordering::Less,
        (_, V::Null) => Ordering::Greater,
        (V::Text(x), V::Text(y)) | (V::Json(x), V::Json(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Bytes(x), V::Bytes(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::Time(x), V::Time(y)) => x.cmp(y),
        (V::DateTime(x), V::DateTime(y)) => x.cmp(y),
        (V::Timestamp(x), V::Timestamp(y)) => x.cmp(y),
        (V::Float(_), _) | (_, V::Float(_)) => match (as_f64(a), as_f64(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => text_order(a, b),
        },
        _ => match (as_decimal(a), as_decimal(b)) {
            (Some(x), Some(y)) => decimal_order(&x, &y),
            _ => text_order(a, b),
        },
    }
}

fn text_order(a: &Value, b: &Value) -> Ordering {
    let (mut x, mut y) = (String::new(), String::new());
    a.write_plain(&mut x);
    b.write_plain(&mut y);
    x.cmp(&y)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        _ => as_decimal(v)?.parse().ok(),
    }
}

/// Integers, unsigned integers, decimals and booleans as decimal text (an unsigned key
/// may be a `numeric` on the other side).
fn as_decimal(v: &Value) -> Option<String> {
    match v {
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Bool(b) => Some(u8::from(*b).to_string()),
        Value::Decimal(d) if crate::db::types::is_decimal(d) => Some(d.clone()),
        _ => None,
    }
}

/// Two decimal texts (`-12.50`, `7`, `.5`) by value, exactly.
fn decimal_order(a: &str, b: &str) -> Ordering {
    // (negative, integer digits, fraction digits) without the zeros that do not count.
    let parts = |s: &str| {
        let negative = s.starts_with('-');
        let body = s.trim_start_matches(['-', '+']);
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
        let zero = int.is_empty() && frac.is_empty();
        (negative && !zero, int.to_string(), frac.to_string())
    };
    let (na, ia, fa) = parts(a);
    let (nb, ib, fb) = parts(b);
    let magnitude = || {
        ia.len()
            .cmp(&ib.len())
            .then_with(|| ia.cmp(&ib))
            .then_with(|| fa.cmp(&fb))
    };
    match (na, nb) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => magnitude(),
        (true, true) => magnitude().reverse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_value_and_text_by_bytes() {
        let int = |i: i64| vec![Value::Int(i)];
        let mut keys = vec![int(10), int(-5), int(9), int(100), int(-40)];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, vec![int(-40), int(-5), int(9), int(10), int(100)]);
        let dec = |s: &str| Value::Decimal(s.into());
        assert_eq!(value_order(&dec("-0.50"), &dec("-0.05")), Ordering::Less);
        assert_eq!(value_order(&dec("12.50"), &dec("12.5")), Ordering::Equal);
        assert_eq!(value_order(&dec("-0"), &Value::Int(0)), Ordering::Equal);
        assert_eq!(
            value_order(&Value::UInt(u64::MAX), &dec("18446744073709551616")),
            Ordering::Less
        );
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(value_order(&text("B"), &text("a")), Ordering::Less);
        assert_eq!(value_order(&Value::Null, &text("")), Ordering::Less);
        // Composite keys: the first column decides, then the next.
        assert_eq!(
            key_order(&[Value::Int(3), text("c9")], &[Value::Int(3), text("c10")]),
            Ordering::Greater
        );
    }

    #[test]
    fn quoted_text_shows_empty_spaces_quotes_and_controls() {
        assert_eq!(quoted(""), "''");
        assert_eq!(quoted("a "), "'a '");
        assert_eq!(quoted("O'Brien"), "'O''Brien'");
        assert_eq!(quoted("a\nb\\n\u{1b}"), "'a\\nb\\\\n\\u{1b}'");
        assert_eq!(shown(&Value::Text("NULL".into())), "'NULL'");
        assert_eq!(shown(&Value::Null), "NULL");
    }
}
