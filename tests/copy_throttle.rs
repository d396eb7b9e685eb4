//! The adaptive throttle on a real server: a `query` rule whose value the test raises cuts
//! the running copy's automatic ceiling (the rate it reports), keeps cutting while the
//! value stays over the limit, and lowering the value lets the ceiling rise again; the
//! user's ceiling stays in force below it. Before any of it, a slow start.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::mpsc;
use warroom::copy::{self, CopyControl, CopyOptions, CopyProgress, CopyState, ThrottleState};
use warroom::db::rows::execute;
use warroom::db::DbPool;
use warroom::runbook::ThrottleRule;

const ROWS: u64 = 600_000;
/// The user's ceiling, rows/s: the copy never runs above it.
const USER: u64 = 20_000;

/// A database of this test's own (`wt_throttle_PID`): (admin pool, pool on it, its name).
async fn database(base: &str) -> (DbPool, DbPool, String) {
    let name = format!("wt_throttle_{}", std::process::id());
    let admin = pool(base, 1).await;
    execute(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}"),
    )
    .await
    .expect("create db");
    let url = format!("{}/{name}", base.rsplit_once('/').expect("db in url").0);
    (admin, pool(&url, 8).await, name)
}

/// Waits for a snapshot matching `f` (or panics after `secs`, naming what it waited for).
async fn wait_for(
    rx: &mut mpsc::Receiver<CopyProgress>,
    secs: u64,
    what: &str,
    f: impl Fn(&CopyProgress) -> bool,
) -> CopyProgress {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let p = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("progress channel open");
        assert!(
            p.state != CopyState::Done,
            "the copy finished before {what}: make ROWS larger"
        );
        if f(&p) {
            return p;
        }
    }
}

fn ceiling(p: &CopyProgress) -> u64 {
    p.rate_limit.unwrap_or(u64::MAX)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rising_signal_cuts_the_rate_and_a_falling_one_lets_it_rise() {
    let Some(my) = servers::mysql() else { return };
    let (admin, db, name) = database(&my).await;
    execute(
        &db,
        &format!(
            "CREATE TABLE src (id BIGINT PRIMARY KEY, v VARCHAR(20)); \
             INSERT INTO src SELECT seq, CONCAT('v', seq) FROM seq_1_to_{ROWS}; \
             CREATE TABLE dst (id BIGINT PRIMARY KEY, v VARCHAR(20)); \
             CREATE TABLE pressure (v DOUBLE); INSERT INTO pressure VALUES (0)"
        ),
    )
    .await
    .expect("tables");
    let mut s = spec("paced", "src", "dst", &["id"]);
    s.chunk_rows = 500;
    s.chunk_target = Duration::from_millis(100);
    s.throttle = vec![ThrottleRule::Query {
        connection: "load".into(),
        query: "SELECT v FROM pressure".into(),
        above: 10.0,
    }];
    let mut opts = CopyOptions {
        throttle_every: Duration::from_millis(100),
        progress_every: Duration::from_millis(50),
        same_server: false,
        ..CopyOptions::default()
    };
    opts.connections.insert("load".into(), db.clone());
    let (ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel(4096);
    let job = {
        let (s, db) = (s.clone(), db.clone());
        tokio::spawn(async move { copy::run(&s, db.clone(), db, opts, ctl_rx, tx).await })
    };

    // A slow start: paced from a chunk per worker per second, rising.
    let p = wait_for(&mut rx, 30, "the slow start", |p| {
        p.throttle.state == ThrottleState::Slowed
    })
    .await;
    assert!(
        p.throttle.reason.contains("slow start at"),
        "{:?}",
        p.throttle
    );
    // From 2 workers x 500 rows a second.
    assert!(ceiling(&p) >= 1_000, "{:?}", p.rate_limit);
    wait_for(&mut rx, 30, "the slow start to rise", |q| {
        ceiling(q) > ceiling(&p)
    })
    .await;
    // The user's ceiling: a slow start does not hold the copy under it, and with no
    // pressure the copy is free at it.
    ctl.send(CopyControl::SetRateLimit(Some(USER)))
        .await
        .expect("send");
    let p = wait_for(&mut rx, 30, "free at the user's ceiling", |p| {
        p.throttle.state == ThrottleState::Free
    })
    .await;
    assert_eq!(p.rate_limit, Some(USER));

    // Well over the limit (1.5x): paced, under the user's ceiling, said why.
    execute(&db, "UPDATE pressure SET v = 15")
        .await
        .expect("up");
    let first = wait_for(&mut rx, 30, "the first cut", |p| {
        p.throttle.state == ThrottleState::Slowed
    })
    .await;
    assert_eq!(first.state, CopyState::Running);
    assert!(ceiling(&first) < USER, "{:?}", first.rate_limit);
    assert!(
        first.throttle.reason.contains("load: 15 (limit 10)")
            && first.throttle.reason.contains("pacing at"),
        "{}",
        first.throttle.reason
    );
    // Still over: cut again (after the cut has had time to show).
    let lower = wait_for(&mut rx, 30, "a second cut", |p| {
        ceiling(p) <= ceiling(&first) * 6 / 10
    })
    .await;
    assert_eq!(lower.throttle.state, ThrottleState::Slowed);

    // Comfortably under again: the ceiling rises, never above the user's.
    execute(&db, "UPDATE pressure SET v = 5")
        .await
        .expect("down");
    let risen = wait_for(&mut rx, 30, "the ceiling to rise", |p| {
        ceiling(p) > ceiling(&lower) * 2
    })
    .await;
    assert!(ceiling(&risen) <= USER);

    // The user's ceiling below the automatic one holds.
    ctl.send(CopyControl::SetRateLimit(Some(100)))
        .await
        .expect("send");
    wait_for(&mut rx, 30, "the user's ceiling", |p| {
        p.rate_limit == Some(100)
    })
    .await;

    // Far over the limit (2x): paused, like a rule that cannot be read.
    execute(&db, "UPDATE pressure SET v = 20")
        .await
        .expect("far");
    let paused = wait_for(&mut rx, 30, "the pause", |p| {
        p.state == CopyState::Throttled
    })
    .await;
    assert_eq!(paused.throttle.state, ThrottleState::Paused);
    execute(&db, "DROP TABLE pressure").await.expect("drop");
    let broken = wait_for(&mut rx, 30, "the failed rule", |p| {
        p.throttle.reason.contains("throttle query failed")
    })
    .await;
    assert_eq!(broken.throttle.state, ThrottleState::Paused);

    ctl.send(CopyControl::Cancel).await.expect("cancel");
    while rx.recv().await.is_some() {}
    let summary = job.await.expect("join").expect("copy");
    assert_eq!(summary.state, CopyState::Cancelled);
    assert!(summary.rows < ROWS);
    db.close().await;
    execute(&admin, &format!("DROP DATABASE {name}"))
        .await
        .expect("drop db");
}
