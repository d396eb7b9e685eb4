//! Commands into a running copy, and the rows-per-second ceiling they set.

use std::time::Duration;

use tokio::time::Instant;

/// Sent by the hub (from the copy panel) or by tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyControl {
    /// Finish the chunks in flight, start no new one.
    Pause,
    Resume,
    /// Rows per second ceiling; `None` lifts it.
    SetRateLimit(Option<u64>),
    /// Stop after the chunks in flight (their checkpoint is kept: a rerun resumes).
    Cancel,
}

/// A shared rows-per-second pacer (a token bucket with no burst).
#[derive(Debug)]
pub struct RateLimiter {
    rate: Option<u64>,
    next: Instant,
}

impl RateLimiter {
    pub fn new(rate: Option<u64>) -> RateLimiter {
        RateLimiter {
            rate: rate.filter(|r| *r > 0),
            next: Instant::now(),
        }
    }

    pub fn rate(&self) -> Option<u64> {
        self.rate
    }

    pub fn set(&mut self, rate: Option<u64>) {
        self.rate = rate.filter(|r| *r > 0);
        self.next = Instant::now();
    }

    /// How long to wait before `rows` more may go.
    pub fn reserve(&mut self, rows: u64) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let start = self.next.max(now);
        self.next = start + Duration::from_secs_f64(rows as f64 / rate as f64);
        start - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_rows() {
        let mut r = RateLimiter::new(Some(100));
        assert_eq!(r.reserve(50), Duration::ZERO);
        let wait = r.reserve(50);
        assert!(wait > Duration::from_millis(450) && wait <= Duration::from_millis(500));
        r.set(None);
        assert_eq!(r.reserve(1_000_000), Duration::ZERO);
    }
}
