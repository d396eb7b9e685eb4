//! Runs `check = "preflight"` steps: when such a step starts (or is found running on
//! resume), the scan runs and reports `preflight` evidence, holding when it found no
//! blocker. While blockers stand and the step is active it runs again every
//! [`PREFLIGHT_RETRY`], so fixing a blocker turns the evidence green by itself.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::watch;

use crate::drill::{DrillState, EventKind, Follower, Target, Update};
use crate::hub::HubHandle;
use crate::preflight::{self, Options};
use crate::runbook::{Action, Check, Evidence, Runbook, StepId};

/// How long a scan that found blockers waits before it runs again.
pub const PREFLIGHT_RETRY: Duration = Duration::from_secs(30);

fn is_preflight(runbook: &Runbook, id: &str) -> bool {
    matches!(
        runbook.step(id).and_then(|s| s.action.as_ref()),
        Some(Action::Check(Check::Preflight))
    )
}

/// Watches the drill and runs preflight steps. Spawn it as a task; it ends with the hub.
pub async fn run_actions(hub: HubHandle) {
    let runbook = hub.runbook().clone();
    if !runbook
        .steps
        .iter()
        .any(|s| matches!(s.action, Some(Action::Check(Check::Preflight))))
    {
        return;
    }
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let mut running: BTreeSet<StepId> = BTreeSet::new();
    // The preflight steps that are active: a scan stops once its step leaves it.
    let (active_tx, _) = watch::channel(BTreeSet::<StepId>::new());
    let start_active = |state: &DrillState, running: &mut BTreeSet<StepId>| {
        let holds = state
            .evidence
            .get(&Evidence::Preflight)
            .is_some_and(|e| e.holds);
        for step in &runbook.steps {
            let active = state.step(&step.id).is_some_and(|s| s.status.is_active());
            if active
                && !holds
                && is_preflight(&runbook, &step.id)
                && running.insert(step.id.clone())
            {
                spawn_scan(&hub, &runbook, &step.id, active_tx.subscribe());
            }
        }
    };
    start_active(follower.replica().drill.state(), &mut running);
    while let Some(update) = follower.next().await {
        match update {
            Update::Snapshot { .. } => start_active(follower.replica().drill.state(), &mut running),
            Update::Event(event) => {
                if let EventKind::Started {
                    target: Target::Step(id),
                } = &event.kind
                {
                    if is_preflight(&runbook, id) && running.insert(id.clone()) {
                        spawn_scan(&hub, &runbook, id, active_tx.subscribe());
                    }
                }
            }
            Update::Telemetry(_) => continue,
        }
        // Forget the steps that are no longer active (their scans stop themselves).
        let state = follower.replica().drill.state();
        running.retain(|id| state.step(id).is_some_and(|s| s.status.is_active()));
        active_tx.send_if_modified(|a| {
            let changed = *a != running;
            a.clone_from(&running);
            changed
        });
    }
}

fn spawn_scan(
    hub: &HubHandle,
    runbook: &Runbook,
    id: &str,
    mut active: watch::Receiver<BTreeSet<StepId>>,
) {
    let (hub, runbook, id) = (hub.clone(), runbook.clone(), id.to_string());
    tokio::spawn(async move {
        let opts = Options::default();
        loop {
            let report = preflight::scan(&runbook, &opts).await;
            let holds = !report.has_blocker();
            hub.record_evidence(Evidence::Preflight, holds, report.detail())
                .await;
            if holds {
                return;
            }
            let deadline = tokio::time::sleep(PREFLIGHT_RETRY);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    c = active.changed() => {
                        if c.is_err() || !active.borrow().contains(&id) {
                            return;
                        }
                    }
                }
            }
        }
    });
}
