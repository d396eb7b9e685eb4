//! Draws the whole screen. The coordinator layout at 80x24:
//!
//! ```text
//! ┌ DRILL  name   12:00:00 UTC (13:00 local)   drill T+00:42:10 ─────────────┐ header
//! │ window in T-…   planned end 13:10  predicted 13:25 (+15:00)  health: …    │
//! │ carol (coordinator)  local   ⚠ OVERRUN: schema-apply +05:00              │
//! ├ runbook ─────────────────────────────┬ step ─────────────────────────────┤
//! │ ── prepare                           │ ▶ running schema-apply — Apply …  │
//! │ ✔ freeze-writes  bob  05:00/05:00    │ DRI bob  reviewer carol  …        │
//! │ ▶ schema-apply   bob  25:00/20:00    ├ timeline ─────────────────────────┤
//! │ ○ go-live ⛩GO 0/1 ⚠PNR              │ 12:01 carol started the drill     │
//! ├ copy ──────┬ recon ──────┬ health ───┴──┬ people ────────────────────────┤
//! │ no copy …  │ no recon …  │ not configured│ ★carol coordinator …          │
//! └────────────┴─────────────┴───────────────┴───────────────────────────────┘
//!  s start  d done  o sign off  …  ? help  q quit                             keys
//! ```
//!
//! Each panel renders into its own buffer behind `catch_unwind`: a panel that panics shows
//! an error box instead of taking the console down. Modals draw last ([`modal::draw`]).

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use ratatui::Frame;

use super::app::App;
use super::modal;
use super::panels::{self, PanelKind};
use super::theme::Tone;

pub fn render(app: &App, frame: &mut Frame, now: DateTime<Utc>) {
    let area = frame.area();
    render_buffer(app, now, area, frame.buffer_mut());
}

/// Renders into a buffer (the frame's, or a test's).
pub fn render_buffer(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    for (kind, rect) in app.layout.place(area) {
        draw_guarded(app, kind, rect, buf, |b| {
            panels::draw(kind, app, now, rect, b);
        });
    }
    if let Some(modal) = app.modals.last() {
        modal::draw(&app.modal_context(now), modal, area, buf);
    }
}

thread_local! {
    static IN_PANEL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while a panel draws behind `catch_unwind`: the panic hook must then leave the
/// terminal alone (the panic is caught and the console goes on).
pub fn in_guarded_panel() -> bool {
    IN_PANEL.with(std::cell::Cell::get)
}

/// Runs `draw` into a scratch buffer; on a panic, draws an error box in its place.
pub(crate) fn draw_guarded(
    app: &App,
    kind: PanelKind,
    rect: Rect,
    buf: &mut Buffer,
    draw: impl FnOnce(&mut Buffer),
) {
    let mut scratch = Buffer::empty(rect);
    IN_PANEL.with(|f| f.set(true));
    let ok = catch_unwind(AssertUnwindSafe(|| draw(&mut scratch))).is_ok();
    IN_PANEL.with(|f| f.set(false));
    if ok {
        buf.merge(&scratch);
    } else {
        tracing::error!(panel = kind.name(), "panel failed to render");
        Paragraph::new(format!(
            "the {kind} panel failed to render; the rest of the console works"
        ))
        .style(app.theme.style(Tone::Bad))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {kind} ")),
        )
        .wrap(Wrap { trim: true })
        .render(rect, buf);
    }
}
