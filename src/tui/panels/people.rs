//! Who is on the drill, their role, and the steps they are DRI or reviewer of.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{text_panel, PanelKind};
use crate::tui::app::App;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let rb = &app.runbook;
    let presence = app.replica.presence.as_ref();
    let mut lines: Vec<Line> = rb
        .people
        .iter()
        .map(|p| {
            let dri = rb.steps.iter().filter(|s| s.dri == p.handle).count();
            let rev = rb.steps.iter().filter(|s| s.reviewer == p.handle).count();
            let coord = if rb.meta.coordinator == p.handle {
                "★"
            } else {
                " "
            };
            let online = match presence.and_then(|pr| pr.since(&p.handle)) {
                Some(since) => format!("  ● online since {}", since.format("%H:%M")),
                None => String::new(),
            };
            // Role last: a narrow panel cuts it first.
            Line::raw(format!(
                "{coord}{:<8} DRI {dri} rev {rev}  {}{online}",
                p.handle, p.role
            ))
        })
        .collect();
    if let Some(presence) = presence {
        lines.push(Line::raw(format!(
            " {} connected · {} anonymous observer(s)",
            presence.total(),
            presence.anonymous_observers
        )));
    }
    text_panel(app, PanelKind::People, "people", lines, area, buf);
}
