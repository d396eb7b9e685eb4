//! What the statistics say: counter-like tables (rows updated far more often than
//! inserted) and row estimates far from the rows there are (the estimate a copy's ETA
//! starts from).

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;
use super::side::Count;

/// Updates per insert above which a table behaves like a counter.
const COUNTER_RATIO: u64 = 10;
/// Fewer updates than this say nothing.
const COUNTER_MIN_UPDATES: u64 = 1_000;

pub fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let s = &p.src;
    if let Some(w) = s.facts.writes {
        if w.updated >= COUNTER_MIN_UPDATES && w.updated > COUNTER_RATIO * w.inserted.max(1) {
            let numeric: Vec<&str> = p
                .cols
                .iter()
                .filter(|(sc, _)| {
                    !p.key_src.contains(&sc.column.name)
                        && matches!(
                            sc.column.kind,
                            crate::db::types::Kind::Int { .. }
                                | crate::db::types::Kind::Decimal { .. }
                        )
                })
                .map(|(sc, _)| sc.column.name.as_str())
                .collect();
            out.push(s.at().finding(
                Severity::Warning,
                Hazard::Counter,
                numeric.first().copied(),
                format!(
                    "counter-like table: {} updates against {} inserts since statistics began{}",
                    w.updated,
                    w.inserted,
                    if numeric.is_empty() { String::new() } else { format!(" (likely counters: {})", numeric.join(", ")) }
                ),
                "rows keep changing after they are copied: the copy's snapshot is stale at once, recon keeps finding changed rows, and increments cannot be dual-written (an increment applied twice or missed is lost for good)",
                "copy this table in a short write freeze (stop the writers, copy, recon, switch), or write increments to a delta table during the migration and add them up after",
            ));
        }
    }
    let estimate = s.facts.rows_estimate;
    let off = |n: u64| match estimate {
        None => n > 1_000,
        Some(e) => n.abs_diff(e) > 1_000 && (n > e.saturating_mul(2) || e > n.saturating_mul(2)),
    };
    let shown = estimate.map_or("none (never analyzed)".to_string(), |e| e.to_string());
    let what = match s.count {
        Count::Exact(n) if off(n) => Some(format!(
            "the statistics estimate {shown} rows; there are {n}"
        )),
        Count::AtLeast(n) if estimate.is_none_or(|e| e.saturating_mul(2) < n) => Some(format!(
            "the statistics estimate {shown} rows; there are at least {n}"
        )),
        _ => None,
    };
    if let (Some(what), true) = (
        what,
        p.is_copy() && s.dialect() != crate::db::Dialect::Sqlite,
    ) {
        out.push(s.at().finding(
            Severity::Warning,
            Hazard::RowEstimate,
            None,
            what,
            "the copy's progress bar and ETA start from this estimate (and sampled key ranges are placed by it): the console will show the copy finishing far too early or too late",
            match s.dialect() {
                crate::db::Dialect::Postgres => format!("ANALYZE {} before the drill", s.facts.table),
                _ => format!("ANALYZE TABLE {} before the drill", s.facts.table),
            },
        ));
    }
    out
}
