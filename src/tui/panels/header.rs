//! Drill name and kind, clocks (wall UTC and local, drill clock, T-minus), planned vs
//! predicted end, health, connection and who is at this console. Its colour turns red on a
//! failed step, an active rollback, a spanning watch that withdrew its evidence, a gate passed by override or an
//! overdue gate, amber on an overrunning step.
//! An announce target that keeps failing is named in amber with its last error.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::hhmmss;
use crate::drill::telemetry::health::ProbeStatus;
use crate::drill::{probe_in_scope, Role, StepStatus};
use crate::runbook::{duration, RunbookKind};
use crate::tui::app::App;
use crate::tui::theme::Tone;

/// The header's alarm level and why.
pub fn alarm(app: &App, now: DateTime<Utc>) -> (Tone, Option<String>) {
    let d = &app.replica.drill;
    let st = d.state();
    let t = d.timing();
    if st.rollback_active() {
        return (Tone::Bad, Some("ROLLBACK IN PROGRESS".into()));
    }
    if let Some(c) = st.contingency.as_ref().filter(|c| c.completed_at.is_none()) {
        return (
            Tone::Bad,
            Some(format!(
                "CONTINGENCY IN PROGRESS: {} ({})",
                c.phase, c.point
            )),
        );
    }
    let rb = &app.runbook;
    if let Some(i) =
        (0..rb.steps.len()).find(|&i| matches!(st.status(i), StepStatus::Failed { .. }))
    {
        return (Tone::Bad, Some(format!("FAILED: {}", rb.steps[i].id)));
    }
    if let Some(e) = st
        .evidence
        .get(&crate::runbook::Evidence::Preflight)
        .filter(|e| !e.holds && !e.accepted)
    {
        // The first line is the counts and the first blocker; the findings follow (`P`).
        let first = e.detail.lines().next().unwrap_or_default();
        return (Tone::Bad, Some(format!("PREFLIGHT: {first}")));
    }
    if let Some(text) = super::recon::withdrawn_watch(app) {
        return (Tone::Bad, Some(text));
    }
    let overridden: Vec<&str> = st
        .steps
        .iter()
        .filter(|s| s.gate_override.is_some())
        .map(|s| s.id.as_str())
        .collect();
    if !overridden.is_empty() {
        return (
            Tone::Bad,
            Some(format!("GATE OVERRIDDEN: {}", overridden.join(", "))),
        );
    }
    if let Some((i, late)) = t.overdue_gates(now).first() {
        return (
            Tone::Bad,
            Some(format!(
                "GATE OVERDUE: {} +{}",
                rb.steps[*i].id,
                duration::clock(*late)
            )),
        );
    }
    if let Some(i) =
        (0..rb.steps.len()).find(|&i| st.status(i).is_active() && t.overrun(i, now).is_some())
    {
        let over = t.overrun(i, now).unwrap_or_default();
        return (
            Tone::Warn,
            Some(format!(
                "OVERRUN: {} +{}",
                rb.steps[i].id,
                duration::clock(over)
            )),
        );
    }
    (Tone::Normal, None)
}

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let d = &app.replica.drill;
    let st = d.state();
    let t = d.timing();
    let (tone, why) = alarm(app, now);
    let base = app.theme.banner(tone);
    let kind = match app.runbook.meta.kind {
        RunbookKind::Drill => "DRILL",
        RunbookKind::Cutover => "CUTOVER",
    };
    let badge = match st.drill_number {
        Some(n) => format!(" {kind} #{n} "),
        None => format!(" {kind} "),
    };
    let badge_tone = if app.runbook.meta.kind == RunbookKind::Cutover {
        Tone::Bad
    } else {
        Tone::Info
    };
    let local = now.with_timezone(&app.local_offset);
    let clock = match t.drill_clock(now) {
        Some(c) if st.ended_at.is_some() => format!("ended after {}", duration::clock(c)),
        Some(c) => format!("T+{}", duration::clock(c)),
        None => "not started".into(),
    };
    let mut line1 = vec![
        Span::styled(badge, app.theme.banner(badge_tone)),
        Span::raw(format!(" {}  ", app.title)),
        Span::raw(format!(
            "{} UTC ({} local)  ",
            hhmmss(now),
            local.format("%H:%M")
        )),
        Span::raw(format!("drill {clock}")),
    ];
    // Who coordinates now and the handovers on offer: on the first line, which has room.
    line1.extend(handover_spans(app));
    let line1 = Line::from(line1);
    let mut l2 = Vec::new();
    if let Some(tm) = t.t_minus(now) {
        let secs = tm.num_seconds();
        let text = if secs > 0 {
            format!(
                "window in T-{}  ",
                duration::clock(std::time::Duration::from_secs(secs.unsigned_abs()))
            )
        } else {
            format!(
                "window open {}  ",
                duration::clock(std::time::Duration::from_secs(secs.unsigned_abs()))
            )
        };
        l2.push(Span::raw(text));
    }
    let range = crate::tui::history::predicted_range(app, now);
    match (
        t.planned_end(),
        range.map_or(t.predicted_end(now), |r| Some(r.0)),
    ) {
        (Some(p), Some(e)) => {
            let late = e > p;
            let predicted = match range {
                Some((_, high)) => format!("{}–{} (past drills)", hhmmss(e), hhmmss(high)),
                None => hhmmss(e),
            };
            l2.push(Span::raw(format!(
                "planned end {}  predicted {predicted}",
                hhmmss(p)
            )));
            if late {
                let by = (e - p).to_std().unwrap_or_default();
                l2.push(Span::raw(format!(" (+{})", duration::clock(by))));
            }
        }
        _ => l2.push(Span::raw(format!(
            "plan {}",
            duration::format(t.critical_path())
        ))),
    }
    l2.push(health_span(app));
    if let Some(span) = rollback_readiness(app, now) {
        l2.push(span);
    }
    let role = match app.role() {
        Role::Coordinator => "coordinator",
        Role::Participant => "participant",
        Role::Observer => "observer",
        Role::System => "system",
    };
    let ro = if app.can_send {
        ""
    } else {
        " · READ-ONLY VIEW"
    };
    let sync = if app.replica.out_of_sync {
        " OUT OF SYNC: waiting for a snapshot"
    } else {
        ""
    };
    let mut l3 = vec![Span::raw(format!(
        "{} ({role}{ro})  {}{sync}",
        app.operator, app.connection.text
    ))];
    if let Some(why) = why {
        l3.push(Span::raw(format!("  ⚠ {why}")));
    }
    if let Some(trouble) = announce_trouble(app) {
        l3.push(Span::styled(
            format!("  ⚠ {trouble}"),
            super::styled(app, Tone::Warn),
        ));
    }
    if let Some(f) = &app.flash {
        l3.push(Span::raw("  "));
        l3.push(Span::styled(f.text.clone(), app.theme.banner(f.tone)));
    }
    Paragraph::new(vec![line1, Line::from(l2), Line::from(l3)])
        .style(base)
        .render(area, buf);
}

