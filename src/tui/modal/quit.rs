//! "Quit? The journal is safe; the drill goes on without this console." ([`Modal::Quit`],
//! no state.) Only `y` quits; `n`, Esc and Enter stay.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Char('y' | 'Y') => KeyOutcome::Quit,
        KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => KeyOutcome::Close,
        _ => KeyOutcome::Keep(Modal::Quit),
    }
}

/// The box: why quitting is safe, and the answers.
pub fn view<'a>(cx: &ModalContext<'_>) -> ModalView<'a> {
    ModalView::new(
        "quit?".into(),
        vec![
            Line::raw("The drill is live. Quit this console?"),
            Line::raw("The journal is safe; the drill goes on without this console."),
            Line::styled("[y] quit   [N/Esc] stay", cx.theme.style(Tone::Accent)),
        ],
        Tone::Warn,
        66,
    )
}
