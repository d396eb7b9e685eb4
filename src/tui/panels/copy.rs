//! Row copy progress. The copy engine comes with its own issue: until then this panel
//! lists the declared jobs as waiting and never shows numbers it does not have.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{styled, text_panel, PanelKind};
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::styled(
        "no copy jobs running — engine arrives with the copy issue",
        styled(app, Tone::Dim),
    )];
    lines.extend(app.runbook.copies.iter().map(|c| {
        Line::raw(format!(
            "{}  {}→{}  waiting",
            c.name, c.source_table, c.target_table
        ))
    }));
    text_panel(app, PanelKind::Copy, "copy", lines, area, buf);
}
