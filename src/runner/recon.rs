//! Recon in the drill: a step whose action is `recon = "job"` runs that recon when it
//! starts (and again on resume if the step is still running without a result). Progress
//! goes to the hub as telemetry, mismatches included as they are found; the result is
//! journaled as evidence `recon:job`, holding only with zero mismatches. When the
//! coordinator approves the fix (`FixApproved`), the fix SQL is applied to the target in
//! one transaction, the affected rows are checked again, and the evidence is re-recorded.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch, Mutex};

use crate::drill::telemetry::recon::{MismatchCounts, ReconProgress};
use crate::drill::telemetry::Telemetry;
use crate::drill::{Drill, EventKind, Follower, Target, Update};
use crate::hub::HubHandle;
use crate::runbook::{Action, Evidence};

use crate::recon::fix::{apply, fix_sql};

use super::recon_run::{recon_once, record, verdict, Results};

/// Watches the drill and runs recon actions. Spawn it as a task; it ends with the hub.
pub async fn run_actions(hub: HubHandle) {
    let runbook = hub.runbook().clone();
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let results: Results = Arc::new(Mutex::new(BTreeMap::new()));
    // Continuous recons run while their step is active.
    let mut watching = Watching::new();
    // Recons that run across steps (`active`), started and stopped by their span.
    let mut spans = super::recon_span::Spans::default();
    // Resume: active recon steps whose result was never reported run again.
    start_active(&hub, &follower.replica().drill, &results, &mut watching);
    spans.sync(&hub, &follower.replica().drill, &results);
    while let Some(update) = follower.next().await {
        let drill = &follower.replica().drill;
        let event = match update {
            Update::Event(event) => event,
            // A fresh start after a gap or a lag: start what should be running now.
            Update::Snapshot { .. } => {
                start_active(&hub, drill, &results, &mut watching);
                spans.sync(&hub, drill, &results);
                continue;
            }
            Update::Telemetry(_) => continue,
        };
        spans.sync(&hub, drill, &results);
        watching.retain(|_, (target, stop)| {
            let active = drill.is_active(target);
            if !active {
                let _ = stop.send(true);
            }
            active
        });
        match &event.kind {
            EventKind::Started { target } => {
                if let Some(Action::Recon(job)) = drill.work(target).map(|w| w.action) {
                    let stop = stopper(&mut watching, target, job);
                    spawn_job(&hub, drill, job, &results, stop);
                }
            }
            EventKind::FixApproved { recon } => {
                tokio::spawn(apply_fix(hub.clone(), recon.clone(), results.clone()));
            }
            EventKind::EvidenceRecorded {
                evidence: Evidence::ReconClean(name),
                holds: true,
                ..
            } => {
                if let Some((set, _)) = name.split_once('/') {
                    super::recon_set::after_fix(&hub, drill, set).await;
                }
            }
            _ => {}
        }
    }
}

/// Starts the recon of every active step or rollback task with a recon action that is
/// neither running here nor reported yet (by this run of it).
fn start_active(hub: &HubHandle, drill: &Drill, results: &Results, watching: &mut Watching) {
    for work in drill.active_work() {
        let Action::Recon(job) = work.action else {
            continue;
        };
        // A recon over many tables reports `recon:JOB` only at its end.
        if drill.reported(&work).is_none() && !watching.contains_key(job) {
            let stop = stopper(watching, &work.target, job);
            spawn_job(hub, drill, job, results, stop);
        }
    }
}

/// Runs recon `job`: one table, or each table of a recon over many.
fn spawn_job(
    hub: &HubHandle,
    drill: &Drill,
    job: &str,
    results: &Results,
    stop: watch::Receiver<bool>,
) {
    if let Some(set) = hub.runbook().recon_set(job) {
        let start = super::recon_set::SetStart::from_drill(drill, set);
        tokio::spawn(super::recon_set::run_set(
            hub.clone(),
            start,
            results.clone(),
        ));
    } else {
        tokio::spawn(run_job(hub.clone(), job.to_string(), results.clone(), stop));
    }
}

