//! Copy benchmark: the 2,000,000-row payments table (shared dataset script) copied by
//! warroom and by the reference tools, printed side by side in one run.
//!
//!   cargo bench --bench copy            (`WARROOM_BENCH_ROWS=N` for a smaller table)
//!
//! Rows: warroom MariaDB->PostgreSQL vs pgloader and vs PostgreSQL COPY of a CSV on disk
//! (the floor); warroom MariaDB->MariaDB vs mydumper+myloader (2 threads) and vs a
//! same-server INSERT ... SELECT. warroom's peak RSS comes from `/usr/bin/time -v` around a
//! child process (this program re-run with `WARROOM_BENCH_CHILD` set).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warroom::copy::{self, CopyOptions};
use warroom::db::{DbPool, SecretUrl};
use warroom::runbook::{CopyEngine, CopySpec};

const MY_SRC: &str = "mysql://root@127.0.0.1:3306/src";
const MY_DST: &str = "mysql://root@127.0.0.1:3306/dst";
const PG_DST: &str = "postgres://postgres@127.0.0.1:5432/dst";
const CHILD: &str = "WARROOM_BENCH_CHILD";

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn spec(target_table: &str) -> CopySpec {
    CopySpec {
        name: "bench_payments".into(),
        engine: CopyEngine::Native,
        source: "src".into(),
        source_table: "payments".into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: vec!["id".into()],
        columns: None,
        rename: std::collections::BTreeMap::new(),
        filter: None,
        workers: std::env::var("WARROOM_BENCH_WORKERS")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(2),
        chunk_rows: 5_000,
        chunk_target: Duration::from_millis(500),
        max_rows_per_sec: None,
        throttle: Vec::new(),
        progress: None,
        create_target: false,
        finished: warroom::runbook::Finished::ReachesTotal,
        stalled_after: None,
        exclusive: None,
    }
}

async fn pool(url: &str, max: u32) -> Res<DbPool> {
    let url = SecretUrl::expand("bench", url, |_| None)?;
    Ok(DbPool::connect(&url, max, Duration::from_secs(30)).await?)
}

/// The child: one warroom copy, summary as JSON on stdout.
async fn child(which: &str) -> Res<()> {
    let (target_url, table) = match which {
        "pg" => (PG_DST, "public.payments"),
        _ => (MY_DST, "payments"),
    };
    let s = spec(table);
    let src = pool(MY_SRC, s.workers + 1).await?;
    let dst = pool(target_url, s.workers + 1).await?;
    let (_ctl, ctl_rx) = mpsc::channel(1);
    let (tx, mut rx) = mpsc::channel(64);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let opts = CopyOptions {
        restart: true,
        // `maria-wire`: as if the target were another server.
        same_server: which != "maria-wire",
        ..CopyOptions::default()
    };
    let summary = copy::run(&s, src, dst, opts, ctl_rx, tx).await?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

fn sh(cmd: &str) -> Res<(f64, String)> {
    let t0 = Instant::now();
    let out = Command::new("bash")
        .args(["-c", cmd])
        .stdin(Stdio::null())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("`{cmd}` failed: {text}").into());
    }
    Ok((secs, text))
}

fn psql(db: &str, sql: &str) -> Res<(f64, String)> {
    sh(&format!(
        "psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d {db} -c \"{sql}\""
    ))
}

fn maria(sql: &str) -> Res<(f64, String)> {
    sh(&format!("mariadb -h 127.0.0.1 -u root -N -e \"{sql}\""))
}

/// Runs this program as the warroom child under `/usr/bin/time -v`: (seconds, peak RSS MB).
fn warroom(which: &str) -> Res<(f64, f64)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&exe)
        .env(CHILD, which)
        .stdin(Stdio::null())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("warroom child failed: {err}").into());
    }
    let rss_kb: f64 = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    eprintln!(
        "  warroom {which}: {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Ok((secs, rss_kb / 1024.0))
}

fn row(name: &str, secs: f64, rows: f64, note: &str) {
    println!(
        "| {name:<44} | {secs:>7.1} s | {:>9.0} rows/s | {note}",
        rows / secs
    );
}

