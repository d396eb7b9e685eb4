//! The row diff: rows fetched from both sides, matched by key, classified.

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
            .map(|&i| format!("{}={}", side.cols[i].name, row[i].display()))
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