/// Continuous recons by job: the step or rollback task that runs it, and its stop signal.
type Watching = BTreeMap<String, (Target, watch::Sender<bool>)>;

/// A stop signal for the continuous part of `job`, run by `target`.
fn stopper(watching: &mut Watching, target: &Target, job: &str) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    watching.insert(job.to_string(), (target.clone(), tx));
    rx
}

async fn run_job(hub: HubHandle, job: String, results: Results, stop: watch::Receiver<bool>) {
    let (holds, detail) = match recon_once(&hub, &job).await {
        Ok((recon, progress, findings)) => {
            let verdict = verdict(&progress.counts, progress.problems());
            let holds = progress.problems() == 0;
            let detail = format!(
                "{} rows checked in {:.1} s: {verdict}",
                progress.rows_source, progress.elapsed_secs
            );
            results
                .lock()
                .await
                .insert(job.clone(), (recon, progress, findings));
            (holds, detail)
        }
        Err(e) => (false, format!("recon failed: {e:#}")),
    };
    record(&hub, &job, holds, detail).await;
    if holds {
        watch_job(&hub, &job, &results, stop).await;
    }
}

/// Continuous mode after a clean pass: re-records the evidence whenever the set of
/// differences that outlasted the settle delay changes.
async fn watch_job(hub: &HubHandle, job: &str, results: &Results, stop: watch::Receiver<bool>) {
    let Some(w) = hub
        .runbook()
        .recons
        .iter()
        .find(|r| r.name == job)
        .and_then(|r| r.watch.clone())
    else {
        return;
    };
    let Some(recon) = results.lock().await.get(job).map(|(r, _, _)| r.clone()) else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<ReconProgress>(16);
    let watcher = tokio::spawn(async move { recon.watch_changes(&w, tx, stop).await });
    let mut last = 0;
    while let Some(p) = rx.recv().await {
        let now = p.counts.total();
        hub.publish(Telemetry::Recon(p.clone()));
        if now != last {
            let detail = format!("continuous check: {}", verdict(&p.counts, now));
            record(hub, job, now == 0, detail).await;
            last = now;
        }
    }
    if let Ok(Err(e)) = watcher.await {
        record(hub, job, false, format!("continuous check failed: {e}")).await;
    }
}

async fn apply_fix(hub: HubHandle, job: String, results: Results) {
    let outcome = fix_and_recheck(&hub, &job, &results).await;
    let (holds, detail) = match outcome {
        Ok((applied, progress)) => (
            progress.problems() == 0,
            format!(
                "fix applied ({applied} statements); re-check of those rows: {}",
                verdict(&progress.counts, progress.problems())
            ),
        ),
        Err(e) => (false, format!("the fix was not applied: {e:#}")),
    };
    record(&hub, &job, holds, detail).await;
}

async fn fix_and_recheck(
    hub: &HubHandle,
    job: &str,
    results: &Results,
) -> anyhow::Result<(usize, ReconProgress)> {
    if !results.lock().await.contains_key(job) {
        // The console restarted since the recon ran: run it again first.
        let fresh = recon_once(hub, job).await?;
        results.lock().await.insert(job.to_string(), fresh);
    }
    let mut guard = results.lock().await;
    let Some((recon, progress, findings)) = guard.get_mut(job) else {
        anyhow::bail!("recon `{job}` has no result to fix");
    };
    let statements = fix_sql(&recon.src, &recon.tgt, findings).map_err(|e| anyhow::anyhow!(e))?;
    apply(&recon.tgt.pool, &statements)
        .await
        .map_err(|e| anyhow::anyhow!("applying the fix to the target: {e}"))?;
    let keys: Vec<_> = findings
        .iter()
        .map(|f| f.key(&recon.src, &recon.tgt))
        .collect();
    let remaining = recon.recheck(&keys).await?;
    let mut counts = MismatchCounts::default();
    for f in &remaining {
        counts.add(f.mismatch.kind);
    }
    progress.counts = counts;
    progress.findings = remaining.iter().map(|f| f.mismatch.clone()).collect();
    *findings = remaining;
    hub.publish(Telemetry::Recon(progress.clone()));
    Ok((statements.len(), progress.clone()))
}
