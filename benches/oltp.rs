//! Production kept fast: an OLTP load on the source (sysbench `oltp_read_write` at a fixed
//! rate) and its p99 latency while the payments table is copied MariaDB -> PostgreSQL:
//! alone, during an unthrottled warroom copy, during pgloader, during fixed-rate warroom
//! copies (to find the highest rate that keeps the p99 under the target), and during a
//! warroom copy whose throttle rule holds the load's p99 under the target.
//!
//!   cargo bench --bench oltp            (`WARROOM_BENCH_ROWS=N` for a smaller table)
//!
//! Everything runs against a MariaDB server of the benchmark's own (port 3310, its own data
//! directory: `support/maria_server.rs`) and a PostgreSQL server of its own (port 5440, its
//! data in memory: `support/pg_server.rs`, as a target on another host whose writes never
//! reach the source's disk; `WARROOM_BENCH_TARGET_ON_DISK=1` uses the machine's server
//! instead), so it disturbs no other work on the machine; the machine's cores are shared
//! with whatever else runs, so run it alone for figures.
//!
//! The load's latency signal: sysbench prints its p99 every second; this program writes
//! each one into `sbtest.load_latency` on the source, and the throttled copy's rule is a
//! `query` rule on it (the load's own p99, as a team would read its application's p99 from
//! its metrics). `WARROOM_BENCH_LATENCY_MS=X` adds a run with a `source_latency` rule
//! (warroom's own probe of the source) at X ms instead.
//!
//! Knobs: `WARROOM_BENCH_ROWS` (2,000,000), `WARROOM_BENCH_LOAD_SHARE` (0.4: the load's
//! rate as a share of what it sustains alone), `WARROOM_BENCH_TARGET_X` (2.0: the target
//! p99 as a multiple of the load's p99 alone) or `WARROOM_BENCH_TARGET_MS`,
//! `WARROOM_BENCH_PROBE_SECS` (20: how long each fixed-rate copy runs),
//! `WARROOM_BENCH_ONLY=throttled` (the load alone and the throttled copy only),
//! `WARROOM_BENCH_ALONE_SECS` (60: how long the load runs alone; see the notes on step 1),
//! `WARROOM_BENCH_SOURCE_IN_MEMORY=1` (the source's data in /dev/shm as well: no disk under
//! its commits, for a machine whose disk stalls on its own).
//!
//! Beside each second's p99 the series show the machine's disk in that second (MB written,
//! mean flush time, dirty page cache: `support/io_sampler.rs`), and the log names the UTC
//! time each phase starts, to set beside the servers' logs (PostgreSQL's checkpoints).
//!
//! "Windowed p99": the mean of sysbench's per-second p99 over a 5 s sliding window (each
//! second's p99 is close to that second's worst transaction at a few hundred tps, so the
//! mean of five is an upper estimate of the p99 over the five seconds).

#[path = "support/common.rs"]
mod common;
#[path = "support/dataset.rs"]
mod dataset;
#[path = "support/innodb_sampler.rs"]
mod innodb_sampler;
#[path = "support/io_sampler.rs"]
mod io_sampler;
#[path = "support/maria_server.rs"]
mod maria_server;
#[path = "support/pg_server.rs"]
mod pg_server;
#[path = "support/sampler.rs"]
mod sampler;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warroom::copy::{self, CopyControl, CopyOptions};

use warroom::runbook::{CopySpec, ThrottleRule};

use common::{payments_copy, pool, sh, Res};
use maria_server::MariaServer;
use pg_server::PgServer;

const PORT: u16 = 3310;
const PG_DB: &str = "wt_oltp";
const CHILD: &str = "WARROOM_BENCH_CHILD";
/// Seconds of load before a copy starts, and after it ends.
const WARM: f64 = 6.0;
const TAIL: f64 = 3.0;
/// The sliding window of the "windowed p99", seconds.
const WINDOW: usize = 5;
/// The query rule on the load's own p99 (a stale or missing value pauses the copy).
const LOAD_P99_SQL: &str = "SELECT p99_ms FROM load_latency \
     WHERE at > NOW(3) - INTERVAL 5 SECOND ORDER BY id DESC LIMIT 1";

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The source server's URLs (`src`, `sbtest`), handed to the warroom child.
const SRC_ENV: &str = "WARROOM_BENCH_OLTP_SRC";
const LOAD_ENV: &str = "WARROOM_BENCH_OLTP_LOAD";
static URLS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

fn src_url() -> String {
    URLS.get().map_or_else(
        || std::env::var(SRC_ENV).unwrap_or_default(),
        |u| u.0.clone(),
    )
}

