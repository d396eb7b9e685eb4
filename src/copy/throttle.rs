//! Throttle rules evaluated against the live system: source latency, a SQL query (e.g.
//! replication lag, the application's own p99), a probe's status. Each reading is a
//! pressure (value / limit, the worst rule wins) that `copy::pace` turns into an automatic
//! rows/s ceiling; a rule that cannot be read or a probe not green pauses the copy.
//!
//! `source_latency` is judged on a sliding window: [`sample_latency`] times a cheap
//! statement on the source every [`SAMPLE_EVERY`], and the rule reads the
//! [`LATENCY_PERCENTILE`] of the last [`LATENCY_WINDOW`] of samples.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::db::rows::fetch_text;
use crate::db::DbPool;
use crate::runbook::ThrottleRule;

use super::pace::Pressure;
use super::progress::ThrottleState;

/// Tells whether a named probe is green (`None`: unknown). The health engine supplies it.
pub type ProbeHook = Arc<dyn Fn(&str) -> Option<bool> + Send + Sync>;

/// How often the source's latency is sampled for `source_latency`.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// How much of the latest samples the rule judges.
pub const LATENCY_WINDOW: Duration = Duration::from_secs(3);
/// Which percentile of the window it judges.
pub const LATENCY_PERCENTILE: f64 = 0.95;

/// What the throttle needs to evaluate its rules.
#[derive(Clone)]
pub struct ThrottleInputs {
    pub source: DbPool,
    /// A cheap statement whose latency stands for the source's (`SELECT 1 FROM t LIMIT 1`).
    pub latency_sql: String,
    pub connections: HashMap<String, DbPool>,
    pub probe: Option<ProbeHook>,
    /// The latest latency samples ([`sample_latency`] fills it).
    pub latency: Arc<Mutex<LatencyWindow>>,
}

/// Latency samples over a sliding window. A sample that failed counts as a failure until
/// it leaves the window.
#[derive(Debug, Default)]
pub struct LatencyWindow {
    samples: VecDeque<(Instant, Option<Duration>)>,
}

impl LatencyWindow {
    pub fn push(&mut self, at: Instant, took: Option<Duration>) {
        self.samples.push_back((at, took));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| at.saturating_duration_since(*t) > LATENCY_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    /// The `q` percentile (nearest rank) of the window, and how many samples it holds;
    /// `Err` when a sample in it failed, `None` when it is empty.
    pub fn percentile(&self, q: f64) -> Option<Result<(Duration, usize), ()>> {
        if self.samples.is_empty() {
            return None;
        }
        let mut ok: Vec<Duration> = Vec::with_capacity(self.samples.len());
        for (_, took) in &self.samples {
            match took {
                Some(d) => ok.push(*d),
                None => return Some(Err(())),
            }
        }
        ok.sort_unstable();
        // 1 <= rank <= len; `as` saturates.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = ((q * ok.len() as f64).ceil() as usize).clamp(1, ok.len());
        Some(Ok((ok[rank - 1], ok.len())))
    }
}

/// Times `latency_sql` once; `None` when it failed (a timeout counts as its limit).
async fn time_source(inputs: &ThrottleInputs, limit: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    match tokio::time::timeout(limit, fetch_text(&inputs.source, &inputs.latency_sql)).await {
        Ok(Err(_)) => None,
        _ => Some(t0.elapsed()),
    }
}

/// The largest limit of the `source_latency` rules, if any.
pub fn latency_limit(rules: &[ThrottleRule]) -> Option<Duration> {
    rules
        .iter()
        .filter_map(|r| match r {
            ThrottleRule::SourceLatency { above } => Some(*above),
            _ => None,
        })
        .max()
}

/// Samples the source's latency into `inputs.latency` every [`SAMPLE_EVERY`] until `done`
/// changes. A statement still running after three times `above` counts as that long.
pub async fn sample_latency(
    inputs: ThrottleInputs,
    above: Duration,
    mut done: tokio::sync::watch::Receiver<bool>,
) {
    let limit = (above * 3).max(Duration::from_millis(50));
    loop {
        let took = time_source(&inputs, limit).await;
        inputs
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Instant::now(), took);
        tokio::select! {
            () = tokio::time::sleep(SAMPLE_EVERY) => {}
            _ = done.changed() => return,
        }
    }
}

/// The rules' reading: the worst pressure and what it is made of (for the panel).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub pressure: Pressure,
    pub reason: String,
}

