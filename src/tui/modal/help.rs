//! The help list ([`Modal::Help`]: how far it is scrolled): every action with its keys,
//! those not offered now dimmed, the `:` commands and the layouts. An observer's help
//! lists no action that changes the drill. j/k scroll; any other key closes.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::{Line, Span};

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::tui::keymap::Action;
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(scroll: u16, code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Char('j') | KeyCode::Down => KeyOutcome::Keep(Modal::Help { scroll: scroll + 1 }),
        KeyCode::Char('k') | KeyCode::Up => KeyOutcome::Keep(Modal::Help {
            scroll: scroll.saturating_sub(1),
        }),
        _ => KeyOutcome::Close,
    }
}

/// The box, scrolled by `scroll` lines.
pub fn view<'a>(cx: &ModalContext<'_>, scroll: u16) -> ModalView<'a> {
    let t = cx.theme;
    let mut l = Vec::new();
    for (keys, label) in cx.host.mode_keys() {
        l.push(Line::from(vec![
            Span::styled(format!("{keys:>14}  "), t.style(Tone::Accent)),
            Span::styled(label, t.style(Tone::Normal)),
        ]));
    }
    for a in Action::ALL {
        if a.changes_drill() && !cx.can_send {
            continue;
        }
        let style = if cx.host.offered(a, cx.now) {
            t.style(Tone::Normal)
        } else {
            t.style(Tone::Dim)
        };
        let asks = if a.changes_drill() {
            " (asks to confirm)"
        } else {
            ""
        };
        l.push(Line::from(vec![
            Span::styled(
                format!("{:>14}  ", cx.keymap.keys_label(a)),
                t.style(Tone::Accent),
            ),
            Span::styled(format!("{}{asks}", a.label()), style),
        ]));
    }
    l.push(Line::raw(""));
    l.push(Line::raw(if cx.can_send {
        ":layout NAME  :goto STEP  :note TEXT  :quit"
    } else {
        ":layout NAME  :goto STEP  :quit"
    }));
    l.push(Line::raw(format!(
        "layouts: {}",
        cx.layouts.names().join(", ")
    )));
    let skip = usize::from(scroll).min(l.len().saturating_sub(1));
    ModalView::new(
        "help (Esc closes)".into(),
        l.split_off(skip),
        Tone::Info,
        64,
    )
}
