//! The rehearsal loop's figures (issue 15), printed beside their aims:
//!
//! - the report of a journal of 100,000 events (load + Markdown + HTML + JSON; aim < 1 s);
//! - the comparison of 10 drills (`--history` over a folder of 10 journals; aim < 1 s);
//! - a command's acknowledgement time through the hub with and without an `[announce]`
//!   target (a local HTTP server), interleaved and repeated: the medians side by side
//!   (aim: no measurable difference).
//!
//!   cargo bench --bench rehearsal       (`WARROOM_BENCH_EVENTS=N`, `WARROOM_BENCH_ROUNDS=N`;
//!   `WARROOM_BENCH_JOURNAL=FILE` keeps a copy of the big journal, to profile `warroom report`)
//!
//! Journals are written by the real drill engine through the journal's own write API.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use warroom::drill::telemetry::copy::{CopyProgress, CopyState, Throttle, ThrottleState};
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{Actor, Command, CommandKind, Drill, Event, SystemClock, Target};
use warroom::hub::{self, HubHandle};
use warroom::journal::Journal;
use warroom::runbook::Runbook;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A runbook of `steps` independent steps (dri `dana`, reviewer `sam`), plus `extra`.
fn runbook_text(steps: usize, extra: &str) -> String {
    let mut text = String::from(
        "[runbook]\nname = \"bench rehearsal\"\nkind = \"drill\"\ncoordinator = \"casey\"\n\n\
         [people.casey]\nname = \"Casey\"\nrole = \"coordinator\"\n\
         [people.dana]\nname = \"Dana\"\nrole = \"DBA\"\n\
         [people.sam]\nname = \"Sam\"\nrole = \"SRE\"\n\n[[phase]]\nname = \"all\"\n",
    );
    for i in 0..steps {
        text.push_str(&format!(
            "\n[[phase.step]]\nid = \"s{i}\"\ntitle = \"Step {i}\"\ndri = \"dana\"\nreviewer = \"sam\"\nplanned = \"2m\"\nafter = []\n"
        ));
    }
    text.push_str(extra);
    text
}

fn parse(text: &str) -> Res<Runbook> {
    warroom::runbook::parse_str("bench.toml", text)
        .map(|l| l.runbook)
        .map_err(|d| format!("bench runbook invalid: {d:?}").into())
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
        .single()
        .unwrap_or_default()
}

fn copy_reading(rows: u64) -> Telemetry {
    Telemetry::Copy(CopyProgress {
        job: "orders".into(),
        state: CopyState::Running,
        rows_done: rows,
        rows_estimated: Some(10_000_000),
        rows_per_sec_now: 5000.0,
        rows_per_sec_avg: 5000.0,
        elapsed_secs: 0.0,
        throttled_secs: 0.0,
        throttle: Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        },
        rate_limit: None,
        retries: 0,
        errors: 0,
        last_error: None,
        chunk_size: 1000,
        ranges: Vec::new(),
    })
}

