//! Records a drill into a real journal file the way the hub does (decide, journal, then
//! apply; telemetry samples as the hub serializes them), with time under the test's
//! control: every command and sample happens at `t0 + minutes`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{Actor, Command, CommandKind, Drill, Event};
use warroom::journal::Journal;
use warroom::runbook::Runbook;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("t0 is a valid time"))
}

/// `t0` plus `minutes` (fractions allowed).
// Test times of a few minutes, whole milliseconds meant.
#[allow(clippy::cast_possible_truncation)]
pub fn at(minutes: f64) -> DateTime<Utc> {
    t0() + chrono::Duration::milliseconds((minutes * 60_000.0) as i64)
}

pub fn parse_runbook(name: &str, text: &str) -> Runbook {
    match warroom::runbook::parse_str(name, text) {
        Ok(loaded) => loaded.runbook,
        Err(d) => panic!("test runbook {name} is invalid: {d:#?}"),
    }
}

pub struct Recorder {
    drill: Drill,
    journal: Journal,
    pub path: PathBuf,
}

impl Recorder {
    pub async fn create(path: &Path, runbook: Runbook) -> Recorder {
        let journal = Journal::create(path, &runbook)
            .await
            .unwrap_or_else(|e| panic!("create journal: {e}"));
        Recorder {
            drill: Drill::new(Arc::new(runbook)),
            journal,
            path: path.to_path_buf(),
        }
    }

    /// `who` does `kind` at `t0 + minutes`; panics with the rejection if the rules refuse.
    pub async fn cmd(&mut self, minutes: f64, who: &str, kind: CommandKind) -> Vec<Event> {
        let by = if who == "system" {
            Actor::System
        } else {
            Actor::Person(who.to_string())
        };
        let command = Command { by, kind };
        let now = at(minutes);
        let kinds = self
            .drill
            .decide(&command, now)
            .unwrap_or_else(|why| panic!("{who}: {:?} refused: {why}", command.kind));
        let acting_for = self.drill.acting_for(&command);
        let mut seq = self.drill.next_seq();
        let events: Vec<Event> = kinds
            .into_iter()
            .map(|kind| {
                let e = Event {
                    seq,
                    at: now,
                    by: command.by.clone(),
                    kind,
                    acting_for: acting_for.clone(),
                };
                seq += 1;
                e
            })
            .collect();
        self.journal
            .append_batch(&events)
            .await
            .unwrap_or_else(|e| panic!("append: {e}"));
        for e in &events {
            self.drill.apply(e);
        }
        events
    }

    /// Records a telemetry sample at `t0 + minutes`, as the hub does.
    pub async fn telemetry(&mut self, minutes: f64, reading: Telemetry) {
        let value =
            serde_json::to_value(&reading).unwrap_or_else(|e| panic!("encode telemetry: {e}"));
        self.journal
            .append_telemetry(at(minutes), reading.kind(), &value)
            .await
            .unwrap_or_else(|e| panic!("append telemetry: {e}"));
    }

    pub async fn close(self) -> PathBuf {
        self.journal
            .close()
            .await
            .unwrap_or_else(|e| panic!("close journal: {e}"));
        self.path
    }
}
