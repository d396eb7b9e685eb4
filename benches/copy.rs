//! Copy benchmark: the payments table (shared dataset script) copied by warroom and by the
//! tools a user would pick instead, printed side by side in one run.
//!
//!   cargo bench --bench copy
//!
//! - `WARROOM_BENCH_ROWS=2000000,20000000`: the sizes, each a fresh dataset (default 2M);
//!   the sizes after the first run MariaDB -> PostgreSQL only, and the growth of each of
//!   its runs' time and warroom's peak RSS is printed (goal: 10x within 20 %, RSS flat).
//! - `WARROOM_BENCH_ONLY=maria-pg,maria-maria,pg-pg,pg-maria`: the directions (default all).
//! - `WARROOM_BENCH_ROUNDS=N`: each direction's tools run N times, interleaved; best counts.
//!
//! Directions:
//! - `maria-pg`: warroom MariaDB -> PostgreSQL vs pgloader, and PostgreSQL `COPY` of a CSV
//!   already on disk (the floor).
//! - `maria-maria`: the machine's MariaDB to a second MariaDB server the benchmark starts
//!   (its own data directory and port), so the copy crosses the wire as between two hosts:
//!   warroom vs mydumper + myloader (2 threads), beside a same-server `INSERT ... SELECT`
//!   (the floor) and warroom inside one server.
//! - `pg-pg`: PostgreSQL to PostgreSQL vs pgcopydb and `pg_dump | pg_restore` of the table.
//! - `pg-maria`: PostgreSQL to the second MariaDB vs `psql \copy` out + `LOAD DATA` in.
//!
//! warroom runs as a child process (this program with `WARROOM_BENCH_CHILD` set) under
//! `/usr/bin/time -v`, which gives its peak RSS.

#[path = "support/common.rs"]
mod common;
#[path = "support/dataset.rs"]
mod dataset;
#[path = "support/maria_server.rs"]
mod maria_server;

use std::process::{Command, Stdio};
use std::time::Instant;

use tokio::sync::mpsc;
use warroom::copy::{self, CopyOptions};

use common::{payments_copy, pool, sh, Res};
use maria_server::MariaServer;

const MY: &str = "mysql://root@127.0.0.1:3306";
const PG: &str = "postgres://postgres@127.0.0.1:5432";
/// The PostgreSQL source for `pg-*`: a copy of the loaded `dst` database.
const PG_SRC_DB: &str = "warroom_bench_pgsrc";
/// A fresh database for the tools that create the table themselves.
const PG_TOOL_DB: &str = "warroom_bench_pgtool";
const SECOND_PORT: u16 = 3307;
const CHILD: &str = "WARROOM_BENCH_CHILD";

