//! Small wording helpers shared by the message builders.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::runbook::duration;

/// "14:05:03 UTC"
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%H:%M:%S UTC").to_string()
}

/// A duration to the second: "12m34s" ("0s" under a second).
pub fn took(d: Duration) -> String {
    duration::format(Duration::from_secs(d.as_secs()))
}

/// `later - earlier`, zero when negative.
pub fn between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> Duration {
    (later - earlier).to_std().unwrap_or_default()
}

/// Actual against plan in words: "3m over plan", "2m10s under plan", "on plan".
pub fn against(actual: Duration, plan: Duration) -> String {
    let (a, p) = (actual.as_secs(), plan.as_secs());
    match a.cmp(&p) {
        std::cmp::Ordering::Greater => format!("{} over plan", took(Duration::from_secs(a - p))),
        std::cmp::Ordering::Less => format!("{} under plan", took(Duration::from_secs(p - a))),
        std::cmp::Ordering::Equal => "on plan".to_string(),
    }
}

pub fn field(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_string(), value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actual_against_plan() {
        let m = |s| Duration::from_secs(s);
        assert_eq!(against(m(900), m(720)), "3m over plan");
        assert_eq!(against(m(590), m(720)), "2m10s under plan");
        assert_eq!(against(m(720), m(720)), "on plan");
        assert_eq!(took(Duration::from_millis(1500)), "1s");
    }
}