/// Records a drill of `steps` steps into `path`: every step started, done and signed off
/// (`took(i)` minutes each, one after the other), notes until `events` events, one copy
/// reading a minute, then the end.
async fn record(
    path: &Path,
    runbook: Runbook,
    events: usize,
    took: impl Fn(usize) -> i64,
) -> Res<()> {
    let steps = runbook.steps.len();
    let mut journal = Journal::create(path, &runbook).await?;
    let mut drill = Drill::new(Arc::new(runbook));
    let mut batch: Vec<Event> = Vec::new();
    let mut now = t0();
    let run = |drill: &mut Drill, batch: &mut Vec<Event>, who: &str, kind, at| -> Res<()> {
        let cmd = Command {
            by: Actor::Person(who.to_string()),
            kind,
        };
        batch.extend(drill.execute(&cmd, at).map_err(|e| e.to_string())?);
        Ok(())
    };
    let notes_per_step = events.saturating_sub(steps * 3 + 2) / steps.max(1);
    for i in 0..steps {
        let target = Target::Step(format!("s{i}"));
        run(
            &mut drill,
            &mut batch,
            "dana",
            CommandKind::Start {
                target: target.clone(),
            },
            now,
        )?;
        for n in 0..notes_per_step {
            let at = now + chrono::Duration::milliseconds(i64::try_from(n).unwrap_or(0));
            let note = CommandKind::Note {
                step: Some(format!("s{i}")),
                text: format!("note {n} on step {i}: all good so far"),
            };
            run(&mut drill, &mut batch, "dana", note, at)?;
            if batch.len() >= 5000 {
                journal.append_batch(&batch).await?;
                batch.clear();
            }
        }
        for m in 0..took(i) {
            let at = now + chrono::Duration::minutes(m);
            let rows = u64::try_from(i * 100 + usize::try_from(m).unwrap_or(0)).unwrap_or(0) * 1000;
            let value = serde_json::to_value(copy_reading(rows))?;
            journal.append_telemetry(at, "copy", &value).await?;
        }
        now += chrono::Duration::minutes(took(i));
        run(
            &mut drill,
            &mut batch,
            "dana",
            CommandKind::Done {
                target: target.clone(),
            },
            now,
        )?;
        run(
            &mut drill,
            &mut batch,
            "sam",
            CommandKind::SignOff { target },
            now,
        )?;
    }
    run(&mut drill, &mut batch, "casey", CommandKind::EndDrill, now)?;
    journal.append_batch(&batch).await?;
    journal.close().await?;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn report_of_a_big_journal(dir: &Path) -> Res<()> {
    let events = env_usize("WARROOM_BENCH_EVENTS", 100_000);
    let path = dir.join("big.db");
    record(&path, parse(&runbook_text(40, ""))?, events, |_| 3).await?;
    let held = Journal::read(&path).await?.events.len();
    let mut best = Duration::MAX;
    let mut split = (Duration::ZERO, Duration::ZERO);
    let mut parts = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    for _ in 0..3 {
        let start = Instant::now();
        let source = warroom::report::Source::read(&path).await?;
        let read = start.elapsed();
        let report = warroom::report::build(&source, Utc::now());
        let loaded = start.elapsed();
        let md = warroom::report::markdown::render(&report);
        let after_md = start.elapsed();
        let html = warroom::report::html::render(&report);
        let after_html = start.elapsed();
        let json = warroom::report::json::render(&report)?;
        let total = start.elapsed();
        std::hint::black_box((md.len(), html.len(), json.len()));
        if total < best {
            best = total;
            split = (read, loaded.saturating_sub(read));
            parts = (
                loaded,
                after_md.saturating_sub(loaded),
                after_html.saturating_sub(after_md),
                total.saturating_sub(after_html),
            );
        }
    }
    if let Ok(keep) = std::env::var("WARROOM_BENCH_JOURNAL") {
        // For profiling the report on the same journal (`warroom report FILE`).
        std::fs::copy(&path, &keep)?;
    }
    println!("report of a journal of {held} events (best of 3)");
    println!(
        "  load {} (read the journal {}, build the model {})  markdown {}  html {}  json {}",
        ms(parts.0),
        ms(split.0),
        ms(split.1),
        ms(parts.1),
        ms(parts.2),
        ms(parts.3)
    );
    println!("  total {:>10}   aim < 1000 ms", ms(best));
    Ok(())
}

async fn comparison_of_ten_drills(dir: &Path) -> Res<()> {
    let drills = dir.join("drills");
    std::fs::create_dir_all(&drills)?;
    let text = runbook_text(40, "");
    for d in 0..10 {
        let took = move |i: usize| i64::try_from(2 + (i + d) % 3).unwrap_or(2);
        record(
            &drills.join(format!("drill-{d:02}.db")),
            parse(&text)?,
            1000,
            took,
        )
        .await?;
    }
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let found = warroom::report::history::load(&drills, None, None, Utc::now()).await?;
        let c = warroom::report::compare::compare(&found.reports);
        let md = warroom::report::compare_render::markdown(&c);
        let baseline = warroom::report::history::Baseline::of(&found.reports);
        std::hint::black_box((md.len(), baseline.map(|b| b.drills)));
        best = best.min(start.elapsed());
    }
    println!("comparison of 10 drills (40 steps, ~1,000 events each; --history, best of 3)");
    println!("  total {:>10}   aim < 1000 ms", ms(best));
    Ok(())
}