fn ratio(value: f64, above: f64) -> f64 {
    if above > 0.0 {
        value / above
    } else if value > above {
        f64::INFINITY
    } else {
        0.0
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Evaluates every rule; the worst one wins (a rule that cannot be read wins over any).
pub async fn evaluate(rules: &[ThrottleRule], inputs: &ThrottleInputs) -> Reading {
    let mut worst = Reading {
        pressure: Pressure::Ratio(0.0),
        reason: String::new(),
    };
    for rule in rules {
        let reading = match rule {
            ThrottleRule::SourceLatency { above } => {
                let window = inputs
                    .latency
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .percentile(LATENCY_PERCENTILE);
                let window = match window {
                    Some(w) => w,
                    // No sample yet: one now.
                    None => time_source(inputs, (*above * 3).max(Duration::from_millis(50)))
                        .await
                        .map(|d| (d, 1))
                        .ok_or(()),
                };
                match window {
                    Ok((took, n)) => Reading {
                        pressure: Pressure::Ratio(ratio(took.as_secs_f64(), above.as_secs_f64())),
                        reason: format!(
                            "source latency p{:.0} {} ms over {n} samples (limit {} ms)",
                            LATENCY_PERCENTILE * 100.0,
                            ms(took),
                            ms(*above)
                        ),
                    },
                    Err(()) => Reading {
                        pressure: Pressure::Unsafe,
                        reason: "source latency: the source did not answer".into(),
                    },
                }
            }
            ThrottleRule::Query {
                connection,
                query,
                above,
            } => match inputs.connections.get(connection) {
                None => Reading {
                    pressure: Pressure::Unsafe,
                    reason: format!("throttle connection `{connection}` is not open"),
                },
                Some(pool) => match fetch_text(pool, query).await {
                    Ok(rows) => {
                        let value = rows
                            .first()
                            .and_then(|r| r.first().cloned().flatten())
                            .and_then(|s| s.trim().parse::<f64>().ok());
                        match value {
                            Some(v) => Reading {
                                pressure: Pressure::Ratio(ratio(v, *above)),
                                reason: format!("{connection}: {v} (limit {above})"),
                            },
                            None => Reading {
                                pressure: Pressure::Unsafe,
                                reason: format!("{connection}: throttle query returned no number"),
                            },
                        }
                    }
                    Err(e) => Reading {
                        pressure: Pressure::Unsafe,
                        reason: format!("{connection}: throttle query failed: {e}"),
                    },
                },
            },
            ThrottleRule::Probe { probe } => match inputs.probe.as_ref().and_then(|p| p(probe)) {
                Some(false) => Reading {
                    pressure: Pressure::Unsafe,
                    reason: format!("probe {probe} is not green"),
                },
                _ => Reading {
                    pressure: Pressure::Ratio(0.0),
                    reason: String::new(),
                },
            },
        };
        let replaces = match (reading.pressure, worst.pressure) {
            (_, Pressure::Unsafe) => false,
            (Pressure::Unsafe, _) => true,
            (Pressure::Ratio(a), Pressure::Ratio(b)) => a > b || a.is_nan(),
        };
        if replaces {
            worst = reading;
        }
    }
    worst
}

impl PartialOrd for ThrottleState {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ThrottleState {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |s: &ThrottleState| match s {
            ThrottleState::Free => 0,
            ThrottleState::Slowed => 1,
            ThrottleState::Paused => 2,
        };
        rank(self).cmp(&rank(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_judges_a_high_percentile_of_recent_samples() {
        let t0 = Instant::now();
        let mut w = LatencyWindow::default();
        assert_eq!(w.percentile(0.95), None);
        for i in 0..20u64 {
            w.push(
                t0 + Duration::from_millis(i * 100),
                Some(Duration::from_millis(i + 1)),
            );
        }
        // 20 samples: p95 is the 19th smallest.
        assert_eq!(
            w.percentile(0.95),
            Some(Ok((Duration::from_millis(19), 20)))
        );
        // Samples older than the window leave it.
        w.push(t0 + Duration::from_secs(10), Some(Duration::from_millis(2)));
        assert_eq!(w.percentile(0.95), Some(Ok((Duration::from_millis(2), 1))));
        // A failure counts until it leaves.
        w.push(t0 + Duration::from_secs(11), None);
        assert_eq!(w.percentile(0.95), Some(Err(())));
        w.push(t0 + Duration::from_secs(15), Some(Duration::from_millis(3)));
        assert_eq!(w.percentile(0.95), Some(Ok((Duration::from_millis(3), 1))));
    }

    #[test]
    fn pressure_is_value_over_limit() {
        assert!((ratio(4.5, 5.0) - 0.9).abs() < 1e-9);
        assert!(ratio(1.0, 0.0).is_infinite());
        assert!(ratio(0.0, 0.0).abs() < f64::EPSILON);
    }
}
