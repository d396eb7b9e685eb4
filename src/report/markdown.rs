//! The report as Markdown: a summary, a text timeline, a table per step, gates, rollback,
//! copy, recon, health, and the event log.

use std::fmt::Write;

use super::format::{clock, delta, opt_clock, rate, secs, utc};
use super::model::{EvidenceReport, Report, StepReport};
use super::text_chart;

/// User text in a table cell: one line, no column breaks, no raw HTML. One pass: a
/// report has a cell per note, and most need nothing escaped.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    cell_into(&mut out, text);
    out
}

/// [`cell`], appended to `out`.
fn cell_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['\\', '|', '<', '\r', '\n']) {
        out.push_str(&rest[..at]);
        let (c, after) = rest[at..].split_at(1);
        out.push_str(match c {
            "\\" => "\\\\",
            "|" => "\\|",
            "<" => "\\<",
            _ => " ",
        });
        rest = after;
    }
    out.push_str(rest);
}

fn who_when(at: Option<chrono::DateTime<chrono::Utc>>, by: Option<&str>) -> String {
    match (at, by) {
        (Some(at), Some(by)) => format!("{} by {}", clock(at), cell(by)),
        (Some(at), None) => clock(at),
        _ => "-".to_string(),
    }
}

/// A heading and its damage warning, the summary table.
fn summary(out: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(
        out,
        "# {} report: {}\n",
        title_case(&r.runbook.kind),
        cell(&r.runbook.name)
    );
    if let Some(n) = s.drill_number {
        let _ = writeln!(out, "Run #{n} of this runbook.\n");
    }
    if !r.runbook.left_out.is_empty() {
        let _ = writeln!(
            out,
            "Not part of this {}: {} (`only` the other kind of run).\n",
            r.runbook.kind,
            cell(&r.runbook.left_out.join(", "))
        );
    }
    if let Some(damage) = r.damage_line() {
        let _ = writeln!(out, "> **WARNING: {damage}**\n");
    }
    let actual = s.actual_secs.map_or("-".to_string(), |a| {
        format!("{} ({})", secs(a), delta(a, s.planned_secs))
    });
    let _ = writeln!(
        out,
        "**Result: {}**{}\n",
        s.outcome.label(),
        if s.live {
            format!(" (live: figures as of {})", utc(s.as_of))
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let rows = [
        ("Kind", r.runbook.kind.clone()),
        ("Coordinator", cell(&r.runbook.coordinator)),
        ("Planned (critical path)", secs(s.planned_secs)),
        ("Actual (drill clock)", actual),
        ("Started", s.started_at.map_or("-".to_string(), utc)),
        ("Ended", s.ended_at.map_or("-".to_string(), utc)),
        (
            "Steps",
            format!(
                "{} of {} done, {} skipped, {} failed, {} overran",
                s.steps_done, s.steps_total, s.steps_skipped, s.steps_failed, s.steps_overrun
            ),
        ),
        ("Coordinator overrides", s.overrides.to_string()),
        (
            "Journal",
            format!(
                "{} ({} events, written by warroom {})",
                cell(&r.journal.path),
                r.journal.events_read,
                cell(&r.journal.warroom_version)
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');
}

fn title_case(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn steps(out: &mut String, r: &Report) {
    let _ = writeln!(out, "## Steps\n");
    let _ = writeln!(
        out,
        "| # | Step | DRI | Reviewer | Planned | Actual | Overrun | Status |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for (i, s) in r.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}`{}{} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            cell(&s.id),
            if s.gate { " (gate)" } else { "" },
            if s.irreversible { " (PNR)" } else { "" },
            cell(&s.dri),
            cell(&s.reviewer),
            secs(s.planned_secs),
            s.actual_secs.map_or("-".to_string(), secs),
            s.overrun_secs
                .map_or("-".to_string(), |o| format!("+{}", secs(o))),
            s.status
        );
    }
    out.push('\n');
    for s in &r.steps {
        step(out, s);
    }
}

fn step(out: &mut String, s: &StepReport) {
    let _ = writeln!(
        out,
        "### `{}`: {} ({})\n",
        cell(&s.id),
        cell(&s.title),
        s.status
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let mut rows: Vec<(String, String)> = vec![
        ("Phase".into(), cell(&s.phase)),
        (
            "DRI / reviewer".into(),
            format!("{} / {}", cell(&s.dri), cell(&s.reviewer)),
        ),
        (
            "Planned / actual".into(),
            format!(
                "{} / {}{}",
                secs(s.planned_secs),
                s.actual_secs.map_or("-".to_string(), secs),
                s.overrun_secs
                    .map_or(String::new(), |o| format!(" (overrun +{})", secs(o)))
            ),
        ),
        (
            "Started".into(),
            who_when(s.started_at, s.started_by.as_deref()),
        ),
        ("Done".into(), who_when(s.done_at, s.done_by.as_deref())),
        (
            "Signed off".into(),
            who_when(s.signed_off_at, s.signed_off_by.as_deref()),
        ),
    ];
    if s.gate {
        rows.push(("Gate".into(), "go/no-go: see Gates".into()));
    }
    if s.irreversible {
        rows.push(("Point of no return".into(), "yes".into()));
    }
    for o in &s.overrides {
        rows.push((
            format!("Coordinator override ({})", o.kind.replace('_', "-")),
            format!("{} by {}: {}", clock(o.at), cell(&o.by), cell(&o.detail)),
        ));
    }
    if let Some(reason) = &s.skip_reason {
        rows.push((
            "Skipped".into(),
            format!("{}: {}", opt_clock(s.skipped_at), cell(reason)),
        ));
    }
    if let Some(why) = &s.failure {
        rows.push((
            "Failed".into(),
            format!("{}: {}", opt_clock(s.failed_at), cell(why)),
        ));
    }
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    // Written straight out: a step may carry thousands of notes.
    for n in &s.notes {
        out.push_str("| Note | ");
        out.push_str(&clock(n.at));
        out.push(' ');
        cell_into(out, &n.by);
        out.push_str(": ");
        cell_into(out, &n.text);
        out.push_str(" |\n");
    }
    for e in &s.evidence {
        let _ = writeln!(out, "| Evidence | {} |", evidence(e));
    }
    out.push('\n');
}

fn evidence(e: &EvidenceReport) -> String {
    cell(&e.describe())
}

fn gates(out: &mut String, r: &Report) {
    if r.gates.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Gates\n");
    for g in &r.gates {
        let decided = who_when(g.decided_at, g.decided_by.as_deref());
        let _ = writeln!(
            out,
            "### `{}`: {}{}\n\nApprovers: {}\n",
            cell(&g.step),
            g.outcome,
            if g.decided_at.is_some() {
                format!(" at {decided}")
            } else {
                String::new()
            },
            cell(&g.approvers.join(", "))
        );
        if g.votes.is_empty() {
            let _ = writeln!(out, "No vote was cast.\n");
            continue;
        }
        let _ = writeln!(
            out,
            "| Seq | Time | Approver | Vote | Reason |\n|---|---|---|---|---|"
        );
        for v in &g.votes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                v.seq,
                clock(v.at),
                cell(&v.by),
                if v.vote == "go" { "GO" } else { "NO-GO" },
                v.reason.as_deref().map_or(String::new(), cell)
            );
        }
        out.push('\n');
    }
}

fn rollback(out: &mut String, r: &Report) {
    let Some(rb) = &r.rollback else {
        return;
    };
    let _ = writeln!(out, "## Rollback\n");
    let _ = writeln!(
        out,
        "Called at {} by {} from `{}`: {}. {} (took {}).\n",
        clock(rb.called_at),
        cell(&rb.called_by),
        cell(&rb.from),
        cell(&rb.reason),
        match rb.completed_at {
            Some(at) => format!("Completed at {}", clock(at)),
            None => "Not completed".to_string(),
        },
        secs(rb.actual_secs)
    );
    if rb.tasks.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to undo: no started step declared a rollback.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "| # | Undo step | Instructions | Status | Started | Signed off | Took |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (i, t) in rb.tasks.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {}{} | {} |",
            i + 1,
            cell(&t.step),
            cell(&t.instructions),
            t.status,
            who_when(t.started_at, t.started_by.as_deref()),
            who_when(t.signed_off_at, t.signed_off_by.as_deref()),
            if t.override_by_coordinator {
                " (coordinator override)"
            } else {
                ""
            },
            t.actual_secs.map_or("-".to_string(), secs)
        );
    }
    out.push('\n');
}

fn copies(out: &mut String, r: &Report) {
    if r.copies.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Copy\n");
    let _ = writeln!(
        out,
        "| Job | State | Rows | Estimated | Average rate | Retries | Errors |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for c in &r.copies {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            cell(&c.job),
            c.state.as_deref().unwrap_or("no telemetry recorded"),
            c.rows_done,
            c.rows_estimated.map_or("-".to_string(), |e| e.to_string()),
            rate(c.rows_per_sec_avg),
            c.retries,
            c.errors
        );
    }
    out.push('\n');
    for c in r.copies.iter().filter(|c| !c.samples.is_empty()) {
        let _ = writeln!(out, "Rate over time, `{}`:\n", cell(&c.job));
        let _ = writeln!(
            out,
            "| Time | Drill clock | Rows | Rate |\n|---|---|---|---|"
        );
        for s in &c.samples {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                clock(s.at),
                secs(s.at_secs),
                s.rows_done,
                rate(s.rows_per_sec)
            );
        }
        out.push('\n');
        for c in &c.controls {
            let _ = writeln!(out, "- {}", cell(c));
        }
        if !c.controls.is_empty() {
            out.push('\n');
        }
    }
}

