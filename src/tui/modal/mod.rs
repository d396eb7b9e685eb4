//! Modals stack over the panels and take every key while open. Their keys are fixed in
//! code (y/N, Enter, Esc), not in the key map: a rebinding cannot skip a confirmation.
//!
//! The typed confirmations are components, one file each: [`rollback`] and
//! [`override_gate`] hold their keys and their drawing beside the doc of their state (the
//! fields of their [`Modal`] variant, which the console and its tests build directly).

pub mod override_gate;
pub mod rollback;

use ratatui::text::Line;

use super::theme::{Theme, Tone};
use crate::drill::{Actor, Command, CommandKind, DrillState, Target};
use crate::runbook::{Evidence, Runbook, StepId};

/// What a modal draws from: the console's theme, the plan, the replica's state and who
/// sits at the console (a modal never needs the whole app).
pub struct ModalContext<'a> {
    pub theme: &'a Theme,
    pub runbook: &'a Runbook,
    pub state: &'a DrillState,
    pub operator: &'a Actor,
}

/// A modal's box as it draws: title, lines, border tone and width (height follows).
pub struct ModalView<'a> {
    pub title: String,
    pub lines: Vec<Line<'a>>,
    pub tone: Tone,
    pub width: u16,
}

impl<'a> ModalView<'a> {
    pub fn new(title: String, lines: Vec<Line<'a>>, tone: Tone, width: u16) -> Self {
        ModalView {
            title,
            lines,
            tone,
            width,
        }
    }
}

/// What a key did to a modal component.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOutcome {
    /// Still open, in this state.
    Keep(Modal),
    /// Closed without sending anything.
    Close,
    /// Confirmed: send this command as the console's operator.
    Send(CommandKind),
}

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
