//! `exclusive = "GROUP"` on copy jobs: jobs of one group never run at once (one managed
//! copy service, one Spark cluster). A step whose copy would start while another job of
//! its group runs is refused, naming the running job and its step; it is not queued,
//! because the DRI starts it when the other is done (the runbook orders them by `after`,
//! and `warroom check` refuses a plan that lets them run in parallel).

use super::state::{DrillState, StepStatus};
use crate::runbook::{Action, Evidence, Runbook};

/// Another job of the same group that runs now, for the step at `idx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub group: String,
    pub job: String,
    pub step: String,
}

/// The copy job of the step at `idx` and its group, when it has one.
fn grouped(rb: &Runbook, idx: usize) -> Option<(&str, &str)> {
    let Some(Action::Copy(job)) = &rb.steps.get(idx)?.action else {
        return None;
    };
    let spec = rb.copies.iter().find(|c| &c.name == job)?;
    Some((job.as_str(), spec.exclusive.as_deref()?))
}

/// A job of the group of step `idx`'s copy that is running: its step was started and
/// its `copy:JOB` evidence does not hold yet.
pub fn busy(rb: &Runbook, st: &DrillState, idx: usize) -> Option<Busy> {
    let (mine, group) = grouped(rb, idx)?;
    (0..rb.steps.len()).filter(|&j| j != idx).find_map(|j| {
        let (job, other) = grouped(rb, j)?;
        if other != group || job == mine {
            return None;
        }
        let active = matches!(
            st.status(j),
            StepStatus::Running | StepStatus::AwaitingReview
        );
        let finished = st
            .evidence
            .get(&Evidence::CopyDone(job.to_string()))
            .is_some_and(|e| e.holds);
        (active && !finished).then(|| Busy {
            group: group.to_string(),
            job: job.to_string(),
            step: rb.steps[j].id.clone(),
        })
    })
}
