//! When a probe matters: a probe scoped to phases or to a span of steps (`active` in the
//! runbook) counts for the drill's health only while its scope is under way. Pure: a
//! function of the runbook and the state.

use super::state::{DrillState, StepStatus};
use crate::runbook::{ProbeScope, Runbook};

/// Finished for a scope: done, skipped or rolled back.
fn finished(status: &StepStatus) -> bool {
    status.is_settled() || *status == StepStatus::RolledBack
}

/// Whether probe `name` counts now (an unknown probe or one without `active` always does).
pub fn probe_in_scope(rb: &Runbook, st: &DrillState, name: &str) -> bool {
    let Some(scope) = rb
        .probes
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.active.as_ref())
    else {
        return true;
    };
    scope_active(rb, st, scope)
}

/// Whether a scope (a probe's, or a spanning watch's) is under way now.
pub fn scope_active(rb: &Runbook, st: &DrillState, scope: &ProbeScope) -> bool {
    let started = |i: usize| st.steps.get(i).is_some_and(|s| s.started_at.is_some());
    match scope {
        ProbeScope::Phases(names) => {
            rb.phases
                .iter()
                .filter(|p| names.contains(&p.name))
                .any(|p| {
                    p.steps.iter().any(|&i| started(i))
                        && !p.steps.iter().all(|&i| finished(&st.status(i)))
                })
        }
        ProbeScope::Steps { from, until } => {
            let from_started = rb.step_index(from).is_some_and(started);
            let until_finished = until
                .as_ref()
                .and_then(|u| rb.step_index(u))
                .is_some_and(|i| finished(&st.status(i)));
            from_started && !until_finished
        }
    }
}