// Row counts read back as numbers are compared exactly.
#[allow(clippy::float_cmp)]
fn main() -> Res<()> {
    if let Ok(which) = std::env::var(CHILD) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return rt.block_on(child(&which));
    }
    let n: u64 = std::env::var("WARROOM_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let dataset = std::env::var("WARROOM_BENCH_DATASET")
        .unwrap_or_else(|_| "/work/shared/bench/payments-dataset.sh".into());
    println!("load before: {}", sh("uptime")?.1.trim());
    if std::env::var("WARROOM_BENCH_REUSE").is_err() {
        let (secs, out) = sh(&format!("bash {dataset} {n}"))?;
        println!("dataset: {} ({secs:.1} s)", out.trim());
    }
    let rows: f64 = maria("SELECT COUNT(*) FROM src.payments")?
        .1
        .trim()
        .parse()?;

    // MariaDB -> PostgreSQL
    psql(
        "dst",
        "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    let (w_pg, rss_pg) = warroom("pg")?;
    let got: f64 = psql("dst", "SELECT COUNT(*) FROM public.payments")?
        .1
        .trim()
        .parse()?;
    assert_eq!(got, rows, "warroom copied every row to PostgreSQL");

    // The floor: PostgreSQL COPY of a CSV already on disk (server-side file).
    psql(
        "dst",
        "COPY public.payments TO '/tmp/warroom-bench-payments.csv' WITH (FORMAT csv)",
    )?;
    psql("dst", "TRUNCATE public.payments")?;
    let (floor, _) = psql(
        "dst",
        "COPY public.payments FROM '/tmp/warroom-bench-payments.csv' WITH (FORMAT csv)",
    )?;

    psql("dst", "TRUNCATE public.payments")?;
    let load = "/tmp/warroom-bench.load";
    std::fs::write(
        load,
        "LOAD DATABASE FROM mysql://root@127.0.0.1:3306/src INTO postgresql://postgres@127.0.0.1:5432/dst\n\
         WITH data only, workers = 2, concurrency = 1\n\
         INCLUDING ONLY TABLE NAMES MATCHING 'payments'\n\
         ALTER SCHEMA 'src' RENAME TO 'public';\n",
    )?;
    let (pgl, _) = sh(&format!("pgloader --quiet {load}"))?;
    let got: f64 = psql("dst", "SELECT COUNT(*) FROM public.payments")?
        .1
        .trim()
        .parse()?;
    let pgl_note = if got == rows {
        String::new()
    } else {
        format!("(loaded {got} rows!)")
    };

    // MariaDB -> MariaDB: inside the one server, and over the wire as if it were two.
    maria("TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints")?;
    let (w_my, rss_my) = warroom("maria")?;
    let got: f64 = maria("SELECT COUNT(*) FROM dst.payments")?
        .1
        .trim()
        .parse()?;
    assert_eq!(got, rows, "warroom copied every row to MariaDB");
    maria("TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints")?;
    let (w_wire, rss_wire) = warroom("maria-wire")?;
    let got: f64 = maria("SELECT COUNT(*) FROM dst.payments")?
        .1
        .trim()
        .parse()?;
    assert_eq!(
        got, rows,
        "warroom copied every row to MariaDB over the wire"
    );

    maria("TRUNCATE dst.payments")?;
    let (ins_sel, _) = maria("INSERT INTO dst.payments SELECT * FROM src.payments")?;

    maria("TRUNCATE dst.payments")?;
    sh("rm -rf /tmp/warroom-bench-dump")?;
    let (dump, _) = sh(
        "mydumper -h 127.0.0.1 -u root -B src -T payments -t 2 -r 100000 -o /tmp/warroom-bench-dump",
    )?;
    let (load_s, _) =
        sh("myloader -h 127.0.0.1 -u root -d /tmp/warroom-bench-dump -s src -B dst -t 2 -o")?;
    let got: f64 = maria("SELECT COUNT(*) FROM dst.payments")?
        .1
        .trim()
        .parse()?;
    let my_note = if got == rows {
        String::new()
    } else {
        format!("(loaded {got} rows!)")
    };

    println!();
    println!(
        "payments: {rows} rows; 2 cores shared; load after: {}",
        sh("uptime")?.1.trim()
    );
    println!("| {:<44} | {:>9} | {:>16} |", "run", "time", "throughput");
    println!("|{}|{}|{}|", "-".repeat(46), "-".repeat(11), "-".repeat(18));
    row(
        "warroom MariaDB -> PostgreSQL",
        w_pg,
        rows,
        &format!("peak RSS {rss_pg:.0} MB"),
    );
    row("pgloader MariaDB -> PostgreSQL", pgl, rows, &pgl_note);
    row("PostgreSQL COPY FROM csv on disk (floor)", floor, rows, "");
    row(
        "warroom MariaDB -> MariaDB (inside the server)",
        w_my,
        rows,
        &format!("peak RSS {rss_my:.0} MB"),
    );
    row(
        "warroom MariaDB -> MariaDB (over the wire)",
        w_wire,
        rows,
        &format!("peak RSS {rss_wire:.0} MB"),
    );
    row(
        "mydumper + myloader, 2 threads",
        dump + load_s,
        rows,
        &format!("{dump:.1} s + {load_s:.1} s {my_note}"),
    );
    row("INSERT ... SELECT, same server (floor)", ins_sel, rows, "");
    println!();
    println!(
        "goals: >= 2x pgloader -> {:.2}x; <= 1.3x COPY floor -> {:.2}x;",
        pgl / w_pg,
        w_pg / floor
    );
    println!(
        "       faster than mydumper+myloader -> {:.2}x in server, {:.2}x over the wire;",
        (dump + load_s) / w_my,
        (dump + load_s) / w_wire,
    );
    println!(
        "       <= 1.5x INSERT...SELECT -> {:.2}x in server, {:.2}x over the wire; RSS < 200 MB -> {:.0}/{:.0}/{:.0} MB",
        w_my / ins_sel,
        w_wire / ins_sel,
        rss_pg,
        rss_my,
        rss_wire
    );
    Ok(())
}