/// The child: one warroom copy (`SOURCE_URL TARGET_URL TABLE`), summary as JSON on stdout.
async fn child(args: &str) -> Res<()> {
    let parts: Vec<&str> = args.split(' ').collect();
    let [source, target, table] = parts[..] else {
        return Err(format!("{CHILD} wants `SOURCE_URL TARGET_URL TABLE`, not {args:?}").into());
    };
    let mut s = payments_copy("bench_payments", table);
    if let Some(w) = std::env::var("WARROOM_BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
    {
        s.workers = w;
    }
    let src = pool(source, s.workers + 1).await?;
    let dst = pool(target, s.workers + 1).await?;
    let (_ctl, ctl_rx) = mpsc::channel(1);
    let (tx, mut rx) = mpsc::channel(64);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let opts = CopyOptions {
        restart: true,
        ..CopyOptions::default()
    };
    let summary = copy::run(&s, src, dst, opts, ctl_rx, tx).await?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

fn psql(db: &str, sql: &str) -> Res<(f64, String)> {
    sh(&format!(
        "psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d {db} -c \"{sql}\""
    ))
}

fn pg_count(db: &str) -> Res<f64> {
    Ok(psql(db, "SELECT COUNT(*) FROM public.payments")?
        .1
        .trim()
        .parse()?)
}

/// `client` is a `mariadb` command line (the machine's server or the second one).
fn maria(client: &str, sql: &str) -> Res<(f64, String)> {
    sh(&format!("{client} -N -e \"{sql}\""))
}

fn maria_count(client: &str) -> Res<f64> {
    Ok(maria(client, "SELECT COUNT(*) FROM dst.payments")?
        .1
        .trim()
        .parse()?)
}

const LOCAL: &str = "mariadb -h 127.0.0.1 -u root";

/// Runs this program as the warroom child under `/usr/bin/time -v`: (seconds, peak RSS MB).
fn warroom(source: &str, target: &str, table: &str) -> Res<(f64, f64)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&exe)
        .env(CHILD, format!("{source} {target} {table}"))
        .stdin(Stdio::null())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("warroom child failed: {err}").into());
    }
    let field = |name: &str| -> f64 {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let cpu = field("User time (seconds): ") + field("System time (seconds): ");
    eprintln!(
        "  warroom {source} -> {target}: {} (cpu {cpu:.1} s)",
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Ok((secs, field("Maximum resident set size (kbytes): ") / 1024.0))
}

/// One measured run: its best time over the rounds, and a note.
#[derive(Default, Clone)]
struct Run {
    secs: f64,
    note: String,
}

/// The results of one dataset size, in the order they were first recorded.
#[derive(Default)]
struct Table {
    runs: Vec<(String, Run)>,
}

impl Table {
    fn record(&mut self, name: &str, secs: f64, note: String) {
        match self.runs.iter_mut().find(|(n, _)| n == name) {
            Some((_, run)) if secs < run.secs => *run = Run { secs, note },
            Some(_) => {}
            None => self.runs.push((name.to_string(), Run { secs, note })),
        }
    }

    fn secs(&self, name: &str) -> f64 {
        self.runs
            .iter()
            .find(|(n, _)| n == name)
            .map_or(f64::NAN, |(_, r)| r.secs)
    }
}

fn exact(got: f64, rows: f64) -> String {
    // Counts read back as numbers are compared exactly.
    #[allow(clippy::float_cmp)]
    if got == rows {
        String::new()
    } else {
        format!("(loaded {got} rows!)")
    }
}

const W_MARIA_PG: &str = "warroom MariaDB -> PostgreSQL";
const PGLOADER: &str = "pgloader MariaDB -> PostgreSQL";
const COPY_FLOOR: &str = "PostgreSQL COPY FROM csv on disk (floor)";
const W_IN_SERVER: &str = "warroom MariaDB -> MariaDB, inside one server";
const W_WIRE: &str = "warroom MariaDB -> second MariaDB (wire)";
const MYDUMPER: &str = "mydumper + myloader -> second MariaDB, 2 thr";
const INSERT_SELECT: &str = "INSERT ... SELECT, one server (floor)";
const W_PG_PG: &str = "warroom PostgreSQL -> PostgreSQL";
const PGCOPYDB: &str = "pgcopydb clone --table-jobs 2 (table only)";
const PG_DUMP: &str = "pg_dump -Fc | pg_restore (table only)";
const W_PG_MARIA: &str = "warroom PostgreSQL -> second MariaDB (wire)";
const COPY_LOAD: &str = "psql \\copy out + LOAD DATA LOCAL in";

fn maria_pg(t: &mut Table, rows: f64) -> Res<()> {
    psql(
        "dst",
        "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    let (secs, rss) = warroom(
        &format!("{MY}/src"),
        &format!("{PG}/dst"),
        "public.payments",
    )?;
    assert_eq!(
        exact(pg_count("dst")?, rows),
        "",
        "warroom copied every row to PostgreSQL"
    );
    t.record(W_MARIA_PG, secs, format!("peak RSS {rss:.0} MB"));

    // The floor: PostgreSQL COPY of a CSV already on disk (server-side file).
    let csv = std::env::temp_dir().join("warroom-bench-payments.csv");
    psql(
        "dst",
        &format!(
            "COPY public.payments TO '{}' WITH (FORMAT csv)",
            csv.display()
        ),
    )?;
    psql("dst", "TRUNCATE public.payments")?;
    let (floor, _) = psql(
        "dst",
        &format!(
            "COPY public.payments FROM '{}' WITH (FORMAT csv)",
            csv.display()
        ),
    )?;
    std::fs::remove_file(&csv)?;
    t.record(COPY_FLOOR, floor, String::new());

    // pgloader's defaults, then (if it runs out of heap, as it does at 20M rows here) the
    // smaller batches its documentation suggests for that.
    let mut notes = Vec::new();
    for with in ["", ", prefetch rows = 10000, batch rows = 5000"] {
        psql("dst", "TRUNCATE public.payments")?;
        let load = std::env::temp_dir().join("warroom-bench.load");
        std::fs::write(
            &load,
            format!(
                "LOAD DATABASE FROM {MY}/src INTO {PG}/dst\n\
                 WITH data only, workers = 2, concurrency = 1{with}\n\
                 INCLUDING ONLY TABLE NAMES MATCHING 'payments'\n\
                 ALTER SCHEMA 'src' RENAME TO 'public';\n"
            ),
        )?;
        let t0 = Instant::now();
        match sh(&format!("pgloader --quiet {}", load.display())) {
            Ok((pgl, _)) => {
                notes.push(format!(
                    "{}{}",
                    with.trim_start_matches(", "),
                    exact(pg_count("dst")?, rows)
                ));
                t.record(PGLOADER, pgl, notes.join("; "));
                return Ok(());
            }
            Err(e) => {
                let text = e.to_string();
                let why = if text.contains("Heap exhausted") {
                    "heap exhausted"
                } else {
                    "failed"
                };
                eprintln!(
                    "  pgloader{with}: {why} after {:.0} s",
                    t0.elapsed().as_secs_f64()
                );
                notes.push(format!(
                    "defaults: {why} after {:.0} s",
                    t0.elapsed().as_secs_f64()
                ));
            }
        }
    }
    t.record(PGLOADER, f64::NAN, notes.join("; "));
    Ok(())
}

fn maria_maria(t: &mut Table, rows: f64, second: &MariaServer) -> Res<()> {
    let far = second.client();
    maria(
        LOCAL,
        "TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints",
    )?;
    let (secs, rss) = warroom(&format!("{MY}/src"), &format!("{MY}/dst"), "payments")?;
    assert_eq!(
        exact(maria_count(LOCAL)?, rows),
        "",
        "warroom in one server"
    );
    t.record(W_IN_SERVER, secs, format!("peak RSS {rss:.0} MB"));

    maria(
        &far,
        "TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints",
    )?;
    let (secs, rss) = warroom(&format!("{MY}/src"), &second.url("dst"), "payments")?;
    assert_eq!(exact(maria_count(&far)?, rows), "", "warroom over the wire");
    t.record(W_WIRE, secs, format!("peak RSS {rss:.0} MB"));

    maria(LOCAL, "TRUNCATE dst.payments")?;
    let (ins_sel, _) = maria(LOCAL, "INSERT INTO dst.payments SELECT * FROM src.payments")?;
    t.record(INSERT_SELECT, ins_sel, String::new());

    maria(&far, "TRUNCATE dst.payments")?;
    let dump = std::env::temp_dir().join("warroom-bench-dump");
    sh(&format!("rm -rf {}", dump.display()))?;
    let (d, _) = sh(&format!(
        "mydumper -h 127.0.0.1 -u root -B src -T payments -t 2 -r 100000 -o {}",
        dump.display()
    ))?;
    let (l, _) = sh(&format!(
        "myloader -h 127.0.0.1 -P {} -u root -d {} -s src -B dst -t 2 -o",
        second.port,
        dump.display()
    ))?;
    sh(&format!("rm -rf {}", dump.display()))?;
    t.record(
        MYDUMPER,
        d + l,
        format!("{d:.1} s + {l:.1} s {}", exact(maria_count(&far)?, rows)),
    );
    Ok(())
}

/// Makes the PostgreSQL source: `dst` loaded by warroom, then cloned as a template.
fn pg_source(rows: f64) -> Res<()> {
    let drop_create = |db: &str, template: &str| {
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )?;
        psql(
            "postgres",
            &format!("CREATE DATABASE {db} TEMPLATE {template}"),
        )
    };
    if !exact(pg_count("dst")?, rows).is_empty() {
        psql(
            "dst",
            "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
        )?;
        warroom(
            &format!("{MY}/src"),
            &format!("{PG}/dst"),
            "public.payments",
        )?;
    }
    psql(
        "dst",
        "DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    psql("dst", "VACUUM ANALYZE public.payments")?;
    drop_create(PG_SRC_DB, "dst")?;
    Ok(())
}

fn pg_pg(t: &mut Table, rows: f64) -> Res<()> {
    let src_url = format!("{PG}/{PG_SRC_DB}");
    psql(
        "dst",
        "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    let (secs, rss) = warroom(&src_url, &format!("{PG}/dst"), "public.payments")?;
    assert_eq!(
        exact(pg_count("dst")?, rows),
        "",
        "warroom PostgreSQL -> PostgreSQL"
    );
    t.record(W_PG_PG, secs, format!("peak RSS {rss:.0} MB"));

    let fresh = || -> Res<()> {
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {PG_TOOL_DB} WITH (FORCE)"),
        )?;
        psql("postgres", &format!("CREATE DATABASE {PG_TOOL_DB}"))?;
        Ok(())
    };
    fresh()?;
    let work = std::env::temp_dir().join("warroom-bench-pgcopydb");
    sh(&format!("rm -rf {}", work.display()))?;
    std::fs::create_dir_all(&work)?;
    let filters = work.join("filters.ini");
    std::fs::write(&filters, "[include-only-table]\npublic.payments\n")?;
    let (secs, _) = sh(&format!(
        "pgcopydb clone --source {src_url} --target {PG}/{PG_TOOL_DB} --table-jobs 2 --index-jobs 2 \
         --filters {} --dir {}/run --no-owner --no-acl --skip-extensions --skip-vacuum",
        filters.display(),
        work.display()
    ))?;
    sh(&format!("rm -rf {}", work.display()))?;
    t.record(PGCOPYDB, secs, exact(pg_count(PG_TOOL_DB)?, rows));

    fresh()?;
    let (secs, _) = sh(&format!(
        "pg_dump -h 127.0.0.1 -U postgres -Fc -t public.payments {PG_SRC_DB} \
         | pg_restore -h 127.0.0.1 -U postgres -d {PG_TOOL_DB} --no-owner"
    ))?;
    t.record(PG_DUMP, secs, exact(pg_count(PG_TOOL_DB)?, rows));
    psql(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {PG_TOOL_DB} WITH (FORCE)"),
    )?;
    Ok(())
}

fn pg_maria(t: &mut Table, rows: f64, second: &MariaServer) -> Res<()> {
    let far = second.client();
    maria(
        &far,
        "TRUNCATE dst.payments; DROP TABLE IF EXISTS dst._warroom_copy_checkpoints",
    )?;
    let (secs, rss) = warroom(&format!("{PG}/{PG_SRC_DB}"), &second.url("dst"), "payments")?;
    assert_eq!(
        exact(maria_count(&far)?, rows),
        "",
        "warroom PostgreSQL -> MariaDB"
    );
    t.record(W_PG_MARIA, secs, format!("peak RSS {rss:.0} MB"));

    maria(&far, "TRUNCATE dst.payments")?;
    let tsv = std::env::temp_dir().join("warroom-bench-payments.tsv");
    let (out, _) = sh(&format!(
        "psql -X -q -h 127.0.0.1 -U postgres -d {PG_SRC_DB} -c \"\\copy public.payments TO '{}'\"",
        tsv.display()
    ))?;
    let (load, _) = sh(&format!(
        "{far} --local-infile=1 -e \"LOAD DATA LOCAL INFILE '{}' INTO TABLE dst.payments\"",
        tsv.display()
    ))?;
    std::fs::remove_file(&tsv)?;
    t.record(
        COPY_LOAD,
        out + load,
        format!(
            "{out:.1} s + {load:.1} s {}",
            exact(maria_count(&far)?, rows)
        ),
    );
    Ok(())
}

fn second_dst(second: &MariaServer) -> Res<()> {
    // The dataset script's DDL for dst.payments, read off the machine's server.
    let (_, ddl) = maria(LOCAL, "SHOW CREATE TABLE dst.payments")?;
    let ddl = ddl
        .split_once('\t')
        .map(|(_, d)| d.replace("\\n", " "))
        .ok_or("SHOW CREATE TABLE gave no DDL")?;
    let far = second.client();
    maria(
        &far,
        "DROP DATABASE IF EXISTS dst; CREATE DATABASE dst CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    )?;
    let file = std::env::temp_dir().join("warroom-bench-ddl.sql");
    std::fs::write(&file, format!("USE dst;\n{ddl};\n"))?;
    sh(&format!("{far} < {}", file.display()))?;
    std::fs::remove_file(&file)?;
    Ok(())
}

fn print_table(rows: f64, t: &Table) -> Res<()> {
    println!();
    println!(
        "payments: {rows} rows; 2 cores shared; load after: {}",
        sh("uptime")?.1.trim()
    );
    println!("| {:<46} | {:>9} | {:>16} |", "run", "time", "throughput");
    println!("|{}|{}|{}|", "-".repeat(48), "-".repeat(11), "-".repeat(18));
    for (name, run) in &t.runs {
        println!(
            "| {name:<46} | {:>7.1} s | {:>9.0} rows/s | {}",
            run.secs,
            rows / run.secs,
            run.note
        );
    }
    let ratio = |a: &str, b: &str| t.secs(a) / t.secs(b);
    println!();
    let goals = [
        (
            "warroom vs pgloader (goal >= 2x)",
            ratio(PGLOADER, W_MARIA_PG),
        ),
        (
            "warroom / COPY floor (goal <= 1.3x)",
            ratio(W_MARIA_PG, COPY_FLOOR),
        ),
        (
            "wire: warroom vs mydumper+myloader (goal > 1x)",
            ratio(MYDUMPER, W_WIRE),
        ),
        (
            "wire: warroom / INSERT...SELECT (goal <= 1.5x)",
            ratio(W_WIRE, INSERT_SELECT),
        ),
        (
            "in server: warroom vs mydumper+myloader",
            ratio(MYDUMPER, W_IN_SERVER),
        ),
        (
            "PG->PG: warroom vs pgcopydb (goal > 1x)",
            ratio(PGCOPYDB, W_PG_PG),
        ),
        (
            "PG->PG: warroom vs pg_dump|pg_restore (goal > 1x)",
            ratio(PG_DUMP, W_PG_PG),
        ),
        (
            "PG->MariaDB: warroom vs \\copy + LOAD DATA",
            ratio(COPY_LOAD, W_PG_MARIA),
        ),
    ];
    for (what, x) in goals {
        if x.is_finite() {
            println!("  {what:<52} {x:.2}x");
        }
    }
    Ok(())
}

fn main() -> Res<()> {
    if let Ok(args) = std::env::var(CHILD) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return rt.block_on(child(&args));
    }
    let sizes: Vec<u64> = std::env::var("WARROOM_BENCH_ROWS")
        .unwrap_or_else(|_| "2000000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let only = std::env::var("WARROOM_BENCH_ONLY")
        .unwrap_or_else(|_| "maria-pg,maria-maria,pg-pg,pg-maria".into());
    let wants = |d: &str| only.split(',').any(|o| o.trim() == d);
    let rounds: usize = std::env::var("WARROOM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    println!("load before: {}", sh("uptime")?.1.trim());
    let second = if wants("maria-maria") || wants("pg-maria") {
        let s = MariaServer::start(SECOND_PORT, LOCAL)?;
        println!("second MariaDB server on port {}", s.port);
        Some(s)
    } else {
        None
    };
    let mut tables = Vec::new();
    for (nth, &n) in sizes.iter().enumerate() {
        // The larger sizes run MariaDB -> PostgreSQL only: the direction the growth is
        // measured on (pgloader beside it).
        let wants = |d: &str| {
            if nth == 0 {
                wants(d)
            } else {
                d == "maria-pg" && wants(d)
            }
        };
        if std::env::var("WARROOM_BENCH_REUSE").is_err() {
            let (secs, out) = sh(&format!("bash {} {n}", dataset::script().display()))?;
            println!("dataset: {} ({secs:.1} s)", out.trim());
        }
        let rows: f64 = maria(LOCAL, "SELECT COUNT(*) FROM src.payments")?
            .1
            .trim()
            .parse()?;
        if let Some(s) = &second {
            second_dst(s)?;
        }
        let mut t = Table::default();
        for _ in 0..rounds {
            if wants("maria-pg") {
                maria_pg(&mut t, rows)?;
            }
            if let (true, Some(s)) = (wants("maria-maria"), &second) {
                maria_maria(&mut t, rows, s)?;
            }
        }
        if wants("pg-pg") || wants("pg-maria") {
            pg_source(rows)?;
            for _ in 0..rounds {
                if wants("pg-pg") {
                    pg_pg(&mut t, rows)?;
                }
                if let (true, Some(s)) = (wants("pg-maria"), &second) {
                    pg_maria(&mut t, rows, s)?;
                }
            }
            psql(
                "postgres",
                &format!("DROP DATABASE IF EXISTS {PG_SRC_DB} WITH (FORCE)"),
            )?;
        }
        print_table(rows, &t)?;
        tables.push((rows, t));
    }
    if let [(n0, t0), .., (n1, t1)] = &tables[..] {
        println!();
        println!(
            "growth from {n0} to {n1} rows ({:.0}x the rows; goal: time within 20 % of that)",
            n1 / n0
        );
        for (name, run) in &t1.runs {
            let before = t0.secs(name);
            println!(
                "  {name:<46} {:>6.2}x time   {}",
                run.secs / before,
                run.note
            );
        }
    }
    Ok(())
}