/// A local webhook that answers 200 and counts what it was sent.
async fn webhook() -> Res<(String, Arc<AtomicUsize>)> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/hook"), count))
}

struct Bench {
    hub: HubHandle,
    _announcer: Option<warroom::runner::announce::Announcer>,
}

async fn hub_for(dir: &Path, name: &str, text: &str, url: &str) -> Res<Bench> {
    let runbook = Arc::new(parse(text)?);
    let journal = Journal::create(&dir.join(format!("{name}.db")), &runbook).await?;
    let hub = hub::spawn(runbook, journal, Vec::new(), Arc::new(SystemClock));
    let env: HashMap<String, String> = [("BENCH_HOOK".to_string(), url.to_string())].into();
    let announcer = warroom::runner::announce::start_with(&hub, Arc::new(SystemClock), move |v| {
        env.get(v).cloned()
    });
    Ok(Bench {
        hub,
        _announcer: announcer,
    })
}

async fn ack(hub: &HubHandle, who: &str, kind: CommandKind) -> Res<Duration> {
    let start = Instant::now();
    hub.sink()
        .send(Command {
            by: Actor::Person(who.to_string()),
            kind,
        })
        .await?;
    Ok(start.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn p90(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() * 9 / 10).copied().unwrap_or_default()
}

async fn announcing_costs_nothing(dir: &Path) -> Res<()> {
    let rounds = env_usize("WARROOM_BENCH_ROUNDS", 200);
    let (url, received) = webhook().await?;
    let announce = "\n[announce]\nreminders = []\n\n[[announce.target]]\nname = \"room\"\nurl = \"${BENCH_HOOK}\"\n";
    let plain = hub_for(dir, "plain", &runbook_text(rounds, ""), &url).await?;
    let loud = hub_for(dir, "loud", &runbook_text(rounds, announce), &url).await?;
    let (mut quiet_ms, mut loud_ms) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        // Interleaved, the order swapped every round, so drift hits both alike.
        let order: [(&Bench, bool); 2] = if i % 2 == 0 {
            [(&plain, false), (&loud, true)]
        } else {
            [(&loud, true), (&plain, false)]
        };
        for (b, announced) in order {
            let target = || Target::Step(format!("s{i}"));
            let out = if announced {
                &mut loud_ms
            } else {
                &mut quiet_ms
            };
            out.push(ack(&b.hub, "dana", CommandKind::Start { target: target() }).await?);
            out.push(ack(&b.hub, "dana", CommandKind::Done { target: target() }).await?);
            out.push(ack(&b.hub, "sam", CommandKind::SignOff { target: target() }).await?);
        }
    }
    // Let the announcer catch up, to show the messages really went out.
    let deadline = Instant::now() + Duration::from_secs(20);
    while received.load(Ordering::Relaxed) < rounds * 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "command acknowledgement through the hub ({} commands each, interleaved)",
        quiet_ms.len()
    );
    println!("  {:<28} {:>10} {:>10}", "", "median", "p90");
    println!(
        "  {:<28} {:>10} {:>10}",
        "no [announce]",
        ms(median(quiet_ms.clone())),
        ms(p90(quiet_ms))
    );
    println!(
        "  {:<28} {:>10} {:>10}",
        "[announce] to local HTTP",
        ms(median(loud_ms.clone())),
        ms(p90(loud_ms))
    );
    println!(
        "  the webhook received {} messages   aim: no measurable difference",
        received.load(Ordering::Relaxed)
    );
    Ok(())
}

fn main() -> Res<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let dir: PathBuf = dir.path().to_path_buf();
        report_of_a_big_journal(&dir).await?;
        comparison_of_ten_drills(&dir).await?;
        announcing_costs_nothing(&dir).await?;
        Ok(())
    })
}
