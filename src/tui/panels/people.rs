//! Who is on the drill, their role, the steps they are DRI or reviewer of, who holds
//! whose steps after a handover, and each person's deputies. ★ marks the coordinator now.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{text_panel, PanelKind};
use crate::tui::app::App;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let rb = &app.runbook;
    let h = &app.replica.drill.state().handover;
    let presence = app.replica.presence.as_ref();
    let mut lines: Vec<Line> = rb
        .people
        .iter()
        .map(|p| {
            let dri = rb.steps.iter().filter(|s| s.dri == p.handle).count();
            let rev = rb.steps.iter().filter(|s| s.reviewer == p.handle).count();
            let coord = if h.coordinator == p.handle {
                "★"
            } else {
                " "
            };
            // Who holds whose steps now ("→ carol since 03:10", "holds alice"), and who
            // may act for them ("dep. dave").
            let mut seats = String::new();
            if let Some(held) = h.steps.get(&p.handle) {
                seats.push_str(&format!(
                    "  → {} since {}",
                    held.holder,
                    held.since.format("%H:%M")
                ));
            }
            let holds: Vec<&str> = h.held_by(&p.handle).collect();
            if !holds.is_empty() {
                seats.push_str(&format!("  holds {}", holds.join(", ")));
            }
            if !p.deputies.is_empty() {
                seats.push_str(&format!("  dep. {}", p.deputies.join(", ")));
            }
            let online = match presence.and_then(|pr| pr.since(&p.handle)) {
                Some(since) => format!("  ● online since {}", since.format("%H:%M")),
                None => String::new(),
            };
            // Role last: a narrow panel cuts it first.
            Line::raw(format!(
                "{coord}{:<8} DRI {dri} rev {rev}{seats}  {}{online}",
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
