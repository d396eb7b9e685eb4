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
        // Rare, and always there for the coordinator: `?` lists it. Accepting a handover
        // offered to you is shown (it is offered only then).
        Action::Handover,
    ];
    let mut out: Vec<(String, &'static str)> = app.mode_keys.clone();
    out.extend(
        offered
            .iter()
            .filter(|a| a.changes_drill() && !skip.contains(a))
            .map(|a| (app.keymap.keys_label(*a), a.label())),
    );
    out.extend(
        offered
            .iter()
            .filter(|a| !a.changes_drill() && !skip.contains(a))
            .map(|a| (app.keymap.keys_label(*a), a.label())),
    );
    out
}

/// The hints that fit in `width` columns, in order; help and quit are always kept (last),
/// so a narrow terminal still says where the other keys are.
pub fn fitting(all: Vec<(String, &'static str)>, width: usize) -> Vec<(String, &'static str)> {
    let cost = |(k, l): &(String, &str)| k.chars().count() + l.chars().count() + 3;
    let essential =
        |(_, l): &(String, &str)| *l == Action::Help.label() || *l == Action::Quit.label();
    let (keep, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(essential);
    let mut room = width.saturating_sub(keep.iter().map(cost).sum());
    let mut out = Vec::new();
    for h in rest {
        let c = cost(&h);
        if c <= room {
            room -= c;
            out.push(h);
        }
    }
    out.extend(keep);
    out
}

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    let mut width = usize::from(area.width);
    if !app.can_send {
        spans.push(Span::styled("READ-ONLY ", styled(app, Tone::Warn)));
        width = width.saturating_sub(10);
    }
    for (keys, label) in fitting(hints(app, now), width) {
        spans.push(Span::styled(keys, styled(app, Tone::Accent)));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_bar_keeps_help_and_quit() {
        let all = vec![
            ("s".to_string(), "start"),
            ("x".to_string(), "skip"),
            ("?".to_string(), Action::Help.label()),
            ("q".to_string(), Action::Quit.label()),
        ];
        let shown: Vec<&str> = fitting(all.clone(), 25).iter().map(|h| h.1).collect();
        assert_eq!(shown, ["start", Action::Help.label(), Action::Quit.label()]);
        assert_eq!(fitting(all, 200).len(), 4);
    }
}
