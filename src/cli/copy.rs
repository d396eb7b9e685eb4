//! `warroom copy RUNBOOK --job NAME [--json] [--restart [--overwrite]]`: one copy job
//! without the console.
//!
//! Progress goes to stderr (a redrawn bar on a terminal, a plain line every few seconds
//! otherwise); the summary goes to `out` (text, or one JSON object with `json`).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::mpsc;

use crate::copy::{
    find_job, run_job, CopyProgress, CopyState, CopySummary, Restart, ThrottleState,
};
use crate::runbook::Runbook;

use super::session::load_runbook;

/// Exit code 0 only when the copy completed (errors become exit 1 at the edge).
pub async fn run(path: &Path, job: &str, json: bool, restart: Restart) -> anyhow::Result<i32> {
    let runbook = load_runbook(path)?;
    let mut out = super::output::stdout();
    run_headless(&runbook, job, json, restart, &mut out).await?;
    Ok(0)
}

/// `JOB/TABLE`: one table of a copy over many tables, its key found as the step would;
/// `None` when `job` names no such table.
async fn one_table(
    runbook: &Runbook,
    job: &str,
) -> anyhow::Result<Option<crate::runbook::CopySpec>> {
    let Some((name, table)) = job.split_once('/') else {
        return Ok(None);
    };
    let (Some(set), Some(_)) = (runbook.copy_set(name), runbook.copy_job(job)) else {
        return Ok(None);
    };
    let set_job = crate::runner::tables::SetJob {
        evidence: crate::runbook::Evidence::CopyDone(name.to_string()),
        source: &set.template.source,
        tables: &set.tables,
        key: &set.template.key,
    };
    let key = crate::runner::tables::one_table_key(runbook, &set_job, table)
        .await
        .map_err(|e| anyhow::anyhow!("copy `{job}`: {e}"))?;
    Ok(Some(set.for_table(table, key)))
}

/// Runs copy job `job` of `runbook` to its end. Resumes from the job's checkpoint when
/// one exists, unless `restart` says otherwise. Errors unless the copy completed.
pub async fn run_headless(
    runbook: &Runbook,
    job: &str,
    json: bool,
    restart: Restart,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<CopySummary> {
    let spec = match find_job(runbook, job) {
        Ok(spec) => spec.clone(),
        Err(not_found) => one_table(runbook, job).await?.ok_or(not_found)?,
    };
    let spec = &spec;
    let (_control_tx, control_rx) = mpsc::channel(4);
    let (progress_tx, mut progress_rx) = mpsc::channel::<CopyProgress>(16);
    let terminal = std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        let mut last_line: Option<std::time::Instant> = None;
        let mut last_said: Option<(CopyState, Option<String>)> = None;
        while let Some(p) = progress_rx.recv().await {
            let mut err = std::io::stderr();
            // A plain line every 5 s, and at once when the state or the error changes.
            // (A stall's line counts its minutes: it changes every reading, the state does not.)
            let error = (p.state != CopyState::Stalled)
                .then(|| p.last_error.clone())
                .flatten();
            let said = Some((p.state, error));
            if terminal {
                let _ = write!(err, "\r\x1b[2K{}", bar_line(&p));
                let _ = err.flush();
            } else if last_line.is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
                || said != last_said
            {
                last_line = Some(std::time::Instant::now());
                let _ = writeln!(err, "{}", plain_line(&p));
            }
            last_said = said;
        }
        if terminal {
            let _ = writeln!(std::io::stderr());
        }
    });
    let result = run_job(runbook, spec, None, restart, false, control_rx, progress_tx).await;
    let _ = printer.await;
    let summary = result.with_context(|| format!("copy `{job}` did not complete"))?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else {
        writeln!(
            out,
            "copy {}: {}, {} retries, {:.1} s throttled",
            summary.job,
            summary.describe(),
            summary.retries,
            summary.throttled_secs,
        )?;
    }
    if summary.state != CopyState::Done {
        anyhow::bail!("copy `{job}` ended {:?}", summary.state);
    }
    Ok(summary)
}

fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn status(p: &CopyProgress) -> String {
    let mut s = format!("{:?}", p.state).to_lowercase();
    if !p.throttle.reason.is_empty() && p.throttle.state != ThrottleState::Free {
        s.push_str(&format!(" ({})", p.throttle.reason));
    }
    match (&p.state, &p.last_error) {
        // `retrying (3): the source is unreachable: ... Connection refused (os error 111)`
        // ... or `stalled: no progress for 10m (stalled_after 10m) at 1200 of 5000 rows`
        (CopyState::Retrying | CopyState::Stalled, Some(e)) => s.clone_from(e),
        _ if p.retries > 0 => s.push_str(&format!(" retries {}", p.retries)),
        _ => {}
    }
    s
}

fn bar_line(p: &CopyProgress) -> String {
    let frac = p
        .rows_estimated
        .filter(|t| *t > 0)
        .map(|t| (p.rows_done as f64 / t as f64).min(1.0));
    let width = 30;
    // `frac` is within 0..=1, so this is within 0..=30.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let filled = frac.map_or(0, |f| (f * width as f64) as usize);
    let eta = p
        .eta_secs()
        .map_or(String::new(), |e| format!(" ETA {e:.0}s"));
    format!(
        "{} [{}{}] {} {} rows {}/s{} {}",
        p.job,
        "#".repeat(filled),
        "-".repeat(width - filled),
        frac.map_or("  ?".into(), |f| format!("{:3.0}%", f * 100.0)),
        human(p.rows_done as f64),
        human(p.rows_per_sec_now),
        eta,
        status(p)
    )
}

fn plain_line(p: &CopyProgress) -> String {
    format!(
        "copy {}: {} rows of {} ({} rows/s now, {} avg) {}",
        p.job,
        p.rows_done,
        p.rows_estimated.map_or("?".into(), |t| t.to_string()),
        human(p.rows_per_sec_now),
        human(p.rows_per_sec_avg),
        status(p)
    )
}
