//! The gate override confirmation. State ([`Modal::Override`]): the gate, the coordinator's
//! reason and what has been typed. It shows what the gate still waits for and is confirmed
//! only by typing the gate's id and Enter.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::drill::CommandKind;
use crate::runbook::StepId;
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(step: StepId, reason: String, mut typed: String, code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Esc => return KeyOutcome::Close,
        KeyCode::Enter if typed == step => {
            return KeyOutcome::Send(CommandKind::OverrideGate { step, reason });
        }
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Char(c) => typed.push(c),
        _ => {}
    }
    KeyOutcome::Keep(Modal::Override {
        step,
        reason,
        typed,
    })
}

/// The box: the override in red, what the gate still waits for, and the prompt.
pub fn view<'a>(cx: &ModalContext<'_>, step: &StepId, reason: &str, typed: &str) -> ModalView<'a> {
    let t = cx.theme;
    let mut l = vec![Line::styled(
        format!("OVERRIDE gate `{step}`: {reason}"),
        t.style(Tone::Bad),
    )];
    if let Some(idx) = cx.runbook.step_index(step) {
        let waits = crate::drill::gate_waits(cx.runbook, cx.state, idx);
        if !waits.is_empty() {
            l.push(Line::raw("It still waits for:"));
            for w in waits {
                l.push(Line::styled(format!("  · {w}"), t.style(Tone::Warn)));
            }
        }
    }
    l.push(Line::raw(
        "The override is journaled and shown red in the header and the record.",
    ));
    l.push(Line::raw(format!(
        "Type `{step}` and Enter to override as {} (coordinator):",
        cx.operator
    )));
    l.push(Line::styled(format!("> {typed}▏"), t.style(Tone::Accent)));
    ModalView {
        title: "override gate".into(),
        lines: l,
        tone: Tone::Bad,
        width: 76,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_typed_gate_id_confirms() {
        let typed = |s: &str| {
            (
                "go-live".to_string(),
                "VP accepts".to_string(),
                s.to_string(),
            )
        };
        let (s, r, t) = typed("go-liv");
        assert!(matches!(key(s, r, t, KeyCode::Enter), KeyOutcome::Keep(_)));
        let (s, r, t) = typed("go-liv");
        let KeyOutcome::Keep(Modal::Override { typed: now, .. }) = key(s, r, t, KeyCode::Char('e'))
        else {
            panic!("still open")
        };
        assert_eq!(now, "go-live");
        let (s, r, t) = typed("go-live");
        assert_eq!(
            key(s, r, t, KeyCode::Enter),
            KeyOutcome::Send(CommandKind::OverrideGate {
                step: "go-live".into(),
                reason: "VP accepts".into()
            })
        );
        let (s, r, t) = typed("");
        assert_eq!(key(s, r, t, KeyCode::Esc), KeyOutcome::Close);
    }
}
