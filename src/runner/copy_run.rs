//! One copy run to its end with its progress forwarded to the hub: what a `[[copy]]` step
//! and each table of a copy over many tables share.

use tokio::sync::mpsc;

use crate::copy::control::CopyControl;
use crate::copy::job::{run_job as run_job_engine, Restart};
use crate::copy::progress::{CopyProgress, CopyState};
use crate::copy::throttle::ProbeHook;
use crate::drill::telemetry::Telemetry;
use crate::hub::HubHandle;
use crate::runbook::Evidence;

/// Runs one copy whose spec is known (a `[[copy]]`, or one table of a copy over many),
/// its progress forwarded to the hub; the summary in words.
pub(super) async fn copy_spec(
    hub: &HubHandle,
    spec: &crate::runbook::CopySpec,
    probe: Option<ProbeHook>,
    allow_shell: bool,
    control_rx: mpsc::Receiver<CopyControl>,
) -> anyhow::Result<String> {
    let runbook = hub.runbook().clone();
    let (progress_tx, mut progress_rx) = mpsc::channel::<CopyProgress>(16);
    let forward = {
        let hub = hub.clone();
        tokio::spawn(async move {
            let mut stalled = false;
            while let Some(progress) = progress_rx.recv().await {
                stall_evidence(&hub, &progress, &mut stalled).await;
                hub.publish(Telemetry::Copy(progress));
            }
        })
    };
    let summary = run_job_engine(
        &runbook,
        spec,
        probe,
        Restart::Resume,
        allow_shell,
        control_rx,
        progress_tx,
    )
    .await;
    let _ = forward.await;
    Ok(summary?.describe())
}

/// An external job that stalls (or moves again) says so in its `copy:JOB` evidence, so the
/// step's detail, a gate waiting on it and the announcements show it.
async fn stall_evidence(hub: &HubHandle, progress: &CopyProgress, stalled: &mut bool) {
    let now = progress.state == CopyState::Stalled;
    if now == *stalled {
        return;
    }
    *stalled = now;
    let detail = if now {
        progress
            .last_error
            .clone()
            .unwrap_or_else(|| "stalled: no progress".to_string())
    } else if progress.state == CopyState::Done {
        // The end is recorded by the job's summary.
        return;
    } else {
        let of = progress
            .rows_estimated
            .map_or(String::new(), |t| format!(" of {t}"));
        format!(
            "moving again after a stall: {}{of} rows",
            progress.rows_done
        )
    };
    hub.record_evidence(Evidence::CopyDone(progress.job.clone()), false, detail)
        .await;
}