/// Who coordinates now once the role was handed over ("coordinator carol since 03:10"),
/// and every handover on offer ("handover of the coordinator role offered to carol"); one
/// offered to this console's operator says which keys answer it.
pub fn handover_spans(app: &App) -> Vec<Span<'static>> {
    let h = &app.replica.drill.state().handover;
    let mut out = Vec::new();
    if let Some(since) = h.coordinator_since {
        out.push(Span::styled(
            format!(
                "  coordinator {} since {}",
                h.coordinator,
                since.format("%H:%M")
            ),
            super::styled(app, Tone::Info),
        ));
    }
    for o in &h.offers {
        let mine = matches!(&app.operator, crate::drill::Actor::Person(me) if *me == o.to);
        let text = if mine {
            format!(
                "  handover of {} offered to you: a accept · D decline",
                o.duty
            )
        } else {
            format!("  handover of {} offered to {}", o.duty, o.to)
        };
        let tone = if mine { Tone::Accent } else { Tone::Warn };
        out.push(Span::styled(text, super::styled(app, tone)));
    }
    out
}

/// Announce targets whose latest attempt failed, with the last error: "ANNOUNCE `room`
/// FAILING (3 in a row): HTTP 500". The other targets' messages go on regardless.
pub fn announce_trouble(app: &App) -> Option<String> {
    let outbox = &app.replica.drill.state().outbox;
    let failing: Vec<String> = outbox
        .failing()
        .map(|(name, h)| {
            format!(
                "ANNOUNCE `{name}` FAILING ({} in a row): {}",
                h.streak,
                h.last_error.as_deref().unwrap_or("no answer")
            )
        })
        .collect();
    (!failing.is_empty()).then(|| failing.join("; "))
}

