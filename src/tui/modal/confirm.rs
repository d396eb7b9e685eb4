//! The y/N confirmation of a command. State ([`Modal::Confirm`]): the question (who signs,
//! in which capacity) and the command. Only `y` sends it; `n`, Esc and Enter close.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::drill::Command;
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(question: String, command: Command, code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Char('y' | 'Y') => KeyOutcome::Confirmed(command),
        KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => KeyOutcome::Close,
        _ => KeyOutcome::Keep(Modal::Confirm { question, command }),
    }
}

/// The box: the question and the answers.
pub fn view<'a>(cx: &ModalContext<'_>, question: &str) -> ModalView<'a> {
    ModalView::new(
        "confirm".into(),
        vec![
            Line::raw(question.to_string()),
            Line::raw(""),
            Line::styled("[y] yes   [N/Esc] no", cx.theme.style(Tone::Accent)),
        ],
        Tone::Warn,
        70,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::{Actor, CommandKind, Target};

    #[test]
    fn only_y_sends_and_other_keys_keep_it_open() {
        let command = Command {
            by: Actor::Person("carol".into()),
            kind: CommandKind::Start {
                target: Target::Step("schema".into()),
            },
        };
        let ask = || ("Start `schema`?".to_string(), command.clone());
        let (q, c) = ask();
        assert_eq!(
            key(q, c, KeyCode::Char('y')),
            KeyOutcome::Confirmed(command.clone())
        );
        let (q, c) = ask();
        assert_eq!(key(q, c, KeyCode::Enter), KeyOutcome::Close);
        let (q, c) = ask();
        assert!(matches!(
            key(q, c, KeyCode::Char('x')),
            KeyOutcome::Keep(Modal::Confirm { .. })
        ));
    }
}
