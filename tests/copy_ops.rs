//! A copy under operations: throttled by a lag query and released, paused and resumed by
//! commands, and surviving its connections being killed mid-copy.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::mpsc;
use warroom::copy::{self, CopyControl, CopyOptions, CopyProgress, CopyState, ThrottleState};
use warroom::db::rows::{execute, fetch_text};
use warroom::db::DbPool;
use warroom::runbook::ThrottleRule;

async fn source(my: &str, rows: u64) -> (DbPool, String, String) {
    let (src, url, db) = mysql_db(my, "osrc").await;
    execute(
        &src,
        &format!(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20)); \
             INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_{rows}; \
             CREATE TABLE replica_lag (v DOUBLE); INSERT INTO replica_lag VALUES (10)"
        ),
    )
    .await
    .expect("source");
    (src, url, db)
}

async fn target(my: &str) -> (DbPool, String) {
    let (dst, _, db) = mysql_db(my, "odst").await;
    execute(
        &dst,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20))",
    )
    .await
    .expect("target");
    (dst, db)
}

/// Waits for a snapshot matching `f` (or panics after `secs`).
async fn wait_for(
    rx: &mut mpsc::Receiver<CopyProgress>,
    secs: u64,
    f: impl Fn(&CopyProgress) -> bool,
) -> CopyProgress {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let p = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("timed out waiting for a progress snapshot")
            .expect("progress channel open");
        if f(&p) {
            return p;
        }
    }
}

async fn latest(rx: &mut mpsc::Receiver<CopyProgress>) -> CopyProgress {
    let mut p = rx.recv().await.expect("progress");
    while let Ok(next) = rx.try_recv() {
        p = next;
    }
    p
}

