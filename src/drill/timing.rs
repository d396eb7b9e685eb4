//! Derived times: computed at read time from the state's timestamps and a `now`, never
//! stored as counters.
//!
//! Running timers stop when the drill ends, and forward steps' timers stop when a rollback
//! is called (the forward work is abandoned; rollback tasks have their own timers).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::state::{DrillState, StepStatus};
use crate::runbook::Runbook;

/// A read-only view of the runbook and the state that answers timing questions.
#[derive(Debug, Clone, Copy)]
pub struct Timing<'a> {
    rb: &'a Runbook,
    st: &'a DrillState,
}

/// `later - earlier`, or zero when `later` is before `earlier`.
fn span(earlier: DateTime<Utc>, later: DateTime<Utc>) -> Duration {
    (later - earlier).to_std().unwrap_or_default()
}

fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl<'a> Timing<'a> {
    pub fn new(rb: &'a Runbook, st: &'a DrillState) -> Self {
        Self { rb, st }
    }

    /// When forward timers stop: the drill's end or the rollback call, whichever first.
    fn forward_freeze(&self) -> Option<DateTime<Utc>> {
        let called = self.st.rollback.as_ref().map(|r| r.called_at);
        match (self.st.ended_at, called) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// How long step `idx` has run: while active, `now - started`; once ended, end - start.
    /// `None` if it never started.
    pub fn elapsed(&self, idx: usize, now: DateTime<Utc>) -> Option<Duration> {
        let s = self.st.steps.get(idx)?;
        let started = s.started_at?;
        let mut end = s.ended_at.unwrap_or(now);
        if let Some(freeze) = self.forward_freeze() {
            end = end.min(freeze);
        }
        Some(span(started, end))
    }

    /// By how much step `idx` has run past its planned duration (the upper end of a
    /// planned range), if it has.
    pub fn overrun(&self, idx: usize, now: DateTime<Utc>) -> Option<Duration> {
        let step = self.rb.steps.get(idx)?;
        let planned = step.clock.planned_max.unwrap_or(step.planned);
        let over = self.elapsed(idx, now)?.checked_sub(planned)?;
        (!over.is_zero()).then_some(over)
    }

    /// How long the rollback task of step `id` has run, if it started.
    pub fn rollback_elapsed(&self, id: &str, now: DateTime<Utc>) -> Option<Duration> {
        let t = self.st.rollback.as_ref()?.task(id)?;
        let started = t.started_at?;
        let mut end = t.signed_off_at.unwrap_or(now);
        if let Some(ended) = self.st.ended_at {
            end = end.min(ended);
        }
        Some(span(started, end))
    }

    /// The drill clock: time since the drill started (frozen at its end).
    pub fn drill_clock(&self, now: DateTime<Utc>) -> Option<Duration> {
        let started = self.st.started_at?;
        Some(span(started, self.st.ended_at.unwrap_or(now)))
    }

    /// Time until the runbook's window opens; negative once it has.
    pub fn t_minus(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        Some(self.rb.meta.window.as_ref()?.start - now)
    }

    pub fn window_end(&self) -> Option<DateTime<Utc>> {
        let w = self.rb.meta.window.as_ref()?;
        Some(add(w.start, w.duration))
    }

    /// Work left in step `idx`: nothing once finished, the full plan before it starts, and
    /// `max(planned, elapsed) - elapsed` (so at least zero) while it runs.
    /// Whether step `idx` is in the plan being worked: the forward plan, or, once a
    /// contingency is called, that contingency's phase instead.
    pub fn in_plan(&self, idx: usize) -> bool {
        match (&self.st.contingency, self.rb.contingency_of(idx)) {
            (None, None) => true,
            (Some(c), Some(point)) => c.point == point,
            (Some(_), None) | (None, Some(_)) => false,
        }
    }

    pub fn remaining(&self, idx: usize, now: DateTime<Utc>) -> Duration {
        let Some(step) = self.rb.steps.get(idx) else {
            return Duration::ZERO;
        };
        if !self.in_plan(idx) {
            return Duration::ZERO;
        }
        match self.st.status(idx) {
            StepStatus::Pending | StepStatus::Ready => step.planned,
            StepStatus::Running | StepStatus::AwaitingReview => {
                let elapsed = self.elapsed(idx, now).unwrap_or_default();
                step.planned.saturating_sub(elapsed)
            }
            _ => Duration::ZERO,
        }
    }

    /// Longest path through the dependency graph, each step weighing `weight(idx)`.
    /// A cycle (which validation forbids) counts as a dead end rather than looping.
    // The recursive helper sits next to its one use.
    #[allow(clippy::items_after_statements)]
    fn longest_path(&self, weight: impl Fn(usize) -> Duration) -> Vec<Duration> {
        let n = self.rb.steps.len();
        let mut finish: Vec<Option<Duration>> = vec![None; n];
        let mut visiting = vec![false; n];
        // Dependencies as indexes, resolved once (not a search per edge per visit).
        let index: std::collections::HashMap<&str, usize> = self
            .rb
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = self
            .rb
            .steps
            .iter()
            .map(|s| {
                s.after
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        fn visit(
            i: usize,
            deps: &[Vec<usize>],
            weight: &dyn Fn(usize) -> Duration,
            finish: &mut [Option<Duration>],
            visiting: &mut [bool],
        ) -> Duration {
            if let Some(Some(f)) = finish.get(i) {
                return *f;
            }
            let Some(step_deps) = deps.get(i) else {
                return Duration::ZERO;
            };
            if visiting[i] {
                return Duration::ZERO;
            }
            visiting[i] = true;
            let mut start = Duration::ZERO;
            for &d in step_deps {
                start = start.max(visit(d, deps, weight, finish, visiting));
            }
            visiting[i] = false;
            let f = start + weight(i);
            finish[i] = Some(f);
            f
        }
        (0..n)
            .map(|i| visit(i, &deps, &weight, &mut finish, &mut visiting))
            .collect()
    }

    /// The planned length of the drill: the critical path of planned durations.
    pub fn critical_path(&self) -> Duration {
        let planned = |i: usize| {
            let forward = self.rb.contingency_of(i).is_none();
            self.rb
                .steps
                .get(i)
                .filter(|_| forward)
                .map(|s| s.planned)
                .unwrap_or_default()
        };
        self.longest_path(planned)
            .into_iter()
            .max()
            .unwrap_or_default()
    }

    /// When the drill should end by the plan: start + critical path.
    pub fn planned_end(&self) -> Option<DateTime<Utc>> {
        Some(add(self.st.started_at?, self.critical_path()))
    }

    /// When step `idx` should finish by the plan, counted from the drill's start.
    pub fn planned_finish(&self, idx: usize) -> Option<DateTime<Utc>> {
        let planned = |i: usize| self.rb.steps.get(i).map(|s| s.planned).unwrap_or_default();
        let offset = *self.longest_path(planned).get(idx)?;
        Some(add(self.st.started_at?, offset))
    }

    /// When the drill will end at this rate: `now` + the longest path of remaining work.
    /// During a rollback: `now` + the remaining rollback tasks (each estimated at its step's
    /// planned duration). Once ended: the end.
    pub fn predicted_end(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Some(ended) = self.st.ended_at {
            return Some(ended);
        }
        if let Some(r) = &self.st.rollback {
            let left: Duration = r
                .tasks
                .iter()
                .filter(|t| t.status != StepStatus::Done)
                .map(|t| {
                    let planned = self.rb.step(&t.step).map(|s| s.planned).unwrap_or_default();
                    let ran = match t.status {
                        StepStatus::Running | StepStatus::AwaitingReview => {
                            self.rollback_elapsed(&t.step, now).unwrap_or_default()
                        }
                        _ => Duration::ZERO,
                    };
                    planned.saturating_sub(ran)
                })
                .sum();
            return Some(add(now, left));
        }
        let path = self.longest_path(|i| self.remaining(i, now));
        Some(add(now, path.into_iter().max().unwrap_or_default()))
    }

    /// When step `idx`, not yet started, will start at this rate: `now` plus the longest
    /// path of remaining work before it. `None` once it started (or for an unknown index).
    pub fn predicted_start(&self, idx: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !matches!(self.st.status(idx), StepStatus::Pending | StepStatus::Ready) {
            return None;
        }
        let finish = *self.longest_path(|i| self.remaining(i, now)).get(idx)?;
        Some(add(now, finish.saturating_sub(self.remaining(idx, now))))
    }

    /// Gates not yet passed (or skipped) that are late: past their planned finish counted
    /// from the drill's start, or running past their own planned duration. Each with how
    /// late it is (the larger of the two), in runbook order.
    pub fn overdue_gates(&self, now: DateTime<Utc>) -> Vec<(usize, Duration)> {
        if !self.st.is_live() {
            return Vec::new();
        }
        let planned = |i: usize| self.rb.steps.get(i).map(|s| s.planned).unwrap_or_default();
        let offsets = self.longest_path(planned);
        let planned_finish = |i: usize| Some(add(self.st.started_at?, *offsets.get(i)?));
        self.rb
            .steps
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                s.gate
                    && matches!(
                        self.st.status(*i),
                        StepStatus::Pending | StepStatus::Ready | StepStatus::Running
                    )
            })
            .filter_map(|(i, _)| {
                let late = planned_finish(i)
                    .filter(|f| now > *f)
                    .map(|f| span(f, now))
                    .unwrap_or_default();
                let late = late.max(self.overrun(i, now).unwrap_or_default());
                (!late.is_zero()).then_some((i, late))
            })
            .collect()
    }
}
