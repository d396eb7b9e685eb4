//! One full recon run with its progress forwarded to the hub, and how its result is
//! worded and recorded: what a `[[recon]]` step, each table of a recon over many tables and
//! a spanning watch share.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch, Mutex};

use crate::drill::telemetry::recon::{MismatchCounts, ReconProgress};
use crate::drill::telemetry::Telemetry;
use crate::hub::HubHandle;
use crate::recon::diff::Finding;
use crate::recon::engine::ReconJob;
use crate::recon::job::connect_job;
use crate::runbook::Evidence;

/// The last result of each recon job, kept for the fix.
pub(super) type Results = Arc<Mutex<BTreeMap<String, (ReconJob, ReconProgress, Vec<Finding>)>>>;

/// One full recon with progress forwarded to the hub.
pub(super) async fn recon_once(
    hub: &HubHandle,
    job: &str,
) -> anyhow::Result<(ReconJob, ReconProgress, Vec<Finding>)> {
    let spec = hub
        .runbook()
        .recon_job(job)
        .ok_or_else(|| anyhow::anyhow!("no [[recon]] named `{job}`"))?;
    if spec.key.is_empty() {
        anyhow::bail!(
            "recon `{job}` is one table of a recon over many tables: start its step again to check it (its key is found then)"
        );
    }
    recon_spec(hub, &spec).await
}

/// One full recon of a known spec (a `[[recon]]` or one table of a recon over many).
pub(super) async fn recon_spec(
    hub: &HubHandle,
    spec: &crate::runbook::ReconSpec,
) -> anyhow::Result<(ReconJob, ReconProgress, Vec<Finding>)> {
    let runbook = hub.runbook().clone();
    let recon = connect_job(&runbook, spec).await?;
    let (tx, mut rx) = mpsc::channel::<ReconProgress>(16);
    let forward = {
        let hub = hub.clone();
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                hub.publish(Telemetry::Recon(p));
            }
        })
    };
    let (_stop, stop_rx) = watch::channel(false);
    let outcome = recon.run(tx, stop_rx).await;
    let _ = forward.await;
    let outcome = outcome?;
    Ok((recon, outcome.progress, outcome.findings))
}

pub(super) fn verdict(counts: &MismatchCounts, problems: u64) -> String {
    if problems == 0 {
        "no mismatch".to_string()
    } else {
        let checks = problems - counts.total();
        let mut s = format!(
            "{} missing, {} extra, {} changed",
            counts.missing, counts.extra, counts.changed
        );
        if checks > 0 {
            s.push_str(&format!(", {checks} failing business checks"));
        }
        s
    }
}

pub(super) async fn record(hub: &HubHandle, job: &str, holds: bool, detail: String) {
    hub.record_evidence(Evidence::ReconClean(job.to_string()), holds, detail)
        .await;
}