#[tokio::test]
async fn throttle_engages_on_lag_and_releases() {
    let Some(my) = servers::mysql() else { return };
    let (src, _, _) = source(&my, 3_000).await;
    let (dst, _) = target(&my).await;
    let mut s = spec("throttled", "t", "t", &["id"]);
    s.chunk_rows = 100;
    s.throttle = vec![ThrottleRule::Query {
        connection: "replica".into(),
        query: "SELECT v FROM replica_lag".into(),
        above: 5.0,
    }];
    let mut opts = CopyOptions {
        throttle_every: Duration::from_millis(100),
        progress_every: Duration::from_millis(50),
        ..CopyOptions::default()
    };
    opts.connections.insert("replica".into(), src.clone());
    let (_ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel(4096);
    let job = {
        let (s, src, dst) = (s.clone(), src.clone(), dst.clone());
        tokio::spawn(async move { copy::run(&s, src, dst, opts, ctl_rx, tx).await })
    };
    let p = wait_for(&mut rx, 20, |p| p.state == CopyState::Throttled).await;
    assert_eq!(p.throttle.state, ThrottleState::Paused);
    assert!(
        p.throttle.reason.contains("replica: 10"),
        "{}",
        p.throttle.reason
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let a = latest(&mut rx).await.rows_done;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let b = latest(&mut rx).await;
    assert_eq!(a, b.rows_done, "no chunk starts while throttled");
    assert!(b.rows_done < 3_000);

    // Lag near the limit: slowed, not paused.
    execute(&src, "UPDATE replica_lag SET v = 4.5")
        .await
        .expect("lag");
    wait_for(&mut rx, 20, |p| p.throttle.state == ThrottleState::Slowed).await;
    // Lag recovers: the copy runs to the end.
    execute(&src, "UPDATE replica_lag SET v = 0")
        .await
        .expect("lag");
    let summary = job.await.expect("join").expect("copy");
    assert_eq!(summary.state, CopyState::Done);
    assert!(summary.throttled_secs >= 0.5, "{}", summary.throttled_secs);
    assert_eq!(count(&dst, "t").await, 3_000);
}

#[tokio::test]
async fn pause_and_resume_from_commands_and_rate_limit() {
    let Some(my) = servers::mysql() else { return };
    let (src, _, _) = source(&my, 4_000).await;
    let (dst, _) = target(&my).await;
    let mut s = spec("paused", "t", "t", &["id"]);
    s.chunk_rows = 100;
    s.max_rows_per_sec = Some(2_000);
    let opts = CopyOptions {
        progress_every: Duration::from_millis(50),
        ..CopyOptions::default()
    };
    let (ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel(4096);
    let job = {
        let (s, src, dst) = (s.clone(), src.clone(), dst.clone());
        tokio::spawn(async move { copy::run(&s, src, dst, opts, ctl_rx, tx).await })
    };
    wait_for(&mut rx, 20, |p| p.rows_done >= 300).await;
    ctl.send(CopyControl::Pause).await.expect("pause");
    wait_for(&mut rx, 5, |p| p.state == CopyState::Paused).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let a = latest(&mut rx).await.rows_done;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let b = latest(&mut rx).await;
    assert_eq!(b.state, CopyState::Paused);
    assert_eq!(a, b.rows_done, "nothing is written while paused");
    assert!(b.rows_done < 4_000);
    ctl.send(CopyControl::Resume).await.expect("resume");
    wait_for(&mut rx, 5, |p| p.state == CopyState::Running).await;
    ctl.send(CopyControl::SetRateLimit(None))
        .await
        .expect("unlimit");
    wait_for(&mut rx, 5, |p| p.rate_limit.is_none()).await;
    let summary = job.await.expect("join").expect("copy");
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(count(&dst, "t").await, 4_000);
}

/// Once rows are landing in `dst_table` (mid-copy, not during its setup), kills (KILL
/// CONNECTION) the copy's busy connections on both sides, repeatedly, for `window`.
async fn killer(admin: DbPool, dbs: Vec<String>, dst_table: String, window: Duration) -> u32 {
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let rows = fetch_text(&admin, &format!("SELECT COUNT(*) FROM {dst_table}"))
            .await
            .unwrap_or_default();
        if rows
            .first()
            .and_then(|r| r[0].as_deref())
            .is_some_and(|n| n != "0")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let until = tokio::time::Instant::now() + window;
    let mut kills = 0;
    while tokio::time::Instant::now() < until {
        let list = dbs
            .iter()
            .map(|d| format!("'{d}'"))
            .collect::<Vec<_>>()
            .join(",");
        let ids = fetch_text(
            &admin,
            &format!(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB IN ({list}) \
                 AND COMMAND = 'Query' AND ID <> CONNECTION_ID()"
            ),
        )
        .await
        .unwrap_or_default();
        for id in ids.into_iter().filter_map(|r| r[0].clone()) {
            if execute(&admin, &format!("KILL CONNECTION {id}"))
                .await
                .is_ok()
            {
                kills += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kills
}

#[tokio::test]
async fn killed_connections_are_retried_and_nothing_is_lost() {
    let Some(my) = servers::mysql() else { return };
    let (src, _, src_db) = source(&my, 30_000).await;
    let (dst, dst_db) = target(&my).await;
    let mut s = spec("killed", "t", "t", &["id"]);
    s.chunk_rows = 500;
    s.max_rows_per_sec = Some(15_000);
    let admin = pool(&my, 1).await;
    let dst_table = format!("{dst_db}.t");
    let kill = tokio::spawn(killer(
        admin,
        vec![src_db, dst_db],
        dst_table,
        Duration::from_millis(1_500),
    ));
    let (res, progress) = run_copy(&s, &src, &dst, CopyOptions::default()).await;
    let kills = kill.await.expect("killer");
    let summary = res.expect("copy survives");
    eprintln!("{kills} connections killed, {} retries", summary.retries);
    if kills > 0 {
        assert!(summary.retries >= 1, "killed {kills} but no retry counted");
        assert!(progress.iter().any(|p| p.last_error.is_some()));
    }
    assert_eq!(count(&dst, "t").await, 30_000);
    assert_eq!(dump(&dst, "t", "id").await, dump(&src, "t", "id").await);
}
