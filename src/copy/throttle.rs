//! Throttle rules evaluated against the live system: source latency, a SQL query (e.g.
//! replication lag), a probe's status. At 80 % of a limit the copy slows; past it, it pauses
//! until the value comes back down.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::db::rows::fetch_text;
use crate::db::DbPool;
use crate::runbook::ThrottleRule;

use super::progress::{Throttle, ThrottleState};

/// Tells whether a named probe is green (`None`: unknown). The health engine supplies it.
pub type ProbeHook = Arc<dyn Fn(&str) -> Option<bool> + Send + Sync>;

/// What the throttle needs to evaluate its rules.
#[derive(Clone)]
pub struct ThrottleInputs {
    pub source: DbPool,
    /// A cheap statement whose latency stands for the source's (`SELECT 1 FROM t LIMIT 1`).
    pub latency_sql: String,
    pub connections: HashMap<String, DbPool>,
    pub probe: Option<ProbeHook>,
}

fn grade(value: f64, above: f64) -> ThrottleState {
    if value > above {
        ThrottleState::Paused
    } else if value > above * 0.8 {
        ThrottleState::Slowed
    } else {
        ThrottleState::Free
    }
}

/// Evaluates every rule; the worst one wins.
pub async fn evaluate(rules: &[ThrottleRule], inputs: &ThrottleInputs) -> Throttle {
    let mut worst = Throttle {
        state: ThrottleState::Free,
        reason: String::new(),
    };
    for rule in rules {
        let (state, reason) = match rule {
            ThrottleRule::SourceLatency { above } => {
                let limit = (*above * 3).max(Duration::from_millis(50));
                let t0 = Instant::now();
                let ok =
                    tokio::time::timeout(limit, fetch_text(&inputs.source, &inputs.latency_sql))
                        .await;
                let took = t0.elapsed();
                let state = match ok {
                    Ok(Err(_)) => ThrottleState::Paused,
                    _ => grade(took.as_secs_f64(), above.as_secs_f64()),
                };
                (
                    state,
                    format!(
                        "source latency {} ms (limit {} ms)",
                        took.as_millis(),
                        above.as_millis()
                    ),
                )
            }
            ThrottleRule::Query {
                connection,
                query,
                above,
            } => match inputs.connections.get(connection) {
                None => (
                    ThrottleState::Paused,
                    format!("throttle connection `{connection}` is not open"),
                ),
                Some(pool) => match fetch_text(pool, query).await {
                    Ok(rows) => {
                        let value = rows
                            .first()
                            .and_then(|r| r.first().cloned().flatten())
                            .and_then(|s| s.trim().parse::<f64>().ok());
                        match value {
                            Some(v) => (
                                grade(v, *above),
                                format!("{connection}: {v} (limit {above})"),
                            ),
                            None => (
                                ThrottleState::Paused,
                                format!("{connection}: throttle query returned no number"),
                            ),
                        }
                    }
                    Err(e) => (
                        ThrottleState::Paused,
                        format!("{connection}: throttle query failed: {e}"),
                    ),
                },
            },
            ThrottleRule::Probe { probe } => match inputs.probe.as_ref().and_then(|p| p(probe)) {
                Some(false) => (ThrottleState::Paused, format!("probe {probe} is not green")),
                _ => (ThrottleState::Free, String::new()),
            },
        };
        if state > worst.state {
            worst = Throttle { state, reason };
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
