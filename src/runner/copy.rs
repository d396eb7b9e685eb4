//! Copy into the drill: a step whose action is `copy = "job"` starts that copy when the
//! step starts (and again on resume, from its checkpoint, if the step is still running);
//! an external copy is followed instead. Throttle rules on probes read the live health.
//! Progress goes to the hub as telemetry; the end is journaled as evidence `copy:job`.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::drill::telemetry::health::HealthSnapshot;
use crate::drill::telemetry::Telemetry;
use crate::drill::{
    CopyCommand, CopyControls, Drill, EventKind, Follower, StepStatus, Target, Update, Work,
};
use crate::hub::HubHandle;
use crate::runbook::{Action, Evidence};

use crate::copy::control::CopyControl;
use crate::copy::restart::{start_over, StartOver};
use crate::copy::throttle::ProbeHook;

use super::copy_run::copy_spec;

/// Watches the drill and runs copy actions. Spawn it as a task; it ends with the hub. An
/// external job's progress command runs only when `allow_shell`.
pub async fn run_actions(hub: HubHandle, allow_shell: bool) {
    let runbook = hub.runbook().clone();
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let mut running: BTreeMap<String, mpsc::Sender<CopyControl>> = BTreeMap::new();
    let mut restarting = Restarting::new();
    let health: LatestHealth = Arc::new(RwLock::new(None));
    let health = Shared {
        health,
        allow_shell,
    };
    // Resume: steps still running with a copy action get their copy back.
    start_running(
        &hub,
        &follower.replica().drill,
        &health,
        &mut running,
        &mut restarting,
    );
    while let Some(update) = follower.next().await {
        let drill = &follower.replica().drill;
        let event = match update {
            Update::Event(event) => event,
            // A fresh start after a gap or a lag: the events between are not replayed, so
            // start whatever copy should be running now.
            Update::Snapshot { .. } => {
                start_running(&hub, drill, &health, &mut running, &mut restarting);
                continue;
            }
            Update::Telemetry(Telemetry::Health(snapshot)) => {
                *health
                    .health
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(snapshot);
                continue;
            }
            Update::Telemetry(_) => continue,
        };
        match &event.kind {
            EventKind::Started { target } => {
                let Some(work) = drill.work(target) else {
                    continue;
                };
                match work.action {
                    Action::Copy(job) => start_job(&hub, drill, job, &health, &mut running),
                    Action::RestartCopy(job) => {
                        // A task started again after it failed looks afresh.
                        if let Some(stop) = restarting.remove(&work.evidence) {
                            let _ = stop.send(true);
                        }
                        start_restart(&hub, job, &work, &running, &mut restarting);
                    }
                    _ => {}
                }
            }
            EventKind::CopyControlled { job, control } => {
                // A table of a copy over many tables obeys through its job.
                let owner = job.split_once('/').map_or(job.as_str(), |(set, _)| set);
                if let Some(tx) = running.get(job).or_else(|| running.get(owner)) {
                    // A job that already ended has dropped its receiver: nothing to obey.
                    let _ = tx.send(engine_control(*control)).await;
                }
            }
            _ => {}
        }
        // Stop starting over the copies of rollback tasks that ended.
        let active: Vec<Evidence> = drill
            .active_work()
            .into_iter()
            .map(|w| w.evidence)
            .collect();
        restarting.retain(|evidence, stop| {
            let keep = active.contains(evidence);
            if !keep {
                let _ = stop.send(true);
            }
            keep
        });
    }
}

/// The copies being started over, by the evidence their rollback task reports.
type Restarting = BTreeMap<Evidence, watch::Sender<bool>>;

fn start_restart(
    hub: &HubHandle,
    job: &str,
    work: &Work<'_>,
    running: &BTreeMap<String, mpsc::Sender<CopyControl>>,
    restarting: &mut Restarting,
) {
    if restarting.contains_key(&work.evidence) {
        return;
    }
    let (stop_tx, stop) = watch::channel(false);
    restarting.insert(work.evidence.clone(), stop_tx);
    tokio::spawn(restart_job(
        hub.clone(),
        job.to_string(),
        work.evidence.clone(),
        running.get(job).cloned(),
        stop,
    ));
}

