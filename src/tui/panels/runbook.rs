//! Phases and steps with status, timers against the plan, DRI and reviewer, gate and
//! point-of-no-return marks, evidence; in rollback mode the rollback tasks follow.
//! Narrow panels drop the reviewer, then the title (it comes last and is cut first).

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{block, overrun_tone, status_mark, styled, PanelKind};
use crate::drill::Vote;
use crate::runbook::duration;
use crate::tui::app::{App, Row};
use crate::tui::theme::Tone;

// Short names for the runbook, drill and layout values keep the row building readable.
#[allow(clippy::many_single_char_names)]
pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let rb = &app.runbook;
    let d = &app.replica.drill;
    let st = d.state();
    let t = d.timing();
    let title = if app.filter.is_empty() {
        "runbook".to_string()
    } else {
        format!("runbook /{}", app.filter)
    };
    let blk = block(app, PanelKind::Runbook, &title);
    let inner = blk.inner(area);
    blk.render(area, buf);
    let w = inner.width as usize;
    let show_reviewer = w >= 70;
    let show_title = w >= 50;
    let idw = if w < 50 { 10 } else { 14 };
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0usize;
    let mut last_phase = usize::MAX;
    let mut in_rollback = false;
    for (pos, row) in app.rows().into_iter().enumerate() {
        let selected = pos == app.selected;
        let mut spans: Vec<Span> = Vec::new();
        match row {
            Row::Step(i) => {
                let step = &rb.steps[i];
                if step.phase != last_phase {
                    last_phase = step.phase;
                    let phase = rb.phases.get(step.phase);
                    let name = phase.map_or("", |p| p.name.as_str());
                    let title = match phase.and_then(|p| p.contingency_for.as_deref()) {
                        Some(point) => {
                            format!("── {name} (contingency of `{point}`: runs only if called, K)")
                        }
                        None => format!("── {name}"),
                    };
                    lines.push(Line::styled(title, styled(app, Tone::Dim)));
                }
                let status = st.status(i);
                let (sym, tone) = status_mark(&status);
                spans.push(Span::styled(format!("{sym} "), styled(app, tone)));
                spans.push(Span::styled(
                    format!("{:<idw$.idw$} ", step.id),
                    styled(app, Tone::Normal),
                ));
                spans.push(Span::raw(format!("{:<8.8} ", step.dri)));
                if show_reviewer {
                    spans.push(Span::styled(
                        format!("{:<8.8} ", step.reviewer),
                        styled(app, Tone::Dim),
                    ));
                }
                let planned = duration::clock(step.planned);
                match t.elapsed(i, now) {
                    Some(e) => {
                        let tone = overrun_tone(step.planned, e);
                        spans.push(Span::styled(
                            format!("{:>6}/{planned:<6}", duration::clock(e)),
                            styled(app, tone),
                        ));
                    }
                    None => spans.push(Span::styled(
                        format!("{:>6}/{planned:<6}", "-"),
                        styled(app, Tone::Dim),
                    )),
                }
                if app.history.is_some() {
                    let mark = crate::tui::history::median_mark(app, &step.id).unwrap_or_default();
                    spans.push(Span::styled(format!(" {mark:<9}"), styled(app, Tone::Dim)));
                }
                let sstate = st.step(&step.id);
                if step.gate {
                    let votes = sstate.map(|s| &s.votes);
                    let go = votes.map_or(0, |v| v.values().filter(|v| v.vote == Vote::Go).count());
                    let nogo = votes.map_or(0, std::collections::BTreeMap::len) - go;
                    let tone = if nogo > 0 {
                        Tone::Bad
                    } else if go > 0 {
                        Tone::Good
                    } else {
                        Tone::Warn
                    };
                    spans.push(Span::styled(
                        format!(" ⛩GO {go}/{}", step.approvers.len()),
                        styled(app, tone),
                    ));
                    if nogo > 0 {
                        spans.push(Span::styled(
                            format!(" NO-GO {nogo}"),
                            styled(app, Tone::Bad),
                        ));
                    }
                }
                if step.irreversible {
                    spans.push(Span::styled(" ⚠PNR", styled(app, Tone::Bad)));
                }
                if let Some(s) = sstate {
                    if !s.requires.is_empty() {
                        let ok = s.requires.iter().filter(|r| r.holds).count();
                        let tone = if ok == s.requires.len() {
                            Tone::Good
                        } else {
                            Tone::Warn
                        };
                        spans.push(Span::styled(
                            format!(" ev {ok}/{}", s.requires.len()),
                            styled(app, tone),
                        ));
                    }
                }
                if show_title {
                    // Last, so a narrow panel cuts the title, never the marks.
                    spans.push(Span::styled(
                        format!("  {}", step.title),
                        styled(app, Tone::Dim),
                    ));
                }
            }
            Row::Rollback(k) => {
                let Some(r) = &st.rollback else { continue };
                let Some(task) = r.tasks.get(k) else { continue };
                if !in_rollback {
                    in_rollback = true;
                    lines.push(Line::styled(
                        format!("── ROLLBACK from {} ({})", r.from, r.reason),
                        styled(app, Tone::Bad),
                    ));
                }
                let (sym, tone) = status_mark(&task.status);
                spans.push(Span::styled(format!("{sym} "), styled(app, tone)));
                spans.push(Span::raw(format!("↺ {:<12.12} ", task.step)));
                if let Some(step) = rb.step(&task.step) {
                    spans.push(Span::raw(format!("{:<8.8} ", step.dri)));
                    let planned = duration::clock(step.planned);
                    match t.rollback_elapsed(&task.step, now) {
                        Some(e) => spans.push(Span::styled(
                            format!("{:>6}/{planned:<6}", duration::clock(e)),
                            styled(app, overrun_tone(step.planned, e)),
                        )),
                        None => spans.push(Span::styled(
                            format!("{:>6}/{planned:<6}", "-"),
                            styled(app, Tone::Dim),
                        )),
                    }
                }
                spans.push(Span::styled(
                    format!(" {}", task.status.label()),
                    styled(app, tone),
                ));
            }
        }
        let mut line = Line::from(spans);
        if selected {
            selected_line = lines.len();
            line = line.style(app.theme.selected());
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "no step matches the filter",
            styled(app, Tone::Dim),
        ));
    }
    let h = inner.height as usize;
    let scroll = selected_line.saturating_sub(h.saturating_sub(1));
    Paragraph::new(lines)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(inner, buf);
}
