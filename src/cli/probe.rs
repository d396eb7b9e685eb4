//! `warroom probe RUNBOOK [--once] [--json]`: sample every probe and print name, value,
//! status and error. Once: every probe sampled concurrently, one table (or one JSON
//! document). Otherwise: one line (or one JSON object per line) per sample and per status
//! change, until Ctrl-C.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::drill::clock::SystemClock;
use crate::health::sample::{
    format_value, labels_text, Labels, ProbeSample, ProbeStatus, StatusChange,
};
use crate::health::{sample_once, sampler};
use crate::runbook::{ProbeKind, ProbeSpec, Runbook};

use super::session::load_runbook;

/// Exit code: 0 when every probe was green (with --once), 1 otherwise.
pub async fn run(path: &Path, once: bool, json: bool) -> anyhow::Result<i32> {
    let runbook = load_runbook(path)?;
    if runbook.probes.is_empty() {
        anyhow::bail!(
            "{} declares no [[probe]]: add one (see README, Health probes)",
            path.display()
        );
    }
    let mut out = super::output::stdout();
    let all_green = run_headless(&runbook, once, json, &mut out).await?;
    Ok(i32::from(!all_green))
}

/// One probe's line in the JSON output.
#[derive(Debug, Serialize)]
struct JsonSample<'a> {
    probe: &'a str,
    kind: ProbeKind,
    at: DateTime<Utc>,
    value: Option<f64>,
    unit: Option<&'a str>,
    status: ProbeStatus,
    error: Option<&'a str>,
    latency_ms: f64,
    series: Vec<JsonSeries<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonSeries<'a> {
    labels: &'a Labels,
    value: f64,
}

#[derive(Debug, Serialize)]
struct JsonOnce<'a> {
    all_green: bool,
    probes: Vec<JsonSample<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonChange<'a> {
    change: &'a StatusChange,
    message: String,
}

fn json_sample<'a>(spec: &'a ProbeSpec, s: &'a ProbeSample) -> JsonSample<'a> {
    JsonSample {
        probe: &spec.name,
        kind: spec.kind,
        at: s.at,
        value: s.value.filter(|v| v.is_finite()),
        unit: spec.unit.as_deref(),
        status: s.status,
        error: s.error.as_deref(),
        latency_ms: s.latency.as_secs_f64() * 1000.0,
        series: s
            .series
            .iter()
            .map(|(labels, value)| JsonSeries {
                labels,
                value: *value,
            })
            .collect(),
    }
}

/// Samples the runbook's probes and prints them to `out`; returns whether all were green
/// (in continuous mode: at the last update before Ctrl-C).
pub async fn run_headless(
    runbook: &Runbook,
    once: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let ctrl_c = async {
        // If the signal cannot be watched, run until the process is killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    run_headless_until(runbook, once, json, out, ctrl_c).await
}

/// [`run_headless`], continuous mode stopping when `stop` completes instead of at Ctrl-C.
pub async fn run_headless_until(
    runbook: &Runbook,
    once: bool,
    json: bool,
    out: &mut dyn Write,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<bool> {
    if runbook.probes.is_empty() {
        if json {
            writeln!(out, r#"{{"all_green":true,"probes":[]}}"#)?;
        } else {
            writeln!(out, "this runbook declares no probes")?;
        }
        return Ok(true);
    }
    if once {
        run_once(runbook, json, out).await
    } else {
        run_continuous(runbook, json, out, stop).await
    }
}

async fn run_once(runbook: &Runbook, json: bool, out: &mut dyn Write) -> anyhow::Result<bool> {
    let samples = sample_once(runbook).await;
    let all_green = samples.iter().all(|s| s.status.is_green());
    if json {
        let doc = JsonOnce {
            all_green,
            probes: runbook
                .probes
                .iter()
                .zip(&samples)
                .map(|(spec, s)| json_sample(spec, s))
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
    } else {
        let width = name_width(&runbook.probes);
        writeln!(
            out,
            "{:<width$}  {:>14}  {:<8}  {:>8}  ERROR",
            "PROBE", "VALUE", "STATUS", "LATENCY"
        )?;
        for (spec, s) in runbook.probes.iter().zip(&samples) {
            write_text_line(out, spec, s, width)?;
        }
    }
    out.flush()?;
    Ok(all_green)
}

async fn run_continuous(
    runbook: &Runbook,
    json: bool,
    out: &mut dyn Write,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<bool> {
    let (handle, mut updates) = sampler::start(runbook, Arc::new(SystemClock));
    let width = name_width(&runbook.probes);
    let mut all_green = false;
    tokio::pin!(stop);
    loop {
        let update = tokio::select! {
            u = updates.recv() => u,
            () = &mut stop => None,
        };
        let Some(update) = update else { break };
        all_green = update.snapshot.all_green();
        if let Some(s) = &update.sample {
            if let Some(spec) = runbook.probes.iter().find(|p| p.name == s.probe) {
                if json {
                    serde_json::to_writer(&mut *out, &json_sample(spec, s))?;
                    writeln!(out)?;
                } else {
                    write!(out, "{}  ", s.at.format("%H:%M:%S"))?;
                    write_text_line(out, spec, s, width)?;
                }
            }
        }
        for change in &update.changes {
            if json {
                let line = JsonChange {
                    change,
                    message: change.describe(),
                };
                serde_json::to_writer(&mut *out, &line)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{}  ** {}",
                    change.at.format("%H:%M:%S"),
                    change.describe()
                )?;
            }
        }
        out.flush()?;
    }
    handle.stop();
    Ok(all_green)
}

fn name_width(specs: &[ProbeSpec]) -> usize {
    specs
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(5)
        .max(5)
}

fn write_text_line(
    out: &mut dyn Write,
    spec: &ProbeSpec,
    s: &ProbeSample,
    width: usize,
) -> std::io::Result<()> {
    let value = s.value.map_or_else(
        || "-".to_string(),
        |v| format_value(v, spec.unit.as_deref()),
    );
    let latency = format!("{}ms", s.latency.as_millis());
    writeln!(
        out,
        "{:<width$}  {:>14}  {:<8}  {:>8}  {}",
        spec.name,
        value,
        s.status.label(),
        latency,
        s.error.as_deref().unwrap_or("")
    )?;
    if s.series.len() > 1 {
        for (labels, v) in &s.series {
            writeln!(
                out,
                "{:<width$}    {} {}",
                "",
                labels_text(labels),
                format_value(*v, spec.unit.as_deref())
            )?;
        }
    }
    Ok(())
}
