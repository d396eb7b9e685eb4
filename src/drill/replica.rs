//! A follower's own copy of the drill, rebuilt from the hub's update stream: what a console
//! (local, `join`, `observe`) shows. Never shared: the hub is the one owner of the real
//! state; this is a view of it. An event past a gap in the sequence is never applied: the
//! replica waits for a snapshot instead.

use std::sync::Arc;

use std::collections::{BTreeMap, VecDeque};

use super::telemetry::copy::CopyProgress;
use super::telemetry::health::HealthSnapshot;
use super::telemetry::presence::Presence;
use super::telemetry::recon::ReconProgress;
use super::telemetry::Telemetry;
use super::{Drill, Event, Update};
use crate::runbook::Runbook;

#[derive(Debug, Clone)]
pub struct Replica {
    pub drill: Drill,
    /// An event arrived past a gap in the sequence: the replica waits for a snapshot and
    /// ignores events until then (the header says so).
    pub out_of_sync: bool,
    /// The latest probe readings, if any engine sends them.
    pub health: Option<HealthSnapshot>,
    /// The latest progress of each copy job, by job name.
    pub copies: BTreeMap<String, CopyProgress>,
    /// The latest progress of each recon job, by job name.
    pub recons: BTreeMap<String, ReconProgress>,
    /// Recent rows/s readings of each copy job, oldest first (for the sparkline).
    pub copy_rates: BTreeMap<String, VecDeque<f64>>,
    /// Who is connected over the network, when the drill is served.
    pub presence: Option<Presence>,
}

/// What became of an event offered to a [`Replica`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// The next in sequence: applied.
    Applied,
    /// Already applied (a reply and the broadcast may both carry it): ignored.
    Seen,
    /// Past a gap in the sequence, or while the replica waits for a snapshot: not applied.
    PastGap,
}

/// How many throughput readings the copy sparkline keeps.
const RATE_HISTORY: usize = 120;

impl Replica {
    pub fn new(runbook: Arc<Runbook>, events: &[Event]) -> Replica {
        Replica {
            drill: Drill::replay(runbook, events),
            out_of_sync: false,
            health: None,
            copies: BTreeMap::new(),
            copy_rates: BTreeMap::new(),
            recons: BTreeMap::new(),
            presence: None,
        }
    }

    /// Applies one update; returns whether anything changed.
    pub fn apply(&mut self, update: &Update) -> bool {
        match update {
            Update::Snapshot { events } => {
                self.drill = Drill::replay(self.drill.runbook().clone(), events);
                self.out_of_sync = false;
                true
            }
            Update::Telemetry(Telemetry::Health(snapshot)) => {
                self.health = Some(snapshot.clone());
                true
            }
            Update::Telemetry(Telemetry::Copy(progress)) => {
                let rates = self.copy_rates.entry(progress.job.clone()).or_default();
                if rates.len() == RATE_HISTORY {
                    rates.pop_front();
                }
                rates.push_back(progress.rows_per_sec_now);
                self.copies.insert(progress.job.clone(), progress.clone());
                true
            }
            Update::Telemetry(Telemetry::Recon(progress)) => {
                self.recons.insert(progress.job.clone(), progress.clone());
                true
            }
            Update::Telemetry(Telemetry::Presence(presence)) => {
                self.presence = Some(presence.clone());
                true
            }
            Update::Event(e) => {
                let was_out_of_sync = self.out_of_sync;
                match self.place(e) {
                    Placed::Applied => true,
                    Placed::Seen => false,
                    Placed::PastGap => !was_out_of_sync,
                }
            }
        }
    }

    /// Offers one event: applied only when it is the next in sequence.
    pub fn place(&mut self, e: &Event) -> Placed {
        let next = self.drill.next_seq();
        if self.out_of_sync || e.seq > next {
            self.out_of_sync = true;
            Placed::PastGap
        } else if e.seq < next {
            Placed::Seen
        } else {
            self.drill.apply(e);
            Placed::Applied
        }
    }

    /// Marks the replica stale (the feed lagged): wait for a snapshot.
    pub fn lost_updates(&mut self) {
        self.out_of_sync = true;
    }
}
