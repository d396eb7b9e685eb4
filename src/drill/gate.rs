//! What a go/no-go gate still waits for, and whether it passes. One reading for the rules
//! (which pass a gate the moment its last condition comes true), the step detail and
//! rejections, so the console always says exactly why a gate holds.

use std::fmt;

use super::state::{DrillState, StepStatus, Vote};
use crate::runbook::{Evidence, Handle, Runbook};

/// One condition of a gate that is not met yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateWait {
    /// The gate is not running: votes are taken only once its DRI starts it.
    NotStarted { status: StepStatus, dri: Handle },
    /// An approver whose latest vote is not GO (`no_go`: their NO-GO reason).
    Go {
        approver: Handle,
        no_go: Option<String>,
    },
    /// Required evidence that does not hold (`detail`: its last report, if any).
    Evidence {
        evidence: Evidence,
        detail: Option<String>,
    },
}

impl fmt::Display for GateWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateWait::NotStarted { status, dri } => {
                write!(f, "its DRI `{dri}` to start it (it is {status})")
            }
            GateWait::Go {
                approver,
                no_go: None,
            } => write!(f, "GO from `{approver}` (no vote yet)"),
            GateWait::Go {
                approver,
                no_go: Some(reason),
            } => write!(f, "GO from `{approver}` (said NO-GO: {reason})"),
            GateWait::Evidence {
                evidence,
                detail: None,
            } => write!(f, "evidence `{evidence}` to hold (not reported yet)"),
            GateWait::Evidence {
                evidence,
                detail: Some(d),
            } => write!(f, "evidence `{evidence}` to hold (last report: {d})"),
        }
    }
}

/// A change to weigh before it is applied: a GO about to be cast, or evidence about to be
/// reported. `None` reads the state as it is.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Incoming<'a> {
    pub go_from: Option<&'a str>,
    pub evidence: Option<(&'a Evidence, bool)>,
}

/// Everything gate `idx` still waits for, in order (empty once it can pass). Not a gate, or
/// an index out of range: nothing.
pub fn gate_waits(rb: &Runbook, st: &DrillState, idx: usize) -> Vec<GateWait> {
    waits_with(rb, st, idx, Incoming::default())
}

pub(crate) fn waits_with(
    rb: &Runbook,
    st: &DrillState,
    idx: usize,
    incoming: Incoming<'_>,
) -> Vec<GateWait> {
    let (Some(step), Some(s)) = (rb.steps.get(idx), st.steps.get(idx)) else {
        return Vec::new();
    };
    if !step.gate || s.status == StepStatus::Done {
        return Vec::new();
    }
    let mut out = Vec::new();
    if s.status != StepStatus::Running {
        out.push(GateWait::NotStarted {
            status: s.status.clone(),
            dri: step.dri.clone(),
        });
    }
    for a in &step.approvers {
        if incoming.go_from == Some(a.as_str()) {
            continue;
        }
        match s.votes.get(a).map(|v| &v.vote) {
            Some(Vote::Go) => {}
            Some(Vote::NoGo { reason }) => out.push(GateWait::Go {
                approver: a.clone(),
                no_go: Some(reason.clone()),
            }),
            None => out.push(GateWait::Go {
                approver: a.clone(),
                no_go: None,
            }),
        }
    }
    for r in &s.requires {
        let holds = match incoming.evidence {
            Some((e, holds)) if *e == r.evidence => holds,
            _ => r.holds,
        };
        if !holds {
            let detail = st
                .evidence
                .get(&r.evidence)
                .filter(|e| !e.detail.is_empty())
                .map(|e| e.detail.clone());
            out.push(GateWait::Evidence {
                evidence: r.evidence.clone(),
                detail,
            });
        }
    }
    out
}

/// Running gates that `incoming` would pass: every approver's latest vote GO and every
/// required evidence holding once it is applied.
pub(crate) fn passing(rb: &Runbook, st: &DrillState, incoming: Incoming<'_>) -> Vec<usize> {
    (0..rb.steps.len())
        .filter(|&i| rb.steps[i].gate && st.status(i) == StepStatus::Running)
        .filter(|&i| waits_with(rb, st, i, incoming).is_empty())
        .collect()
}

/// "GO from `alice` (no vote yet); evidence `copy:orders` to hold (not reported yet)"
pub fn describe_waits(waits: &[GateWait]) -> String {
    waits
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
