//! Typing the runbook filter ([`Modal::Filter`]: the filter before it opened). The filter
//! applies as it is typed; Enter keeps it, Esc restores the one before. It draws as a
//! prompt on the bottom line.

use ratatui::crossterm::event::KeyCode;

use super::{KeyOutcome, Modal, ModalContext};

/// One key while the modal is open; `current` is the filter as shown now.
pub fn key(before: String, current: &str, code: KeyCode) -> KeyOutcome {
    let mut typed = current.to_string();
    match code {
        KeyCode::Esc => KeyOutcome::Filter {
            filter: before,
            typing: None,
        },
        KeyCode::Enter => KeyOutcome::Filter {
            filter: typed,
            typing: None,
        },
        KeyCode::Backspace => {
            typed.pop();
            still_typing(before, typed)
        }
        KeyCode::Char(c) => {
            typed.push(c);
            still_typing(before, typed)
        }
        _ => KeyOutcome::Keep(Modal::Filter { before }),
    }
}

fn still_typing(before: String, filter: String) -> KeyOutcome {
    KeyOutcome::Filter {
        filter,
        typing: Some(Modal::Filter { before }),
    }
}

/// The prompt line.
pub fn view(cx: &ModalContext<'_>) -> String {
    format!("/{}▏", cx.filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_refilters_enter_keeps_and_esc_restores() {
        let typed = key("old".into(), "sch", KeyCode::Char('e'));
        assert_eq!(
            typed,
            KeyOutcome::Filter {
                filter: "sche".into(),
                typing: Some(Modal::Filter {
                    before: "old".into()
                })
            }
        );
        let kept = key("old".into(), "sche", KeyCode::Enter);
        assert_eq!(
            kept,
            KeyOutcome::Filter {
                filter: "sche".into(),
                typing: None
            }
        );
        let restored = key("old".into(), "sche", KeyCode::Esc);
        assert_eq!(
            restored,
            KeyOutcome::Filter {
                filter: "old".into(),
                typing: None
            }
        );
    }
}