fn recons(out: &mut String, r: &Report) {
    if r.recons.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Recon\n");
    let _ = writeln!(
        out,
        "| Job | State | Chunks | Rows source / target | Missing | Extra | Changed | Business checks | Fix approved |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for c in &r.recons {
        let fixes: Vec<String> = c
            .fixes_approved
            .iter()
            .map(|f| format!("{} by {}", clock(f.at), cell(&f.by)))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {}/{} | {} / {} | {} | {} | {} | {} | {} |",
            cell(&c.job),
            c.state.as_deref().unwrap_or("no telemetry recorded"),
            c.chunks_done,
            c.chunks_total,
            c.rows_source,
            c.rows_target,
            c.missing,
            c.extra,
            c.changed,
            c.domain_problems,
            if fixes.is_empty() {
                "-".to_string()
            } else {
                fixes.join(", ")
            }
        );
    }
    out.push('\n');
}

fn health(out: &mut String, r: &Report) {
    let _ = writeln!(out, "## Health incidents\n");
    if r.health_incidents.is_empty() {
        let _ = writeln!(out, "No probe was recorded critical or without data.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Probe | Status | From | To | Lasted | Detail |\n|---|---|---|---|---|---|"
    );
    for h in &r.health_incidents {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&h.probe),
            h.status.replace('_', " "),
            clock(h.from),
            h.to.map_or("still at the end".to_string(), clock),
            secs(h.secs),
            h.detail.as_deref().map_or(String::new(), cell)
        );
    }
    out.push('\n');
}

fn notes_and_log(out: &mut String, r: &Report) {
    if !r.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {} {}: {}", clock(n.at), cell(&n.by), cell(&n.text));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Event log\n\n```text");
    for e in &r.events {
        // A fence inside user text must not close the block.
        if e.line.as_bytes().windows(3).any(|w| w == b"```") {
            out.push_str(&e.line.replace("```", "'''"));
        } else {
            out.push_str(&e.line);
        }
        if let Some(why) = &e.ignored {
            let _ = write!(out, " (ignored: {why})");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "```");
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    summary(&mut out, r);
    let _ = writeln!(
        out,
        "## Timeline: planned against actual\n\n```text\n{}\n```\n",
        text_chart::render(r)
    );
    steps(&mut out, r);
    gates(&mut out, r);
    rollback(&mut out, r);
    copies(&mut out, r);
    recons(&mut out, r);
    health(&mut out, r);
    notes_and_log(&mut out, r);
    out
}
