//! The `:` command line ([`Modal::CommandLine`]: what has been typed). Enter runs it (the
//! console knows the commands), Esc drops it. It draws as a prompt on the bottom line.

use ratatui::crossterm::event::KeyCode;

use super::{KeyOutcome, Modal};

/// One key while the modal is open.
pub fn key(mut input: String, code: KeyCode) -> KeyOutcome {
    match code {
        KeyCode::Esc => return KeyOutcome::Close,
        KeyCode::Enter => return KeyOutcome::Run(input),
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char(c) => input.push(c),
        _ => {}
    }
    KeyOutcome::Keep(Modal::CommandLine { input })
}

/// The prompt line.
pub fn view(input: &str) -> String {
    format!(":{input}▏")
}
