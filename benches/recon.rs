//! Recon benchmark: the 2,000,000-row payments table (shared dataset script) after a copy,
//! checked by warroom and by the reference tools, printed side by side in one run.
//!
//!   cargo bench --bench recon      (`WARROOM_BENCH_REUSE=1` keeps an existing dataset;
//!   `WARROOM_BENCH_ONLY=floor` runs MariaDB vs PostgreSQL with no difference only, beside
//!   the floor: the same chunk checksums on each side alone and on both at once)
//!
//! Rows: MariaDB vs PostgreSQL, warroom vs reladiff, with 0 and with 100 injected
//! differences (40 changed, 30 deleted, 30 extra); MariaDB vs MariaDB, warroom vs
//! pt-table-sync (--print), with 0 and 100. Each tool's findings are counted and compared
//! with what was injected. Each tool runs twice (`WARROOM_BENCH_ROUNDS`), interleaved with
//! the other, and its best time counts.

#[path = "support/common.rs"]
mod common;
#[path = "support/dataset.rs"]
mod dataset;

use std::collections::BTreeSet;
use std::time::Instant;

use tokio::sync::{mpsc, watch};
use warroom::copy::{self, CopyOptions};

use warroom::recon::ReconJob;
use warroom::runbook::{CopySpec, ReconSpec};

use common::{payments_copy, pool, run, Res};

const MY_SRC: &str = "mysql://root@127.0.0.1:3306/src";
const MY_DST: &str = "mysql://root@127.0.0.1:3306/dst";
const PG_DST: &str = "postgres://postgres@127.0.0.1:5432/dst";
const COLUMNS: [&str; 9] = [
    "id",
    "account_id",
    "amount",
    "currency",
    "status",
    "created_at",
    "updated_at",
    "memo",
    "metadata",
];

/// Runs `cmd`: (seconds, stdout); reladiff's and pt-table-sync's "found differences"
/// exits (1, 2) are not failures.
fn sh(cmd: &str) -> Res<(f64, String)> {
    let ran = run(cmd, &[1, 2])?;
    Ok((ran.secs, ran.stdout))
}

fn psql(sql: &str) -> Res<String> {
    Ok(sh(&format!(
        "psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d dst -c \"{sql}\""
    ))?
    .1)
}

fn maria(sql: &str) -> Res<String> {
    Ok(sh(&format!("mariadb -h 127.0.0.1 -u root -N -e \"{sql}\""))?.1)
}

fn recon_spec(target_table: &str) -> ReconSpec {
    ReconSpec {
        name: "payments".into(),
        source: "src".into(),
        source_table: "payments".into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: vec!["id".into()],
        columns: Some(COLUMNS.map(String::from).to_vec()),
        filter: None,
        // The runbook defaults.
        chunk_rows: 5_000,
        concurrency: 4,
        float_tolerance: None,
        watch: None,
        active: None,
        checks: Vec::new(),
    }
}

/// warroom's recon: (seconds, keys found, chunks bisected).
async fn warroom(target_url: &str, table: &str) -> Res<(f64, BTreeSet<String>, u64)> {
    let src = pool(MY_SRC, 5).await?;
    let dst = pool(target_url, 5).await?;
    let t0 = Instant::now();
    let job = ReconJob::prepare(&recon_spec(table), src, dst).await?;
    let (tx, mut rx) = mpsc::channel(64);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (_stop, stop_rx) = watch::channel(false);
    let out = job.run(tx, stop_rx).await?;
    let secs = t0.elapsed().as_secs_f64();
    let keys = out
        .findings
        .iter()
        .map(|f| {
            f.mismatch
                .key
                .join(",")
                .trim_start_matches("id=")
                .to_string()
        })
        .collect();
    Ok((secs, keys, out.progress.chunks_bisected))
}

/// The floor: the recon's chunk checksums alone (source, target or both at once), nothing
/// compared: seconds.
async fn floor(target_url: &str, table: &str, source: bool, target: bool) -> Res<f64> {
    let src = pool(MY_SRC, 5).await?;
    let dst = pool(target_url, 5).await?;
    let t0 = Instant::now();
    let job = ReconJob::prepare(&recon_spec(table), src, dst).await?;
    job.checksums_only(source, target).await?;
    Ok(t0.elapsed().as_secs_f64())
}

