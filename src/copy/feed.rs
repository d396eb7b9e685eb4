//! Copy into the drill: a step whose action is `copy = "job"` starts that copy when the
//! step starts (and again on resume, from its checkpoint, if the step is still running);
//! an external copy is followed instead. Throttle rules on probes read the live health.
//! Progress goes to the hub as telemetry; the end is journaled as evidence `copy:job`.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::mpsc;

use crate::drill::telemetry::health::HealthSnapshot;
use crate::drill::telemetry::Telemetry;
use crate::drill::{Actor, Command, CommandKind, Drill, EventKind, StepStatus, Target, Update};
use crate::hub::{self, HubHandle};
use crate::runbook::{Action, Evidence};

use super::headless::run_job as run_job_engine;
use super::progress::CopyProgress;
use super::throttle::ProbeHook;

/// Watches the drill and runs copy actions. Spawn it as a task; it ends with the hub.
pub async fn run_actions(hub: HubHandle) {
    let Ok((events, mut updates)) = hub::follow(&hub).await else {
        return;
    };
    let runbook = hub.runbook().clone();
    let drill = Drill::replay(runbook.clone(), &events);
    let mut started: BTreeSet<String> = BTreeSet::new();
    let health: LatestHealth = Arc::new(RwLock::new(None));
    // Resume: steps still running with a copy action get their copy back.
    for (idx, step) in runbook.steps.iter().enumerate() {
        if let (Some(Action::Copy(job)), StepStatus::Running) =
            (&step.action, drill.state().status(idx))
        {
            if started.insert(job.clone()) {
                tokio::spawn(run_job(hub.clone(), job.clone(), health.clone()));
            }
        }
    }
    while let Ok(update) = updates.recv().await {
        let Update::Event(event) = update else {
            continue;
        };
        let EventKind::Started {
            target: Target::Step(id),
        } = &event.kind
        else {
            continue;
        };
        if let Some(Action::Copy(job)) = runbook.step(id).and_then(|s| s.action.as_ref()) {
            if started.insert(job.clone()) {
                tokio::spawn(run_job(hub.clone(), job.clone(), health.clone()));
            }
        }
    }
}

/// The latest health snapshot, read by the throttle's `probe` rules.
type LatestHealth = Arc<RwLock<Option<HealthSnapshot>>>;

fn probe_hook(health: LatestHealth) -> ProbeHook {
    Arc::new(move |name: &str| {
        let snapshot = health.read().unwrap_or_else(PoisonError::into_inner);
        snapshot
            .as_ref()
            .and_then(|s| s.probe(name))
            .map(|p| p.evidence_holds())
    })
}

async fn run_job(hub: HubHandle, job: String, health: LatestHealth) {
    let outcome = copy_job(&hub, &job, health).await;
    let (holds, detail) = match outcome {
        Ok(detail) => (true, detail),
        Err(e) => (false, format!("copy failed: {e:#}")),
    };
    let command = Command {
        by: Actor::System,
        kind: CommandKind::RecordEvidence {
            evidence: Evidence::CopyDone(job.clone()),
            holds,
            detail,
        },
    };
    if let Err(e) = hub.sink().send(command).await {
        tracing::warn!(%job, error = %e, "copy evidence not journaled");
    }
}

async fn copy_job(hub: &HubHandle, job: &str, health: LatestHealth) -> anyhow::Result<String> {
    let runbook = hub.runbook().clone();
    let spec = runbook
        .copies
        .iter()
        .find(|c| c.name == job)
        .ok_or_else(|| anyhow::anyhow!("no [[copy]] named `{job}`"))?;
    // The control channel stays open while the copy runs.
    let (_control, control_rx) = mpsc::channel(4);
    let (progress_tx, mut progress_rx) = mpsc::channel::<CopyProgress>(16);
    let forward = {
        let hub = hub.clone();
        tokio::spawn(async move {
            while let Some(progress) = progress_rx.recv().await {
                hub.publish(Telemetry::Copy(progress));
            }
        })
    };
    let summary = run_job_engine(
        &runbook,
        spec,
        Some(probe_hook(health)),
        control_rx,
        progress_tx,
    )
    .await;
    let _ = forward.await;
    let summary = summary?;
    Ok(format!(
        "{} rows in {:.1} s ({:.0} rows/s)",
        summary.rows, summary.seconds, summary.rows_per_sec
    ))
}
