//! The selected step's detail ([`Modal::StepDetail`], no state), for layouts without a
//! step panel: the same lines the step panel shows. Esc, Enter or `q` closes.

use ratatui::crossterm::event::KeyCode;

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => KeyOutcome::Close,
        _ => KeyOutcome::Keep(Modal::StepDetail),
    }
}

/// The box: the step panel's lines for the selected step.
pub fn view(cx: &ModalContext<'_>) -> ModalView<'static> {
    ModalView::new("step".into(), cx.host.step_detail(cx.now), Tone::Info, 90)
}
