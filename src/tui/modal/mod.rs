//! Modals stack over the panels and take every key while open. Their keys are fixed in
//! code (y/N, Enter, Esc), not in the key map: a rebinding cannot skip a confirmation.
//!
//! Each modal is a component, one file each, holding its keys (`key`, returning a
//! [`KeyOutcome`]) and its drawing (`view`) beside the doc of its state (the fields of its
//! [`Modal`] variant, which the console and its tests build directly). What a modal needs
//! of the console comes through [`ModalContext`]; the console applies the outcome.

pub mod command_line;
pub mod confirm;
pub mod filter;
pub mod help;
pub mod override_gate;
pub mod preflight;
pub mod quit;
pub mod reason;
pub mod rollback;
pub mod step_detail;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::keymap::{Action, KeyMap};
use super::layout::LayoutSet;
use super::theme::{Theme, Tone};
use crate::drill::{Actor, Command, CommandKind, Drill, DrillState, Duty, Target};
use crate::runbook::{Evidence, Runbook, StepId};

/// What modals ask of the console beyond plain data (the app implements it).
pub trait ModalHost {
    /// Whether `action` is offered now (help dims the others).
    fn offered(&self, action: Action, now: DateTime<Utc>) -> bool;
    /// The selected step's detail, as the step panel shows it.
    fn step_detail(&self, now: DateTime<Utc>) -> Vec<Line<'static>>;
    /// Keys of a mode around the console (the replay's): (keys, label), listed first.
    fn mode_keys(&self) -> Vec<(String, &'static str)> {
        Vec::new()
    }
}

/// What a modal reads: the console's theme, the plan, the replica's drill and who sits at
/// the console, with the few console settings some modals show (a modal never needs the
/// whole app).
pub struct ModalContext<'a> {
    pub theme: &'a Theme,
    pub runbook: &'a Runbook,
    pub drill: &'a Drill,
    pub state: &'a DrillState,
    pub operator: &'a Actor,
    pub now: DateTime<Utc>,
    /// False for observers (help lists no drill-changing action).
    pub can_send: bool,
    pub keymap: &'a KeyMap,
    pub layouts: &'a LayoutSet,
    /// The runbook filter as shown now.
    pub filter: &'a str,
    pub host: &'a dyn ModalHost,
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
    /// Confirmed: send this command as it stands.
    Confirmed(Command),
    /// Quit the console.
    Quit,
    /// Show this runbook filter; `typing`: still typing it (the first row is selected).
    Filter {
        filter: String,
        typing: Option<Modal>,
    },
    /// Run this `:` command line.
    Run(String),
    /// The input is refused (say why), the modal stays open.
    Invalid { why: String, modal: Modal },
}

/// One key to the modal on top (taken off the stack; [`KeyOutcome::Keep`] puts it back).
pub fn key(cx: &ModalContext<'_>, modal: Modal, code: KeyCode) -> KeyOutcome {
    match modal {
        Modal::Confirm { question, command } => confirm::key(question, command, code),
        Modal::Reason {
            for_,
            capacity,
            input,
        } => reason::key(cx, for_, capacity, input, code),
        Modal::Rollback {
            from,
            reason,
            plan,
            typed,
        } => rollback::key(from, reason, plan, typed, code),
        Modal::Override {
            step,
            reason,
            typed,
        } => override_gate::key(step, reason, typed, code),
        Modal::Quit => quit::key(code),
        Modal::Help { scroll } => help::key(scroll, code),
        Modal::StepDetail => step_detail::key(code),
        Modal::Preflight { selected, .. } => preflight::key(cx, selected, code),
        Modal::Filter { before } => filter::key(before, cx.filter, code),
        Modal::CommandLine { input } => command_line::key(input, code),
    }
}

/// Draws `modal` over `area`: a centred box, or a prompt on the bottom line.
pub fn draw(cx: &ModalContext<'_>, modal: &Modal, area: Rect, buf: &mut Buffer) {
    let view = match modal {
        Modal::Confirm { question, .. } => confirm::view(cx, question),
        Modal::Quit => quit::view(cx),
        Modal::Reason {
            for_,
            capacity,
            input,
        } => reason::view(cx, for_, capacity, input),
        Modal::Override {
            step,
            reason,
            typed,
        } => override_gate::view(cx, step, reason, typed),
        Modal::Rollback {
            from,
            reason,
            plan,
            typed,
        } => rollback::view(cx, from, reason, plan, typed),
        Modal::Help { scroll } => help::view(cx, *scroll),
        Modal::StepDetail => step_detail::view(cx),
        Modal::Preflight { selected, said } => preflight::view(cx, *selected, said),
        Modal::Filter { .. } => return draw_prompt(cx, filter::view(cx), area, buf),
        Modal::CommandLine { input } => {
            return draw_prompt(cx, command_line::view(input), area, buf)
        }
    };
    draw_box(cx, view, area, buf);
}

/// A prompt on the bottom line of `area`.
fn draw_prompt(cx: &ModalContext<'_>, prompt: String, area: Rect, buf: &mut Buffer) {
    let rect = Rect::new(
        area.x,
        area.bottom().saturating_sub(1),
        area.width,
        1.min(area.height),
    );
    Clear.render(rect, buf);
    Paragraph::new(prompt)
        .style(cx.theme.style(Tone::Accent))
        .render(rect, buf);
}

/// A modal's box, centred in `area`.
fn draw_box(cx: &ModalContext<'_>, view: ModalView<'_>, area: Rect, buf: &mut Buffer) {
    let ModalView {
        title,
        lines,
        tone,
        width,
    } = view;
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let rect = centered(area, width, height.max(5));
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(cx.theme.style(tone))
                .title(format!(" {title} ")),
        )
        .render(rect, buf);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
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
    /// The coordinator's reason for calling the contingency, from this step.
    Contingency(StepId),
    /// A rows-per-second limit for a copy job (or `off`).
    CopyRate(String),
    /// The coordinator's note accepting evidence that does not hold.
    Accept(Evidence),
    /// Who receives this duty (a handle).
    Handover(Duty),
    /// The coordinator's note accepting a preflight warning (`WARNING hazard @ place`),
    /// noted on the preflight step.
    AcceptWarning {
        step: Option<StepId>,
        finding: String,
    },
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
    /// The last preflight scan's blockers and warnings; the selected finding.
    Preflight {
        selected: usize,
        /// Why the last key was refused (a blocker cannot be accepted...), shown inside.
        said: String,
    },
    /// Typing a filter; Esc restores the one before.
    Filter {
        before: String,
    },
    CommandLine {
        input: String,
    },
}
