//! The drill-over-drill comparison as Markdown and as a self-contained HTML page.

use std::fmt::Write;

use super::compare::Comparison;
use super::escape::escape;
use super::format::{secs, utc};

fn opt(v: Option<f64>) -> String {
    v.map_or("-".to_string(), secs)
}

/// One cell of a step's row: its actual time, "-" if it did not run, "n/a" when that
/// drill's runbook has no such step; "+" marks an overrun.
fn cell(row: &super::compare::StepRow, i: usize) -> String {
    if !row.present.get(i).copied().unwrap_or(false) {
        return "n/a".to_string();
    }
    let actual = row.actual_secs.get(i).copied().flatten();
    let planned = row.planned_secs.get(i).copied().flatten();
    match (actual, planned) {
        (Some(a), Some(p)) if a > p => format!("{} (+{})", secs(a), secs(a - p)),
        (a, _) => opt(a),
    }
}

fn md_text(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "\\<")
        .replace(['\r', '\n'], " ")
}

pub fn markdown(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Drill comparison: {} drills\n", c.drills.len());
    let _ = writeln!(out, "| # | Journal | Runbook | Started | Result | Planned | Actual |\n|---|---|---|---|---|---|---|");
    for (i, d) in c.drills.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {}{} | {} | {} | {} | {} | {} |",
            i + 1,
            md_text(&d.journal),
            if d.damaged {
                " (damaged: readable prefix only)"
            } else {
                ""
            },
            md_text(&d.runbook),
            d.started_at.map_or("-".to_string(), utc),
            d.outcome.label(),
            secs(d.planned_secs),
            opt(d.actual_secs)
        );
    }
    out.push('\n');
    let head: Vec<String> = (1..=c.drills.len()).map(|i| format!("Drill {i}")).collect();
    let _ = writeln!(
        out,
        "## Actual per step\n\n| Step | {} | Median | Overran in | Runbook change |\n|---|{}---|---|---|",
        head.join(" | "),
        "---|".repeat(c.drills.len())
    );
    for s in &c.steps {
        let cells: Vec<String> = (0..c.drills.len()).map(|i| cell(s, i)).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} of {} | {} |",
            md_text(&s.id),
            cells.join(" | "),
            opt(s.median_secs),
            s.overran_in,
            s.present.iter().filter(|p| **p).count(),
            md_text(&s.change)
        );
    }
    let totals: Vec<String> = c.drills.iter().map(|d| opt(d.actual_secs)).collect();
    let _ = writeln!(out, "| **Total** | {} | | | |\n", totals.join(" | "));
    if !c.runbook_changes.is_empty() {
        let _ = writeln!(out, "## Runbook changes\n");
        for change in &c.runbook_changes {
            let _ = writeln!(out, "- {}", md_text(change));
        }
        out.push('\n');
    }
    if c.most_overrun.is_empty() {
        let _ = writeln!(out, "No step overran in any drill.");
    } else {
        let ids: Vec<String> = c
            .most_overrun
            .iter()
            .map(|s| format!("`{}`", md_text(s)))
            .collect();
        let _ = writeln!(
            out,
            "Overran in the most drills ({} of {}): {}.",
            c.most_overrun_count,
            c.drills.len(),
            ids.join(", ")
        );
    }
    out
}

pub fn html(c: &Comparison) -> String {
    let mut out = String::from(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Drill comparison</title><style>@page { size: A4; margin: 14mm 12mm; } body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; } table { border-collapse: collapse; margin: 6px 0 14px; } th, td { border: 1px solid #ccd; padding: 3px 6px; text-align: left; } th { background: #eef1f5; } tr { break-inside: avoid; } .over { color: #b71c1c; }</style></head><body>"#,
    );
    let _ = write!(out, "<h1>Drill comparison: {} drills</h1><table class=\"drills\"><thead><tr><th>#</th><th>Journal</th><th>Runbook</th><th>Started</th><th>Result</th><th>Planned</th><th>Actual</th></tr></thead><tbody>", c.drills.len());
    for (i, d) in c.drills.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&d.journal),
            if d.damaged { " (damaged: readable prefix only)" } else { "" },
            escape(&d.runbook),
            d.started_at.map_or("-".to_string(), utc),
            d.outcome.label(),
            secs(d.planned_secs),
            opt(d.actual_secs)
        );
    }
    out.push_str("</tbody></table><h2>Actual per step</h2><table class=\"per-step\"><thead><tr><th>Step</th>");
    for i in 1..=c.drills.len() {
        let _ = write!(out, "<th>Drill {i}</th>");
    }
    out.push_str("<th>Median</th><th>Overran in</th><th>Runbook change</th></tr></thead><tbody>");
    for s in &c.steps {
        let _ = write!(out, "<tr><td><code>{}</code></td>", escape(&s.id));
        for i in 0..c.drills.len() {
            let text = cell(s, i);
            let class = if text.contains("(+") {
                " class=\"over\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(&text));
        }
        let _ = write!(
            out,
            "<td>{}</td><td>{} of {}</td><td>{}</td></tr>",
            opt(s.median_secs),
            s.overran_in,
            s.present.iter().filter(|p| **p).count(),
            escape(&s.change)
        );
    }
    out.push_str("<tr><th>Total</th>");
    for d in &c.drills {
        let _ = write!(out, "<th>{}</th>", opt(d.actual_secs));
    }
    out.push_str("<th></th><th></th><th></th></tr></tbody></table>");
    if !c.runbook_changes.is_empty() {
        out.push_str("<h2>Runbook changes</h2><ul id=\"runbook-changes\">");
        for change in &c.runbook_changes {
            let _ = write!(out, "<li>{}</li>", escape(change));
        }
        out.push_str("</ul>");
    }
    if !c.most_overrun.is_empty() {
        let ids: Vec<String> = c
            .most_overrun
            .iter()
            .map(|s| format!("<code>{}</code>", escape(s)))
            .collect();
        let _ = write!(
            out,
            "<p id=\"most-overrun\">Overran in the most drills ({} of {}): {}.</p>",
            c.most_overrun_count,
            c.drills.len(),
            ids.join(", ")
        );
    }
    out.push_str("</body></html>\n");
    out
}
