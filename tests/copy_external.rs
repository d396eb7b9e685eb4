//! `engine = "external"`: progress followed from another system's checkpoint table.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::mpsc;
use warroom::copy::{follow_external, CopyState};
use warroom::db::rows::execute;
use warroom::runbook::{CopyEngine, ExternalProgress};

#[tokio::test]
async fn follows_an_external_job_until_it_is_done() {
    let Some(my) = servers::mysql() else { return };
    let (db, _, _) = mysql_db(&my, "ext").await;
    execute(
        &db,
        "CREATE TABLE migration_checkpoint (job VARCHAR(20), rows_done BIGINT, rows_total BIGINT); \
         INSERT INTO migration_checkpoint VALUES ('bulk', 100, 1000), ('bulk', 0, 1000)",
    )
    .await
    .expect("table");
    let mut s = spec("bulk", "orders", "orders", &["id"]);
    s.engine = CopyEngine::External;
    s.progress = Some(ExternalProgress::Sql {
        connection: "staging".into(),
        query: "SELECT SUM(rows_done), SUM(rows_total) / 2 FROM migration_checkpoint WHERE job = 'bulk'".into(),
    });
    let (_ctl, ctl_rx) = mpsc::channel(1);
    let (tx, mut rx) = mpsc::channel(64);
    let follow = {
        let db = db.clone();
        tokio::spawn(
            async move { follow_external(&s, db, Duration::from_millis(50), ctl_rx, tx).await },
        )
    };
    let first = rx.recv().await.expect("a snapshot");
    assert_eq!(first.rows_done, 100);
    assert_eq!(first.rows_estimated, Some(1000));
    assert_eq!(first.state, CopyState::Running);
    execute(&db, "UPDATE migration_checkpoint SET rows_done = 500")
        .await
        .expect("progress");
    let summary = follow.await.expect("join").expect("followed");
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(summary.rows_total, 1000);
}
