//! The adaptive rate controller behind the throttle rules: from the rules' pressure (the
//! worst value / limit over the rules, `1.0` at the limit) it steers an automatic rows/s
//! ceiling, AIMD style, instead of switching the copy on and off.
//!
//! - slow start ([`Pace::starting`]): a copy under throttle rules starts at a modest
//!   ceiling and multiplies it by [`SLOW_START`] each step while the pressure stays under
//!   [`RAISE_BELOW`] and the copy runs at it, until the copy no longer reaches it (then it
//!   is released) or the pressure first passes [`ENGAGE`]: a source already near its
//!   limit never sees the copy's first seconds at full speed;
//! - pressure at or under [`ENGAGE`] and no ceiling: the copy runs free;
//! - pressure first above it: the ceiling starts at the rate the copy was measured at;
//! - over the limit: the ceiling is cut, hard ([`CUT_HARD`]) when the last [`RECENT`]
//!   readings average [`HARD`] or more, gently ([`CUT`]) otherwise, at most once per
//!   [`SETTLE`] (the signal needs that long to show what the last cut did): a p99 is a
//!   noisy signal, and one second's outlier costs a fifth of the rate, not half of it;
//! - between [`RAISE_BELOW`] and the limit: held;
//! - comfortably under: raised by a few per cent a step, only while the ceiling binds (the
//!   copy runs at it: raising a ceiling the copy does not reach means nothing); fast
//!   ([`RAISE_FAST`]) far under the limit, but never fast from [`NEAR_OVERLOAD`] of the
//!   ceiling that last took the source over its limit: a source's latency is flat up to a
//!   knee and steep past it, and the signal shows the knee a second or two late, so the
//!   rate it was last crossed at is approached gently (as TCP does its last window);
//! - far over the limit ([`PAUSE_AT`]), a rule that cannot be read, a probe not green: the
//!   copy pauses (a pause for far over also halves the ceiling it resumes at; one for an
//!   error keeps it);
//! - far under ([`RELEASE_BELOW`]) with a ceiling the copy does not reach (for
//!   [`RELEASE_AFTER`] steps in a row): released, free.
//!
//! The effective ceiling is the lower of this one and the user's (`max_rows_per_sec`, the
//! console's `r`): see [`RateLimiter`](super::control::RateLimiter).

use std::time::Duration;

use tokio::time::Instant;

/// Pressure above which a ceiling is set (the old "slowed" mark, 80 % of the limit).
pub const ENGAGE: f64 = 0.8;
/// Under this the ceiling is raised.
pub const RAISE_BELOW: f64 = 0.8;
/// From here (the mean of the last [`RECENT`] readings) a cut is hard.
pub const HARD: f64 = 1.2;
/// How many readings (one a step) the hard-cut mean looks at.
pub const RECENT: usize = 3;
/// Pause at or above this.
pub const PAUSE_AT: f64 = 2.0;
/// A ceiling the copy does not reach is released under this.
pub const RELEASE_BELOW: f64 = 0.4;
/// ... after this many steps in a row (the first step may come before the first chunk).
pub const RELEASE_AFTER: u32 = 2;
/// Cut factors.
pub const CUT: f64 = 0.8;
pub const CUT_HARD: f64 = 0.5;
/// Raise: this share of the ceiling, and at least this share of the rate it started from.
pub const RAISE: f64 = 0.05;
pub const RAISE_MIN: f64 = 0.02;
/// Far under the limit the ceiling is raised by this share a step instead.
pub const RAISE_FAST: f64 = 0.15;
pub const RAISE_FAST_BELOW: f64 = 0.5;
/// From this share of the ceiling the last overload came at, raises are gentle.
pub const NEAR_OVERLOAD: f64 = 0.85;
/// The time a cut is given to show in the signal before the next one.
pub const SETTLE: Duration = Duration::from_secs(2);
/// The slow start's factor per step.
pub const SLOW_START: f64 = 1.5;
/// The lowest automatic ceiling, rows/s.
pub const FLOOR: f64 = 10.0;

/// What the controller decided for the next interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// No automatic ceiling.
    Free,
    /// An automatic ceiling, rows/s.
    Paced(u64),
    /// No new chunk starts.
    Paused,
}

/// The rules' reading, as the controller sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pressure {
    /// Worst value / limit over the rules.
    Ratio(f64),
    /// A rule could not be read, or a probe is not green: pause, whatever the rate.
    Unsafe,
}