/// Starts the copy of every running step or rollback task with a copy action (each job
/// at most once), and goes on starting over the copies of active rollback tasks.
fn start_running(
    hub: &HubHandle,
    drill: &Drill,
    health: &Shared,
    running: &mut BTreeMap<String, mpsc::Sender<CopyControl>>,
    restarting: &mut Restarting,
) {
    for work in drill.active_work() {
        match work.action {
            Action::Copy(job) if is_running(drill, &work.target) => {
                start_job(hub, drill, job, health, running);
            }
            Action::RestartCopy(job) if !drill.work_done(&work) => {
                start_restart(hub, job, &work, running, restarting);
            }
            _ => {}
        }
    }
}

/// Running (not awaiting review): its copy should be moving.
fn is_running(drill: &Drill, target: &Target) -> bool {
    let st = drill.state();
    let status = match target {
        Target::Step(id) => st.step(id).map(|s| &s.status),
        Target::Rollback(id) => st
            .rollback
            .as_ref()
            .and_then(|r| r.task(id))
            .map(|t| &t.status),
    };
    status == Some(&StepStatus::Running)
}

/// How often a rollback that starts a copy over looks again at a target that still holds
/// rows (its DRI empties it, as the rollback's instructions say).
pub const RESTART_RETRY: Duration = Duration::from_secs(5);

/// Starts copy `job` over for a rollback task: stops the copy if it is running here, then,
/// once the target table is empty, forgets its checkpoint. Reports `evidence` each time
/// the answer changes; ends when the checkpoint is cleared or `stop` says the task ended.
async fn restart_job(
    hub: HubHandle,
    job: String,
    evidence: Evidence,
    copying: Option<mpsc::Sender<CopyControl>>,
    mut stop: watch::Receiver<bool>,
) {
    if let Some(tx) = copying.filter(|tx| !tx.is_closed()) {
        let _ = tx.send(CopyControl::Cancel).await;
        hub.record_evidence(
            evidence.clone(),
            false,
            format!("stopping copy `{job}` (the chunks in flight finish) before starting it over"),
        )
        .await;
        while !tx.is_closed() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let runbook = hub.runbook().clone();
    let Some(spec) = runbook.copies.iter().find(|c| c.name == job) else {
        return;
    };
    let mut last: Option<(bool, String)> = None;
    loop {
        let (holds, detail) = match start_over(&runbook, spec).await {
            Ok(StartOver::Cleared { target_table }) => (
                true,
                format!(
                    "{target_table} is empty and the checkpoint of copy `{job}` is cleared: \
                     its next run copies from the first row"
                ),
            ),
            Ok(StartOver::TargetHoldsRows { target_table }) => (
                false,
                format!(
                    "{target_table} still holds rows: empty it as the rollback says (warroom \
                     never deletes them); the checkpoint is cleared once it is empty"
                ),
            ),
            Err(e) => (false, format!("cannot start copy `{job}` over yet: {e}")),
        };
        if last.as_ref() != Some(&(holds, detail.clone())) {
            hub.record_evidence(evidence.clone(), holds, detail.clone())
                .await;
            last = Some((holds, detail));
        }
        if holds {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(RESTART_RETRY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Starts `job` once, handing it the coordinator's standing orders (pause, rate).
fn start_job(
    hub: &HubHandle,
    drill: &Drill,
    job: &str,
    health: &Shared,
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
    if let Some(set) = hub.runbook().copy_set(job) {
        let start = super::copy_set::SetStart::from_drill(drill, set);
        tokio::spawn(super::copy_set::run_set(
            hub.clone(),
            start,
            probe_hook(health.health.clone()),
            control_rx,
        ));
        return;
    }
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
pub(super) type LatestHealth = Arc<RwLock<Option<HealthSnapshot>>>;

/// What every job this adapter starts shares: the latest health, and whether commands
/// (an external job's progress command) may run.
#[derive(Clone)]
struct Shared {
    health: LatestHealth,
    allow_shell: bool,
}

pub(super) fn probe_hook(health: LatestHealth) -> ProbeHook {
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
    health: Shared,
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
    health: Shared,
    control_rx: mpsc::Receiver<CopyControl>,
) -> anyhow::Result<String> {
    let runbook = hub.runbook().clone();
    let spec = runbook
        .copies
        .iter()
        .find(|c| c.name == job)
        .ok_or_else(|| anyhow::anyhow!("no [[copy]] named `{job}`"))?;
    copy_spec(
        hub,
        spec,
        Some(probe_hook(health.health)),
        health.allow_shell,
        control_rx,
    )
    .await
}
