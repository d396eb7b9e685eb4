//! `warroom recon RUNBOOK --job NAME [--json] [--fix-sql FILE]`: one recon without the
//! console. Mismatches go to stdout (one line each, or one JSON report); progress to
//! stderr. Exit 0 when there are none, 1 when there are, 2 on error, so a pipeline can
//! gate on it.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use crate::drill::telemetry::recon::{
    DomainResult, Mismatch, MismatchCounts, MismatchKind, ReconProgress,
};
use crate::recon::diff::quoted;
use crate::recon::fix::{fix_script, fix_sql};
use crate::recon::{connect_job, ReconOutcome};
use crate::runbook::Runbook;

use super::session::load_runbook;

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_MISMATCHES: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Runs the recon and prints what it found; the exit code (errors are exit 2, said on stderr).
pub async fn run(path: &Path, job: &str, json: bool, fix_file: Option<&Path>) -> i32 {
    let outcome = async {
        let runbook = load_runbook(path)?;
        let mut out = super::output::stdout();
        run_headless(&runbook, job, json, fix_file, &mut out).await
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

/// The JSON report.
#[derive(Debug, Serialize)]
pub struct ReconReport<'a> {
    pub job: &'a str,
    pub seconds: f64,
    pub chunks: u64,
    pub rows_source: u64,
    pub rows_target: u64,
    pub counts: MismatchCounts,
    pub mismatches: Vec<&'a Mismatch>,
    pub domain: &'a [DomainResult],
}

/// One mismatch as a line: `changed id=7: note 'a' → ''; amount '10.5' → NULL`, every
/// value quoted ([`quoted`]) so that `''`, a trailing space and the text `NULL` show.
pub fn plain_line(m: &Mismatch) -> String {
    let key = m.key.join(", ");
    if m.kind != MismatchKind::Changed {
        return format!("{} in target: {key}", m.kind.label());
    }
    let value = |v: &Option<String>| v.as_deref().map_or("NULL".to_string(), quoted);
    let cols: Vec<String> = m
        .columns
        .iter()
        .map(|c| format!("{} {} → {}", c.column, value(&c.source), value(&c.target)))
        .collect();
    format!("changed {key}: {}", cols.join("; "))
}

/// `JOB/TABLE`: one table of a recon over many tables, its key found as the step would;
/// `None` when `job` names no such table.
async fn one_table(
    runbook: &Runbook,
    job: &str,
) -> anyhow::Result<Option<crate::runbook::ReconSpec>> {
    let Some((name, table)) = job.split_once('/') else {
        return Ok(None);
    };
    let (Some(set), Some(_)) = (runbook.recon_set(name), runbook.recon_job(job)) else {
        return Ok(None);
    };
    let set_job = crate::runner::tables::SetJob {
        evidence: crate::runbook::Evidence::ReconClean(name.to_string()),
        source: &set.template.source,
        tables: &set.tables,
        key: &set.template.key,
    };
    let key = crate::runner::tables::one_table_key(runbook, &set_job, table)
        .await
        .map_err(|e| anyhow::anyhow!("recon `{job}`: {e}"))?;
    Ok(Some(set.for_table(table, key)))
}

/// Runs recon job `job` of `runbook` and prints what it found; returns the exit code.
pub async fn run_headless(
    runbook: &Runbook,
    job: &str,
    json: bool,
    fix_file: Option<&Path>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<i32> {
    let spec = match runbook.recons.iter().find(|r| r.name == job) {
        Some(spec) => spec.clone(),
        None => one_table(runbook, job).await?.ok_or_else(|| {
            let names: Vec<&str> = runbook.recons.iter().map(|r| r.name.as_str()).collect();
            anyhow::anyhow!(
                "no [[recon]] named `{job}` in the runbook (it has: {})",
                names.join(", ")
            )
        })?,
    };
    let recon = connect_job(runbook, &spec).await?;
    let (tx, mut rx) = mpsc::channel::<ReconProgress>(16);
    let terminal = std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        let mut last = std::time::Instant::now();
        while let Some(p) = rx.recv().await {
            if terminal || last.elapsed().as_secs() >= 5 {
                last = std::time::Instant::now();
                let line = format!(
                    "recon {}: {}/{} chunks, {} rows, {} mismatches",
                    p.job,
                    p.chunks_done,
                    p.chunks_total,
                    p.rows_source,
                    p.counts.total()
                );
                let mut err = std::io::stderr();
                let _ = if terminal {
                    write!(err, "\r\x1b[2K{line}")
                } else {
                    writeln!(err, "{line}")
                };
            }
        }
        if terminal {
            let _ = writeln!(std::io::stderr());
        }
    });
    let (_stop_tx, stop_rx) = watch::channel(false);
    let outcome = recon.run(tx, stop_rx).await;
    let _ = printer.await;
    let ReconOutcome { progress, findings } = outcome?;
    if let Some(path) = fix_file {
        let statements = fix_sql(&recon.src, &recon.tgt, &findings)
            .map_err(|e| anyhow::anyhow!("the fix SQL cannot be written: {e}"))?;
        let text = fix_script(job, &recon.tgt, &statements);
        std::fs::write(path, text)
            .with_context(|| format!("cannot write the fix SQL to {}", path.display()))?;
    }
    let mismatches: Vec<&Mismatch> = findings.iter().map(|f| &f.mismatch).collect();
    if json {
        let report = ReconReport {
            job,
            seconds: progress.elapsed_secs,
            chunks: progress.chunks_total,
            rows_source: progress.rows_source,
            rows_target: progress.rows_target,
            counts: progress.counts,
            mismatches,
            domain: &progress.domain,
        };
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        for m in &mismatches {
            writeln!(out, "{}", plain_line(m))?;
        }
        for d in &progress.domain {
            for line in &d.differences {
                writeln!(out, "check {}: {line}", d.name)?;
            }
            if let Some(e) = &d.error {
                writeln!(out, "check {}: {e}", d.name)?;
            }
        }
        writeln!(
            out,
            "recon {job}: {} rows in source, {} in target, {} chunks in {:.1} s: {} missing, {} extra, {} changed",
            progress.rows_source,
            progress.rows_target,
            progress.chunks_total,
            progress.elapsed_secs,
            progress.counts.missing,
            progress.counts.extra,
            progress.counts.changed
        )?;
    }
    Ok(if progress.problems() == 0 {
        EXIT_CLEAN
    } else {
        EXIT_MISMATCHES
    })
}