#[derive(Debug, Default)]
pub struct Pace {
    ceiling: Option<f64>,
    /// The measured rate the ceiling started from (sets the smallest raise).
    base: f64,
    last_cut: Option<Instant>,
    /// Raising by [`SLOW_START`] until the pressure first comes near the limit.
    slow_start: bool,
    /// Steps in a row the ceiling did not hold the copy back.
    unbound: u32,
    /// The ceiling (or measured rate) the source last went over its limit at.
    overload_at: Option<f64>,
    /// The last [`RECENT`] pressures, newest last.
    recent: std::collections::VecDeque<f64>,
}

impl Pace {
    pub fn new() -> Pace {
        Pace::default()
    }

    /// Slow start from `rate` rows/s (see the module's notes).
    pub fn starting(rate: f64) -> Pace {
        let rate = rate.max(FLOOR);
        Pace {
            ceiling: Some(rate),
            base: rate,
            last_cut: None,
            slow_start: true,
            unbound: 0,
            overload_at: None,
            recent: std::collections::VecDeque::new(),
        }
    }

    /// Still in its slow start.
    pub fn slow_start(&self) -> bool {
        self.slow_start && self.ceiling.is_some()
    }

    /// The automatic ceiling in force, rows/s.
    pub fn ceiling(&self) -> Option<u64> {
        // Positive and finite (clamped at FLOOR); `as` saturates.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.ceiling.map(|c| c.round() as u64)
    }

    fn settled(&self, now: Instant) -> bool {
        self.last_cut
            .is_none_or(|at| now.saturating_duration_since(at) >= SETTLE)
    }

    fn cut(&mut self, factor: f64, measured: f64, now: Instant) {
        if !self.settled(now) {
            return;
        }
        let from = self.ceiling.unwrap_or_else(|| {
            self.base = measured.max(FLOOR);
            self.base
        });
        self.ceiling = Some((from * factor).max(FLOOR));
        self.last_cut = Some(now);
        self.overload_at = Some(from);
    }

