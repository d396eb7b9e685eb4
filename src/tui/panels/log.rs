//! The journal as a timeline: time, who, what. Newest at the bottom; scrolls up.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{block, hhmmss, styled, PanelKind};
use crate::drill::outbox::OutboxRecord;
use crate::drill::{EventKind, LogEntry};
use crate::tui::app::App;
use crate::tui::theme::Tone;

/// One-line description of an event.
pub fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::DrillStarted => "started the drill".into(),
        EventKind::Started { target } => format!("started {target}"),
        EventKind::Done { target } => format!("marked {target} done"),
        EventKind::SignedOff {
            target,
            override_by_coordinator,
        } => {
            format!(
                "signed off {target}{}",
                if *override_by_coordinator {
                    " (coordinator override)"
                } else {
                    ""
                }
            )
        }
        EventKind::Failed { target, reason } => format!("FAILED {target}: {reason}"),
        EventKind::Skipped { step, reason } => format!("skipped {step}: {reason}"),
        EventKind::GateGo { step } => format!("GO at {step}"),
        EventKind::GateNoGo { step, reason } => format!("NO-GO at {step}: {reason}"),
        EventKind::GatePassed { step } => format!("gate {step} passed"),
        EventKind::NoteAdded {
            step: Some(s),
            text,
        } => format!("note on {s}: {text}"),
        EventKind::NoteAdded { step: None, text } => format!("note: {text}"),
        EventKind::RollbackCalled { from, reason, plan } => {
            format!(
                "CALLED ROLLBACK from {from}: {reason} (plan: {})",
                plan.join(" → ")
            )
        }
        EventKind::RollbackCompleted => "rollback completed".into(),
        EventKind::ContingencyCalled {
            from,
            reason,
            point,
            phase,
        } => format!("CALLED CONTINGENCY of {point} from {from}: {reason} (phase {phase})"),
        EventKind::EvidenceRecorded {
            evidence,
            holds,
            detail,
        } => {
            format!(
                "evidence {evidence} {}: {detail}",
                if *holds { "holds" } else { "does not hold" }
            )
        }
        EventKind::DrillEnded => "ended the drill".into(),
        EventKind::Outbox { record } => record.describe(),
        EventKind::CopyControlled { .. }
        | EventKind::TablesResolved { .. }
        | EventKind::DrillNumbered { .. }
        | EventKind::GateOverridden { .. }
        | EventKind::EvidenceAccepted { .. }
        | EventKind::FixApproved { .. }
        | EventKind::HandoverOffered { .. }
        | EventKind::HandoverAccepted { .. }
        | EventKind::HandoverDeclined { .. }
        | EventKind::HandoverWithdrawn { .. } => kind.describe(),
    }
}

/// Whether an event is about step `id` (for the step's history).
pub fn concerns(kind: &EventKind, id: &str) -> bool {
    match kind {
        EventKind::Started { target }
        | EventKind::Done { target }
        | EventKind::SignedOff { target, .. }
        | EventKind::Failed { target, .. } => target.step_id() == id,
        EventKind::Skipped { step, .. }
        | EventKind::GateGo { step }
        | EventKind::GateNoGo { step, .. }
        | EventKind::GatePassed { step }
        | EventKind::GateOverridden { step, .. } => step == id,
        EventKind::NoteAdded { step, .. } => step.as_deref() == Some(id),
        EventKind::RollbackCalled { from, .. } => from == id,
        _ => false,
    }
}

fn tone(kind: &EventKind) -> Tone {
    match kind {
        EventKind::Failed { .. }
        | EventKind::GateNoGo { .. }
        | EventKind::GateOverridden { .. }
        | EventKind::RollbackCalled { .. } => Tone::Bad,
        EventKind::SignedOff { .. } | EventKind::GatePassed { .. } | EventKind::GateGo { .. } => {
            Tone::Good
        }
        EventKind::EvidenceRecorded { holds: false, .. } => Tone::Warn,
        EventKind::Outbox { record } => match record {
            OutboxRecord::Failed { .. } => Tone::Warn,
            OutboxRecord::GaveUp { .. } => Tone::Bad,
            OutboxRecord::Delivered { .. } => Tone::Good,
            OutboxRecord::Queued { .. } => Tone::Dim,
        },
        _ => Tone::Normal,
    }
}

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let blk = block(app, PanelKind::Log, "timeline");
    let inner = blk.inner(area);
    blk.render(area, buf);
    // The outbox's routine traffic (queued, delivered) stays out of the timeline: a
    // target's first failure, giving up and recovering are shown.
    let log: Vec<&LogEntry> = app
        .replica
        .drill
        .state()
        .log
        .iter()
        .filter(|e| match &e.event.kind {
            EventKind::Outbox { record } => record.is_notable(),
            _ => true,
        })
        .collect();
    let h = inner.height as usize;
    let max_scroll = log.len().saturating_sub(h);
    let scroll = app.log_scroll.min(max_scroll);
    let end = log.len() - scroll;
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = log[start..end]
        .iter()
        .map(|e| {
            let mut spans = vec![
                Span::styled(format!("{} ", hhmmss(e.event.at)), styled(app, Tone::Dim)),
                Span::raw(format!("{:<8} ", e.event.who())),
                Span::styled(describe(&e.event.kind), styled(app, tone(&e.event.kind))),
            ];
            if let Some(why) = &e.ignored {
                spans.push(Span::styled(
                    format!(" (ignored: {why})"),
                    styled(app, Tone::Dim),
                ));
            }
            Line::from(spans)
        })
        .collect();
    if lines.is_empty() {
        Paragraph::new(Line::styled("nothing yet", styled(app, Tone::Dim))).render(inner, buf);
    } else {
        Paragraph::new(lines).render(inner, buf);
    }
}
