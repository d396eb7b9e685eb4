//! Runs SQL checks and shell commands as their step, or their rollback task, starts. A
//! check is re-run every few seconds while its step or task is active until it holds (so
//! "wait until the target is empty" reads naturally); a command runs once. A step's report
//! `action:STEP` evidence, a rollback task's `rollback:STEP`.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::watch;

use crate::actions::check::{CheckOutcome, CheckPoller};
use crate::actions::shell::{run_shell_action, SHELL_TIMEOUT};
use crate::drill::{EventKind, Follower, Update, Work};
use crate::hub::HubHandle;
use crate::runbook::{Action, Check, Evidence, Runbook, ShellAction};

/// How long a check that does not hold waits before it runs again.
pub const CHECK_RETRY: Duration = Duration::from_secs(5);

/// The checks being polled, by the evidence they report.
type Polling = BTreeMap<Evidence, watch::Sender<bool>>;

/// Watches the drill and runs check and shell actions. Spawn it as a task; it ends with
/// the hub. Shell commands run only when `allow_shell`.
pub async fn run_actions(hub: HubHandle, allow_shell: bool) {
    let runbook = hub.runbook().clone();
    let Ok(mut follower) = Follower::start(hub.clone(), runbook.clone()).await else {
        return;
    };
    let mut checks = Polling::new();
    let drill = &follower.replica().drill;
    for work in drill.active_work() {
        match work.action {
            Action::Check(Check::Sql(_) | Check::Compare(_)) if !drill.work_done(&work) => {
                start_check(&hub, &runbook, &work, &mut checks);
            }
            // A command is never re-run on its own: it may not be safe to run twice.
            Action::Shell(_) if drill.reported(&work).is_none() => {
                report(
                    &hub,
                    work.evidence.clone(),
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
            // and task (commands are never started from a snapshot: they may not be safe
            // twice).
            Update::Snapshot { .. } => {
                for work in drill.active_work() {
                    if matches!(
                        work.action,
                        Action::Check(Check::Sql(_) | Check::Compare(_))
                    ) && !drill.work_done(&work)
                    {
                        start_check(&hub, &runbook, &work, &mut checks);
                    }
                }
                continue;
            }
            Update::Telemetry(_) => continue,
        };
        if let EventKind::Started { target } = &event.kind {
            if let Some(work) = drill.work(target) {
                match work.action {
                    Action::Check(Check::Sql(_) | Check::Compare(_)) => {
                        // A task started again after it failed polls afresh.
                        if let Some(stop) = checks.remove(&work.evidence) {
                            let _ = stop.send(true);
                        }
                        start_check(&hub, &runbook, &work, &mut checks);
                    }
                    Action::Shell(command) => {
                        spawn_command(&hub, work.evidence.clone(), command.clone(), allow_shell);
                    }
                    _ => {}
                }
            }
        }
        // Stop polling the checks of steps and tasks that are no longer active.
        let active: Vec<Evidence> = drill
            .active_work()
            .into_iter()
            .map(|w| w.evidence)
            .collect();
        checks.retain(|evidence, stop| {
            let keep = active.contains(evidence);
            if !keep {
                let _ = stop.send(true);
            }
            keep
        });
    }
}

fn spawn_command(hub: &HubHandle, evidence: Evidence, command: ShellAction, allow_shell: bool) {
    let hub = hub.clone();
    tokio::spawn(async move {
        let outcome = if allow_shell {
            run_shell_action(&command, SHELL_TIMEOUT).await
        } else {
            CheckOutcome {
                holds: false,
                detail: "shell actions are off: run the command by hand and have the \
                         coordinator accept it (A), or start the console with --allow-shell"
                    .into(),
            }
        };
        report(&hub, evidence, outcome).await;
    });
}

fn start_check(hub: &HubHandle, runbook: &Runbook, work: &Work<'_>, checks: &mut Polling) {
    let Action::Check(check @ (Check::Sql(_) | Check::Compare(_))) = work.action.clone() else {
        return;
    };
    if checks.contains_key(&work.evidence) {
        return;
    }
    let (stop_tx, mut stop) = watch::channel(false);
    checks.insert(work.evidence.clone(), stop_tx);
    let (hub, evidence, runbook) = (hub.clone(), work.evidence.clone(), runbook.clone());
    tokio::spawn(async move {
        let mut last: Option<bool> = None;
        let mut poller = CheckPoller::new(check);
        loop {
            let outcome = poller.poll(&runbook).await;
            let holds = outcome.holds;
            if last != Some(holds) {
                report(&hub, evidence.clone(), outcome).await;
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

async fn report(hub: &HubHandle, evidence: Evidence, outcome: CheckOutcome) {
    hub.record_evidence(evidence, outcome.holds, outcome.detail)
        .await;
}
