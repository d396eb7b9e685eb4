//! An estimate per copy job: rows, bytes, and duration at the throughput of earlier drills
//! (when the caller read it from their journals) or at a short measured sample read;
//! compared with the plan of the step that runs the copy.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;
use super::side::Count;

/// How much longer a copy takes than reading its rows: it also converts them, writes them
/// (an upsert on the target) and checkpoints. Measured on the payments benchmark table
/// (50 000 rows, MariaDB into PostgreSQL, `tests/preflight_estimate.rs`): the whole copy
/// ran at a quarter of its 5 000-row sample read's rate (3.5 to 4.5 times slower).
pub const WRITE_COST: f64 = 4.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopyEstimate {
    pub job: String,
    pub rows: Option<u64>,
    /// The row count is exact (counted), not the statistics' estimate.
    pub rows_exact: bool,
    pub bytes: Option<u64>,
    pub rows_per_sec: Option<f64>,
    /// Where the rate comes from.
    pub basis: String,
    pub seconds: Option<f64>,
    pub planned_seconds: Option<f64>,
}

/// `history`: rows per second this job reached in earlier drills, if known.
pub async fn check(
    p: &Pair<'_>,
    history: Option<f64>,
    sample_rows: u64,
) -> Option<(CopyEstimate, Option<Finding>)> {
    let job = p.plan.copy.clone()?;
    let s = &p.src;
    let (rows, rows_exact) = match s.count {
        Count::Exact(n) => (Some(n), true),
        _ => (s.facts.rows_estimate.or(s.count.rows()), false),
    };
    let (rate, basis) = match history {
        Some(r) if r > 0.0 => (
            Some(r),
            "throughput of earlier drills (journals)".to_string(),
        ),
        _ => match sample(p, sample_rows).await {
            Some((n, took)) if n > 0 => {
                let secs = took.as_secs_f64().max(0.000_1);
                (
                        Some(n as f64 / secs / WRITE_COST),
                        format!(
                            "a sample read of {n} rows in {:.0} ms, times {WRITE_COST} for converting, writing and checkpointing",
                            secs * 1000.0
                        ),
                    )
            }
            Some(_) => (None, "no rate: the table is empty".to_string()),
            None => (None, "no rate: the sample read failed".to_string()),
        },
    };
    let seconds = match (rows, rate) {
        (Some(r), Some(rate)) => Some(r as f64 / rate),
        _ => None,
    };
    let planned = p.plan.planned.map(|d| d.as_secs_f64());
    let estimate = CopyEstimate {
        job: job.clone(),
        rows,
        rows_exact,
        bytes: s.facts.bytes,
        rows_per_sec: rate,
        basis: basis.clone(),
        seconds,
        planned_seconds: planned,
    };
    let finding = match (seconds, planned) {
        (Some(est), Some(plan)) if est > plan => Some(s.at().finding(
            Severity::Warning,
            Hazard::Estimate,
            None,
            format!(
                "copy `{job}` plans {} but {} rows at {} rows/s take about {}",
                human(plan),
                rows.unwrap_or(0),
                rate_text(rate.unwrap_or(0.0)),
                human(est)
            ),
            format!("the estimate rests on {basis}: the step will run over its plan and the drill's clock with it"),
            "raise the step's `planned`, add workers, or split the job (a `where` per part)",
        )),
        _ => None,
    };
    Some((estimate, finding))
}

/// Reads the first `n` rows in key order and times it.
async fn sample(p: &Pair<'_>, n: u64) -> Option<(u64, Duration)> {
    let s = &p.src;
    let cols: Vec<String> = p
        .cols
        .iter()
        .map(|(c, _)| s.as_text(&s.q(&c.column.name)))
        .collect();
    let order: Vec<String> = p.key_src.iter().map(|k| s.q(k)).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {} LIMIT {n}",
        if cols.is_empty() {
            "1".to_string()
        } else {
            cols.join(", ")
        },
        s.quoted_table(),
        order.join(", ")
    );
    let start = Instant::now();
    let rows = s.query(&sql).await.ok()?;
    Some((rows.len() as u64, start.elapsed()))
}

/// `1h 20m`, `45s`.
pub fn human(secs: f64) -> String {
    // A duration in seconds: clamped to 0.. and far below u64's range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// A rate with the digits that matter: `55000`, `12.5`, `0.001`.
fn rate_text(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else {
        let mut s = format!("{r:.3}");
        while s.ends_with('0') {
            s.pop();
        }
        s.trim_end_matches('.').to_string()
    }
}
