#![allow(clippy::unwrap_used)]
//! The real binary, `warroom copy`, while its source goes away: the source is reached
//! through a TCP proxy on loopback that the test stops (connections cut, port closed) and
//! starts again. Within seconds the progress line says the copy is retrying because the
//! source is unreachable, with the real cause (connection refused) and the retry count;
//! once the source is back the copy completes with every row.

mod copy_common;
mod support;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use copy_common::*;
use support::servers;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use warroom::db::rows::execute;

const ROWS: i64 = 12_000;

/// Forwards `127.0.0.1:port` to `upstream` until stopped; stopping closes the port and
/// cuts every forwarded connection.
struct Proxy {
    stop: watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
}

async fn proxy(port: u16, upstream: String) -> (Proxy, u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = watch::channel(false);
    let accept = tokio::spawn(async move {
        let mut stop_accepting = stopped.clone();
        loop {
            let (mut client, _) = tokio::select! {
                conn = listener.accept() => match conn {
                    Ok(c) => c,
                    Err(_) => return,
                },
                _ = stop_accepting.changed() => return,
            };
            let upstream = upstream.clone();
            let mut cut = stopped.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = cut.changed() => {}
                }
            });
        }
    });
    (Proxy { stop, accept }, port)
}

impl Proxy {
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.accept.await;
    }
}

fn runbook(src_url: &str, dst_url: &str, target_table: &str) -> String {
    support::runbooks::items_job(
        "copy outage",
        src_url,
        dst_url,
        "copy",
        target_table,
        "workers = 2\nchunk_rows = 300\nmax_rows_per_sec = 3000",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_outage_is_reported_with_its_cause_and_the_copy_recovers() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, src_url, db) = mysql_db(&my, "osrc").await;
    execute(
        &src,
        &format!(
            "CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); \
             INSERT INTO items SELECT seq, CONCAT('v', seq) FROM seq_1_to_{ROWS}"
        ),
    )
    .await
    .unwrap();
    let (pg, schema) = pg_schema(&pgu, "outage").await;
    let table = format!("{schema}.items");
    execute(
        &pg,
        &format!("CREATE TABLE {table} (id integer PRIMARY KEY, v varchar(20))"),
    )
    .await
    .unwrap();

    // mysql://user@host:port/db -> the same through the proxy.
    let (head, rest) = src_url.split_once('@').unwrap();
    let upstream = rest.split('/').next().unwrap().to_string();
    let (running, port) = proxy(0, upstream.clone()).await;
    let proxied = format!("{head}@127.0.0.1:{port}/{db}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.toml");
    std::fs::write(&file, runbook(&proxied, &pgu, &table)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("warroom.log"))
        .arg("copy")
        .arg(&file)
        .args(["--job", "items"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<(Instant, String)>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if lines_tx.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });

    // Let the copy get going, then take the source away.
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&pg, &table).await < 1_500 {
        assert!(Instant::now() < deadline, "the copy did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cut_at = Instant::now();
    running.stop().await;

    // The progress line names the outage and its cause within seconds.
    let mut seen = Vec::new();
    let give_up = cut_at + Duration::from_secs(30);
    let reported = loop {
        let wait = give_up.saturating_duration_since(Instant::now());
        let Ok((at, line)) = lines.recv_timeout(wait) else {
            let _ = child.kill();
            panic!(
                "in 30 s no line said why the copy stalled; stderr:\n{}",
                seen.join("\n")
            );
        };
        seen.push(line.clone());
        if at < cut_at {
            continue;
        }
        if line.contains("retrying (")
            && line.contains("the source is unreachable")
            && line.contains("refused")
        {
            break (at - cut_at, line);
        }
    };
    eprintln!("reported after {:?}: {}", reported.0, reported.1);
    assert!(
        reported.0 < Duration::from_secs(10),
        "the outage was reported only after {:?}: {}",
        reported.0,
        reported.1
    );
    let paused_at = count(&pg, &table).await;
    assert!(paused_at < ROWS, "the copy finished before the outage");

    // The source comes back on the same address: the copy picks up and completes.
    let (back, _) = proxy(port, upstream).await;
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success(),
        "copy failed after the outage: {out}\n{}",
        seen.join("\n")
    );
    assert!(out.contains(&format!("{ROWS} rows")), "{out}");
    assert_eq!(count(&pg, &table).await, ROWS);
    assert_eq!(
        dump(&pg, &table, "id").await,
        dump(&src, "items", "id").await
    );
    back.stop().await;
}
