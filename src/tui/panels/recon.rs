//! Recon (checksum) findings. The recon engine comes with its own issue: until then this
//! panel lists the declared jobs as waiting.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{styled, text_panel, PanelKind};
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::styled(
        "no recon running — engine arrives with the recon issue",
        styled(app, Tone::Dim),
    )];
    lines.extend(
        app.runbook
            .recons
            .iter()
            .map(|r| Line::raw(format!("{}  {}  waiting", r.name, r.target_table))),
    );
    text_panel(app, PanelKind::Recon, "recon", lines, area, buf);
}
