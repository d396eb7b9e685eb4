//! Staleness: a probe with no fresh sample (one carrying a value) within `stale_after` is
//! stale, shown as critical NO DATA with how long it has been blind.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// For how long the probe has had no fresh sample, when that is longer than `stale_after`.
///
/// `last_fresh` is the time of the last sample with a value; before the first one, the
/// clock runs from `since` (when sampling started).
pub fn stale_for(
    last_fresh: Option<DateTime<Utc>>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    stale_after: Duration,
) -> Option<Duration> {
    let reference = last_fresh.unwrap_or(since);
    let age = (now - reference).to_std().unwrap_or(Duration::ZERO);
    (age > stale_after).then_some(age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn fresh_within_the_window() {
        let after = Duration::from_secs(30);
        assert_eq!(stale_for(Some(t(0)), t(0), t(10), after), None);
        assert_eq!(
            stale_for(Some(t(0)), t(0), t(30), after),
            None,
            "exactly at the edge"
        );
    }

    #[test]
    fn stale_after_the_window_says_how_long() {
        let after = Duration::from_secs(30);
        assert_eq!(
            stale_for(Some(t(0)), t(-100), t(42), after),
            Some(Duration::from_secs(42))
        );
    }

    #[test]
    fn never_sampled_counts_from_the_start() {
        let after = Duration::from_secs(5);
        assert_eq!(stale_for(None, t(0), t(3), after), None);
        assert_eq!(
            stale_for(None, t(0), t(9), after),
            Some(Duration::from_secs(9))
        );
    }

    #[test]
    fn a_clock_going_backwards_is_not_stale() {
        assert_eq!(
            stale_for(Some(t(10)), t(0), t(5), Duration::from_secs(1)),
            None
        );
    }
}
