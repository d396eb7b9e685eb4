//! Copy telemetry: owned snapshots sent to the hub and the screen (serde, no engine types).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    Planning,
    Running,
    Paused,
    Throttled,
    /// A connection failed and the copy is retrying with backoff.
    Retrying,
    /// An external job whose progress has not moved for its `stalled_after`.
    Stalled,
    Done,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleState {
    /// Full speed (up to the rate limit).
    Free,
    /// A rule is near or over its limit: the copy is paced by an automatic rows/s ceiling
    /// (`copy::pace`; `rate_limit` is the ceiling in force, the reason says why).
    Slowed,
    /// A rule crossed its limit: no new chunk starts until it recovers.
    Paused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    pub state: ThrottleState,
    /// Why (`replication lag 12.0 > 5`), empty when free.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeState {
    Pending,
    InFlight,
    Done,
    Failed,
}

/// One key range of the plan, for the chunk map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeProgress {
    /// Lower bound (inclusive) as text, `-∞` when open.
    pub lo: String,
    /// Upper bound (exclusive) as text, `+∞` when open.
    pub hi: String,
    pub state: RangeState,
    pub rows_done: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyProgress {
    pub job: String,
    pub state: CopyState,
    pub rows_done: u64,
    /// From the source's statistics; `None` when unknown.
    pub rows_estimated: Option<u64>,
    /// Over the last few seconds.
    pub rows_per_sec_now: f64,
    /// Since this run started (excluding rows found already copied in the checkpoint).
    pub rows_per_sec_avg: f64,
    pub elapsed_secs: f64,
    /// Time spent slowed or paused by the throttle.
    pub throttled_secs: f64,
    pub throttle: Throttle,
    /// Rows per second ceiling in force, if any: the lower of the user's
    /// (`max_rows_per_sec`, the console's `r`) and the throttle's automatic one.
    pub rate_limit: Option<u64>,
    pub retries: u64,
    pub errors: u64,
    /// The latest error (retried or fatal), for the red line on the panel.
    pub last_error: Option<String>,
    pub chunk_size: u64,
    pub ranges: Vec<RangeProgress>,
}

impl CopyProgress {
    /// Seconds left at the current average pace, when it can be told.
    pub fn eta_secs(&self) -> Option<f64> {
        let total = self.rows_estimated?;
        let left = total.saturating_sub(self.rows_done) as f64;
        (self.rows_per_sec_avg > 0.0).then(|| left / self.rows_per_sec_avg)
    }
}

/// What a finished run reports (headless summary, step evidence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopySummary {
    pub job: String,
    pub state: CopyState,
    /// Rows written by this run.
    pub rows: u64,
    /// Rows in the target according to every checkpoint of the job (all runs).
    pub rows_total: u64,
    pub seconds: f64,
    pub rows_per_sec: f64,
    pub retries: u64,
    pub throttled_secs: f64,
    /// True when this run started from an earlier run's checkpoint.
    pub resumed: bool,
    /// True when source and target were one server and rows were copied inside it.
    #[serde(default)]
    pub in_server: bool,
    /// `create_target`: this run created the target table.
    #[serde(default)]
    pub created_target: bool,
    /// `create_target`: the secondary indexes this run added after the load.
    #[serde(default)]
    pub indexes_created: Vec<String>,
    pub error: Option<String>,
}

impl CopySummary {
    /// The whole copy in words (step evidence, the headless line): rows over every run, and
    /// for a resumed copy what this run added (`20000 rows copied in all; resumed: this
    /// run added 0 rows in 0.0 s`).
    pub fn describe(&self) -> String {
        let this_run = format!(
            "{} rows in {:.1} s ({:.0} rows/s)",
            self.rows, self.seconds, self.rows_per_sec
        );
        let mut words = if self.resumed {
            format!(
                "{} rows copied in all; resumed: this run added {this_run}",
                self.rows_total
            )
        } else {
            this_run
        };
        if self.created_target {
            words.push_str("; created the target table");
        }
        if !self.indexes_created.is_empty() {
            words.push_str(&format!(
                "; added indexes {}",
                self.indexes_created.join(", ")
            ));
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(rows: u64, rows_total: u64, resumed: bool) -> CopySummary {
        CopySummary {
            job: "j".into(),
            state: CopyState::Done,
            rows,
            rows_total,
            seconds: 73.3,
            rows_per_sec: rows as f64 / 73.3,
            retries: 0,
            throttled_secs: 0.0,
            resumed,
            in_server: false,
            created_target: false,
            indexes_created: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn a_resumed_copy_states_the_whole_copy_and_this_run() {
        assert_eq!(
            summary(530_000, 1_000_000, true).describe(),
            "1000000 rows copied in all; resumed: this run added 530000 rows in 73.3 s (7231 rows/s)"
        );
        assert_eq!(
            summary(20_000, 20_000, false).describe(),
            "20000 rows in 73.3 s (273 rows/s)"
        );
    }
}
