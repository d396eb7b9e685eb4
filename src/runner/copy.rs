//! Copy into the drill: a step whose action is `copy = "job"` starts that copy when the
//! step starts (and again on resume, from its checkpoint, if the step is still running);
//! an external copy is followed instead. Throttle rules on probes read the live health.
//! Progress goes to the hub as telemetry; the end is journaled as evidence `copy:job`.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::mpsc;

use crate::drill::telemetry::health::HealthSnapshot;
use crate::drill::telemetry::Telemetry;
use crate::drill::{
    CopyCommand, CopyControls, Drill, EventKind, Follower, StepStatus, Target, Update,
};
use crate::hub::HubHandle;
use crate::runbook::{Action, Evidence};

use crate::copy::control::CopyControl;
use crate::copy::job::{run_job as run_job_engine, Restart};
use crate::copy::progress::CopyProgress;
use crate::copy::throttle::ProbeHook;

/// Watches the drill and runs copy actions. Spawn it as a task; it ends with the hub.
pub async fn run_actions(hub: HubHandle) {
    let runbook = hub.runbook().clone();
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let mut running: BTreeMap<String, mpsc::Sender<CopyControl>> = BTreeMap::new();
    let health: LatestHealth = Arc::new(RwLock::new(None));
    // Resume: steps still running with a copy action get their copy back.
    start_running(&hub, &follower.replica().drill, &health, &mut running);
    while let Some(update) = follower.next().await {
        let drill = &follower.replica().drill;
        let event = match update {
            Update::Event(event) => event,
            // A fresh start after a gap or a lag: the events between are not replayed, so
            // start whatever copy should be running now.
            Update::Snapshot { .. } => {
                start_running(&hub, drill, &health, &mut running);
                continue;
            }
            Update::Telemetry(Telemetry::Health(snapshot)) => {
                *health.write().unwrap_or_else(PoisonError::into_inner) = Some(snapshot);
                continue;
            }
            Update::Telemetry(_) => continue,
        };
        match &event.kind {
            EventKind::Started {
                target: Target::Step(id),
            } => {
                if let Some(Action::Copy(job)) = runbook.step(id).and_then(|s| s.action.as_ref()) {
                    start_job(&hub, drill, job, &health, &mut running);
                }
            }
            EventKind::CopyControlled { job, control } => {
                if let Some(tx) = running.get(job) {
                    // A job that already ended has dropped its receiver: nothing to obey.
                    let _ = tx.send(engine_control(*control)).await;
                }
            }
            _ => {}
        }
    }
}

/// Starts the copy of every running step with a copy action (each at most once).
fn start_running(
    hub: &HubHandle,
    drill: &Drill,
    health: &LatestHealth,
    running: &mut BTreeMap<String, mpsc::Sender<CopyControl>>,
) {
    for (idx, step) in drill.runbook().steps.iter().enumerate() {
        if let (Some(Action::Copy(job)), StepStatus::Running) =
            (&step.action, drill.state().status(idx))
        {
            start_job(hub, drill, job, health, running);
        }
    }
}

/// Starts `job` once, handing it the coordinator's standing orders (pause, rate).
fn start_job(
    hub: &HubHandle,
    drill: &Drill,
    job: &str,
    health: &LatestHealth,
    running: &mut BTreeMap<String, mpsc::Sender<CopyControl>>,
) {
    if running.contains_key(job) {
        return;
    }
    let (control_tx, control_rx) = mpsc::channel(16);
    if let Some(orders) = drill.state().copy_controls.get(job) {
        for control in standing_orders(orders) {
            // The channel is fresh and larger than the orders: this cannot fail.
            let _ = control_tx.try_send(control);
        }
    }
    running.insert(job.to_string(), control_tx);
    tokio::spawn(run_job(
        hub.clone(),
        job.to_string(),
        health.clone(),
        control_rx,
    ));
}

fn engine_control(command: CopyCommand) -> CopyControl {
    match command {
        CopyCommand::Pause => CopyControl::Pause,
        CopyCommand::Resume => CopyControl::Resume,
        CopyCommand::SetRate { rows_per_sec } => CopyControl::SetRateLimit(rows_per_sec),
    }
}

/// What a (re)started copy must obey from the journal: a pause, a rate the coordinator set.
fn standing_orders(orders: &CopyControls) -> Vec<CopyControl> {
    let mut out = Vec::new();
    if let Some(rate) = orders.rate_limit {
        out.push(CopyControl::SetRateLimit(rate));
    }
    if orders.paused {
        out.push(CopyControl::Pause);
    }
    out
}

/// The latest health snapshot, read by the throttle's `probe` rules.
type LatestHealth = Arc<RwLock<Option<HealthSnapshot>>>;

fn probe_hook(health: LatestHealth) -> ProbeHook {
    Arc::new(move |name: &str| {
        let snapshot = health.read().unwrap_or_else(PoisonError::into_inner);
        snapshot
            .as_ref()
            .and_then(|s| s.probe(name))
            .map(crate::drill::telemetry::health::ProbeState::evidence_holds)
    })
}

async fn run_job(
    hub: HubHandle,
    job: String,
    health: LatestHealth,
    control_rx: mpsc::Receiver<CopyControl>,
) {
    let outcome = copy_job(&hub, &job, health, control_rx).await;
    let (holds, detail) = match outcome {
        Ok(detail) => (true, detail),
        Err(e) => (false, format!("copy failed: {e:#}")),
    };
    hub.record_evidence(Evidence::CopyDone(job), holds, detail)
        .await;
}

async fn copy_job(
    hub: &HubHandle,
    job: &str,
    health: LatestHealth,
    control_rx: mpsc::Receiver<CopyControl>,
) -> anyhow::Result<String> {
    let runbook = hub.runbook().clone();
    let spec = runbook
        .copies
        .iter()
        .find(|c| c.name == job)
        .ok_or_else(|| anyhow::anyhow!("no [[copy]] named `{job}`"))?;
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
        Restart::Resume,
        control_rx,
        progress_tx,
    )
    .await;
    let _ = forward.await;
    Ok(summary?.describe())
}
