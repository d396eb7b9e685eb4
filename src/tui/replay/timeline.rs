//! A recorded drill under the reader's control: the journal's events and telemetry, a
//! cursor (how many events have happened) and a moment (the replay's "now"). The replica
//! at the cursor is the fold of the events before it plus the latest reading of each
//! telemetry stream recorded by that moment, so every panel shows the drill as it was.
//!
//! Moving forward applies only what is new; moving back folds again from the start.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::drill::telemetry::Telemetry;
use crate::drill::{Event, EventKind, Replica, Target, Update};
use crate::runbook::Runbook;

pub struct Timeline {
    runbook: Arc<Runbook>,
    events: Vec<Event>,
    /// Decoded telemetry, in time order.
    readings: Vec<(DateTime<Utc>, Telemetry)>,
    /// How many events are applied.
    cursor: usize,
    /// How many readings are applied.
    read: usize,
    at: DateTime<Utc>,
    replica: Replica,
}

impl Timeline {
    /// A timeline at the first event (nothing applied yet). `readings` need not be sorted.
    pub fn new(
        runbook: Arc<Runbook>,
        events: Vec<Event>,
        mut readings: Vec<(DateTime<Utc>, Telemetry)>,
    ) -> Timeline {
        readings.sort_by_key(|(at, _)| *at);
        let start = events
            .first()
            .map(|e| e.at)
            .or_else(|| readings.first().map(|r| r.0))
            .unwrap_or_else(Utc::now);
        Timeline {
            replica: Replica::new(runbook.clone(), &[]),
            runbook,
            events,
            readings,
            cursor: 0,
            read: 0,
            at: start,
        }
    }

    /// The replica as the drill was at the cursor.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The replay's "now".
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// How many events have happened, of [`Timeline::len`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The first moment recorded.
    pub fn start(&self) -> DateTime<Utc> {
        let first_event = self.events.first().map(|e| e.at);
        let first_reading = self.readings.first().map(|r| r.0);
        match (first_event, first_reading) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(self.at),
        }
    }

    /// The last moment recorded.
    pub fn end(&self) -> DateTime<Utc> {
        let last_event = self.events.last().map(|e| e.at);
        let last_reading = self.readings.last().map(|r| r.0);
        match (last_event, last_reading) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b).unwrap_or(self.at),
        }
    }

    /// When the drill started (its `DrillStarted` event), else the first moment recorded:
    /// the zero of the drill clock for times typed as `T+…`.
    pub fn drill_start(&self) -> DateTime<Utc> {
        self.events
            .iter()
            .find(|e| matches!(e.kind, EventKind::DrillStarted))
            .map_or_else(|| self.start(), |e| e.at)
    }

    pub fn at_end(&self) -> bool {
        self.cursor == self.events.len() && self.at >= self.end()
    }

    /// The last event applied.
    pub fn last_event(&self) -> Option<&Event> {
        self.cursor.checked_sub(1).and_then(|i| self.events.get(i))
    }

    /// Moves to moment `t` (clamped to the recording): every event at or before it applied.
    pub fn seek_time(&mut self, t: DateTime<Utc>) {
        let t = t.clamp(self.start(), self.end());
        let cursor = self.events.partition_point(|e| e.at <= t);
        self.move_to(cursor, t);
    }

    /// One event forward: the moment becomes that event's.
    pub fn step_forward(&mut self) -> bool {
        let Some(e) = self.events.get(self.cursor) else {
            return false;
        };
        let at = e.at.max(self.at);
        self.move_to(self.cursor + 1, at);
        true
    }

    /// One event back: the moment becomes the event before's (or the start).
    pub fn step_back(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        let cursor = self.cursor - 1;
        let at = cursor
            .checked_sub(1)
            .and_then(|i| self.events.get(i))
            .map_or_else(|| self.start(), |e| e.at);
        self.move_to(cursor, at);
        true
    }

    /// To the moment step `id` started (its first start, forward or rollback), that start
    /// applied. `false` when it never started in this drill.
    pub fn seek_step(&mut self, id: &str) -> bool {
        let found = self.events.iter().position(|e| match &e.kind {
            EventKind::Started {
                target: Target::Step(s) | Target::Rollback(s),
            } => s == id,
            _ => false,
        });
        let Some(i) = found else {
            return false;
        };
        let at = self.events[i].at;
        self.move_to(i + 1, at);
        true
    }

    /// Plays on by `by` of drill time; events and readings up to the new moment apply.
    pub fn advance(&mut self, by: chrono::Duration) {
        let t = (self.at + by).min(self.end());
        let cursor = self.events.partition_point(|e| e.at <= t).max(self.cursor);
        self.move_to(cursor, t);
    }

    fn move_to(&mut self, cursor: usize, at: DateTime<Utc>) {
        let back = cursor < self.cursor || at < self.at;
        if back {
            self.replica = Replica::new(self.runbook.clone(), &[]);
            self.cursor = 0;
            self.read = 0;
        }
        for e in &self.events[self.cursor..cursor] {
            self.replica.drill.apply(e);
        }
        self.cursor = cursor;
        self.at = at;
        let upto = self.readings.partition_point(|(t, _)| *t <= at);
        for (_, reading) in &self.readings[self.read.min(upto)..upto] {
            self.replica.apply(&Update::Telemetry(reading.clone()));
        }
        self.read = upto.max(self.read);
    }
}

/// The readings a journal recorded, decoded; samples of an unknown shape are left out.
pub fn decode(samples: &[crate::journal::TelemetrySample]) -> Vec<(DateTime<Utc>, Telemetry)> {
    samples
        .iter()
        .filter_map(|s| {
            serde_json::from_value::<Telemetry>(s.value.clone())
                .ok()
                .map(|t| (s.at, t))
        })
        .collect()
}
