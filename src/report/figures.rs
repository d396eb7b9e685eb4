//! Copy and recon figures, from the telemetry the hub recorded and the coordinator's
//! decisions in the events.

use chrono::{DateTime, Utc};

use super::format::between;
use super::model::{CopyReport, CopySample, FixApproval, ReconReport};
use crate::drill::telemetry::copy::CopyProgress;
use crate::drill::telemetry::recon::ReconProgress;
use crate::drill::telemetry::Telemetry;
use crate::drill::{Event, EventKind};
use crate::journal::TelemetrySample;
use crate::runbook::Runbook;

/// The recorded samples that decode as telemetry, with their time. Samples of an unknown
/// shape (another version's) are left out.
pub fn readings(
    samples: &[TelemetrySample],
) -> impl Iterator<Item = (DateTime<Utc>, Telemetry)> + '_ {
    samples.iter().filter_map(|s| {
        serde_json::from_value::<Telemetry>(s.value.clone())
            .ok()
            .map(|t| (s.at, t))
    })
}

/// Job names: the runbook's, then any others the telemetry names, in order of appearance.
fn jobs(declared: impl Iterator<Item = String>, seen: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = declared.collect();
    for job in seen {
        if !out.contains(&job) {
            out.push(job);
        }
    }
    out
}

/// The tables of the copy (or recon) jobs over many tables, as their steps journaled them:
/// `JOB/TABLE` each, the same list the drill ran.
fn set_tables(events: &[Event], copy: bool) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TablesResolved { job, tables } => match (job, copy) {
                (crate::runbook::Evidence::CopyDone(set), true)
                | (crate::runbook::Evidence::ReconClean(set), false) => Some(
                    tables
                        .iter()
                        .map(|t| crate::runbook::table_job(set, t))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn copies(
    rb: &Runbook,
    events: &[Event],
    samples: &[TelemetrySample],
    origin: DateTime<Utc>,
) -> Vec<CopyReport> {
    let progress: Vec<(DateTime<Utc>, CopyProgress)> = readings(samples)
        .filter_map(|(at, t)| match t {
            Telemetry::Copy(p) => Some((at, p)),
            _ => None,
        })
        .collect();
    let names = jobs(
        rb.copies
            .iter()
            .map(|c| c.name.clone())
            .chain(set_tables(events, true)),
        progress.iter().map(|(_, p)| p.job.clone()),
    );
    names
        .into_iter()
        .map(|job| {
            let mine: Vec<&(DateTime<Utc>, CopyProgress)> =
                progress.iter().filter(|(_, p)| p.job == job).collect();
            let last = mine.last().map(|(_, p)| p);
            CopyReport {
                state: last.and_then(|p| snake(&p.state)),
                rows_done: last.map_or(0, |p| p.rows_done),
                rows_estimated: last.and_then(|p| p.rows_estimated),
                rows_per_sec_avg: last.map_or(0.0, |p| p.rows_per_sec_avg),
                retries: last.map_or(0, |p| p.retries),
                errors: last.map_or(0, |p| p.errors),
                samples: mine
                    .iter()
                    .map(|(at, p)| CopySample {
                        at: *at,
                        at_secs: between(origin, *at),
                        rows_done: p.rows_done,
                        rows_per_sec: p.rows_per_sec_now,
                    })
                    .collect(),
                controls: events
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::CopyControlled { job: j, control } if *j == job => Some(
                            format!("{} {}: {control}", super::format::clock(e.at), e.by),
                        ),
                        _ => None,
                    })
                    .collect(),
                job,
            }
        })
        .collect()
}

pub fn recons(rb: &Runbook, events: &[Event], samples: &[TelemetrySample]) -> Vec<ReconReport> {
    let progress: Vec<ReconProgress> = readings(samples)
        .filter_map(|(_, t)| match t {
            Telemetry::Recon(p) => Some(p),
            _ => None,
        })
        .collect();
    let names = jobs(
        rb.recons
            .iter()
            .map(|r| r.name.clone())
            .chain(set_tables(events, false)),
        progress.iter().map(|p| p.job.clone()),
    );
    names
        .into_iter()
        .map(|job| {
            let last = progress.iter().rev().find(|p| p.job == job);
            ReconReport {
                state: last.and_then(|p| snake(&p.state)),
                chunks_done: last.map_or(0, |p| p.chunks_done),
                chunks_total: last.map_or(0, |p| p.chunks_total),
                rows_source: last.map_or(0, |p| p.rows_source),
                rows_target: last.map_or(0, |p| p.rows_target),
                missing: last.map_or(0, |p| p.counts.missing),
                extra: last.map_or(0, |p| p.counts.extra),
                changed: last.map_or(0, |p| p.counts.changed),
                domain_problems: last.map_or(0, |p| p.problems() - p.counts.total()),
                fixes_approved: events
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::FixApproved { recon } if *recon == job => Some(FixApproval {
                            by: e.by.to_string(),
                            at: e.at,
                        }),
                        _ => None,
                    })
                    .collect(),
                job,
            }
        })
        .collect()
}

/// A unit enum's serde name ("running", "done").
fn snake<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}
