//! Facts: what happened, journaled in order. `DrillState` is a fold of these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{Actor, CopyCommand, Target};
use super::handover::Duty;
use crate::runbook::{Evidence, Handle, StepId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based, gapless, assigned by the hub in journal order.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub kind: EventKind,
    /// The runbook person in whose seat `by` acted (their deputy, or the holder of their
    /// steps after a handover); `None` when `by` acted in their own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_for: Option<Handle>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum EventKind {
    DrillStarted,
    Started {
        target: Target,
    },
    Done {
        target: Target,
    },
    /// `override_by_coordinator`: the coordinator signed instead of the reviewer.
    SignedOff {
        target: Target,
        override_by_coordinator: bool,
    },
    Failed {
        target: Target,
        reason: String,
    },
    Skipped {
        step: StepId,
        reason: String,
    },
    GateGo {
        step: StepId,
    },
    GateNoGo {
        step: StepId,
        reason: String,
    },
    /// Every approver said GO (and evidence holds): the gate step is done.
    GatePassed {
        step: StepId,
    },
    /// The coordinator passed a gate by override. `overriding`: what the gate still waited
    /// for at that moment, in words.
    GateOverridden {
        step: StepId,
        reason: String,
        overriding: String,
    },
    NoteAdded {
        step: Option<StepId>,
        text: String,
    },
    /// The plan lists the steps whose rollback tasks will run, in order.
    RollbackCalled {
        from: StepId,
        reason: String,
        plan: Vec<StepId>,
    },
    /// Every rollback task is signed off (or skipped).
    RollbackCompleted,
    /// The contingency of irreversible step `point` (phase `phase`) was called from `from`.
    ContingencyCalled {
        from: StepId,
        reason: String,
        point: StepId,
        phase: String,
    },
    EvidenceRecorded {
        evidence: Evidence,
        holds: bool,
        detail: String,
    },
    /// The tables of copy or recon job `job` (a job over many tables), fixed for the drill.
    TablesResolved {
        /// `copy:JOB` or `recon:JOB`.
        job: Evidence,
        tables: Vec<String>,
    },
    /// This drill is the `number`th run of its runbook.
    DrillNumbered {
        number: u32,
    },
    /// The coordinator paused, resumed or re-limited a copy.
    CopyControlled {
        job: String,
        control: CopyCommand,
    },
    /// The coordinator accepted evidence that did not hold; it holds from now on.
    EvidenceAccepted {
        evidence: Evidence,
        note: String,
    },
    /// The coordinator approved applying a recon's fix SQL to the target.
    FixApproved {
        recon: String,
    },
    /// `duty` was offered to `to`.
    HandoverOffered {
        duty: Duty,
        to: Handle,
    },
    /// `to` took `duty` over from `from`: from now on `from` no longer acts in it.
    HandoverAccepted {
        duty: Duty,
        from: Handle,
        to: Handle,
    },
    HandoverDeclined {
        duty: Duty,
        to: Handle,
        reason: String,
    },
    HandoverWithdrawn {
        duty: Duty,
        to: Handle,
    },
    DrillEnded,
    /// The announcement outbox: a message queued, an attempt failed, delivered, given up.
    /// Journaled by the announcer (as the system); may follow `DrillEnded`.
    Outbox {
        record: super::outbox::OutboxRecord,
    },
}

/// One line for humans (see `describe`).
impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// "02:14:05Z #12 alice: started `copy`"
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
