//! One recon job of a runbook, its two databases opened by name and its tables resolved.

use crate::db::connect_named;
use crate::runbook::{ReconSpec, Runbook};

use super::engine::ReconJob;
use super::error::ReconError;

/// Connects a recon job's two databases and prepares it.
pub async fn connect_job(runbook: &Runbook, spec: &ReconSpec) -> Result<ReconJob, ReconError> {
    let pools = spec.concurrency.max(1) * 2 + 1;
    let connect = |name: &str| {
        let name = name.to_string();
        async move {
            connect_named(runbook, &name, pools)
                .await
                .map_err(|e| ReconError::Setup(e.to_string()))
        }
    };
    let source = connect(&spec.source).await?;
    let target = connect(&spec.target).await?;
    ReconJob::prepare(spec, source, target).await
}
