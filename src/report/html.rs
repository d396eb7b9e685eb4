//! The report as one self-contained HTML file: inline CSS and SVG, no script, no external
//! asset; prints on A4 without cutting a table row (or a step's table) across pages.
//! Every text from the runbook or the journal is escaped.

use std::fmt::Write;

use super::format::{clock, delta, opt_clock, rate, secs, utc};
use super::model::{Outcome, Report, StepReport};
use super::svg;

pub use super::escape::escape;
use super::escape::escape_into;

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 22px 0 8px; border-bottom: 1px solid #ccd; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; }
th, td { border: 1px solid #ccd; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef1f5; }
table.kv th { width: 28%; }
tr, .step, .gate, figure { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.result { font-size: 16px; font-weight: 700; padding: 6px 10px; display: inline-block; border-radius: 4px; background: #e8f5e9; }
.result.bad { background: #ffebee; color: #b71c1c; } .result.live { background: #fff8e1; }
.warning { border: 2px solid #b71c1c; background: #ffebee; padding: 8px 10px; font-weight: 600; }
.override, .over { color: #b71c1c; font-weight: 600; }
figure { margin: 0; } svg text { font-family: system-ui, sans-serif; }
pre.log { white-space: pre-wrap; font-size: 11px; background: #f6f8fa; padding: 8px; }
@media print { body { max-width: none; padding: 0; font-size: 11px; } pre.log { font-size: 9px; } }
"#;

fn kv(out: &mut String, rows: &[(String, String)]) {
    out.push_str(r#"<table class="kv"><tbody>"#);
    for (k, v) in rows {
        let _ = write!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</tbody></table>");
}

fn table(out: &mut String, class: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, r#"<table class="{class}"><thead><tr>"#);
    for h in head {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn who_when(at: Option<chrono::DateTime<chrono::Utc>>, by: Option<&str>) -> String {
    match (at, by) {
        (Some(at), Some(by)) => format!("{} by {}", clock(at), escape(by)),
        (Some(at), None) => clock(at),
        _ => "-".to_string(),
    }
}

fn summary(out: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = write!(
        out,
        "<h1>{} report: {}</h1>",
        if r.runbook.kind == "cutover" {
            "Cutover"
        } else {
            "Drill"
        },
        escape(&r.runbook.name)
    );
    if let Some(n) = s.drill_number {
        let _ = write!(out, "<p class=\"run\">Run #{n} of this runbook.</p>");
    }
    if !r.runbook.left_out.is_empty() {
        let _ = write!(
            out,
            "<p class=\"left-out\">Not part of this {}: {} (<code>only</code> the other kind of run).</p>",
            escape(&r.runbook.kind),
            escape(&r.runbook.left_out.join(", "))
        );
    }
    if let Some(damage) = r.damage_line() {
        let _ = write!(
            out,
            r#"<p class="warning" id="damage">WARNING: {}</p>"#,
            escape(&damage)
        );
    }
    let class = match s.outcome {
        Outcome::Completed => "",
        Outcome::InProgress | Outcome::NotStarted => " live",
        _ => " bad",
    };
    let _ = write!(
        out,
        r#"<p><span class="result{class}" id="result">Result: {}</span>{}</p>"#,
        s.outcome.label(),
        if s.live {
            format!(" live: figures as of {}", utc(s.as_of))
        } else {
            String::new()
        }
    );
    let actual = s.actual_secs.map_or("-".to_string(), |a| {
        format!("{} ({})", secs(a), delta(a, s.planned_secs))
    });
    let mut rows = vec![
        ("Kind".to_string(), escape(&r.runbook.kind)),
        ("Coordinator".to_string(), escape(&r.runbook.coordinator)),
        ("Planned (critical path)".to_string(), secs(s.planned_secs)),
        ("Actual (drill clock)".to_string(), actual),
        (
            "Started".to_string(),
            s.started_at.map_or("-".to_string(), utc),
        ),
        ("Ended".to_string(), s.ended_at.map_or("-".to_string(), utc)),
        (
            "Steps".to_string(),
            format!(
                "{} of {} done, {} skipped, {} failed, {} overran",
                s.steps_done, s.steps_total, s.steps_skipped, s.steps_failed, s.steps_overrun
            ),
        ),
        ("Coordinator overrides".to_string(), s.overrides.to_string()),
        (
            "Journal".to_string(),
            format!(
                "<code>{}</code> ({} events, written by warroom {})",
                escape(&r.journal.path),
                r.journal.events_read,
                escape(&r.journal.warroom_version)
            ),
        ),
    ];
    if let Some(d) = &r.runbook.description {
        rows.insert(1, ("Description".to_string(), escape(d)));
    }
    kv(out, &rows);
    for d in &r.journal.damage {
        let _ = write!(out, r#"<p class="damage-detail">{}</p>"#, escape(d));
    }
}

fn steps(out: &mut String, r: &Report) {
    out.push_str("<h2>Steps</h2>");
    let rows: Vec<Vec<String>> = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                (i + 1).to_string(),
                format!(
                    "<code>{}</code>{}{}",
                    escape(&s.id),
                    if s.gate { " ◆ gate" } else { "" },
                    if s.irreversible {
                        " (point of no return)"
                    } else {
                        ""
                    }
                ),
                escape(&s.dri),
                escape(&s.reviewer),
                secs(s.planned_secs),
                s.actual_secs.map_or("-".to_string(), secs),
                s.overrun_secs.map_or("-".to_string(), |o| {
                    format!(r#"<span class="over">+{}</span>"#, secs(o))
                }),
                escape(&s.status),
            ]
        })
        .collect();
    table(
        out,
        "steps",
        &[
            "#", "Step", "DRI", "Reviewer", "Planned", "Actual", "Overrun", "Status",
        ],
        &rows,
    );
    for s in &r.steps {
        step(out, s);
    }
}

fn step(out: &mut String, s: &StepReport) {
    let _ = write!(
        out,
        r#"<section class="step" id="step-{}"><h3><code>{}</code>: {} ({})</h3>"#,
        escape(&s.id),
        escape(&s.id),
        escape(&s.title),
        escape(&s.status)
    );
    let mut rows: Vec<(String, String)> = vec![
        ("Phase".into(), escape(&s.phase)),
        (
            "DRI / reviewer".into(),
            format!("{} / {}", escape(&s.dri), escape(&s.reviewer)),
        ),
        (
            "Planned / actual".into(),
            format!(
                "{} / {}{}",
                secs(s.planned_secs),
                s.actual_secs.map_or("-".to_string(), secs),
                s.overrun_secs.map_or(String::new(), |o| format!(
                    r#" <span class="over">(overrun +{})</span>"#,
                    secs(o)
                ))
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
    if s.irreversible {
        rows.push(("Point of no return".into(), "yes".into()));
    }
    for o in &s.overrides {
        rows.push((
            format!("Coordinator override ({})", o.kind.replace('_', "-")),
            format!(
                r#"<span class="override">{} by {}: {}</span>"#,
                clock(o.at),
                escape(&o.by),
                escape(&o.detail)
            ),
        ));
    }
    if let Some(reason) = &s.skip_reason {
        rows.push((
            "Skipped".into(),
            format!("{}: {}", opt_clock(s.skipped_at), escape(reason)),
        ));
    }
    if let Some(why) = &s.failure {
        rows.push((
            "Failed".into(),
            format!("{}: {}", opt_clock(s.failed_at), escape(why)),
        ));
    }
    for n in &s.notes {
        rows.push((
            "Note".into(),
            format!(
                r#"<span class="note">{} {}: {}</span>"#,
                clock(n.at),
                escape(&n.by),
                escape(&n.text)
            ),
        ));
    }
    for e in &s.evidence {
        rows.push(("Evidence".into(), escape(&e.describe())));
    }
    kv(out, &rows);
    out.push_str("</section>");
}

fn gates(out: &mut String, r: &Report) {
    if r.gates.is_empty() {
        return;
    }
    out.push_str("<h2>Gates</h2>");
    for g in &r.gates {
        let _ = write!(
            out,
            r#"<section class="gate" id="gate-{}"><h3><code>{}</code>: {}{}</h3><p>Approvers: {}</p>"#,
            escape(&g.step),
            escape(&g.step),
            escape(&g.outcome),
            if g.decided_at.is_some() {
                format!(" at {}", who_when(g.decided_at, g.decided_by.as_deref()))
            } else {
                String::new()
            },
            escape(&g.approvers.join(", "))
        );
        let rows: Vec<Vec<String>> = g
            .votes
            .iter()
            .map(|v| {
                vec![
                    v.seq.to_string(),
                    clock(v.at),
                    escape(&v.by),
                    if v.vote == "go" {
                        "GO".into()
                    } else {
                        r#"<span class="over">NO-GO</span>"#.into()
                    },
                    v.reason.as_deref().map_or(String::new(), escape),
                ]
            })
            .collect();
        if rows.is_empty() {
            out.push_str("<p>No vote was cast.</p>");
        } else {
            table(
                out,
                "votes",
                &["Seq", "Time", "Approver", "Vote", "Reason"],
                &rows,
            );
        }
        out.push_str("</section>");
    }
}

fn rollback(out: &mut String, r: &Report) {
    let Some(rb) = &r.rollback else {
        return;
    };
    let _ = write!(
        out,
        r#"<h2>Rollback</h2><p id="rollback">Called at {} by {} from <code>{}</code>: {}. {} (took {}).</p>"#,
        clock(rb.called_at),
        escape(&rb.called_by),
        escape(&rb.from),
        escape(&rb.reason),
        rb.completed_at
            .map_or("Not completed".to_string(), |at| format!(
                "Completed at {}",
                clock(at)
            )),
        secs(rb.actual_secs)
    );
    let rows: Vec<Vec<String>> = rb
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                (i + 1).to_string(),
                format!("<code>{}</code>", escape(&t.step)),
                escape(&t.instructions),
                escape(&t.status),
                who_when(t.started_at, t.started_by.as_deref()),
                format!(
                    "{}{}",
                    who_when(t.signed_off_at, t.signed_off_by.as_deref()),
                    if t.override_by_coordinator {
                        r#" <span class="override">(coordinator override)</span>"#
                    } else {
                        ""
                    }
                ),
                t.actual_secs.map_or("-".to_string(), secs),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>Nothing to undo: no started step declared a rollback.</p>");
    } else {
        table(
            out,
            "rollback",
            &[
                "#",
                "Undo step",
                "Instructions",
                "Status",
                "Started",
                "Signed off",
                "Took",
            ],
            &rows,
        );
    }
}

fn copies(out: &mut String, r: &Report) {
    if r.copies.is_empty() {
        return;
    }
    out.push_str("<h2>Copy</h2>");
    let rows: Vec<Vec<String>> = r
        .copies
        .iter()
        .map(|c| {
            vec![
                format!("<code>{}</code>", escape(&c.job)),
                escape(c.state.as_deref().unwrap_or("no telemetry recorded")),
                c.rows_done.to_string(),
                c.rows_estimated.map_or("-".to_string(), |e| e.to_string()),
                rate(c.rows_per_sec_avg),
                c.retries.to_string(),
                c.errors.to_string(),
            ]
        })
        .collect();
    table(
        out,
        "copies",
        &[
            "Job",
            "State",
            "Rows",
            "Estimated",
            "Average rate",
            "Retries",
            "Errors",
        ],
        &rows,
    );
    for c in r.copies.iter().filter(|c| !c.samples.is_empty()) {
        let _ = write!(
            out,
            "<h3>Rate over time: <code>{}</code></h3><figure>{}</figure>",
            escape(&c.job),
            svg::rate_chart(c)
        );
        let rows: Vec<Vec<String>> = c
            .samples
            .iter()
            .map(|s| {
                vec![
                    clock(s.at),
                    secs(s.at_secs),
                    s.rows_done.to_string(),
                    rate(s.rows_per_sec),
                ]
            })
            .collect();
        table(
            out,
            "copy-samples",
            &["Time", "Drill clock", "Rows", "Rate"],
            &rows,
        );
        for line in &c.controls {
            let _ = write!(out, "<p>{}</p>", escape(line));
        }
    }
}

fn recons(out: &mut String, r: &Report) {
    if r.recons.is_empty() {
        return;
    }
    out.push_str("<h2>Recon</h2>");
    let rows: Vec<Vec<String>> = r
        .recons
        .iter()
        .map(|c| {
            let fixes: Vec<String> = c
                .fixes_approved
                .iter()
                .map(|f| format!("{} by {}", clock(f.at), escape(&f.by)))
                .collect();
            vec![
                format!("<code>{}</code>", escape(&c.job)),
                escape(c.state.as_deref().unwrap_or("no telemetry recorded")),
                format!("{}/{}", c.chunks_done, c.chunks_total),
                format!("{} / {}", c.rows_source, c.rows_target),
                c.missing.to_string(),
                c.extra.to_string(),
                c.changed.to_string(),
                c.domain_problems.to_string(),
                if fixes.is_empty() {
                    "-".to_string()
                } else {
                    fixes.join(", ")
                },
            ]
        })
        .collect();
    table(
        out,
        "recons",
        &[
            "Job",
            "State",
            "Chunks",
            "Rows source / target",
            "Missing",
            "Extra",
            "Changed",
            "Business checks",
            "Fix approved",
        ],
        &rows,
    );
}

fn health(out: &mut String, r: &Report) {
    out.push_str("<h2>Health incidents</h2>");
    if r.health_incidents.is_empty() {
        out.push_str("<p>No probe was recorded critical or without data.</p>");
        return;
    }
    let rows: Vec<Vec<String>> = r
        .health_incidents
        .iter()
        .map(|h| {
            vec![
                format!("<code>{}</code>", escape(&h.probe)),
                escape(&h.status.replace('_', " ")),
                clock(h.from),
                h.to.map_or("still at the end".to_string(), clock),
                secs(h.secs),
                h.detail.as_deref().map_or(String::new(), escape),
            ]
        })
        .collect();
    table(
        out,
        "health",
        &["Probe", "Status", "From", "To", "Lasted", "Detail"],
        &rows,
    );
}

fn notes_and_log(out: &mut String, r: &Report) {
    if !r.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul>");
        for n in &r.notes {
            let _ = write!(
                out,
                "<li>{} {}: {}</li>",
                clock(n.at),
                escape(&n.by),
                escape(&n.text)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str(r#"<h2>Event log</h2><pre class="log" id="log">"#);
    for e in &r.events {
        escape_into(out, &e.line);
        if let Some(why) = &e.ignored {
            out.push_str(" (ignored: ");
            escape_into(out, why);
            out.push(')');
        }
        out.push('\n');
    }
    out.push_str("</pre>");
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} report: {}</title><style>{STYLE}</style></head><body>"#,
        if r.runbook.kind == "cutover" {
            "Cutover"
        } else {
            "Drill"
        },
        escape(&r.runbook.name)
    );
    summary(&mut out, r);
    let _ = write!(
        out,
        "<h2>Timeline: planned against actual</h2><figure>{}</figure>",
        svg::render(r)
    );
    steps(&mut out, r);
    gates(&mut out, r);
    rollback(&mut out, r);
    copies(&mut out, r);
    recons(&mut out, r);
    health(&mut out, r);
    notes_and_log(&mut out, r);
    out.push_str("</body></html>\n");
    out
}
