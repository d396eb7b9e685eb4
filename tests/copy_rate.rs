//! Lowering a running copy's rate limit holds from the next chunk: sampled row counts in
//! the target show no burst above the new ceiling a second after the change, and nothing
//! above the old one on the way down.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::mpsc;
use tokio::time::Instant;
use warroom::copy::{self, CopyControl, CopyOptions, CopyState};
use warroom::db::rows::execute;
use warroom::db::DbPool;

const ROWS: i64 = 200_000;

/// Target row counts over time, sampled every 100 ms until `stop`.
async fn sample(
    pg: DbPool,
    table: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<(Instant, i64)> {
    let mut out = Vec::new();
    while !*stop.borrow() {
        out.push((Instant::now(), count(&pg, &table).await));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out
}

/// Rows that landed between `a` and `b` (first samples at or after each).
fn landed(samples: &[(Instant, i64)], a: Instant, b: Instant) -> i64 {
    let at = |t: Instant| {
        samples
            .iter()
            .find(|(s, _)| *s >= t)
            .map_or_else(|| panic!("no sample after {t:?}"), |(_, n)| *n)
    };
    at(b) - at(a)
}

// `sampler` and `samples`: the task and what it gathered.
#[allow(clippy::similar_names)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lowering_the_rate_holds_from_the_next_chunk() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "rsrc").await;
    execute(
        &src,
        &format!(
            "CREATE TABLE n (id INT PRIMARY KEY, v INT); \
             INSERT INTO n SELECT seq, seq % 1000 FROM seq_1_to_{ROWS}"
        ),
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "rate").await;
    let table = format!("{schema}.n");
    execute(
        &pg,
        &format!("CREATE TABLE {table} (id integer PRIMARY KEY, v integer)"),
    )
    .await
    .expect("target");

    let mut s = spec("rate", "n", &table, &["id"]);
    s.workers = 2;
    // Chunks as large as the limit allows (a second of rows at the first rate).
    s.chunk_rows = 5_000;
    s.max_rows_per_sec = Some(5_000);
    let (ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel(4096);
    let job = {
        let (s, src, pg) = (s.clone(), src.clone(), pg.clone());
        tokio::spawn(
            async move { copy::run(&s, src, pg, CopyOptions::default(), ctl_rx, tx).await },
        )
    };
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sampler = tokio::spawn(sample(pg.clone(), table.clone(), stop_rx));

    // Running at 5000 rows/s for a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&pg, &table).await == 0 {
        assert!(Instant::now() < deadline, "the copy did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let lowered = Instant::now();
    ctl.send(CopyControl::SetRateLimit(Some(2_000)))
        .await
        .expect("lower");
    tokio::time::sleep(Duration::from_secs(6)).await;
    ctl.send(CopyControl::SetRateLimit(None))
        .await
        .expect("lift");
    let summary = job.await.expect("join").expect("copy");
    let _ = stop_tx.send(true);
    let samples = sampler.await.expect("sampler");
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(count(&pg, &table).await, ROWS);

    let second = Duration::from_secs(1);
    let before = landed(&samples, started + second, lowered);
    // A token bucket allows one chunk (at most a second of rows) above the steady rate.
    eprintln!("3 s at 5000/s: {before} rows");
    assert!(
        before >= 5_000,
        "the copy hardly moved before the change: {before}"
    );
    assert!(
        before <= 5_000 * 3 + 5_000 + 2_000,
        "{before} rows in 3 s at 5000/s"
    );

    // From a second after the change: 4 s at 2000/s, plus one chunk, plus a margin.
    let after = landed(&samples, lowered + second, lowered + 5 * second);
    eprintln!("4 s at 2000/s: {after} rows");
    assert!(
        after >= 2_000,
        "the copy stopped instead of slowing: {after}"
    );
    assert!(
        after <= 2_000 * 4 + 2_000 + 2_000,
        "{after} rows landed in 4 s under a 2000 rows/s limit"
    );
    // On the way down, never faster than the old limit (one chunk of slack).
    for k in 0..5 {
        let a = lowered + k * second;
        let n = landed(&samples, a, a + second);
        eprintln!("second {k} after the change: {n} rows");
        assert!(
            n <= 5_000 + 5_000,
            "{n} rows in second {k} after lowering from 5000/s"
        );
    }
}