fn load_url() -> String {
    URLS.get().map_or_else(
        || std::env::var(LOAD_ENV).unwrap_or_default(),
        |u| u.1.clone(),
    )
}

/// The target PostgreSQL's port: the benchmark's own in-memory server (`pg_server.rs`), or
/// the machine's (5432) with `WARROOM_BENCH_TARGET_ON_DISK=1`; handed to the child.
const PG_PORT_ENV: &str = "WARROOM_BENCH_OLTP_PG_PORT";
const OWN_PG_PORT: u16 = 5440;
static PG_PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();

fn pg_port() -> u16 {
    *PG_PORT.get_or_init(|| {
        std::env::var(PG_PORT_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5432)
    })
}

fn pg_url() -> String {
    format!("postgres://postgres@127.0.0.1:{}/{PG_DB}", pg_port())
}

// ---------------------------------------------------------------- the warroom child

fn spec() -> CopySpec {
    payments_copy("oltp_payments", "public.payments")
}

/// The child: one warroom copy as `WARROOM_BENCH_CHILD` says (`rate=N`, `query=MS`,
/// `latency=MS` or `free`; `,secs=S` cancels it after S seconds). Prints a progress line
/// (`progress ROWS LIMIT STATE`) every 250 ms and the summary as JSON at the end.
async fn child(what: &str) -> Res<()> {
    let mut s = spec();
    let mut secs = None;
    for part in what.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k {
            "rate" => s.max_rows_per_sec = Some(v.parse()?),
            "query" => {
                s.throttle.push(ThrottleRule::Query {
                    connection: "load".into(),
                    query: LOAD_P99_SQL.into(),
                    above: v.parse()?,
                });
            }
            "latency" => s.throttle.push(ThrottleRule::SourceLatency {
                above: Duration::from_secs_f64(v.parse::<f64>()? / 1000.0),
            }),
            "secs" => secs = Some(Duration::from_secs_f64(v.parse()?)),
            "free" => {}
            other => return Err(format!("unknown child option {other}").into()),
        }
    }
    let src = pool(&src_url(), s.workers + 2).await?;
    let dst = pool(&pg_url(), s.workers + 1).await?;
    let mut opts = CopyOptions {
        restart: true,
        progress_every: Duration::from_millis(250),
        ..CopyOptions::default()
    };
    opts.connections
        .insert("load".into(), pool(&load_url(), 1).await?);
    let (ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel::<copy::CopyProgress>(64);
    tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            let state = match p.throttle.state {
                copy::ThrottleState::Free => "free",
                copy::ThrottleState::Slowed => "paced",
                copy::ThrottleState::Paused => "paused",
            };
            println!(
                "progress {} {} {state} {}",
                p.rows_done,
                p.rate_limit.unwrap_or(0),
                p.throttle.reason
            );
        }
    });
    if let Some(secs) = secs {
        tokio::spawn(async move {
            tokio::time::sleep(secs).await;
            let _ = ctl.send(CopyControl::Cancel).await;
        });
    }
    let summary = copy::run(&s, src, dst, opts, ctl_rx, tx).await?;
    println!("summary {}", serde_json::to_string(&summary)?);
    Ok(())
}

// ---------------------------------------------------------------- shell helpers

fn psql(db: &str, sql: &str) -> Res<String> {
    Ok(sh(&format!(
        "psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {} -U postgres -d {db} -c \"{sql}\"",
        pg_port()
    ))?
    .1)
}

fn maria(sql: &str) -> Res<String> {
    Ok(sh(&format!(
        "mariadb -h 127.0.0.1 -P {PORT} -u root -N -e \"{sql}\""
    ))?
    .1)
}

fn sysbench(args: &str) -> String {
    format!(
        "sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 \
         --mysql-port={PORT} --mysql-user=root --mysql-db=sbtest --tables=4 \
         --table-size=100000 --threads=4 {args}"
    )
}

// ---------------------------------------------------------------- the load

/// One second of the load, as sysbench reported it (`t`: seconds since the run's origin).
#[derive(Debug, Clone, Copy)]
struct Second {
    t: f64,
    tps: f64,
    p99: f64,
    /// The machine's disk in the same second (`support/io_sampler.rs`).
    disk: Option<io_sampler::DiskSecond>,
    /// The source's InnoDB in the same second (`support/innodb_sampler.rs`).
    innodb: Option<innodb_sampler::InnodbSecond>,
}

