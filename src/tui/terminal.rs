//! The terminal guard: raw mode and the alternate screen on entry, restored on drop, on
//! panic (the hook restores first, then runs the previous hook) and on signals (the event
//! loop turns SIGINT/SIGTERM into a quit, and dropping the guard restores).

use std::io::{stdout, Stdout};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct TerminalGuard {
    pub terminal: Term,
}

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

impl TerminalGuard {
    pub fn enter() -> anyhow::Result<TerminalGuard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if super::render::in_guarded_panel() {
                // Caught by the renderer: log it, keep the screen.
                tracing::error!("panel panicked: {info}");
                return;
            }
            restore();
            previous(info);
        }));
        terminal::enable_raw_mode()?;
        if let Err(e) = execute!(stdout(), terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e.into());
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
