//! `engine = "external"`: a copy run by another system (Spark migrator, DMS, Kafka
//! Connect), followed through a SQL query that returns rows done (and optionally the
//! total) — typically that system's own checkpoint table.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::db::rows::fetch_text;
use crate::db::DbPool;
use crate::runbook::{CopySpec, ExternalProgress};

use super::control::CopyControl;
use super::error::CopyError;
use super::progress::{CopyProgress, CopyState, CopySummary, Throttle, ThrottleState};

/// Polls the progress query every `every` until rows done reach the total (when the query
/// gives one) or a `Cancel` arrives.
pub async fn follow_external(
    spec: &CopySpec,
    pool: DbPool,
    every: Duration,
    mut control: mpsc::Receiver<CopyControl>,
    progress: mpsc::Sender<CopyProgress>,
) -> Result<CopySummary, CopyError> {
    let query = match &spec.progress {
        Some(ExternalProgress::Sql { query, .. }) => query.clone(),
        Some(ExternalProgress::Prometheus { probe }) => {
            return Err(CopyError::Spec {
                job: spec.name.clone(),
                msg: format!(
                    "progress from the Prometheus probe `{probe}` needs the health engine"
                ),
            })
        }
        None => {
            return Err(CopyError::Spec {
                job: spec.name.clone(),
                msg: "an external copy needs `progress` (a SQL query on a connection)".into(),
            })
        }
    };
    let started = Instant::now();
    let mut window: VecDeque<(Instant, u64)> = VecDeque::new();
    let mut first: Option<u64> = None;
    let mut errors = 0u64;
    let mut last_error = None;
    loop {
        let (done, total) = match fetch_text(&pool, &query).await {
            Ok(rows) => {
                let row = rows.into_iter().next().unwrap_or_default();
                // A progress figure the external tool reports, shown and never copied: negative
                // clamps to 0, a float-to-int `as` saturates and drops a fraction of a row.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let num = |i: usize| {
                    row.get(i)
                        .cloned()
                        .flatten()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .map(|f| f.max(0.0) as u64)
                };
                (num(0).unwrap_or(0), num(1))
            }
            Err(e) => {
                errors += 1;
                last_error = Some(format!("progress query: {e}"));
                (window.back().map_or(0, |w| w.1), None)
            }
        };
        let now = Instant::now();
        let base = *first.get_or_insert(done);
        window.push_back((now, done));
        while window.len() > 2
            && window
                .front()
                .is_some_and(|(t, _)| now - *t > Duration::from_secs(30))
        {
            window.pop_front();
        }
        let rate_now = match window.front() {
            Some((t, n)) if now > *t => done.saturating_sub(*n) as f64 / (now - *t).as_secs_f64(),
            _ => 0.0,
        };
        let elapsed = started.elapsed().as_secs_f64();
        let finished = total.is_some_and(|t| done >= t && t > 0);
        let snapshot = CopyProgress {
            job: spec.name.clone(),
            state: if finished {
                CopyState::Done
            } else {
                CopyState::Running
            },
            rows_done: done,
            rows_estimated: total,
            rows_per_sec_now: rate_now,
            rows_per_sec_avg: if elapsed > 0.0 {
                done.saturating_sub(base) as f64 / elapsed
            } else {
                0.0
            },
            elapsed_secs: elapsed,
            throttled_secs: 0.0,
            throttle: Throttle {
                state: ThrottleState::Free,
                reason: String::new(),
            },
            rate_limit: None,
            retries: 0,
            errors,
            last_error: last_error.clone(),
            chunk_size: 0,
            ranges: Vec::new(),
        };
        let _ = progress.try_send(snapshot);
        if finished {
            return Ok(CopySummary {
                job: spec.name.clone(),
                state: CopyState::Done,
                rows: done.saturating_sub(base),
                rows_total: done,
                seconds: elapsed,
                rows_per_sec: if elapsed > 0.0 {
                    done.saturating_sub(base) as f64 / elapsed
                } else {
                    0.0
                },
                retries: 0,
                throttled_secs: 0.0,
                resumed: base > 0,
                in_server: false,
                created_target: false,
                indexes_created: Vec::new(),
                error: None,
            });
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            cmd = control.recv() => {
                if matches!(cmd, Some(CopyControl::Cancel)) {
                    return Err(CopyError::Cancelled(spec.name.clone()));
                }
            }
        }
    }
}
