//! The automated work of a drill: which action a forward step or a rollback task runs, the
//! evidence it reports, and which of them are running now. The runner's adapters start
//! their engines from this, so a rollback's action runs the same way a step's does.

use super::command::Target;
use super::engine::Drill;
use super::state::EvidenceState;
use crate::runbook::{Action, ActionOwner, Evidence};

/// One target's action and the evidence it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Work<'a> {
    pub target: Target,
    pub action: &'a Action,
    pub evidence: Evidence,
}

impl Drill {
    /// The action `target` runs when it starts, if it has one.
    pub fn work(&self, target: &Target) -> Option<Work<'_>> {
        let rb: &crate::runbook::Runbook = self.runbook();
        let (action, owner) = match target {
            Target::Step(id) => (rb.step(id)?.action.as_ref()?, ActionOwner::Step(id)),
            Target::Rollback(id) => (
                rb.step(id)?.rollback.as_ref()?.action.as_ref()?,
                ActionOwner::Rollback(id),
            ),
        };
        Some(Work {
            target: target.clone(),
            action,
            evidence: action.evidence(owner),
        })
    }

    /// Whether `target` is started and not ended (running or awaiting review).
    pub fn is_active(&self, target: &Target) -> bool {
        let st = self.state();
        match target {
            Target::Step(id) => st.step(id).is_some_and(|s| s.status.is_active()),
            Target::Rollback(id) => st
                .rollback
                .as_ref()
                .and_then(|r| r.task(id))
                .is_some_and(|t| t.status.is_active()),
        }
    }

    /// The work of every active step and rollback task, steps first in runbook order.
    pub fn active_work(&self) -> Vec<Work<'_>> {
        let steps = self
            .runbook()
            .steps
            .iter()
            .map(|s| Target::Step(s.id.clone()));
        let tasks = self
            .state()
            .rollback
            .iter()
            .flat_map(|r| &r.tasks)
            .map(|t| Target::Rollback(t.step.clone()));
        steps
            .chain(tasks)
            .filter(|t| self.is_active(t))
            .filter_map(|t| self.work(&t))
            .collect()
    }

    /// The latest report of `work`'s evidence from this run of it: for a rollback task,
    /// one reported after the task last started (an earlier run proves nothing of this one).
    pub fn reported(&self, work: &Work<'_>) -> Option<&EvidenceState> {
        let st = self.state();
        let e = st.evidence.get(&work.evidence)?;
        match &work.target {
            Target::Step(_) => Some(e),
            Target::Rollback(id) => {
                let started = st
                    .rollback
                    .as_ref()
                    .and_then(|r| r.task(id))
                    .and_then(|t| t.started_seq)
                    .unwrap_or(0);
                (e.seq > started).then_some(e)
            }
        }
    }

    /// Whether `work`'s evidence holds for this run of it.
    pub fn work_done(&self, work: &Work<'_>) -> bool {
        self.reported(work).is_some_and(|e| e.holds)
    }
}
