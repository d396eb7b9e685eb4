//! Resume after kill -9: a child process (this test binary, switched by an environment
//! variable) copies until it is killed with `SIGKILL` at a random moment; after several kills a last
//! run finishes. The target must hold exactly the source's rows, and the checkpoints must
//! have counted each row once.

mod copy_common;
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use copy_common::*;
use support::servers;
use warroom::copy::CopyOptions;
use warroom::db::rows::{execute, fetch_text};
use warroom::db::DbPool;

const CHILD: &str = "WARROOM_COPY_RESUME_CHILD";
const ROWS: u64 = 20_000;

fn child_spec(target_table: &str) -> warroom::runbook::CopySpec {
    let mut s = spec("resume", "items", target_table, &["grp", "id"]);
    s.workers = 2;
    s.chunk_rows = 400;
    s.max_rows_per_sec = Some(6_000);
    s
}

/// Not a test of its own: the child's body (does nothing unless the parent set CHILD).
#[tokio::test]
async fn child_copy() {
    let Ok(cfg) = std::env::var(CHILD) else {
        return;
    };
    let parts: Vec<&str> = cfg.split('|').collect();
    let (src, dst) = (pool(parts[0], 4).await, pool(parts[1], 4).await);
    let (res, _) = run_copy(&child_spec(parts[2]), &src, &dst, CopyOptions::default()).await;
    res.expect("child copy");
}

fn random_ms(lo: u64, hi: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    lo + u64::from(nanos) % (hi - lo)
}

async fn source_items(my: &str) -> (DbPool, String) {
    let (src, url, _) = mysql_db(my, "rsrc").await;
    // A composite key (grp, id) with gaps, and some payload.
    execute(
        &src,
        &format!(
            "CREATE TABLE items (grp INT NOT NULL, id BIGINT NOT NULL, name VARCHAR(40), \
               amount DECIMAL(12,2), at DATETIME(6), PRIMARY KEY (grp, id)); \
             INSERT INTO items SELECT seq % 7, seq * 3, CONCAT('item ', seq, ' ✓'), seq / 100, \
               TIMESTAMP('2020-01-01') + INTERVAL seq * 1001 MICROSECOND FROM seq_1_to_{ROWS}"
        ),
    )
    .await
    .expect("source");
    (src, url)
}

async fn kill_rounds(src_url: &str, dst_url: &str, target_table: &str) -> u32 {
    let exe = std::env::current_exe().expect("test binary");
    let mut killed = 0;
    for _ in 0..4 {
        let mut child = Command::new(&exe)
            .args(["--exact", "child_copy", "--nocapture", "--test-threads=1"])
            .env(CHILD, format!("{src_url}|{dst_url}|{target_table}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        tokio::time::sleep(Duration::from_millis(random_ms(300, 1_200))).await;
        if child.try_wait().expect("poll child").is_none() {
            child.kill().expect("SIGKILL"); // kill -9
            killed += 1;
        }
        child.wait().expect("reap child");
    }
    killed
}

async fn checkpoint_rows(dst: &DbPool, table: &str) -> u64 {
    let sql = match dst.dialect() {
        warroom::db::Dialect::Postgres => {
            format!("SELECT SUM(rows_written)::text FROM {table} WHERE job = 'resume'")
        }
        _ => format!("SELECT SUM(rows_written) FROM {table} WHERE job = 'resume'"),
    };
    let rows = fetch_text(dst, &sql).await.expect("checkpoint");
    rows[0][0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .expect("number")
}

// ROWS is 20 000.
#[allow(clippy::cast_possible_wrap)]
#[tokio::test]
async fn resume_after_kill_9_mariadb_to_postgres() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, src_url) = source_items(&my).await;
    let (pg, schema) = pg_schema(&pgu, "resume").await;
    let table = format!("{schema}.items");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {table} (grp integer NOT NULL, id bigint NOT NULL, name varchar(40), \
             amount numeric(12,2), at timestamp(6), PRIMARY KEY (grp, id))"
        ),
    )
    .await
    .expect("target");
    let killed = kill_rounds(&src_url, &pgu, &table).await;
    assert!(killed >= 1, "no child was killed mid-copy");
    let partial = count(&pg, &table).await;
    let (res, _) = run_copy(&child_spec(&table), &src, &pg, CopyOptions::default()).await;
    let summary = res.expect("final run");
    assert!(summary.resumed || partial == 0);
    assert_eq!(count(&pg, &table).await, ROWS as i64);
    assert_eq!(
        dump(&pg, &table, "id").await,
        dump(&src, "items", "id").await
    );
    assert_eq!(
        checkpoint_rows(&pg, &format!("{schema}._warroom_copy_checkpoints")).await,
        ROWS
    );
    eprintln!("killed {killed} children; {partial} rows were in before the last run");
}

// ROWS is 20 000.
#[allow(clippy::cast_possible_wrap)]
#[tokio::test]
async fn resume_after_kill_9_mariadb_to_mariadb() {
    let Some(my) = servers::mysql() else { return };
    let (src, src_url) = source_items(&my).await;
    let (dst, dst_url, _) = mysql_db(&my, "rdst").await;
    execute(
        &dst,
        "CREATE TABLE items (grp INT NOT NULL, id BIGINT NOT NULL, name VARCHAR(40), \
         amount DECIMAL(12,2), at DATETIME(6), PRIMARY KEY (grp, id))",
    )
    .await
    .expect("target");
    let killed = kill_rounds(&src_url, &dst_url, "items").await;
    assert!(killed >= 1, "no child was killed mid-copy");
    let (res, _) = run_copy(&child_spec("items"), &src, &dst, CopyOptions::default()).await;
    res.expect("final run");
    assert_eq!(count(&dst, "items").await, ROWS as i64);
    assert_eq!(
        dump(&dst, "items", "id").await,
        dump(&src, "items", "id").await
    );
    assert_eq!(
        checkpoint_rows(&dst, "_warroom_copy_checkpoints").await,
        ROWS
    );
}
