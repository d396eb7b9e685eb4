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

/// The wait before the next attempt after `streak` failures in a row, the last of which
/// the server answered asking to wait `asked` (its `Retry-After`): the longer of the two.
/// What a server asks is honoured up to `give_up_after` (a longer wait would give the
/// message up anyway; the target's next message is then tried).
pub fn wait(spec: &AnnounceSpec, streak: u32, asked: Option<Duration>) -> Duration {
    let ours = delay(spec, streak);
    asked.map_or(ours, |asked| ours.max(asked.min(spec.give_up_after)))
}

/// Reads a `Retry-After` header's value: delay-seconds (`30`) or an HTTP date (`Wed, 21
/// Oct 2015 07:28:00 GMT`, measured from `now`; one in the past asks for no wait).
/// Anything else is not a request to wait.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&Utc) - now).to_std().unwrap_or_default())
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
    fn a_servers_retry_after_is_waited_out_whole_up_to_the_give_up_time() {
        let s = spec();
        assert_eq!(wait(&s, 1, None), Duration::from_secs(1));
        assert_eq!(
            wait(&s, 1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            wait(&s, 8, Some(Duration::from_secs(2))),
            Duration::from_secs(60),
            "our own backoff when it is longer"
        );
        assert_eq!(
            wait(&s, 1, Some(Duration::from_secs(86_400))),
            Duration::from_secs(600),
            "at most the give-up time"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(retry_after(" 30 ", now), Some(Duration::from_secs(30)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date gone by"
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
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
