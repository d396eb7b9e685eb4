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

/// Applies a SQL file with the database's own command-line client (`mariadb` or `psql`), as
/// a DBA would, in a session set up unlike warroom's (latin1 client character set, a time
/// zone of +05:00), so that only what the file itself sets counts. `psql` runs with
/// `ON_ERROR_STOP` only when `stop_on_error`. `None` (after saying so loudly) when the
/// client is not installed; that fails under `WARROOM_REQUIRE_SERVERS=1`.
pub fn apply_with_client(
    url: &str,
    file: &std::path::Path,
    stop_on_error: bool,
) -> Option<std::process::Output> {
    use std::process::Command;
    let mut cmd = if let Some(rest) = url.strip_prefix("mysql://") {
        let (user, rest) = rest.split_once('@').expect("user@ in the MariaDB URL");
        let (host_port, db) = rest.split_once('/').expect("/database in the MariaDB URL");
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
        let mut cmd = Command::new("mariadb");
        cmd.args([
            "--default-character-set=latin1",
            "--init-command=SET time_zone = '+05:00'",
            "-h",
            host,
            "-P",
            port,
            "-u",
            user,
            db,
        ]);
        cmd.stdin(std::fs::File::open(file).expect("fix file"));
        cmd
    } else {
        let mut cmd = Command::new("psql");
        cmd.env("PGCLIENTENCODING", "LATIN1")
            .env("PGTZ", "Asia/Kolkata")
            .args(["-X", "-q", "-d", url, "-f"])
            .arg(file);
        if stop_on_error {
            cmd.args(["-v", "ON_ERROR_STOP=1"]);
        }
        cmd
    };
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.output() {
        Ok(out) => Some(out),
        Err(e) if std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1") => {
            panic!("`{program}` is required (WARROOM_REQUIRE_SERVERS=1) but cannot run: {e}")
        }
        Err(e) => {
            eprintln!("\n!!! SKIPPED: `{program}` cannot run ({e}); install its client.\n");
            None
        }
    }
}
