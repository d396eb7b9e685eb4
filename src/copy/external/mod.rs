//! `engine = "external"`: a copy run by another system (a managed copy service, `TiDB` DM,
//! a Spark migrator), one job rather than one table. warroom follows its progress (rows
//! done and in all) from a SQL query on the job's own checkpoint or state table, from two
//! Prometheus series, or from a command's JSON; says when it is finished (done reaches
//! the total, or the status it reports); and says when it is stalled (no progress for
//! `stalled_after`).

pub mod source;
pub mod stall;

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::runbook::{CopySpec, Finished};

use super::control::CopyControl;
use super::error::CopyError;
use super::progress::{CopyProgress, CopyState, CopySummary, Throttle, ThrottleState};
pub use source::{ProgressReader, Reading};
use stall::{stalled_text, StallWatch};

/// Whether `reading` says the job is finished, by the spec's rule.
pub fn is_finished(finished: &Finished, reading: &Reading) -> bool {
    match finished {
        Finished::ReachesTotal => reading.total.is_some_and(|t| t > 0 && reading.done >= t),
        Finished::Status(want) => reading
            .status
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case(want)),
    }
}

/// Reads progress every `every` until the job is finished or a `Cancel` arrives. A
/// reading that fails is retried (and shown as the job's last error); progress that does
/// not move for the spec's `stalled_after` is reported as [`CopyState::Stalled`].
pub async fn follow_external(
    spec: &CopySpec,
    reader: ProgressReader,
    every: Duration,
    mut control: mpsc::Receiver<CopyControl>,
    progress: mpsc::Sender<CopyProgress>,
) -> Result<CopySummary, CopyError> {
    let started = Instant::now();
    let mut window: VecDeque<(Instant, u64)> = VecDeque::new();
    let mut first: Option<u64> = None;
    let mut last = Reading {
        done: 0,
        total: None,
        status: None,
    };
    let mut watch = StallWatch::new(spec.stalled_after, started);
    let mut errors = 0u64;
    loop {
        let now_read = reader.read().await;
        let now = Instant::now();
        let (still, read_error) = match now_read {
            Ok(reading) => {
                let still = watch.observe(reading.done, now);
                last = reading;
                (still, None)
            }
            Err(e) => {
                errors += 1;
                (watch.still_for(now), Some(e))
            }
        };
        let done = last.done;
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
        let finished = read_error.is_none() && is_finished(&spec.finished, &last);
        let stalled = still.zip(spec.stalled_after);
        let state = match (finished, stalled) {
            (true, _) => CopyState::Done,
            (false, Some(_)) => CopyState::Stalled,
            (false, None) => CopyState::Running,
        };
        let last_error = match (stalled, &read_error) {
            (Some((still, after)), e) => {
                let text = stalled_text(still, after, done, last.total);
                Some(e.as_ref().map_or(text.clone(), |e| format!("{text}; {e}")))
            }
            (None, Some(e)) => Some(e.clone()),
            (None, None) => None,
        };
        let rate_avg = if elapsed > 0.0 {
            done.saturating_sub(base) as f64 / elapsed
        } else {
            0.0
        };
        let snapshot = CopyProgress {
            job: spec.name.clone(),
            state,
            rows_done: done,
            rows_estimated: last.total,
            rows_per_sec_now: rate_now,
            rows_per_sec_avg: rate_avg,
            elapsed_secs: elapsed,
            throttled_secs: 0.0,
            throttle: Throttle {
                state: ThrottleState::Free,
                reason: String::new(),
            },
            rate_limit: None,
            retries: 0,
            errors,
            last_error,
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
                rows_per_sec: rate_avg,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn r(done: u64, total: Option<u64>, status: Option<&str>) -> Reading {
        Reading {
            done,
            total,
            status: status.map(str::to_string),
        }
    }

    #[test]
    fn finished_is_the_rule_the_runbook_states() {
        let total = Finished::ReachesTotal;
        assert!(is_finished(&total, &r(10, Some(10), None)));
        assert!(!is_finished(&total, &r(9, Some(10), None)));
        assert!(
            !is_finished(&total, &r(0, Some(0), None)),
            "an empty total is not done"
        );
        assert!(!is_finished(&total, &r(10, None, Some("COMPLETED"))));
        let status = Finished::Status("COMPLETED".into());
        assert!(is_finished(&status, &r(3, Some(10), Some("completed"))));
        assert!(!is_finished(&status, &r(10, Some(10), Some("RUNNING"))));
        assert!(!is_finished(&status, &r(10, Some(10), None)));
    }
}