/// `[ 12s ] thds: 4 tps: 101.97 qps: ... lat (ms,99%): 12.52 err/s: ...`
fn parse_second(line: &str) -> Option<(f64, f64)> {
    let tps = line.split("tps: ").nth(1)?.split_whitespace().next()?;
    let p99 = line
        .split("lat (ms,99%): ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    Some((tps.parse().ok()?, p99.parse().ok()?))
}

/// A sysbench run at a fixed rate, read line by line; each second's p99 also goes into
/// `sbtest.load_latency` (the throttle rule's signal).
struct Load {
    child: Child,
    reader: JoinHandle<Vec<Second>>,
}

impl Load {
    fn start(rate: f64, origin: Instant) -> Res<Load> {
        let mut child = Command::new("bash")
            .args([
                "-c",
                &format!(
                    "exec {}",
                    sysbench(&format!(
                        "--time=0 --rate={rate:.0} --report-interval=1 --percentile=99 run"
                    ))
                ),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let out = child.stdout.take().ok_or("sysbench has no stdout")?;
        let reader = std::thread::spawn(move || {
            let mut seconds = Vec::new();
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some((tps, p99)) = parse_second(&line) {
                    let t = origin.elapsed().as_secs_f64();
                    seconds.push(Second {
                        t,
                        tps,
                        p99,
                        disk: None,
                        innodb: None,
                    });
                    let _ = Command::new("mariadb")
                        .args(["-h", "127.0.0.1", "-P", &PORT.to_string(), "-u", "root"])
                        .args([
                            "sbtest",
                            "-e",
                            &format!(
                                "INSERT INTO load_latency (p99_ms, tps) VALUES ({p99}, {tps})"
                            ),
                        ])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status();
                }
            }
            seconds
        });
        Ok(Load { child, reader })
    }

    fn stop(mut self) -> Vec<Second> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.reader.join().unwrap_or_default()
    }
}

// ---------------------------------------------------------------- a warroom copy

/// The child's progress lines: (seconds since origin, rows done, ceiling, state).
#[derive(Debug, Clone)]
struct Tick {
    t: f64,
    rows: u64,
    limit: u64,
    state: String,
}

struct CopyRun {
    start: f64,
    end: f64,
    ticks: Vec<Tick>,
    summary: String,
    reasons: HashMap<String, usize>,
}

fn run_child(what: &str, origin: Instant) -> Res<CopyRun> {
    psql(
        PG_DB,
        "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    let exe = std::env::current_exe()?;
    let start = origin.elapsed().as_secs_f64();
    let mut child = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&exe)
        .env(CHILD, what)
        .env(SRC_ENV, src_url())
        .env(LOAD_ENV, load_url())
        .env(PG_PORT_ENV, pg_port().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out = child.stdout.take().ok_or("the child has no stdout")?;
    let mut ticks = Vec::new();
    let mut summary = String::new();
    let mut reasons: HashMap<String, usize> = HashMap::new();
    for line in BufReader::new(out).lines().map_while(Result::ok) {
        let t = origin.elapsed().as_secs_f64();
        if let Some(rest) = line.strip_prefix("progress ") {
            let mut f = rest.splitn(4, ' ');
            let rows = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let limit = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let state = f.next().unwrap_or("").to_string();
            if let Some(reason) = f.next().filter(|r| !r.is_empty()) {
                // Numbers left out: which state and reason, how often.
                let mut kind = format!("{state}: ");
                let mut in_number = false;
                for c in reason.chars() {
                    let digit = c.is_ascii_digit() || (in_number && c == '.');
                    if digit && !in_number {
                        kind.push('N');
                    } else if !digit {
                        kind.push(c);
                    }
                    in_number = digit;
                }
                *reasons.entry(kind).or_default() += 1;
            }
            ticks.push(Tick {
                t,
                rows,
                limit,
                state,
            });
        } else if let Some(rest) = line.strip_prefix("summary ") {
            summary = rest.to_string();
        }
    }
    let status = child.wait()?;
    let end = origin.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        return Err(format!("warroom child `{what}` failed: {err}").into());
    }
    Ok(CopyRun {
        start,
        end,
        ticks,
        summary,
        reasons,
    })
}

impl CopyRun {
    fn rows_at(&self, t: f64) -> u64 {
        self.ticks
            .iter()
            .take_while(|k| k.t <= t)
            .last()
            .map_or(0, |k| k.rows)
    }

    fn tick_at(&self, t: f64) -> Option<&Tick> {
        self.ticks.iter().take_while(|k| k.t <= t).last()
    }

    fn rows(&self) -> u64 {
        self.ticks.last().map_or(0, |k| k.rows)
    }

    fn rate(&self) -> f64 {
        self.rows() as f64 / (self.end - self.start).max(0.001)
    }
}

/// One phase: the load alone for `WARM` s, `during` (a copy, a tool), `TAIL` s more.
fn phase<T>(rate: f64, during: impl FnOnce(Instant) -> Res<T>) -> Res<(T, Vec<Second>, Instant)> {
    maria("TRUNCATE sbtest.load_latency")?;
    let origin = Instant::now();
    println!(
        "(phase at {} UTC)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f")
    );
    let disk = io_sampler::start(origin);
    let innodb = innodb_sampler::start(PORT, origin);
    let load = Load::start(rate, origin)?;
    std::thread::sleep(Duration::from_secs_f64(WARM));
    let res = during(origin);
    std::thread::sleep(Duration::from_secs_f64(TAIL));
    let mut seconds = load.stop();
    let disk = disk.stop();
    let innodb = innodb.stop();
    for s in &mut seconds {
        // sysbench's line for a second is printed at its end, like the samples.
        s.disk = sampler::nearest(&disk, s.t).copied();
        s.innodb = sampler::nearest(&innodb, s.t).copied();
    }
    Ok((res?, seconds, origin))
}

