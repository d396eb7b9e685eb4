//! Cluster health from probes. The probe engine comes with the health issue: until then the
//! declared probes are listed with no value.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{styled, text_panel, PanelKind};
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::styled(
        "health: not configured — probes arrive with the health issue",
        styled(app, Tone::Dim),
    )];
    lines.extend(
        app.runbook
            .probes
            .iter()
            .map(|p| Line::raw(format!("{}  ({:?})  waiting", p.name, p.kind).to_lowercase())),
    );
    text_panel(app, PanelKind::Health, "health", lines, area, buf);
}
