//! The selected step in full: instructions, rollback, evidence, gate votes, notes and the
//! history of who did what when.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{hhmmss, overrun_tone, status_mark, styled, text_panel, PanelKind};
use crate::drill::{Target, Vote};
use crate::runbook::duration;
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn lines(app: &App, now: DateTime<Utc>) -> Vec<Line<'static>> {
    let Some((target, idx)) = app.selected_target() else {
        return vec![Line::raw("no step selected")];
    };
    let rb = &app.runbook;
    let step = &rb.steps[idx];
    let d = &app.replica.drill;
    let st = d.state();
    let t = d.timing();
    let mut out = Vec::new();
    let status = match &target {
        Target::Step(_) => st.status(idx),
        Target::Rollback(id) => st
            .rollback
            .as_ref()
            .and_then(|r| r.task(id))
            .map(|t| t.status.clone())
            .unwrap_or(st.status(idx)),
    };
    let (sym, tone) = status_mark(&status);
    out.push(Line::from(vec![
        Span::styled(format!("{sym} {} ", status.label()), styled(app, tone)),
        Span::styled(target.to_string(), styled(app, Tone::Accent)),
        Span::raw(format!(" — {}", step.title)),
    ]));
    let planned = match step.clock.planned_max {
        Some(max) => format!(
            "{}-{}",
            duration::format(step.planned),
            duration::format(max)
        ),
        None => duration::format(step.planned),
    };
    out.push(Line::raw(format!(
        "DRI {}  reviewer {}  planned {planned}",
        step.dri, step.reviewer
    )));
    if let Some(past) = crate::tui::history::detail_line(app, &step.id) {
        out.push(Line::styled(past, styled(app, Tone::Dim)));
    }
    let mut rules = Vec::new();
    if let Some(at) = step.clock.not_before {
        rules.push(format!("not before {}", hhmmss(at)));
    }
    if let Some(hold) = step.clock.min_hold {
        rules.push(format!("runs at least {}", duration::format(hold)));
    }
    if let Some(at) = step.clock.go_deadline {
        let passed = if now > at { " (PASSED)" } else { "" };
        rules.push(format!("no GO after {}{passed}", hhmmss(at)));
    }
    if !rules.is_empty() {
        let late = step.clock.go_deadline.is_some_and(|at| now > at) && status.is_active();
        let tone = if late { Tone::Bad } else { Tone::Dim };
        out.push(Line::styled(
            format!("clock: {}", rules.join("  ")),
            styled(app, tone),
        ));
    }
    if let Some(e) = t.elapsed(idx, now) {
        out.push(Line::styled(
            format!(
                "elapsed {}{}",
                duration::clock(e),
                t.overrun(idx, now).map_or(String::new(), |o| format!(
                    "  OVER PLAN by {}",
                    duration::clock(o)
                ))
            ),
            styled(app, overrun_tone(step.planned, e)),
        ));
    }
    if let crate::drill::StepStatus::Failed { reason }
    | crate::drill::StepStatus::Skipped { reason } = &status
    {
        out.push(Line::styled(format!("reason: {reason}"), styled(app, tone)));
    }
    if step.irreversible {
        out.push(Line::styled(
            "⚠ POINT OF NO RETURN: past this step only roll-forward",
            styled(app, Tone::Bad),
        ));
    }
    out.push(Line::raw(""));
    out.extend(step.instructions.lines().map(|l| Line::raw(l.to_string())));
    if let Some(r) = &step.rollback {
        out.push(Line::styled("rollback:", styled(app, Tone::Dim)));
        out.extend(r.instructions.lines().map(|l| Line::raw(format!("  {l}"))));
        if let Some(work) = d
            .work(&target)
            .filter(|_| matches!(target, Target::Rollback(_)))
        {
            let report = d.reported(&work);
            let (m, tone) = match report {
                Some(e) if e.holds => ("✔", Tone::Good),
                _ => ("…", Tone::Warn),
            };
            let detail = report.map_or("not reported by this run yet".to_string(), |e| {
                e.detail.clone()
            });
            out.push(Line::styled(
                format!("rollback evidence {m} {}: {detail}", work.evidence),
                styled(app, tone),
            ));
        }
    }
    let ss = st.step(&step.id);
    if let Some(s) = ss {
        for r in &s.requires {
            let (m, tone) = if r.holds {
                ("✔", Tone::Good)
            } else {
                ("…", Tone::Warn)
            };
            // The latest report says why (a preflight's counts and first blocker, a
            // check's value...).
            let detail = st
                .evidence
                .get(&r.evidence)
                .filter(|e| !e.detail.is_empty())
                .map_or(String::new(), |e| {
                    // Preflight's findings follow its first line: the preflight panel lists them.
                    let first = e.detail.lines().next().unwrap_or_default();
                    let more = if e.detail.contains('\n') {
                        " (P: findings)"
                    } else {
                        ""
                    };
                    format!(": {first}{more}")
                });
            out.push(Line::styled(
                format!("evidence {m} {}{detail}", r.evidence),
                styled(app, tone),
            ));
        }
        if step.gate {
            for a in &step.approvers {
                let line = match s.votes.get(a) {
                    Some(v) => match &v.vote {
                        Vote::Go => Line::styled(
                            format!("⛩ {a}: GO at {}", hhmmss(v.at)),
                            styled(app, Tone::Good),
                        ),
                        Vote::NoGo { reason } => Line::styled(
                            format!("⛩ {a}: NO-GO at {} ({reason})", hhmmss(v.at)),
                            styled(app, Tone::Bad),
                        ),
                    },
                    None => Line::styled(format!("⛩ {a}: no vote yet"), styled(app, Tone::Warn)),
                };
                out.push(line);
            }
            if let Some(reason) = &s.gate_override {
                out.push(Line::styled(
                    format!("⚠ GATE OVERRIDDEN by the coordinator: {reason}"),
                    styled(app, Tone::Bad),
                ));
            } else {
                let waits = crate::drill::gate_waits(rb, st, idx);
                if !waits.is_empty() {
                    out.push(Line::styled("gate waits for:", styled(app, Tone::Warn)));
                    for w in waits {
                        out.push(Line::styled(format!("  · {w}"), styled(app, Tone::Warn)));
                    }
                }
            }
        }
    }
    let notes: Vec<_> = st
        .notes
        .iter()
        .filter(|n| n.step.as_deref() == Some(step.id.as_str()))
        .collect();
    for n in notes {
        out.push(Line::raw(format!(
            "✎ {} {}: {}",
            hhmmss(n.at),
            n.by,
            n.text
        )));
    }
    out.push(Line::styled("history:", styled(app, Tone::Dim)));
    for e in st
        .log
        .iter()
        .filter(|e| super::log::concerns(&e.event.kind, &step.id))
    {
        out.push(Line::raw(format!(
            "  {} {} {}",
            hhmmss(e.event.at),
            e.event.who(),
            super::log::describe(&e.event.kind)
        )));
    }
    out
}

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    text_panel(app, PanelKind::Step, "step", lines(app, now), area, buf);
}
