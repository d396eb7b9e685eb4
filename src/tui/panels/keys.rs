//! The hint bar: built from the live key map and [`App::offered`], so it only shows keys
//! that work now, for this panel and this operator's role.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::styled;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::theme::Tone;

/// The (keys, label) pairs shown, drill actions first.
pub fn hints(app: &App, now: DateTime<Utc>) -> Vec<(String, &'static str)> {
    let offered = app.offered_actions(now);
    let skip = [
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::FocusPrev,
        Action::Close,
    ];
    let mut out: Vec<(String, &'static str)> = offered
        .iter()
        .filter(|a| a.changes_drill())
        .map(|a| (app.keymap.keys_label(*a), a.label()))
        .collect();
    out.extend(
        offered
            .iter()
            .filter(|a| !a.changes_drill() && !skip.contains(a))
            .map(|a| (app.keymap.keys_label(*a), a.label())),
    );
    out
}

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    if !app.can_send {
        spans.push(Span::styled("READ-ONLY ", styled(app, Tone::Warn)));
    }
    for (keys, label) in hints(app, now) {
        spans.push(Span::styled(keys, styled(app, Tone::Accent)));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}
