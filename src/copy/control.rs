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

/// A shared rows-per-second pacer with no burst: a grant of `n` rows is paid for after it
/// goes, so the next grant waits `n / rate` from the last one. A new rate prices the part
/// of the last grant not yet paid for at the new rate, and waiting workers ask again: the
/// new ceiling holds from the next chunk, and nothing granted earlier runs ahead of it.
///
/// Two ceilings feed it: the user's (`max_rows_per_sec`, the console's `r`) and the
/// throttle's automatic one (`copy::pace`); the lower one is in force, except that a slow
/// start never holds the copy under the user's ceiling (the rate the coordinator chose is
/// taken as a safe one to start at).
#[derive(Debug)]
pub struct RateLimiter {
    rate: Option<u64>,
    user: Option<u64>,
    auto: Option<u64>,
    /// The automatic ceiling is a slow start's.
    starting: bool,
    /// A worker waited on the ceiling since [`RateLimiter::auto_binds`] last asked.
    waited: bool,
    /// The last grant: when, and how many rows.
    last: Option<(Instant, u64)>,
}

impl RateLimiter {
    pub fn new(rate: Option<u64>) -> RateLimiter {
        let user = rate.filter(|r| *r > 0);
        RateLimiter {
            rate: user,
            user,
            auto: None,
            starting: false,
            waited: false,
            last: None,
        }
    }

    /// The ceiling in force: the lower of the user's and the automatic one.
    pub fn rate(&self) -> Option<u64> {
        self.rate
    }

    /// The user's ceiling (`max_rows_per_sec`, the console's `r`).
    pub fn user(&self) -> Option<u64> {
        self.user
    }

    /// Sets the user's ceiling; `None` lifts it (the automatic one still holds).
    pub fn set(&mut self, rate: Option<u64>) {
        self.user = rate.filter(|r| *r > 0);
        self.apply();
    }

    /// Whether the automatic ceiling held the copy back (it is the one in force and a
    /// worker waited on it) since the last call.
    pub fn auto_binds(&mut self) -> bool {
        let binds = self.waited && self.auto.is_some() && self.auto == self.rate;
        self.waited = false;
        binds
    }

    /// Sets the throttle's automatic ceiling (`starting`: a slow start's); `None` lifts it.
    pub fn set_auto(&mut self, rate: Option<u64>, starting: bool) {
        self.auto = rate.filter(|r| *r > 0);
        self.starting = starting;
        self.apply();
    }

    fn apply(&mut self) {
        let rate = match (self.user, self.auto) {
            (Some(u), Some(_)) if self.starting => Some(u),
            (Some(u), Some(a)) => Some(u.min(a)),
            (u, a) => u.or(a),
        };
        if rate == self.rate {
            return;
        }
        let now = Instant::now();
        // Rows of the last grant that the old rate has not paid for yet.
        // Clamped at 0; a float-to-int `as` saturates and drops the fraction of a row.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let unpaid = match (self.rate, self.last) {
            (Some(old), Some((at, n))) => {
                let paid = now.saturating_duration_since(at).as_secs_f64() * old as f64;
                (n as f64 - paid).max(0.0) as u64
            }
            _ => 0,
        };
        self.rate = rate;
        self.last = Some((now, unpaid));
    }

    /// The largest chunk that fits the ceiling: a fifth of a second of rows, so a paced
    /// copy reads the source in small steps rather than in one burst a second.
    pub fn cap(&self, rows: u64) -> u64 {
        self.rate.map_or(rows, |rate| rows.min((rate / 5).max(10)))
    }

    /// Grants `rows` now, or says how long until the last grant is paid for at the current
    /// rate (ask again then, or sooner: the rate may change meanwhile).
    pub fn try_take(&mut self, rows: u64) -> Result<(), Duration> {
        let now = Instant::now();
        if let (Some(rate), Some((at, n))) = (self.rate, self.last) {
            let free_at = at + Duration::from_secs_f64(n as f64 / rate as f64);
            if free_at > now {
                self.waited = true;
                return Err(free_at - now);
            }
        }
        self.last = Some((now, rows));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_rows() {
        let mut r = RateLimiter::new(Some(100));
        assert_eq!(r.try_take(50), Ok(()));
        let wait = r.try_take(50).unwrap_err();
        assert!(wait > Duration::from_millis(450) && wait <= Duration::from_millis(500));
        r.set(None);
        assert_eq!(r.try_take(1_000_000), Ok(()));
        assert_eq!(r.cap(1_000_000), 1_000_000);
    }

    #[test]
    fn a_lower_rate_reprices_the_last_grant() {
        let mut r = RateLimiter::new(Some(5_000));
        assert_eq!(r.try_take(5_000), Ok(()));
        // At 5000/s the next grant waits a second; at 2000/s, two and a half.
        assert!(r.try_take(100).unwrap_err() <= Duration::from_secs(1));
        r.set(Some(2_000));
        // Almost none of the 5000 rows was paid for yet: about 2.5 s at the new rate.
        let wait = r.try_take(100).unwrap_err();
        assert!(wait > Duration::from_millis(2_300), "{wait:?}");
        assert_eq!(r.cap(5_000), 400);
        // Raising it again shortens the wait.
        r.set(Some(50_000));
        assert!(r.try_take(100).unwrap_err() < Duration::from_millis(120));
    }

    #[test]
    fn the_lower_of_the_user_and_the_automatic_ceiling_holds() {
        let mut r = RateLimiter::new(Some(5_000));
        r.set_auto(Some(8_000), false);
        assert_eq!(r.rate(), Some(5_000), "the user's is lower");
        r.set_auto(Some(2_000), false);
        assert_eq!(r.rate(), Some(2_000));
        assert_eq!(r.user(), Some(5_000));
        r.set(None);
        assert_eq!(
            r.rate(),
            Some(2_000),
            "lifting the user's keeps the automatic one"
        );
        r.set_auto(None, false);
        assert_eq!(r.rate(), None);
        r.set(Some(1_000));
        r.set_auto(Some(3_000), false);
        assert_eq!(r.rate(), Some(1_000));
        // The user's ceiling holds the copy back, not the automatic one.
        assert_eq!(r.try_take(1_000), Ok(()));
        assert!(r.try_take(1_000).is_err());
        assert!(!r.auto_binds());
        r.set_auto(Some(500), false);
        assert!(r.try_take(500).is_err());
        assert!(r.auto_binds());
        assert!(!r.auto_binds(), "asked once");
        // A slow start does not hold the copy under the user's ceiling, only without one.
        r.set_auto(Some(500), true);
        assert_eq!(r.rate(), Some(1_000));
        r.set(None);
        assert_eq!(r.rate(), Some(500));
    }
}
