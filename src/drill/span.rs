//! Spanning watches: a `[[recon]]` with `watch` and `active` runs on its own, from the start
//! of its scope (its `from` step, or the first step of its phases) until the scope is over
//! (`until` done, skipped or rolled back), the drill ends, or a rollback is called (the
//! rollback undoes the writes it compares). It is no step: it has no planned duration and no
//! timer that can run over. Pure, like [`super::scope`], which decides when a scope is on.

use chrono::{DateTime, Utc};

use super::scope::scope_active;
use super::state::DrillState;
use crate::runbook::{ProbeScope, ReconSpec, Runbook};

/// Where a spanning watch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanState {
    /// Its scope has not started.
    Waiting,
    /// Under way since this time (the start of the scope's first step).
    Watching { since: DateTime<Utc> },
    /// Over, and why.
    Ended(SpanEnd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanEnd {
    /// The scope is over (its `until` step or its phases settled).
    Scope,
    /// The coordinator called a rollback.
    Rollback,
    /// The drill ended.
    Drill,
}

impl SpanEnd {
    pub fn label(self) -> &'static str {
        match self {
            SpanEnd::Scope => "its span is over",
            SpanEnd::Rollback => "a rollback was called",
            SpanEnd::Drill => "the drill ended",
        }
    }
}

/// The recon jobs that run across steps (those with `watch` and `active`).
pub fn spanning(rb: &Runbook) -> impl Iterator<Item = (&ReconSpec, &ProbeScope)> {
    rb.recons
        .iter()
        .filter(|r| r.watch.is_some())
        .filter_map(|r| r.active.as_ref().map(|a| (r, a)))
}

/// Where the spanning watch of recon job `job` stands (`None`: no such spanning job).
pub fn span_state(rb: &Runbook, st: &DrillState, job: &str) -> Option<SpanState> {
    let (_, scope) = spanning(rb).find(|(r, _)| r.name == job)?;
    let Some(since) = scope_start(rb, st, scope) else {
        return Some(SpanState::Waiting);
    };
    Some(if st.ended_at.is_some() {
        SpanState::Ended(SpanEnd::Drill)
    } else if st.rollback.is_some() {
        SpanState::Ended(SpanEnd::Rollback)
    } else if scope_active(rb, st, scope) {
        SpanState::Watching { since }
    } else {
        SpanState::Ended(SpanEnd::Scope)
    })
}

/// When the scope first started: its `from` step's start, or the earliest start among its
/// phases' steps.
fn scope_start(rb: &Runbook, st: &DrillState, scope: &ProbeScope) -> Option<DateTime<Utc>> {
    let started = |i: usize| st.steps.get(i).and_then(|s| s.started_at);
    match scope {
        ProbeScope::Steps { from, .. } => rb.step_index(from).and_then(started),
        ProbeScope::Phases(names) => rb
            .phases
            .iter()
            .filter(|p| names.contains(&p.name))
            .flat_map(|p| p.steps.iter().copied())
            .filter_map(started)
            .min(),
    }
}
