//! The drill clock, large, with the current step under it (observer and wallboard).

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::{block, overrun_tone, styled, PanelKind};
use crate::runbook::duration;
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let d = &app.replica.drill;
    let t = d.timing();
    let st = d.state();
    let blk = block(app, PanelKind::Clock, "drill clock");
    let inner = blk.inner(area);
    blk.render(area, buf);
    let clock = t
        .drill_clock(now)
        .map_or("--:--".into(), |c| format!("T+{}", duration::clock(c)));
    let big: String = clock.chars().flat_map(|c| [c, ' ']).collect();
    let mut lines = vec![Line::styled(
        big,
        styled(app, Tone::Accent).add_modifier(Modifier::BOLD),
    )];
    let rb = &app.runbook;
    for i in (0..rb.steps.len()).filter(|&i| st.status(i).is_active()) {
        let s = &rb.steps[i];
        let e = t.elapsed(i, now).unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "▶ {} {}/{}",
                s.id,
                duration::clock(e),
                duration::clock(s.planned)
            ),
            styled(app, overrun_tone(s.planned, e)),
        ));
    }
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .render(inner, buf);
}
