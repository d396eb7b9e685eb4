//! One file per screen region. Each panel is a function `render(frame, area, ctx)` that
//! reads the console's state through [`PanelCtx`] and never changes it.

pub use super::panel_kind::PanelKind;

pub mod clock;
pub mod copy;
pub mod header;
pub mod health;
pub mod job_list;
pub mod keys;
pub mod log;
pub mod people;
pub mod probes;
pub mod recon;
pub mod runbook;
pub mod spark;
pub mod step;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::app::App;
use super::theme::Tone;
use crate::drill::StepStatus;

/// Draws panel `kind` into `buf` (whose area is the panel's).
pub fn draw(kind: PanelKind, app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    match kind {
        PanelKind::Header => header::render(app, now, area, buf),
        PanelKind::Runbook => runbook::render(app, now, area, buf),
        PanelKind::Step => step::render(app, now, area, buf),
        PanelKind::Log => log::render(app, now, area, buf),
        PanelKind::People => people::render(app, now, area, buf),
        PanelKind::Copy => copy::render(app, now, area, buf),
        PanelKind::Recon => recon::render(app, now, area, buf),
        PanelKind::Health => health::render(app, now, area, buf),
        PanelKind::Keys => keys::render(app, now, area, buf),
        PanelKind::Clock => clock::render(app, now, area, buf),
    }
}

/// A bordered block titled with the panel name; brighter when focused.
pub fn block(app: &App, kind: PanelKind, title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(app.focus == kind))
        .title(format!(" {title} "))
}

/// Renders lines in a titled block, wrapped.
pub fn text_panel(
    app: &App,
    kind: PanelKind,
    title: &str,
    lines: Vec<Line<'static>>,
    area: Rect,
    buf: &mut Buffer,
) {
    Paragraph::new(lines)
        .block(block(app, kind, title))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// Symbol and tone of a status: symbols alone tell states apart (`NO_COLOR`).
pub fn status_mark(status: &StepStatus) -> (&'static str, Tone) {
    match status {
        StepStatus::Pending => ("·", Tone::Dim),
        StepStatus::Ready => ("○", Tone::Normal),
        StepStatus::Running => ("▶", Tone::Info),
        StepStatus::AwaitingReview => ("◐", Tone::Info),
        StepStatus::Done => ("✔", Tone::Good),
        StepStatus::Failed { .. } => ("✘", Tone::Bad),
        StepStatus::Skipped { .. } => ("↷", Tone::Dim),
        StepStatus::RolledBack => ("↺", Tone::Warn),
    }
}

/// Overrun tone: amber past plan, red beyond 50% over plan.
pub fn overrun_tone(planned: std::time::Duration, elapsed: std::time::Duration) -> Tone {
    if elapsed <= planned {
        Tone::Normal
    } else if elapsed.as_secs_f64() > planned.as_secs_f64() * 1.5 {
        Tone::Bad
    } else {
        Tone::Warn
    }
}

pub fn styled(app: &App, tone: Tone) -> Style {
    app.theme.style(tone)
}

pub fn hhmmss(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}
