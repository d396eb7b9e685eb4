//! Continuous recon during dual-write: a write that reaches the second side within the
//! settle delay is never reported; one that never arrives is.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::{mpsc, watch};
use warroom::db::rows::execute;
use warroom::drill::telemetry::recon::{MismatchKind, ReconState};
use warroom::recon::ReconJob;
use warroom::runbook::{ReconSpec, ReconWatch};

#[tokio::test]
async fn a_write_in_flight_is_not_reported_and_a_real_divergence_is() {
    let Some(my) = servers::mysql() else { return };
    let ddl = "CREATE TABLE carts (id INT PRIMARY KEY, total DECIMAL(10,2), updated_at DATETIME(6) NOT NULL);
               INSERT INTO carts SELECT seq, seq, NOW(6) - INTERVAL 1 DAY FROM seq_1_to_50";
    let (src, _, _) = mysql_db(&my, "wsrc").await;
    let (dst, _, _) = mysql_db(&my, "wdst").await;
    execute(&src, ddl).await.expect("src");
    execute(&dst, ddl).await.expect("dst");
    let w = ReconWatch {
        column: "updated_at".into(),
        every: Duration::from_millis(200),
        settle: Duration::from_millis(1_200),
    };
    let spec = ReconSpec {
        name: "carts".into(),
        source: "src".into(),
        source_table: "carts".into(),
        target: "dst".into(),
        target_table: "carts".into(),
        key: vec!["id".into()],
        columns: Some(vec!["id".into(), "total".into()]),
        filter: None,
        chunk_rows: 100,
        concurrency: 2,
        float_tolerance: None,
        watch: Some(w.clone()),
        active: None,
        checks: Vec::new(),
    };
    let job = ReconJob::prepare(&spec, src.clone(), dst.clone())
        .await
        .expect("prepare");
    let (tx, mut rx) = mpsc::channel(256);
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(async move { job.watch_changes(&w, tx, stop_rx).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Dual write with lag: the source first, the target 500 ms later.
    execute(
        &src,
        "UPDATE carts SET total = 99, updated_at = NOW(6) WHERE id = 5",
    )
    .await
    .expect("write");
    tokio::time::sleep(Duration::from_millis(500)).await;
    execute(
        &dst,
        "UPDATE carts SET total = 99, updated_at = NOW(6) WHERE id = 5",
    )
    .await
    .expect("late write");
    // A write that never reaches the target.
    execute(
        &src,
        "UPDATE carts SET total = 77, updated_at = NOW(6) WHERE id = 9",
    )
    .await
    .expect("lost write");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let _ = stop_tx.send(true);
    watcher.await.expect("join").expect("watch ran");
    let mut reported = std::collections::BTreeSet::new();
    let mut rounds = 0;
    while let Ok(p) = rx.try_recv() {
        assert_eq!(p.state, ReconState::Watching);
        rounds += 1;
        for m in p.findings {
            reported.insert((m.kind, m.key.join(",")));
        }
    }
    assert!(rounds >= 5, "only {rounds} rounds");
    assert_eq!(
        reported,
        std::collections::BTreeSet::from([(MismatchKind::Changed, "id=9".to_string())])
    );
}