// ---------------------------------------------------------------- figures

/// The windowed p99 at each second whose window lies within [from, to] (see the notes).
fn windowed(seconds: &[Second], from: f64, to: f64) -> Vec<(f64, f64)> {
    let inside: Vec<&Second> = seconds
        .iter()
        .filter(|s| s.t - 1.0 >= from - 0.5 && s.t <= to + 0.5)
        .collect();
    // A span shorter than the window is judged on windows as long as it.
    let n = WINDOW.min(inside.len()).max(1);
    inside
        .windows(n)
        .map(|w| (w[n - 1].t, w.iter().map(|s| s.p99).sum::<f64>() / n as f64))
        .collect()
}

fn worst(w: &[(f64, f64)]) -> f64 {
    w.iter().map(|(_, v)| *v).fold(0.0, f64::max)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn human(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{:.2}M", v / 1_000_000.0)
    } else if v >= 1_000.0 {
        format!("{:.1}k", v / 1_000.0)
    } else {
        format!("{v:.0}")
    }
}

fn bar(value: f64, full: f64, width: usize, mark: Option<usize>) -> String {
    // 0 <= share; `as` saturates.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = ((value / full.max(1e-9)) * width as f64).round().max(0.0) as usize;
    let mut s: Vec<char> = (0..width).map(|i| if i < n { '█' } else { ' ' }).collect();
    if let Some(m) = mark.filter(|m| *m < width) {
        s[m] = if n > m { '▓' } else { '|' };
    }
    let mut out: String = s.into_iter().collect();
    if n > width {
        out.push('>');
    } else {
        out.push(' ');
    }
    out
}

/// Per-second series of a phase: seconds since the copy started, rows/s, the load's p99,
/// windowed p99, ceiling, and a chart of rows/s and p99 side by side (`|`: the target).
fn series(title: &str, seconds: &[Second], run: Option<&CopyRun>, span: (f64, f64), target: f64) {
    println!();
    println!("{title}");
    println!(
        "{:>5} {:>8} {:>8} {:>8} {:>8} {:<7}  {:<31} {:<31} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5} {:>6}",
        "t s",
        "rows/s",
        "p99 ms",
        "win p99",
        "ceiling",
        "state",
        "rows/s",
        "p99 (| target)",
        "disk MB",
        "wr ms",
        "fl ms",
        "dirty",
        "bp rd",
        "flushd",
        "fwait",
        "ckpt",
        "hist"
    );
    let w: HashMap<u64, f64> = windowed(seconds, span.0, span.1)
        .into_iter()
        .map(|(t, v)| (t.to_bits(), v))
        .collect();
    let inside: Vec<&Second> = seconds
        .iter()
        .filter(|s| s.t >= span.0 - 2.0 && s.t <= span.1 + 2.0)
        .collect();
    let rate = |s: &Second| run.map(|r| r.rows_at(s.t).saturating_sub(r.rows_at(s.t - 1.0)) as f64);
    let top = inside.iter().filter_map(|s| rate(s)).fold(1.0, f64::max);
    // At most about 60 lines: one per `step` seconds.
    let step = inside.len().div_ceil(60).max(1);
    for s in inside.iter().step_by(step) {
        let r = rate(s);
        let (limit, state) =
            run.and_then(|run| run.tick_at(s.t))
                .map_or((String::new(), String::new()), |k| {
                    (
                        if k.limit > 0 {
                            human(k.limit as f64)
                        } else {
                            "-".into()
                        },
                        k.state.clone(),
                    )
                });
        let disk = s.disk.map_or_else(String::new, |d| {
            format!(
                "{:>7.0} {:>6.1} {:>6.1} {:>6.0}",
                d.write_mb, d.write_ms, d.flush_ms, d.dirty_mb
            )
        });
        let innodb = s.innodb.map_or_else(String::new, |i| {
            format!(
                "{:>6.0} {:>6.0} {:>5.0} {:>4.0}% {:>6.0}",
                i.disk_reads,
                i.pages_flushed,
                i.free_waits,
                i.checkpoint_share * 100.0,
                i.history
            )
        });
        println!(
            "{:>5.0} {:>8} {:>8.1} {:>8} {:>8} {:<7}  {} {} {disk} {innodb}",
            s.t - span.0,
            r.map_or("-".into(), human),
            s.p99,
            w.get(&s.t.to_bits())
                .map_or(String::new(), |v| format!("{v:.1}")),
            limit,
            state,
            r.map_or_else(|| " ".repeat(31), |r| bar(r, top, 30, None)),
            // The bar's full width is twice the target: the target is its middle.
            bar(s.p99, target * 2.0, 30, Some(15)),
        );
    }
}

