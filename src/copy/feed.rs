//! Copy into the drill: a step whose action is `copy = "job"` starts that copy when the
//! step starts (and again on resume, from its checkpoint, if the step is still running).
//! Progress goes to the hub as telemetry; the end is journaled as evidence `copy:job`.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::db::{DbPool, SecretUrl};
use crate::drill::telemetry::Telemetry;
use crate::drill::{Actor, Command, CommandKind, Drill, EventKind, StepStatus, Target, Update};
use crate::hub::{self, HubHandle};
use crate::runbook::{Action, CopyEngine, Evidence, Runbook};

use super::engine::{run, CopyOptions};
use super::progress::CopyProgress;

/// Watches the drill and runs copy actions. Spawn it as a task; it ends with the hub.
pub async fn run_actions(hub: HubHandle) {
    let Ok((events, mut updates)) = hub::follow(&hub).await else {
        return;
    };
    let runbook = hub.runbook().clone();
    let drill = Drill::replay(runbook.clone(), &events);
    let mut started: BTreeSet<String> = BTreeSet::new();
    // Resume: steps still running with a copy action get their copy back.
    for (idx, step) in runbook.steps.iter().enumerate() {
        if let (Some(Action::Copy(job)), StepStatus::Running) =
            (&step.action, drill.state().status(idx))
        {
            if started.insert(job.clone()) {
                tokio::spawn(run_job(hub.clone(), job.clone()));
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
                tokio::spawn(run_job(hub.clone(), job.clone()));
            }
        }
    }
}

async fn connect(runbook: &Runbook, name: &str, max: u32) -> anyhow::Result<DbPool> {
    let conn = runbook
        .connection(name)
        .ok_or_else(|| anyhow::anyhow!("connection `{name}` is not declared"))?;
    let url = SecretUrl::from_env(&conn.name, &conn.url_template)?;
    Ok(DbPool::connect(&url, max, Duration::from_secs(15)).await?)
}

async fn run_job(hub: HubHandle, job: String) {
    let outcome = copy_job(&hub, &job).await;
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

async fn copy_job(hub: &HubHandle, job: &str) -> anyhow::Result<String> {
    let runbook = hub.runbook().clone();
    let spec = runbook
        .copies
        .iter()
        .find(|c| c.name == job)
        .ok_or_else(|| anyhow::anyhow!("no [[copy]] named `{job}`"))?;
    if spec.engine == CopyEngine::External {
        anyhow::bail!("`{job}` is an external copy: follow it with `warroom copy`");
    }
    let source = connect(&runbook, &spec.source, spec.workers + 1).await?;
    let target = connect(&runbook, &spec.target, spec.workers + 1).await?;
    // The control channel stays open while the copy runs (pause/resume come later).
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
    let summary = run(
        spec,
        source,
        target,
        CopyOptions::default(),
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
