//! Running a recon job in tests: both ways of narrowing a differing chunk, and the findings
//! as comparable tuples.

use std::collections::BTreeSet;

use tokio::sync::{mpsc, watch};
use warroom::db::DbPool;
use warroom::drill::telemetry::recon::{MismatchKind, ReconState};
use warroom::recon::{ReconJob, ReconOutcome};
use warroom::runbook::ReconSpec;

/// (kind, key, changed columns) for each finding.
pub type Found = BTreeSet<(MismatchKind, String, Vec<String>)>;

/// Runs the recon twice, narrowing differing chunks once by row digests (the default)
/// and once by bisection down to tiny leaves; both must find the same.
pub async fn recon(spec: &ReconSpec, src: &DbPool, tgt: &DbPool) -> (ReconJob, ReconOutcome) {
    let (_, bisected) = recon_with(spec, src, tgt, 0).await;
    let (job, listed) = recon_with(spec, src, tgt, warroom::recon::engine::LIST_ROWS).await;
    assert_eq!(
        found(&bisected),
        found(&listed),
        "bisection and row digests disagree"
    );
    (job, listed)
}

/// One recon run; ranges of at most `list_rows` rows are narrowed by row digests.
pub async fn recon_with(
    spec: &ReconSpec,
    src: &DbPool,
    tgt: &DbPool,
    list_rows: u64,
) -> (ReconJob, ReconOutcome) {
    let mut job = ReconJob::prepare(spec, src.clone(), tgt.clone())
        .await
        .expect("prepare recon");
    // Small leaves, so that these small tables are bisected several levels deep.
    job.leaf_rows = 4;
    job.list_rows = list_rows;
    let (tx, mut rx) = mpsc::channel(1024);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (_stop, stop_rx) = watch::channel(false);
    let outcome = job.run(tx, stop_rx).await.expect("recon runs");
    let _ = drain.await;
    assert_eq!(outcome.progress.state, ReconState::Done);
    (job, outcome)
}

/// Each finding as (kind, key, changed columns).
pub fn found(outcome: &ReconOutcome) -> Found {
    outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.mismatch.kind,
                f.mismatch.key.join(","),
                f.mismatch
                    .columns
                    .iter()
                    .map(|c| c.column.clone())
                    .collect(),
            )
        })
        .collect()
}
