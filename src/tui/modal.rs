//! Modals stack over the panels and take every key while open. Their keys are fixed in
//! code (y/N, Enter, Esc), not in the key map: a rebinding cannot skip a confirmation.

use crate::drill::{Command, Target};
use crate::runbook::{Evidence, StepId};

/// What a typed reason is for.
#[derive(Debug, Clone, PartialEq)]
pub enum ReasonFor {
    Fail(Target),
    Skip(StepId),
    NoGo(StepId),
    /// The coordinator's reason for passing a gate by override.
    Override(StepId),
    Note(Option<StepId>),
    Rollback(StepId),
    /// A rows-per-second limit for a copy job (or `off`).
    CopyRate(String),
    /// The coordinator's note accepting evidence that does not hold.
    Accept(Evidence),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    /// "Sign off `x` as carol (reviewer)? [y/N]"
    Confirm {
        question: String,
        command: Command,
    },
    /// Type a reason (or a note), Enter to continue to the confirmation.
    Reason {
        for_: ReasonFor,
        capacity: String,
        input: String,
    },
    /// The rollback plan from the engine, or its refusal; confirmed by typing the step id.
    Rollback {
        from: StepId,
        reason: String,
        plan: Result<Vec<StepId>, String>,
        typed: String,
    },
    /// A gate override: what it still waits for, confirmed by typing the gate's id.
    Override {
        step: StepId,
        reason: String,
        typed: String,
    },
    /// "Quit? The journal is safe; the drill goes on without this console."
    Quit,
    Help {
        scroll: u16,
    },
    /// The selected step's detail, for layouts without a step panel.
    StepDetail,
    /// Typing a filter; Esc restores the one before.
    Filter {
        before: String,
    },
    CommandLine {
        input: String,
    },
}
