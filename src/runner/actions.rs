//! Runs SQL checks and shell commands of steps as they start. A check is re-run every few
//! seconds while its step is active until it holds (so "wait until the target is empty"
//! reads naturally); a command runs once. Both report `action:STEP` evidence.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::watch;

use crate::actions::check::{CheckOutcome, CheckPoller};
use crate::actions::shell::{run_shell_action, SHELL_TIMEOUT};
use crate::drill::{EventKind, Follower, Target, Update};
use crate::hub::HubHandle;
use crate::runbook::{Action, Check, Evidence, Runbook, StepId};

/// How long a check that does not hold waits before it runs again.
pub const CHECK_RETRY: Duration = Duration::from_secs(5);

/// Watches the drill and runs check and shell actions. Spawn it as a task; it ends with
/// the hub. Shell commands run only when `allow_shell`.
pub async fn run_actions(hub: HubHandle, allow_shell: bool) {
    let runbook = hub.runbook().clone();
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let mut checks: BTreeMap<StepId, watch::Sender<bool>> = BTreeMap::new();
    for step in &runbook.steps {
        let drill = &follower.replica().drill;
        let active = drill
            .state()
            .step(&step.id)
            .is_some_and(|s| s.status.is_active());
        let evidence = drill
            .state()
            .evidence
            .get(&Evidence::Action(step.id.clone()));
        match &step.action {
            Some(Action::Check(Check::Sql(_) | Check::Compare(_)))
                if active && !evidence.is_some_and(|e| e.holds) =>
            {
                start_check(&hub, &runbook, &step.id, &mut checks);
            }
            // A command is never re-run on its own: it may not be safe to run twice.
            Some(Action::Shell(_)) if active && evidence.is_none() => {
                report(
                    &hub,
                    &step.id,
                    CheckOutcome {
                        holds: false,
                        detail: "the console restarted before this command reported: check \
                                 its effect by hand; the coordinator can accept it (A)"
                            .into(),
                    },
                )
                .await;
            }
            _ => {}
        }
    }
    while let Some(update) = follower.next().await {
        let drill = &follower.replica().drill;
        let event = match update {
            Update::Event(event) => event,
            // A fresh start after a gap or a lag: poll the checks of every active step
            // (commands are never started from a snapshot: they may not be safe twice).
            Update::Snapshot { .. } => {
                for (idx, step) in runbook.steps.iter().enumerate() {
                    let holds = drill
                        .state()
                        .evidence
                        .get(&Evidence::Action(step.id.clone()))
                        .is_some_and(|e| e.holds);
                    if matches!(
                        step.action,
                        Some(Action::Check(Check::Sql(_) | Check::Compare(_)))
                    ) && drill.state().status(idx).is_active()
                        && !holds
                    {
                        start_check(&hub, &runbook, &step.id, &mut checks);
                    }
                }
                continue;
            }
            Update::Telemetry(_) => continue,
        };
        if let EventKind::Started {
            target: Target::Step(id),
        } = &event.kind
        {
            match runbook.step(id).and_then(|s| s.action.as_ref()) {
                Some(Action::Check(Check::Sql(_) | Check::Compare(_))) => {
                    start_check(&hub, &runbook, id, &mut checks);
                }
                Some(Action::Shell(command)) => {
                    let (hub, id, command) = (hub.clone(), id.clone(), command.clone());
                    tokio::spawn(async move {
                        let outcome = if allow_shell {
                            run_shell_action(&command, SHELL_TIMEOUT).await
                        } else {
                            CheckOutcome {
                                holds: false,
                                detail: "shell actions are off: run the command by hand and \
                                         have the coordinator accept it (A), or start the \
                                         console with --allow-shell"
                                    .into(),
                            }
                        };
                        report(&hub, &id, outcome).await;
                    });
                }
                _ => {}
            }
        }
        // Stop polling the checks of steps that are no longer active.
        checks.retain(|id, stop| {
            let active = drill.state().step(id).is_some_and(|s| s.status.is_active());
            if !active {
                let _ = stop.send(true);
            }
            active
        });
    }
}

fn start_check(
    hub: &HubHandle,
    runbook: &Runbook,
    id: &str,
    checks: &mut BTreeMap<StepId, watch::Sender<bool>>,
) {
    let Some(Action::Check(check @ (Check::Sql(_) | Check::Compare(_)))) =
        runbook.step(id).and_then(|s| s.action.clone())
    else {
        return;
    };
    if checks.contains_key(id) {
        return;
    }
    let (stop_tx, mut stop) = watch::channel(false);
    checks.insert(id.to_string(), stop_tx);
    let (hub, id, runbook) = (hub.clone(), id.to_string(), runbook.clone());
    tokio::spawn(async move {
        let mut last: Option<bool> = None;
        let mut poller = CheckPoller::new(check);
        loop {
            let outcome = poller.poll(&runbook).await;
            let holds = outcome.holds;
            if last != Some(holds) {
                report(&hub, &id, outcome).await;
                last = Some(holds);
            }
            if holds {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(CHECK_RETRY) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

async fn report(hub: &HubHandle, step: &str, outcome: CheckOutcome) {
    hub.record_evidence(
        Evidence::Action(step.to_string()),
        outcome.holds,
        outcome.detail,
    )
    .await;
}