/// The verdict of one phase: worst windowed p99 during the copy, and the copy's rate.
struct Figure {
    name: String,
    secs: f64,
    rows_per_sec: f64,
    worst: f64,
    median: f64,
    over: usize,
    windows: usize,
    tps: f64,
}

fn figure(name: &str, seconds: &[Second], span: (f64, f64), rows: f64, target: f64) -> Figure {
    let w = windowed(seconds, span.0, span.1);
    Figure {
        name: name.into(),
        secs: span.1 - span.0,
        rows_per_sec: rows / (span.1 - span.0).max(0.001),
        worst: worst(&w),
        median: median(w.iter().map(|(_, v)| *v).collect()),
        over: w.iter().filter(|(_, v)| *v > target * 1.2).count(),
        windows: w.len(),
        tps: {
            let inside: Vec<f64> = seconds
                .iter()
                .filter(|s| s.t - 1.0 >= span.0 - 0.5 && s.t <= span.1 + 0.5)
                .map(|s| s.tps)
                .collect();
            inside.iter().sum::<f64>() / (inside.len().max(1) as f64)
        },
    }
}

/// The runs the throttled copy is judged against: an unthrottled warroom copy, pgloader, and
/// fixed-rate copies (the highest rate that keeps the windowed p99 under the target).
struct Baselines {
    free: CopyRun,
    free_s: Vec<Second>,
    pgl: (f64, f64),
    pgl_s: Vec<Second>,
    pgl_rows: f64,
    /// (rate set, rate achieved, worst windowed p99, load tps)
    probes: Vec<(f64, f64, f64, f64)>,
    probe_secs: f64,
    sustainable: f64,
    sustained_achieved: f64,
}

fn baselines(load_rate: f64, target: f64) -> Res<Baselines> {
    // An unthrottled warroom copy.
    let (free, free_s, _) = phase(load_rate, |o| run_child("free", o))?;
    let free_rate = free.rate();
    println!(
        "unthrottled warroom: {} rows in {:.1} s ({} rows/s)",
        free.rows(),
        free.end - free.start,
        human(free_rate)
    );

    // pgloader.
    psql(
        PG_DB,
        "TRUNCATE public.payments; DROP TABLE IF EXISTS public._warroom_copy_checkpoints",
    )?;
    let load_file = "/tmp/warroom-bench-oltp.load";
    std::fs::write(
        load_file,
        format!(
            "LOAD DATABASE FROM {} INTO {}\n\
             WITH data only, workers = 2, concurrency = 1\n\
             INCLUDING ONLY TABLE NAMES MATCHING 'payments'\n\
             ALTER SCHEMA 'src' RENAME TO 'public';\n",
            src_url(),
            format_args!("postgresql://postgres@127.0.0.1:{}/{PG_DB}", pg_port())
        ),
    )?;
    let (pgl, pgl_s, pgl_origin) = phase(load_rate, |o| {
        let start = o.elapsed().as_secs_f64();
        sh(&format!("pgloader --quiet {load_file}"))?;
        Ok((start, o.elapsed().as_secs_f64()))
    })?;
    let _ = pgl_origin;
    let pgl_rows: f64 = psql(PG_DB, "SELECT COUNT(*) FROM public.payments")?
        .trim()
        .parse()?;

    // Fixed-rate copies: the highest rate that keeps the windowed p99 under the target.
    let probe_secs = env_f64("WARROOM_BENCH_PROBE_SECS", 20.0);
    // (rate set, rate achieved, worst windowed p99, load tps)
    let mut probes: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut probe = |rate: f64| -> Res<bool> {
        let (run, s, _) = phase(load_rate, |o| {
            run_child(&format!("rate={rate:.0},secs={probe_secs}"), o)
        })?;
        // The copy's first 3 s (its first chunks) are left out.
        let f = figure("", &s, (run.start + 3.0, run.end), 0.0, target);
        let worst_p99 = f.worst;
        println!(
            "  fixed {:>8} rows/s: achieved {:>8} rows/s, worst windowed p99 {worst_p99:.1} ms ({})",
            human(rate),
            human(run.rate()),
            if worst_p99 <= target { "under the target" } else { "over" }
        );
        probes.push((rate, run.rate(), worst_p99, f.tps));
        Ok(worst_p99 <= target)
    };
    println!("fixed-rate copies ({probe_secs:.0} s each), target {target:.1} ms:");
    let mut pass: Option<f64> = None;
    let mut fail = free_rate;
    for share in [0.7, 0.5, 0.35, 0.25, 0.17, 0.12, 0.08, 0.05, 0.03] {
        let rate = (free_rate * share).max(100.0);
        if probe(rate)? {
            pass = Some(rate);
            break;
        }
        fail = rate;
    }
    if let Some(p) = pass {
        let mid = (p * fail).sqrt();
        if mid > p * 1.1 && probe(mid)? {
            pass = Some(mid);
        }
    }
    let sustainable = pass.unwrap_or(0.0);
    let sustained_achieved = probes
        .iter()
        .find(|(r, _, _, _)| Some(*r) == pass)
        .map_or(0.0, |(_, a, _, _)| *a);

    Ok(Baselines {
        free,
        free_s,
        pgl,
        pgl_s,
        pgl_rows,
        probes,
        probe_secs,
        sustainable,
        sustained_achieved,
    })
}

