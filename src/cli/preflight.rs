//! `warroom preflight RUNBOOK [--json]`: the hazard scan without the console. Findings by
//! severity (what, why, what to do), ID headroom, copy estimates and a summary go to
//! stdout (or one JSON report). Exit 0 without a blocker, 1 with one, 2 on error.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context as _;

use crate::preflight::estimate::human;
use crate::preflight::{self, Options, Report, Severity};

use super::args::PreflightArgs;
use super::session::load_runbook;

pub const EXIT_CLEAR: i32 = 0;
pub const EXIT_BLOCKER: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Runs the scan and prints it; the exit code (errors are exit 2, said on stderr).
pub async fn run(args: &PreflightArgs) -> i32 {
    let outcome = async {
        let runbook = load_runbook(&args.runbook)?;
        let opts = Options {
            headroom_days: args.headroom_days,
            scan_rows: args.scan_rows,
            history: history(&args.journals).await?,
            ..Options::default()
        };
        let report = preflight::scan(&runbook, &opts).await;
        let mut out = super::output::stdout();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write_text(&report, &mut out)?;
        }
        Ok::<_, anyhow::Error>(if report.has_blocker() {
            EXIT_BLOCKER
        } else {
            EXIT_CLEAR
        })
    }
    .await;
    match outcome {
        Ok(code) => code,
        Err(e) => {
            super::output::note(format!("error: {e:#}"));
            EXIT_ERROR
        }
    }
}

/// The average copy rate per job over the journals given (the latest journal wins).
async fn history(journals: &[std::path::PathBuf]) -> anyhow::Result<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for path in journals {
        let report = crate::report::load(path, chrono::Utc::now())
            .await
            .with_context(|| format!("cannot read journal {}", path.display()))?;
        for c in report.copies {
            if c.rows_per_sec_avg > 0.0 {
                out.insert(c.job, c.rows_per_sec_avg);
            }
        }
    }
    Ok(out)
}

/// The text report.
pub fn write_text(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &report.findings {
        let tag = match f.severity {
            Severity::Blocker => "BLOCKER",
            Severity::Warning => "WARNING",
            Severity::Info => "info",
        };
        let jobs = if f.jobs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.jobs.join(", "))
        };
        writeln!(out, "{tag:<8} {}{jobs}: {}", f.place(), f.what)?;
        writeln!(out, "         why: {}", f.why)?;
        writeln!(out, "         do:  {}", f.fix)?;
    }
    if !report.headroom.is_empty() {
        writeln!(out, "\nID headroom")?;
        for h in &report.headroom {
            let rate = match (h.per_day, h.days_left) {
                (Some(r), Some(d)) => format!(", {r:.0}/day, {d:.0} days left"),
                _ => ", growth rate unknown (no creation-time column)".to_string(),
            };
            writeln!(
                out,
                "  {} {}.{} ({}): {} of {} ({}), {:.2}% used{rate}",
                h.connection,
                h.table,
                h.column,
                h.counter,
                h.current,
                h.max,
                h.bound_by,
                h.used_percent
            )?;
        }
    }
    if !report.estimates.is_empty() {
        writeln!(out, "\nCopy estimates")?;
        for e in &report.estimates {
            let rows = e.rows.map_or("? rows".to_string(), |r| {
                format!("{r}{} rows", if e.rows_exact { "" } else { " (estimated)" })
            });
            let bytes = e
                .bytes
                .map_or(String::new(), |b| format!(", {:.1} MB", b as f64 / 1e6));
            let time = e.seconds.map_or("duration unknown".to_string(), |s| {
                format!("about {}", human(s))
            });
            let plan = e
                .planned_seconds
                .map_or(String::new(), |p| format!(", planned {}", human(p)));
            writeln!(
                out,
                "  {}: {rows}{bytes}, {time}{plan} — {}",
                e.job, e.basis
            )?;
        }
    }
    let reached = report.connections.iter().filter(|c| c.reached).count();
    writeln!(
        out,
        "\n{}: {} ({} of {} connections reached, {} table pairs, {:.1} s)",
        report.runbook,
        report.counts.summary(),
        reached,
        report.connections.len(),
        report.pairs,
        report.seconds
    )
}
