//! Facts: what happened, journaled in order. `DrillState` is a fold of these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{Actor, Target};
use crate::runbook::{Evidence, StepId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based, gapless, assigned by the hub in journal order.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub kind: EventKind,
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
    EvidenceRecorded {
        evidence: Evidence,
        holds: bool,
        detail: String,
    },
    DrillEnded,
}

/// One line for humans: the log panel, line mode, reports.
impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventKind::DrillStarted => f.write_str("drill started"),
            EventKind::Started { target } => write!(f, "started {target}"),
            EventKind::Done { target } => write!(f, "done {target} (awaiting review)"),
            EventKind::SignedOff {
                target,
                override_by_coordinator,
            } => {
                if *override_by_coordinator {
                    write!(f, "signed off {target} (coordinator override)")
                } else {
                    write!(f, "signed off {target}")
                }
            }
            EventKind::Failed { target, reason } => write!(f, "FAILED {target}: {reason}"),
            EventKind::Skipped { step, reason } => write!(f, "skipped {step}: {reason}"),
            EventKind::GateGo { step } => write!(f, "GO at {step}"),
            EventKind::GateNoGo { step, reason } => write!(f, "NO-GO at {step}: {reason}"),
            EventKind::GatePassed { step } => write!(f, "gate {step} passed"),
            EventKind::NoteAdded { step: Some(s), text } => write!(f, "note on {s}: {text}"),
            EventKind::NoteAdded { step: None, text } => write!(f, "note: {text}"),
            EventKind::RollbackCalled { from, reason, plan } => write!(
                f,
                "ROLLBACK called from {from}: {reason} (plan: {})",
                if plan.is_empty() {
                    "nothing to undo".to_string()
                } else {
                    plan.join(" -> ")
                }
            ),
            EventKind::RollbackCompleted => f.write_str("rollback completed"),
            EventKind::EvidenceRecorded {
                evidence,
                holds,
                detail,
            } => {
                let verdict = if *holds { "holds" } else { "does not hold" };
                if detail.is_empty() {
                    write!(f, "evidence {evidence} {verdict}")
                } else {
                    write!(f, "evidence {evidence} {verdict}: {detail}")
                }
            }
            EventKind::DrillEnded => f.write_str("drill ended"),
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "#{} {} {}: {}",
            self.seq,
            self.at.format("%H:%M:%SZ"),
            self.by,
            self.kind
        )
    }
}