/// `WARROOM_BENCH_ONLY=floor`: MariaDB vs PostgreSQL with no difference only, warroom and
/// reladiff beside the in-database floor, `rounds` times interleaved (best counts).
// One letter per measured run, as the printed table names them.
#[allow(clippy::many_single_char_names)]
async fn floor_only(n: u64, rounds: usize) -> Res<()> {
    let none = BTreeSet::new();
    let (mut w, mut r, mut fs, mut ft, mut fb) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    let mut notes = (String::new(), String::new());
    for _ in 0..rounds {
        let (t, f, _) = warroom(PG_DST, "public.payments").await?;
        w = w.min(t);
        notes.0 = verdict(&f, &none);
        let (t, f) = reladiff()?;
        r = r.min(t);
        notes.1 = verdict(&f, &none);
        fs = fs.min(floor(PG_DST, "public.payments", true, false).await?);
        ft = ft.min(floor(PG_DST, "public.payments", false, true).await?);
        fb = fb.min(floor(PG_DST, "public.payments", true, true).await?);
    }
    println!();
    println!(
        "payments: {n} rows; 2 cores shared; best of {rounds}; load after: {}",
        sh("uptime")?.1.trim()
    );
    println!("| {:<46} | {:>9} | findings", "run", "time");
    println!("|{}|{}|{}", "-".repeat(48), "-".repeat(11), "-".repeat(30));
    row("warroom MariaDB vs PostgreSQL, 0 differences", w, &notes.0);
    row("reladiff MariaDB vs PostgreSQL, 0 differences", r, &notes.1);
    row("floor: MariaDB checksums alone", fs, "");
    row("floor: PostgreSQL checksums alone", ft, "");
    row("floor: both sides' checksums at once", fb, "");
    println!();
    println!(
        "warroom / reladiff -> {:.2}; warroom / floor (aim <= 1.2) -> {:.2}",
        w / r,
        w / fb
    );
    Ok(())
}

/// reladiff, MariaDB vs PostgreSQL: (seconds, distinct keys reported).
fn reladiff() -> Res<(f64, BTreeSet<String>)> {
    let cols: String = COLUMNS[1..].iter().map(|c| format!(" -c {c}")).collect();
    let (secs, out) = sh(&format!(
        "COLUMNS=1000000 reladiff mysql://root@127.0.0.1:3306/src payments postgresql://postgres@127.0.0.1:5432/dst payments -k id{cols} --json 2>&1"
    ))?;
    // reladiff exits 0 on some failures (a missing database driver): its log says so.
    if let Some(line) = out.lines().find(|l| l.contains(" ERROR - ")) {
        return Err(format!("reladiff failed: {line}").into());
    }
    let keys = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        // `["-", ["3", "30950.23"]]`: the sign, then the row with the key first.
        .filter_map(|v| v[1][0].as_str().map(str::to_string))
        .collect();
    Ok((secs, keys))
}

/// pt-table-sync --print, MariaDB vs MariaDB: (seconds, statements printed).
fn pt_table_sync() -> Res<(f64, usize)> {
    let (secs, out) = sh(
        "pt-table-sync --print --no-check-slave h=127.0.0.1,u=root,D=src,t=payments h=127.0.0.1,u=root,D=dst,t=payments",
    )?;
    let n = out
        .lines()
        .filter(|l| {
            ["REPLACE", "DELETE", "INSERT", "UPDATE"]
                .iter()
                .any(|w| l.starts_with(w))
        })
        .count();
    Ok((secs, n))
}