fn main() -> Res<()> {
    if let Ok(what) = std::env::var(CHILD) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return rt.block_on(child(&what));
    }
    let n: u64 = std::env::var("WARROOM_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    println!("load before: {}", sh("uptime")?.1.trim());
    // `WARROOM_BENCH_SOURCE_IN_MEMORY=1`: the source's data directory in /dev/shm too, so
    // its commits wait on no disk: what is left of the load's p99 is the copy's doing (CPU,
    // buffer pool, locks), without the stalls of a disk the machine shares.
    let source_in_memory = std::env::var("WARROOM_BENCH_SOURCE_IN_MEMORY").is_ok_and(|v| v == "1");
    let server = if source_in_memory {
        println!("source: in /dev/shm (its commits wait on no disk)");
        MariaServer::start_in(
            std::path::Path::new("/dev/shm"),
            PORT,
            "mariadb -h 127.0.0.1 -u root",
        )?
    } else {
        MariaServer::start(PORT, "mariadb -h 127.0.0.1 -u root")?
    };
    let _ = URLS.set((server.url("src"), server.url("sbtest")));
    let on_disk = std::env::var("WARROOM_BENCH_TARGET_ON_DISK").is_ok_and(|v| v == "1");
    let _pg_server = if on_disk {
        let _ = PG_PORT.set(5432);
        println!("target: the machine's PostgreSQL (port 5432), on the source's disk");
        None
    } else {
        let server = PgServer::start(OWN_PG_PORT, "psql -X -h 127.0.0.1 -U postgres -d postgres")?;
        let _ = PG_PORT.set(server.port);
        println!(
            "target: a PostgreSQL of the benchmark's own in /dev/shm (port {}), as if on \
             another host: its writes do not land on the source's disk",
            server.port
        );
        Some(server)
    };
    let _pg = PgDatabase::create()?;
    let script = dataset::script();
    let (secs, out) = sh(&format!(
        "MYSQL='{}' PSQL=true bash {} {n}",
        server.client(),
        script.display()
    ))?;
    println!("dataset: {} ({secs:.1} s)", out.trim());
    let rows: f64 = maria("SELECT COUNT(*) FROM src.payments")?.trim().parse()?;

    maria(
        "CREATE DATABASE sbtest; CREATE TABLE sbtest.load_latency (id BIGINT AUTO_INCREMENT \
         PRIMARY KEY, at DATETIME(3) NOT NULL DEFAULT NOW(3), p99_ms DOUBLE, tps DOUBLE)",
    )?;
    let (secs, _) = sh(&sysbench("prepare"))?;
    println!("sysbench prepare: 4 tables x 100000 rows ({secs:.1} s)");
    let (_, out) = sh(&sysbench("--time=15 --rate=0 run"))?;
    let max_tps: f64 = out
        .lines()
        .find(|l| l.trim_start().starts_with("transactions:"))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or("no transactions line from sysbench")?;
    let share = env_f64("WARROOM_BENCH_LOAD_SHARE", 0.4);
    let mut load_rate = (max_tps * share).max(10.0);
    println!(
        "sysbench oltp_read_write, 4 threads: {max_tps:.0} tps alone at full speed (15 s); \
         the load starts at {load_rate:.0} tps ({:.0} % of it)",
        share * 100.0
    );

    // 1. The load alone, at a rate the source keeps steady on its own: a short burst at
    // full speed overstates what it sustains, and a load that breaks its own target with
    // no copy beside it leaves nothing for a throttle to hold. So the load alone runs for
    // `WARROOM_BENCH_ALONE_SECS`, and while its worst window is over its target the rate
    // steps down by a quarter (at most twice).
    let alone_secs = env_f64("WARROOM_BENCH_ALONE_SECS", 60.0);
    let fixed_target: Option<f64> = std::env::var("WARROOM_BENCH_TARGET_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    let span_alone = (WARM, WARM + alone_secs);
    let mut attempt = 0;
    let (alone, alone_p99, target) = loop {
        attempt += 1;
        let ((), alone, _) = phase(load_rate, |_| {
            std::thread::sleep(Duration::from_secs_f64(alone_secs));
            Ok(())
        })?;
        let alone_w = windowed(&alone, span_alone.0, span_alone.1);
        let alone_p99 = median(alone_w.iter().map(|(_, v)| *v).collect());
        let target =
            fixed_target.unwrap_or_else(|| alone_p99 * env_f64("WARROOM_BENCH_TARGET_X", 2.0));
        let worst_alone = worst(&alone_w);
        println!(
            "load alone at {load_rate:.0} tps ({alone_secs:.0} s): windowed p99 {alone_p99:.1} ms \
             (median), worst {worst_alone:.1} ms; target {target:.1} ms"
        );
        if worst_alone <= target || attempt > 2 {
            break (alone, alone_p99, target);
        }
        println!("  the load alone breaks its target: a quarter slower");
        load_rate *= 0.75;
    };

    // 2-4. Unthrottled, pgloader, fixed rates (`WARROOM_BENCH_ONLY=throttled` skips them).
    let only_throttled = std::env::var("WARROOM_BENCH_ONLY").is_ok_and(|v| v == "throttled");
    let base = if only_throttled {
        None
    } else {
        Some(baselines(load_rate, target)?)
    };

    // 5. The throttled copy: a query rule on the load's own p99, limit = the target.
    let (thr, thr_s, _) = phase(load_rate, |o| run_child(&format!("query={target:.2}"), o))?;
    // 6. Optionally: warroom's own probe of the source's latency.
    let lat = match std::env::var("WARROOM_BENCH_LATENCY_MS").ok() {
        Some(ms) => Some((
            ms.clone(),
            phase(load_rate, |o| run_child(&format!("latency={ms}"), o))?,
        )),
        None => None,
    };

    // The series.
    series(
        "== the load alone: per second (t from the phase's start + 6 s) ==",
        &alone,
        None,
        span_alone,
        target,
    );
    if let Some(b) = &base {
        series(
            "== unthrottled warroom copy: per second (t from the copy's start) ==",
            &b.free_s,
            Some(&b.free),
            (b.free.start, b.free.end),
            target,
        );
        series(
            "== pgloader: the load's p99 per second (pgloader shows no progress) ==",
            &b.pgl_s,
            None,
            b.pgl,
            target,
        );
    }
    series(
        &format!("== throttled warroom copy (query rule: the load's p99 above {target:.1} ms) =="),
        &thr_s,
        Some(&thr),
        (thr.start, thr.end),
        target,
    );
    if let Some((ms, (run, s, _))) = &lat {
        series(
            &format!("== throttled warroom copy (source_latency above {ms} ms) =="),
            s,
            Some(run),
            (run.start, run.end),
            target,
        );
    }

    // The table.
    let mut figs = vec![figure("load alone", &alone, span_alone, 0.0, target)];
    if let Some(b) = &base {
        figs.push(figure(
            "unthrottled warroom copy",
            &b.free_s,
            (b.free.start, b.free.end),
            b.free.rows() as f64,
            target,
        ));
        figs.push(figure(
            "pgloader (no rate control)",
            &b.pgl_s,
            b.pgl,
            b.pgl_rows,
            target,
        ));
    }
    let throttled = figure(
        "warroom, throttled: query rule on the load's p99",
        &thr_s,
        (thr.start, thr.end),
        thr.rows() as f64,
        target,
    );
    let (thr_worst, thr_rate) = (throttled.worst, throttled.rows_per_sec);
    figs.push(throttled);
    if let Some((ms, (run, s, _))) = &lat {
        figs.push(figure(
            &format!("warroom, throttled: source_latency {ms} ms"),
            s,
            (run.start, run.end),
            run.rows() as f64,
            target,
        ));
    }
    println!();
    println!(
        "payments: {rows} rows MariaDB (port {PORT}) -> PostgreSQL ({PG_DB}); load {load_rate:.0} tps \
         (sysbench oltp_read_write, 4 threads, fixed rate); target p99 {target:.1} ms \
         (alone {alone_p99:.1} ms); load after: {}",
        sh("uptime")?.1.trim()
    );
    println!(
        "| {:<50} | {:>8} | {:>12} | {:>13} | {:>13} | {:>16} | {:>8} |",
        "run", "time", "rows/s", "median win p99", "worst win p99", "windows > 1.2x", "load tps"
    );
    println!(
        "|{}|{}|{}|{}|{}|{}|{}|",
        "-".repeat(52),
        "-".repeat(10),
        "-".repeat(14),
        "-".repeat(16),
        "-".repeat(15),
        "-".repeat(18),
        "-".repeat(10)
    );
    for f in &figs {
        println!(
            "| {:<50} | {:>6.1} s | {:>12} | {:>11.1} ms | {:>10.1} ms | {:>7} of {:>5} | {:>8.0} |",
            f.name,
            f.secs,
            if f.rows_per_sec > 0.0 {
                human(f.rows_per_sec)
            } else {
                "-".into()
            },
            f.median,
            f.worst,
            f.over,
            f.windows,
            f.tps
        );
    }
    let no_probes = Vec::new();
    let probes = base.as_ref().map_or(&no_probes, |b| &b.probes);
    let probe_secs = base.as_ref().map_or(0.0, |b| b.probe_secs);
    for (rate, achieved, w, tps) in probes {
        println!(
            "| {:<50} | {:>6.1} s | {:>12} | {:>14} | {:>10.1} ms | {:>16} | {:>8.0} |",
            format!("warroom, fixed max_rows_per_sec {}", human(*rate)),
            probe_secs,
            human(*achieved),
            "",
            w,
            if *w <= target {
                "under target"
            } else {
                "over target"
            },
            tps
        );
    }
    let sustained_achieved = base.as_ref().map_or(0.0, |b| b.sustained_achieved);
    println!();
    println!(
        "goals (throttled, query rule): worst windowed p99 / target <= 1.2 -> {:.2}; \
         rows/s / sustainable fixed rate >= 0.7 -> {}",
        thr_worst / target,
        if sustained_achieved > 0.0 {
            format!(
                "{:.2} ({} / {})",
                thr_rate / sustained_achieved,
                human(thr_rate),
                human(sustained_achieved)
            )
        } else if base.is_none() {
            "n/a: the fixed-rate copies were skipped (WARROOM_BENCH_ONLY)".into()
        } else {
            "n/a: no fixed rate kept the p99 under the target".into()
        }
    );
    if let Some(b) = &base {
        println!(
            "sustainable fixed rate: {} rows/s set ({} achieved); unthrottled {} rows/s",
            human(b.sustainable),
            human(b.sustained_achieved),
            human(b.free.rate()),
        );
    }
    let mut reasons: Vec<(&String, &usize)> = thr.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1));
    println!("the throttled copy's progress lines, by reason (250 ms each):");
    for (kind, n) in reasons.iter().take(6) {
        println!("  {n:>5}  {kind}");
    }
    if figs[0].worst > target {
        println!(
            "NOTE: the load alone already had a window at {:.1} ms, over the target: something \
             else ran on the machine; run the bench alone (or set WARROOM_BENCH_TARGET_MS).",
            figs[0].worst
        );
    }
    if base.as_ref().is_some_and(|b| b.free.summary.is_empty()) || thr.summary.is_empty() {
        println!("(a warroom child printed no summary)");
    }
    drop(server);
    Ok(())
}

/// The benchmark's PostgreSQL database, dropped at the end (even on an error).
struct PgDatabase;

impl PgDatabase {
    fn create() -> Res<PgDatabase> {
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"),
        )?;
        psql(
            "postgres",
            &format!("CREATE DATABASE {PG_DB} ENCODING 'UTF8' TEMPLATE template0"),
        )?;
        // The shared dataset script's PostgreSQL DDL for public.payments.
        psql(
            PG_DB,
            "CREATE TABLE public.payments (\
               id          bigint        NOT NULL PRIMARY KEY,\
               account_id  bigint        NOT NULL,\
               amount      numeric(18,2) NOT NULL,\
               currency    char(3)       NOT NULL,\
               status      varchar(16)   NOT NULL,\
               created_at  timestamp(6)  NOT NULL,\
               updated_at  timestamp(6)  NOT NULL,\
               memo        varchar(255),\
               metadata    text)",
        )?;
        Ok(PgDatabase)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"),
        );
    }
}
