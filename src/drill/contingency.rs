//! Past a point of no return a rollback is refused; a contingency is the plan the runbook
//! has for that case (fail forward, or fail back by another road): the steps of the phase
//! the irreversible step names, run instead of the rest of the plan.

use super::rejection::Rejection;
use super::rollback::hms;
use super::state::{DrillState, StepStatus};
use crate::runbook::Runbook;

/// The irreversible step whose contingency is called from `from`: the last point of no
/// return passed (done or awaiting review), which must declare a contingency.
pub fn point(rb: &Runbook, st: &DrillState, from: &str) -> Result<usize, Rejection> {
    let idx = rb
        .step_index(from)
        .ok_or_else(|| Rejection::unknown(format!("there is no step `{from}` in this runbook")))?;
    match st.status(idx) {
        StepStatus::Failed { .. } | StepStatus::Running | StepStatus::AwaitingReview => {}
        other => {
            return Err(Rejection::wrong_state(format!(
                "step `{from}` is {other}: a contingency is called from the failed or current step"
            )))
        }
    }
    let passed = last_point_passed(rb, st).ok_or_else(|| {
        Rejection::wrong_state(
            "no point of no return has been passed: a rollback can still undo the drill (R)",
        )
    })?;
    let step = &rb.steps[passed];
    if step.contingency.is_none() {
        let at = st.steps[passed].signed_off_at.or(st.steps[passed].done_at);
        return Err(Rejection::wrong_state(format!(
            "the last point of no return passed, `{}` ({} at {}), declares no contingency: roll forward",
            step.id,
            st.steps[passed].status,
            at.map_or_else(|| "?".to_string(), hms)
        )));
    }
    Ok(passed)
}

/// The irreversible forward step passed last (done or awaiting review), by start order.
pub fn last_point_passed(rb: &Runbook, st: &DrillState) -> Option<usize> {
    (0..rb.steps.len())
        .filter(|&i| rb.steps[i].irreversible && rb.contingency_of(i).is_none())
        .filter(|&i| matches!(st.status(i), StepStatus::Done | StepStatus::AwaitingReview))
        .max_by_key(|&i| st.steps[i].started_seq.unwrap_or(0))
}