    /// One step: `pressure` from the rules, `measured` the copy's rows/s over the last
    /// seconds, `binds` whether the ceiling held the copy back since the last step (a worker
    /// waited on it), `now` the time of the reading.
    pub fn update(
        &mut self,
        pressure: Pressure,
        measured: f64,
        binds: bool,
        now: Instant,
    ) -> Verdict {
        let p = match pressure {
            Pressure::Unsafe => return Verdict::Paused,
            Pressure::Ratio(p) if p.is_nan() => return Verdict::Paused,
            Pressure::Ratio(p) => p,
        };
        if p > ENGAGE {
            self.slow_start = false;
        }
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(p);
        #[allow(clippy::cast_precision_loss)] // at most RECENT readings
        let sustained = self.recent.iter().sum::<f64>() / self.recent.len() as f64;
        self.unbound = if binds { 0 } else { self.unbound + 1 };
        if p >= PAUSE_AT {
            self.cut(CUT_HARD, measured, now);
            return Verdict::Paused;
        }
        if p > 1.0 {
            self.cut(
                if sustained >= HARD { CUT_HARD } else { CUT },
                measured,
                now,
            );
        } else if let Some(c) = self.ceiling {
            if p < RELEASE_BELOW && self.unbound >= RELEASE_AFTER {
                *self = Pace::new();
                return Verdict::Free;
            }
            if p < RAISE_BELOW && binds {
                self.ceiling = Some(if self.slow_start {
                    c * SLOW_START
                } else {
                    let near = self.overload_at.is_some_and(|w| c >= w * NEAR_OVERLOAD);
                    let step = if p < RAISE_FAST_BELOW && !near {
                        RAISE_FAST
                    } else {
                        RAISE
                    };
                    c + (c * step).max(self.base * RAISE_MIN)
                });
            }
        } else if p > ENGAGE {
            self.base = measured.max(FLOOR);
            self.ceiling = Some(self.base);
        }
        self.ceiling().map_or(Verdict::Free, Verdict::Paced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: f64) -> Instant {
        // A fixed origin: the controller only compares instants.
        static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *ORIGIN.get_or_init(Instant::now) + Duration::from_secs_f64(s)
    }

    #[test]
    fn free_until_pressure_then_starts_from_the_measured_rate() {
        let mut p = Pace::new();
        assert_eq!(
            p.update(Pressure::Ratio(0.3), 10_000.0, true, at(0.0)),
            Verdict::Free
        );
        assert_eq!(
            p.update(Pressure::Ratio(0.8), 10_000.0, true, at(1.0)),
            Verdict::Free
        );
        assert_eq!(
            p.update(Pressure::Ratio(0.9), 10_000.0, true, at(2.0)),
            Verdict::Paced(10_000)
        );
        // Near the limit: held.
        assert_eq!(
            p.update(Pressure::Ratio(0.95), 10_000.0, true, at(3.0)),
            Verdict::Paced(10_000)
        );
    }

    #[test]
    fn cuts_hard_well_over_and_gently_just_over_once_per_settle() {
        let mut p = Pace::new();
        // First pressure well over the limit: half the measured rate.
        assert_eq!(
            p.update(Pressure::Ratio(1.5), 8_000.0, true, at(0.0)),
            Verdict::Paced(4_000)
        );
        // The signal has not caught up yet: no second cut within SETTLE.
        assert_eq!(
            p.update(Pressure::Ratio(1.5), 4_000.0, true, at(1.0)),
            Verdict::Paced(4_000)
        );
        // Back near the limit: held.
        p.update(Pressure::Ratio(0.9), 4_000.0, true, at(2.0));
        p.update(Pressure::Ratio(0.9), 4_000.0, true, at(3.0));
        // Just over (0.9, 0.9, 1.1 on average): gently.
        assert_eq!(
            p.update(Pressure::Ratio(1.1), 4_000.0, true, at(4.0)),
            Verdict::Paced(3_200)
        );
        // Over for a while (0.9, 1.1, 1.7 on average 1.23): hard.
        assert_eq!(
            p.update(Pressure::Ratio(1.7), 3_200.0, true, at(6.0)),
            Verdict::Paced(1_600)
        );
    }

    #[test]
    fn raises_gently_only_while_the_ceiling_binds() {
        let mut p = Pace::new();
        p.update(Pressure::Ratio(1.5), 10_000.0, true, at(0.0));
        assert_eq!(p.ceiling(), Some(5_000));
        // Comfortably under, the copy at its ceiling: +5 %.
        assert_eq!(
            p.update(Pressure::Ratio(0.5), 5_000.0, true, at(1.0)),
            Verdict::Paced(5_250)
        );
        // The copy does not reach it (slower for its own reasons): no raise.
        assert_eq!(
            p.update(Pressure::Ratio(0.5), 3_000.0, false, at(2.0)),
            Verdict::Paced(5_250)
        );
        // Small ceilings still rise by 2 % of where they started.
        let mut p = Pace::new();
        p.update(Pressure::Ratio(1.9), 10_000.0, true, at(0.0));
        p.update(Pressure::Ratio(1.9), 5_000.0, true, at(3.0));
        p.update(Pressure::Ratio(1.9), 2_500.0, true, at(6.0));
        assert_eq!(p.ceiling(), Some(1_250));
        assert_eq!(
            p.update(Pressure::Ratio(0.1), 1_250.0, true, at(7.0)),
            Verdict::Paced(1_450)
        );
    }

    #[test]
    fn pauses_far_over_and_on_errors_and_releases_far_under() {
        let mut p = Pace::new();
        assert_eq!(
            p.update(Pressure::Unsafe, 10_000.0, true, at(0.0)),
            Verdict::Paused
        );
        // An error pause sets no ceiling.
        assert_eq!(p.ceiling(), None);
        assert_eq!(
            p.update(Pressure::Ratio(2.0), 10_000.0, true, at(1.0)),
            Verdict::Paused
        );
        // Far over: the copy resumes at half the rate that got it there.
        assert_eq!(p.ceiling(), Some(5_000));
        assert_eq!(
            p.update(Pressure::Ratio(f64::NAN), 0.0, true, at(2.0)),
            Verdict::Paused
        );
        assert_eq!(p.ceiling(), Some(5_000), "an error keeps the ceiling");
        assert_eq!(
            p.update(Pressure::Ratio(0.9), 5_000.0, true, at(3.0)),
            Verdict::Paced(5_000)
        );
        // Far under, and the copy does not even reach the ceiling, twice: free again.
        assert_eq!(
            p.update(Pressure::Ratio(0.1), 1_000.0, false, at(4.0)),
            Verdict::Paced(5_000)
        );
        assert_eq!(
            p.update(Pressure::Ratio(0.1), 1_000.0, false, at(5.0)),
            Verdict::Free
        );
        assert_eq!(p.ceiling(), None);
    }

    #[test]
    fn slow_start_multiplies_until_near_the_limit_then_raises_by_how_far_under() {
        let mut p = Pace::starting(1_000.0);
        assert_eq!(p.ceiling(), Some(1_000));
        assert_eq!(
            p.update(Pressure::Ratio(0.3), 1_000.0, true, at(0.0)),
            Verdict::Paced(1_500)
        );
        assert_eq!(
            p.update(Pressure::Ratio(0.3), 1_500.0, true, at(1.0)),
            Verdict::Paced(2_250)
        );
        // Near the limit: held, and the slow start is over.
        assert_eq!(
            p.update(Pressure::Ratio(0.9), 2_250.0, true, at(2.0)),
            Verdict::Paced(2_250)
        );
        // Far under the limit: 15 % a step; comfortably under: 5 %.
        assert_eq!(
            p.update(Pressure::Ratio(0.3), 2_250.0, true, at(3.0)),
            Verdict::Paced(2_588)
        );
        assert_eq!(
            p.update(Pressure::Ratio(0.6), 2_588.0, true, at(4.0)),
            Verdict::Paced(2_717)
        );
        // A slow start the copy cannot keep up with is released: free. Its first step
        // (before the first chunk: nothing waited yet) is not enough.
        let mut p = Pace::starting(1_000.0);
        assert_eq!(
            p.update(Pressure::Ratio(0.1), 0.0, false, at(0.0)),
            Verdict::Paced(1_000)
        );
        p.update(Pressure::Ratio(0.1), 1_000.0, true, at(1.0));
        p.update(Pressure::Ratio(0.1), 900.0, false, at(2.0));
        assert_eq!(
            p.update(Pressure::Ratio(0.1), 900.0, false, at(3.0)),
            Verdict::Free
        );
    }

    #[test]
    // Positive rows/s well inside u64.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn approaches_the_ceiling_of_the_last_overload_gently() {
        let mut p = Pace::new();
        // Over the limit at 10k: cut to 5k; the 10k is remembered.
        p.update(Pressure::Ratio(1.5), 10_000.0, true, at(0.0));
        assert_eq!(p.ceiling(), Some(5_000));
        // Far under: fast raises (15 %) while under 85 % of 10k ...
        let mut expected = 5_000.0_f64;
        let mut t = 1.0;
        while expected < 8_500.0 {
            expected += expected * RAISE_FAST;
            assert_eq!(
                p.update(Pressure::Ratio(0.3), 5_000.0, true, at(t)),
                Verdict::Paced(expected.round() as u64)
            );
            t += 1.0;
        }
        // ... then gentle ones (5 %), however far under the limit.
        expected += expected * RAISE;
        assert_eq!(
            p.update(Pressure::Ratio(0.3), 5_000.0, true, at(t)),
            Verdict::Paced(expected.round() as u64)
        );
    }

    #[test]
    fn one_outlier_cuts_gently_a_sustained_overload_hard() {
        let mut p = Pace::new();
        p.update(Pressure::Ratio(0.9), 10_000.0, true, at(0.0));
        assert_eq!(p.ceiling(), Some(10_000));
        p.update(Pressure::Ratio(0.85), 10_000.0, true, at(1.0));
        // One second at 1.5x after calm ones: a fifth off.
        assert_eq!(
            p.update(Pressure::Ratio(1.5), 10_000.0, true, at(2.0)),
            Verdict::Paced(8_000)
        );
        // It stays there (1.5, 1.5, 1.5 on average): half.
        p.update(Pressure::Ratio(1.5), 8_000.0, true, at(3.0));
        assert_eq!(
            p.update(Pressure::Ratio(1.5), 8_000.0, true, at(4.0)),
            Verdict::Paced(4_000)
        );
    }

    #[test]
    fn never_under_the_floor() {
        let mut p = Pace::new();
        for i in 0..20 {
            p.update(Pressure::Ratio(1.9), 100.0, true, at(f64::from(i) * 3.0));
        }
        assert_eq!(p.ceiling(), Some(10));
    }
}
