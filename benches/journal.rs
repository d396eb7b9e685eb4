//! Journal throughput: appends (one fsync per event, and batched) and replay.
//!
//! `cargo bench --bench journal`. Writes to a temp dir under `WARROOM_BENCH_DIR` (default:
//! the system temp dir); put it on the disk you care about, fsync on tmpfs is free.
//! Prints figures, asserts nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use warroom::drill::testkit::RunbookBuilder;
use warroom::drill::{Actor, Event, EventKind, Target};
use warroom::journal::Journal;
use warroom::runbook::Runbook;

const EVENTS: u64 = 100_000;
const BATCH: usize = 100;
/// One-per-transaction appends measure this many first, and extrapolate to `EVENTS` when
/// the full run would take longer than `SYNCED_BUDGET`.
const SYNCED_PROBE: u64 = 5_000;
const SYNCED_BUDGET: Duration = Duration::from_secs(60);

fn runbook() -> Runbook {
    let source_text = "# a runbook of realistic size\n".repeat(400);
    RunbookBuilder::new("bench")
        .coordinator("alice")
        .source(&source_text, "bench")
        .build()
}

/// A mix of event kinds of realistic size (~150-250 bytes of JSON each).
// Bench sequence numbers are far below 2^63.
#[allow(clippy::cast_possible_wrap)]
fn event(seq: u64) -> Event {
    let step = format!("step-{:03}", seq % 400);
    let kind = match seq % 5 {
        0 => EventKind::Started {
            target: Target::Step(step),
        },
        1 => EventKind::Done {
            target: Target::Step(step),
        },
        2 => EventKind::SignedOff {
            target: Target::Step(step),
            override_by_coordinator: false,
        },
        3 => EventKind::NoteAdded {
            step: Some(step),
            text: "replica lag back under 2s, resuming the copy of payments_history".into(),
        },
        _ => EventKind::Failed {
            target: Target::Rollback(step),
            reason: "checksum mismatch in chunk 1184 of payments_history".into(),
        },
    };
    Event {
        seq,
        at: Utc
            .timestamp_opt(1_740_000_000, 0)
            .single()
            .unwrap_or_default()
            + chrono::Duration::milliseconds(seq as i64 * 250),
        by: Actor::Person("bob".into()),
        kind,
        acting_for: None,
    }
}

struct Row {
    what: String,
    events: u64,
    took: Duration,
    note: &'static str,
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// (a) One transaction, so one fsync, per event.
async fn synced_one_by_one(dir: &Path, rb: &Runbook) -> Res<Row> {
    let path = dir.join("synced.db");
    let mut j = Journal::create(&path, rb).await?;
    let start = Instant::now();
    let mut seq = 0;
    while seq < SYNCED_PROBE {
        seq += 1;
        j.append(&event(seq)).await?;
    }
    let probe = start.elapsed();
    let projected = probe.mul_f64(EVENTS as f64 / SYNCED_PROBE as f64);
    if projected > SYNCED_BUDGET {
        j.close().await?;
        return Ok(Row {
            what: format!("(a) append, 1 event/txn (measured {SYNCED_PROBE})"),
            events: EVENTS,
            took: projected,
            note: "extrapolated",
        });
    }
    while seq < EVENTS {
        seq += 1;
        j.append(&event(seq)).await?;
    }
    let took = start.elapsed();
    j.close().await?;
    Ok(Row {
        what: "(a) append, 1 event/txn".into(),
        events: EVENTS,
        took,
        note: "measured",
    })
}

/// (b) Batches of `BATCH` events, one transaction (one fsync) each.
async fn batched(path: &Path, rb: &Runbook, events: &[Event]) -> Res<Row> {
    let mut j = Journal::create(path, rb).await?;
    let start = Instant::now();
    for chunk in events.chunks(BATCH) {
        j.append_batch(chunk).await?;
    }
    let took = start.elapsed();
    j.close().await?;
    Ok(Row {
        what: format!("(b) append, {BATCH} events/txn"),
        events: events.len() as u64,
        took,
        note: "measured",
    })
}

/// (c) Resume: open, verify every checksum, deserialize every event.
async fn replay(path: &Path, rb: &Runbook, expected: &[Event]) -> Res<Vec<Row>> {
    let start = Instant::now();
    let (j, events) = Journal::open(path, rb).await?;
    let open_took = start.elapsed();
    j.close().await?;
    if events != expected {
        return Err("replayed events differ from the ones written".into());
    }
    let start = Instant::now();
    let contents = Journal::read(path).await?;
    let read_took = start.elapsed();
    if contents.events.len() != expected.len() {
        return Err("read returned a different number of events".into());
    }
    Ok(vec![
        Row {
            what: "(c) replay: Journal::open".into(),
            events: events.len() as u64,
            took: open_took,
            note: "measured",
        },
        Row {
            what: "(c) replay: Journal::read".into(),
            events: contents.events.len() as u64,
            took: read_took,
            note: "measured",
        },
    ])
}

fn print(rows: &[Row]) {
    println!(
        "{:<44} {:>8} {:>10} {:>12} {:>11}  note",
        "case", "events", "total", "events/s", "per event"
    );
    for r in rows {
        let secs = r.took.as_secs_f64();
        println!(
            "{:<44} {:>8} {:>9.2}s {:>12.0} {:>9.1}µs  {}",
            r.what,
            r.events,
            secs,
            r.events as f64 / secs,
            secs * 1e6 / r.events as f64,
            r.note
        );
    }
}

async fn run() -> Res<()> {
    let base = std::env::var_os("WARROOM_BENCH_DIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = tempfile::tempdir_in(&base)?;
    println!("journal bench in {}", base.display());
    let rb = runbook();
    let events: Vec<Event> = (1..=EVENTS).map(event).collect();

    let mut rows = vec![synced_one_by_one(dir.path(), &rb).await?];
    let path = dir.path().join("batched.db");
    rows.push(batched(&path, &rb, &events).await?);
    rows.extend(replay(&path, &rb, &events).await?);
    let size = std::fs::metadata(&path)?.len();
    print(&rows);
    println!(
        "journal of {EVENTS} events: {:.1} MiB",
        size as f64 / 1_048_576.0
    );
    Ok(())
}

fn main() -> Res<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}
