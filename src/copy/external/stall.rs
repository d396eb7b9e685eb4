//! When an external job's progress has not moved for `stalled_after`, it is stalled.
//! Pure: it is told the time, so tests drive it without waiting.

use std::time::Duration;

use tokio::time::Instant;

/// Remembers when rows done last moved (from the start: a source that never answers
/// stalls too).
#[derive(Debug, Clone)]
pub struct StallWatch {
    after: Option<Duration>,
    /// Rows done at the last change (`None`: no reading yet), and when.
    last: (Option<u64>, Instant),
}

impl StallWatch {
    pub fn new(after: Option<Duration>, start: Instant) -> StallWatch {
        StallWatch {
            after,
            last: (None, start),
        }
    }

    /// Takes a reading of rows done at `now`; returns for how long the job has been still
    /// when that is at least `stalled_after` (`None`: moving, or no rule).
    pub fn observe(&mut self, done: u64, now: Instant) -> Option<Duration> {
        if self.last.0 != Some(done) {
            self.last = (Some(done), now);
        }
        self.still_for(now)
    }

    /// How long the job has been still at `now`, when that is at least `stalled_after`
    /// (a reading that failed calls this: the still time goes on).
    pub fn still_for(&self, now: Instant) -> Option<Duration> {
        let after = self.after?;
        let still = now.saturating_duration_since(self.last.1);
        (still >= after).then_some(still)
    }
}

/// `stalled: no progress for 12m5s (stalled_after 10m) at 1200 of 5000 rows`.
pub fn stalled_text(still: Duration, after: Duration, done: u64, total: Option<u64>) -> String {
    let of = total.map_or(String::new(), |t| format!(" of {t}"));
    format!(
        "{STALLED_PREFIX} no progress for {} (stalled_after {}) at {done}{of} rows",
        crate::runbook::duration::format(rounded(still)),
        crate::runbook::duration::format(after),
    )
}

/// To the second, or to the millisecond under a second (a test's stall is short).
fn rounded(d: Duration) -> Duration {
    if d < Duration::from_secs(1) {
        Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    } else {
        Duration::from_secs(d.as_secs())
    }
}

/// How a stall's evidence detail begins (the panel and announcements key on the state,
/// this is for people reading the detail).
pub const STALLED_PREFIX: &str = "stalled:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalls_only_after_the_set_time_without_movement_and_recovers_when_it_moves() {
        let t0 = Instant::now();
        let mut w = StallWatch::new(Some(Duration::from_secs(600)), t0);
        assert_eq!(w.observe(100, t0), None);
        assert_eq!(w.observe(100, t0 + Duration::from_secs(599)), None);
        assert_eq!(
            w.observe(100, t0 + Duration::from_secs(600)),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            w.still_for(t0 + Duration::from_secs(700)),
            Some(Duration::from_secs(700))
        );
        // One more row: moving again, and the clock starts over from this reading.
        assert_eq!(w.observe(101, t0 + Duration::from_secs(701)), None);
        assert_eq!(w.observe(101, t0 + Duration::from_secs(1300)), None);
        assert!(w.observe(101, t0 + Duration::from_secs(1301)).is_some());
    }

    #[test]
    fn a_source_that_never_answers_stalls_from_the_start() {
        let t0 = Instant::now();
        let w = StallWatch::new(Some(Duration::from_secs(60)), t0);
        assert_eq!(w.still_for(t0 + Duration::from_secs(59)), None);
        assert_eq!(
            w.still_for(t0 + Duration::from_secs(61)),
            Some(Duration::from_secs(61))
        );
    }

    #[test]
    fn without_a_rule_nothing_stalls() {
        let t0 = Instant::now();
        let mut w = StallWatch::new(None, t0);
        w.observe(5, t0);
        assert_eq!(w.observe(5, t0 + Duration::from_secs(86_400)), None);
    }

    #[test]
    fn the_text_says_how_long_against_the_rule_and_where() {
        let t = stalled_text(
            Duration::from_millis(725_400),
            Duration::from_secs(600),
            1200,
            Some(5000),
        );
        assert_eq!(
            t,
            "stalled: no progress for 12m5s (stalled_after 10m) at 1200 of 5000 rows"
        );
    }
}
