//! How long a failing target waits before the next attempt, and when a message is given up.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::runbook::AnnounceSpec;

/// The wait after `streak` failures in a row: `backoff`, doubled per failure after the
/// first, at most `max_backoff`.
pub fn delay(spec: &AnnounceSpec, streak: u32) -> Duration {
    let doublings = streak.saturating_sub(1).min(20);
    spec.backoff
        .saturating_mul(1u32 << doublings)
        .min(spec.max_backoff)
}

/// Whether a message queued at `queued_at` is given up at `now`: it is older than
/// `give_up_after` and its target failed after it was queued (in this console: a message
/// found pending on resume gets its chance first).
pub fn gives_up(
    spec: &AnnounceSpec,
    queued_at: DateTime<Utc>,
    last_failure: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let old = (now - queued_at).to_std().unwrap_or_default() >= spec.give_up_after;
    old && last_failure.is_some_and(|f| f >= queued_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AnnounceSpec {
        AnnounceSpec {
            targets: Vec::new(),
            reminders: Vec::new(),
            timeout: Duration::from_secs(5),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            give_up_after: Duration::from_secs(600),
        }
    }

    #[test]
    fn doubles_up_to_the_ceiling() {
        let s = spec();
        let secs: Vec<u64> = [1, 2, 3, 4, 7, 8, 40]
            .iter()
            .map(|n| delay(&s, *n).as_secs())
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 60, 60, 60]);
    }

    #[test]
    fn gives_up_only_old_messages_after_a_failure_since_they_were_queued() {
        let s = spec();
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let later = t0 + chrono::Duration::seconds(700);
        assert!(!gives_up(&s, t0, None, later), "no failure seen yet");
        assert!(gives_up(&s, t0, Some(later), later));
        assert!(!gives_up(
            &s,
            t0,
            Some(t0 - chrono::Duration::seconds(1)),
            later
        ));
        assert!(!gives_up(
            &s,
            t0,
            Some(t0),
            t0 + chrono::Duration::seconds(10)
        ));
    }
}
