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
//! an error box instead of taking the console down. Modals draw last, centred.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use ratatui::Frame;

use super::app::App;
use super::keymap::Action;
use super::modal::{override_gate, rollback, Modal, ModalContext, ModalView, ReasonFor};
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
            panels::draw(kind, app, now, rect, b)
        });
    }
    if let Some(modal) = app.modals.last() {
        draw_modal(app, modal, now, area, buf);
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

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// What a modal component draws from, out of the app.
fn context(app: &App) -> ModalContext<'_> {
    ModalContext {
        theme: &app.theme,
        runbook: &app.runbook,
        state: app.replica.drill.state(),
        operator: &app.operator,
    }
}

fn draw_modal(app: &App, modal: &Modal, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let ModalView {
        title,
        lines,
        tone,
        width,
    } = match modal {
        Modal::Confirm { question, .. } => ModalView::new(
            "confirm".into(),
            vec![
                Line::raw(question.clone()),
                Line::raw(""),
                Line::styled("[y] yes   [N/Esc] no", t.style(Tone::Accent)),
            ],
            Tone::Warn,
            70,
        ),
        Modal::Quit => ModalView::new(
            "quit?".into(),
            vec![
                Line::raw("The drill is live. Quit this console?"),
                Line::raw("The journal is safe; the drill goes on without this console."),
                Line::styled("[y] quit   [N/Esc] stay", t.style(Tone::Accent)),
            ],
            Tone::Warn,
            66,
        ),
        Modal::Reason {
            for_,
            capacity,
            input,
        } => {
            let what = match for_ {
                ReasonFor::Fail(tg) => format!("Why does `{tg}` fail?"),
                ReasonFor::Skip(s) => format!("Why skip `{s}`?"),
                ReasonFor::NoGo(s) => format!("Why NO-GO at `{s}`?"),
                ReasonFor::Override(s) => {
                    format!(
                        "Why pass gate `{s}` without its approvers' GO? (recorded as an override)"
                    )
                }
                ReasonFor::Note(Some(s)) => format!("Note on `{s}`:"),
                ReasonFor::Note(None) => "Note on the drill:".into(),
                ReasonFor::Rollback(s) => format!("Why roll back from `{s}`?"),
                ReasonFor::CopyRate(job) => {
                    format!("Rows per second for copy `{job}` (5000, 5k; `off` lifts the limit):")
                }
                ReasonFor::Accept(e) => format!("Why accept {e} although it does not hold?"),
            };
            ModalView::new(
                format!("{} ({capacity})", app.operator),
                vec![
                    Line::raw(what),
                    Line::styled(format!("> {input}▏"), t.style(Tone::Accent)),
                    Line::styled("Enter continue   Esc cancel", t.style(Tone::Dim)),
                ],
                Tone::Info,
                70,
            )
        }
        Modal::Override {
            step,
            reason,
            typed,
        } => override_gate::view(&context(app), step, reason, typed),
        Modal::Rollback {
            from,
            reason,
            plan,
            typed,
        } => rollback::view(&context(app), from, reason, plan, typed),
        Modal::Help { scroll } => {
            let mut l = Vec::new();
            for a in Action::ALL {
                if a.changes_drill() && !app.can_send {
                    continue;
                }
                let offered = app.offered(a, now);
                let style = if offered {
                    t.style(Tone::Normal)
                } else {
                    t.style(Tone::Dim)
                };
                l.push(Line::from(vec![
                    Span::styled(
                        format!("{:>14}  ", app.keymap.keys_label(a)),
                        t.style(Tone::Accent),
                    ),
                    Span::styled(
                        format!(
                            "{}{}",
                            a.label(),
                            if a.changes_drill() {
                                " (asks to confirm)"
                            } else {
                                ""
                            }
                        ),
                        style,
                    ),
                ]));
            }
            l.push(Line::raw(""));
            l.push(Line::raw(if app.can_send {
                ":layout NAME  :goto STEP  :note TEXT  :quit"
            } else {
                ":layout NAME  :goto STEP  :quit"
            }));
            l.push(Line::raw(format!(
                "layouts: {}",
                app.layouts.names().join(", ")
            )));
            let skip = usize::from(*scroll).min(l.len().saturating_sub(1));
            ModalView::new(
                "help (Esc closes)".into(),
                l.split_off(skip),
                Tone::Info,
                64,
            )
        }
        Modal::StepDetail => {
            ModalView::new("step".into(), panels::step::lines(app, now), Tone::Info, 90)
        }
        Modal::Filter { .. } => {
            let rect = Rect::new(
                area.x,
                area.bottom().saturating_sub(1),
                area.width,
                1.min(area.height),
            );
            Clear.render(rect, buf);
            Paragraph::new(format!("/{}▏", app.filter))
                .style(t.style(Tone::Accent))
                .render(rect, buf);
            return;
        }
        Modal::CommandLine { input } => {
            let rect = Rect::new(
                area.x,
                area.bottom().saturating_sub(1),
                area.width,
                1.min(area.height),
            );
            Clear.render(rect, buf);
            Paragraph::new(format!(":{input}▏"))
                .style(t.style(Tone::Accent))
                .render(rect, buf);
            return;
        }
    };
    let height = (lines.len() as u16).saturating_add(2);
    let rect = centered(area, width, height.max(5));
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.style(tone))
                .title(format!(" {title} ")),
        )
        .render(rect, buf);
}