/// Injects 40 changed, 30 deleted and 30 extra rows; returns their ids.
fn inject(pg: bool) -> Res<BTreeSet<String>> {
    let ids: Vec<i64> =
        maria("SELECT id FROM src.payments WHERE id % 19997 = 3 ORDER BY id LIMIT 70")?
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
    let max: i64 = maria("SELECT MAX(id) FROM src.payments")?.trim().parse()?;
    let gaps: Vec<i64> = maria(
        "SELECT a.id + 1 FROM src.payments a LEFT JOIN src.payments b ON b.id = a.id + 1 WHERE b.id IS NULL AND a.id % 7 = 0 AND a.id < 1500000 LIMIT 15",
    )?
    .lines()
    .filter_map(|l| l.trim().parse().ok())
    .collect();
    let extra: Vec<i64> = gaps
        .into_iter()
        .chain((1..=15).map(|i| max + i * 10))
        .collect();
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (changed, deleted) = ids.split_at(40);
    let table = if pg { "payments" } else { "dst.payments" };
    let first = "(SELECT MIN(id) FROM src.payments)";
    let sqls = [
        format!(
            "UPDATE {table} SET amount = amount + 0.01 WHERE id IN ({})",
            list(changed)
        ),
        format!("DELETE FROM {table} WHERE id IN ({})", list(deleted)),
    ];
    for s in &sqls {
        if pg {
            psql(s)?;
        } else {
            maria(s)?;
        }
    }
    let row: Vec<String> = maria(&format!(
        "SELECT account_id, amount, currency, status, created_at, updated_at FROM src.payments WHERE id = {first}"
    ))?
    .trim()
    .split('\t')
    .map(str::to_string)
    .collect();
    let values = extra
        .iter()
        .map(|id| {
            format!(
                "({id}, {}, {}, '{}', '{}', '{}', '{}', NULL, NULL)",
                row[0], row[1], row[2], row[3], row[4], row[5]
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!("INSERT INTO {table} VALUES {values}");
    if pg {
        psql(&insert)?;
    } else {
        maria(&insert)?;
    }
    Ok(ids.iter().chain(&extra).map(i64::to_string).collect())
}

async fn copy_to(target_url: &str, table: &str) -> Res<()> {
    let spec = CopySpec {
        name: "bench_recon_copy".into(),
        ..payments_copy("bench_recon_copy", table)
    };
    let (_c, crx) = mpsc::channel(1);
    let (tx, mut rx) = mpsc::channel(64);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let opts = CopyOptions {
        restart: true,
        ..CopyOptions::default()
    };
    copy::run(
        &spec,
        pool(MY_SRC, 3).await?,
        pool(target_url, 3).await?,
        opts,
        crx,
        tx,
    )
    .await?;
    Ok(())
}

/// A tool's best time over the rounds, and what it found (a round that found something
/// else than what was injected is the one reported).
struct Best {
    secs: f64,
    note: String,
    exact: bool,
}

impl Default for Best {
    fn default() -> Best {
        Best {
            secs: f64::MAX,
            note: String::new(),
            exact: true,
        }
    }
}

impl Best {
    fn add(&mut self, secs: f64, exact: bool, note: String) {
        self.secs = self.secs.min(secs);
        if self.exact {
            self.note = note;
            self.exact = exact;
        }
    }
}

/// warroom and reladiff (MariaDB vs PostgreSQL), warroom and pt-table-sync (MariaDB vs
/// MariaDB), `rounds` times interleaved: their best times and what they found, against the
/// keys injected on each target (`statements` for pt-table-sync).
// One letter per measured side, as the printed table names them.
#[allow(clippy::many_single_char_names)]
async fn measure(
    rounds: usize,
    want_pg: &BTreeSet<String>,
    want_my: &BTreeSet<String>,
    statements: usize,
) -> Res<[Best; 4]> {
    let [mut w_pg, mut r, mut w_my, mut p] = [(); 4].map(|()| Best::default());
    for _ in 0..rounds {
        let (t, f, bis) = warroom(PG_DST, "public.payments").await?;
        let note = format!("{}; {bis} chunks bisected", verdict(&f, want_pg));
        w_pg.add(t, &f == want_pg, note);
        let (t, f) = reladiff()?;
        r.add(t, &f == want_pg, verdict(&f, want_pg));
        let (t, f, bis) = warroom(MY_DST, "payments").await?;
        let note = format!("{}; {bis} chunks bisected", verdict(&f, want_my));
        w_my.add(t, &f == want_my, note);
        let (t, n) = pt_table_sync()?;
        p.add(
            t,
            n == statements,
            format!("{n} statements ({statements} injected)"),
        );
    }
    Ok([w_pg, r, w_my, p])
}

/// Lets the servers write out what the copy (or the injection) left in memory: PostgreSQL
/// checkpoints, MariaDB flushes both tables (`FOR EXPORT`), so that a background
/// flush does not weigh on whichever tool runs first.
fn settle() -> Res<()> {
    psql("CHECKPOINT")?;
    maria("FLUSH TABLES src.payments, dst.payments FOR EXPORT; UNLOCK TABLES")?;
    Ok(())
}

fn verdict(found: &BTreeSet<String>, want: &BTreeSet<String>) -> String {
    if found == want {
        format!("found exactly the {} injected", want.len())
    } else {
        let missed = want.difference(found).count();
        let spurious = found.difference(want).count();
        format!(
            "found {} ({missed} missed, {spurious} not injected)",
            found.len()
        )
    }
}

fn row(name: &str, secs: f64, note: &str) {
    println!("| {name:<46} | {secs:>7.1} s | {note}");
}

#[tokio::main]
async fn main() -> Res<()> {
    let n: u64 = std::env::var("WARROOM_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    println!("load before: {}", sh("uptime")?.1.trim());
    if std::env::var("WARROOM_BENCH_REUSE").is_err() {
        let (secs, _) = sh(&format!("bash {} {n}", dataset::script().display()))?;
        println!("dataset: {n} rows ({secs:.1} s)");
    }
    // Fresh copies on both targets.
    psql("TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints")?;
    maria("TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints")?;
    let floor_mode = std::env::var("WARROOM_BENCH_ONLY").is_ok_and(|o| o == "floor");
    copy_to(PG_DST, "public.payments").await?;
    if !floor_mode {
        copy_to(MY_DST, "payments").await?;
    }
    psql("DROP TABLE IF EXISTS public._warroom_copy_checkpoints")?;
    psql("VACUUM ANALYZE public.payments")?;
    maria("DROP TABLE IF EXISTS dst._warroom_copy_checkpoints; ANALYZE TABLE dst.payments")?;
    settle()?;
    let rounds: usize = std::env::var("WARROOM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    if floor_mode {
        return floor_only(n, rounds).await;
    }
    let mut both = f64::MAX;
    for _ in 0..rounds {
        both = both.min(floor(PG_DST, "public.payments", true, true).await?);
    }
    let none = BTreeSet::new();
    // Each tool runs `rounds` times, interleaved with the other, and its best time counts:
    // the machine is shared, and the servers still flush what the copy wrote.
    let [w_pg0, r0, w_my0, p0] = measure(rounds, &none, &none, 0).await?;
    let want_pg = inject(true)?;
    let want_my = inject(false)?;
    settle()?;
    let [w_pg1, r1, w_my1, p1] = measure(rounds, &want_pg, &want_my, 100).await?;
    let (w_pg0, w_pg0_note, r0, r0_note) = (w_pg0.secs, w_pg0.note, r0.secs, r0.note);
    let (w_my0, w_my0_note, p0, p0_note) = (w_my0.secs, w_my0.note, p0.secs, p0.note);
    let (w_pg1, w_pg1_note, r1, r1_note) = (w_pg1.secs, w_pg1.note, r1.secs, r1.note);
    let (w_my1, w_my1_note, p1, p1_note) = (w_my1.secs, w_my1.note, p1.secs, p1.note);

    println!();
    println!(
        "payments: {n} rows; 2 cores shared; load after: {}",
        sh("uptime")?.1.trim()
    );
    println!("| {:<46} | {:>9} | findings", "run", "time");
    println!("|{}|{}|{}", "-".repeat(48), "-".repeat(11), "-".repeat(30));
    row(
        "warroom MariaDB vs PostgreSQL, 0 differences",
        w_pg0,
        &w_pg0_note,
    );
    row(
        "reladiff MariaDB vs PostgreSQL, 0 differences",
        r0,
        &r0_note,
    );
    row("floor: both sides' checksums at once", both, "");
    row(
        "warroom MariaDB vs PostgreSQL, 100 differences",
        w_pg1,
        &w_pg1_note,
    );
    row(
        "reladiff MariaDB vs PostgreSQL, 100 differences",
        r1,
        &r1_note,
    );
    row(
        "warroom MariaDB vs MariaDB, 0 differences",
        w_my0,
        &w_my0_note,
    );
    row("pt-table-sync --print, 0 differences", p0, &p0_note);
    row(
        "warroom MariaDB vs MariaDB, 100 differences",
        w_my1,
        &w_my1_note,
    );
    row("pt-table-sync --print, 100 differences", p1, &p1_note);
    println!();
    println!(
        "goals: <= 1/3 of reladiff with none -> {:.2}; <= 1/4 with 100 -> {:.2}; faster than pt-table-sync -> {:.2}x / {:.2}x",
        w_pg0 / r0,
        w_pg1 / r1,
        p0 / w_my0,
        p1 / w_my1
    );
    println!(
        "       warroom / floor with none (aim <= 1.2) -> {:.2}",
        w_pg0 / both
    );
    Ok(())
}