/// Whether the way back is still open, at all times: "rollback ok · PNR `switch` in
/// 1h12m · reverse path ok", or, past a point of no return, "past PNR `switch`: roll
/// forward (contingency `fail-back`)". Nothing once a rollback or contingency runs (the
/// alarm says so) or the drill ended.
pub fn rollback_readiness(app: &App, now: DateTime<Utc>) -> Option<Span<'static>> {
    let d = &app.replica.drill;
    let (rb, st) = (d.runbook(), d.state());
    if st.rollback.is_some() || st.contingency.is_some() || st.ended_at.is_some() {
        return None;
    }
    if let Some(i) = crate::drill::contingency::last_point_passed(rb, st) {
        let way = match &rb.steps[i].contingency {
            Some(phase) => format!(" (contingency `{phase}`)"),
            None => String::new(),
        };
        return Some(Span::styled(
            format!("  past PNR `{}`: roll forward{way}", rb.steps[i].id),
            super::styled(app, Tone::Warn),
        ));
    }
    let mut text = "  rollback ok".to_string();
    let t = d.timing();
    let next = (0..rb.steps.len())
        .filter(|&i| rb.steps[i].irreversible && rb.contingency_of(i).is_none())
        .filter_map(|i| Some((i, t.predicted_start(i, now)?)))
        .min_by_key(|(_, at)| *at);
    if let Some((i, at)) = next {
        let left = (at - now).to_std().unwrap_or_default();
        text.push_str(&format!(
            " · PNR `{}` in {}",
            rb.steps[i].id,
            duration::clock(left)
        ));
    }
    let mut tone = Tone::Good;
    if let Some(status) = app
        .replica
        .health
        .as_ref()
        .and_then(crate::drill::telemetry::health::HealthSnapshot::rollback_path_status)
    {
        text.push_str(&format!(" · way back {}", status.label()));
        if !status.is_green() {
            tone = Tone::Warn;
        }
    }
    Some(Span::styled(text, super::styled(app, tone)))
}

/// The worst probe status, coloured; honest when no probe is declared or none sampled yet.
fn health_span(app: &App) -> Span<'static> {
    if app.runbook.probes.is_empty() {
        return Span::styled("  health: no probes", super::styled(app, Tone::Dim));
    }
    match &app.replica.health {
        Some(snapshot)
            if snapshot
                .probes
                .iter()
                .any(|p| p.latest.is_some() || p.stale_for.is_some()) =>
        {
            // Probes outside their `active` scope count for nothing.
            let state = app.replica.drill.state();
            let worst = ProbeStatus::worst(
                snapshot
                    .probes
                    .iter()
                    .filter(|p| probe_in_scope(&app.runbook, state, &p.name))
                    .map(|p| p.status),
            );
            let tone = if worst.is_green() {
                Tone::Good
            } else if worst.is_red() {
                Tone::Bad
            } else {
                Tone::Warn
            };
            Span::styled(
                format!("  health: {}", worst.label()),
                super::styled(app, tone),
            )
        }
        _ => Span::styled(
            "  health: waiting for probes",
            super::styled(app, Tone::Dim),
        ),
    }
}
