//! Following the hub through one [`Replica`]: the one loop every follower runs (the network
//! mirror, the demo's crew, and next the runner's engine adapters), so none of them applies
//! an event past a gap or silently misses one when its stream lags.
//!
//! Every update a follower gets from [`Follow::apply`] (or [`Follower::next`]) has been
//! applied to its replica in order: events exactly once and without gaps, a snapshot
//! whenever the follower had to start again. An event past a gap is dropped and a lagged
//! stream (`RecvError::Lagged`) is abandoned; either way the next update is a fresh
//! `Update::Snapshot` from the [`Source`] (the hub), with the latest readings after it.
//!
//! Two ways to follow:
//! - [`Follower`] owns its replica: `while let Some(update) = follower.next().await`, then
//!   read `follower.replica()`. The demo's crew does this, and so will the engine adapters
//!   (copy, recon, actions, health): an adapter that starts an engine when a step starts
//!   reacts to `Update::Event` (each seen once, in order) and, after an `Update::Snapshot`,
//!   derives from `follower.replica().drill` what should be running, since the events
//!   between are not replayed one by one.
//! - [`Follow`] keeps no replica: [`Follow::recv`] awaits the next update and
//!   [`Follow::apply`] applies it to a replica the caller keeps (the network mirror keeps
//!   its replica under the lock its readers share, which must not be held across an await).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::feed::{Subscription, Update};
use super::replica::{Placed, Replica};
use super::Event;
use crate::runbook::Runbook;

/// What a follower follows: where it gets a fresh start (the hub implements it).
pub trait Source {
    type Error: std::fmt::Display;

    /// Every event so far, the latest readings and the live stream right after them.
    fn fresh(&self) -> impl Future<Output = Result<Subscription, Self::Error>> + Send;
}

/// A follower's place in the stream, without the replica (see the module's doc).
pub struct Follow<S> {
    source: S,
    updates: broadcast::Receiver<Update>,
    /// Updates to hand out before reading the stream again (readings after a fresh start).
    queued: VecDeque<Update>,
    /// The stream lagged or showed a gap: the next `recv` starts again from the source.
    restart: bool,
}

impl<S: Source> Follow<S> {
    /// Subscribes to `source`; returns the events so far, to build the replica from. The
    /// latest readings come first out of [`Follow::recv`].
    pub async fn start(source: S) -> Result<(Follow<S>, Vec<Event>), S::Error> {
        let first = source.fresh().await?;
        let follow = Follow {
            source,
            updates: first.updates,
            queued: first.telemetry.into_iter().map(Update::Telemetry).collect(),
            restart: false,
        };
        Ok((follow, first.events))
    }

    /// The next update; a fresh snapshot after a lag or a gap. `None` once the source is
    /// gone. Cancel-safe (it can sit in a `select!`): nothing is lost when it is dropped.
    pub async fn recv(&mut self) -> Option<Update> {
        loop {
            if let Some(update) = self.queued.pop_front() {
                return Some(update);
            }
            if self.restart {
                let again = match self.source.fresh().await {
                    Ok(again) => again,
                    Err(e) => {
                        tracing::info!(error = %e, "follower stopped: no fresh start");
                        return None;
                    }
                };
                self.restart = false;
                self.updates = again.updates;
                self.queued
                    .extend(again.telemetry.into_iter().map(Update::Telemetry));
                return Some(Update::Snapshot {
                    events: again.events,
                });
            }
            match self.updates.recv().await {
                Ok(update) => return Some(update),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "follower lagged: starting again from a snapshot");
                    self.restart = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Applies `update` to `replica`. Returns it when it was applied in order (act on it,
    /// relay it); `None` when it was not: a duplicate, or an event past a gap (then the next
    /// [`Follow::recv`] brings a fresh snapshot).
    pub fn apply(&mut self, replica: &mut Replica, update: Update) -> Option<Update> {
        if let Update::Event(e) = &update {
            match replica.place(e) {
                Placed::Applied => {}
                Placed::Seen => return None,
                Placed::PastGap => {
                    if !self.restart {
                        tracing::warn!(
                            got = e.seq,
                            expected = replica.drill.next_seq(),
                            "gap in the hub's stream: starting again from a snapshot"
                        );
                    }
                    self.restart = true;
                    return None;
                }
            }
        } else {
            if matches!(update, Update::Snapshot { .. }) {
                self.restart = false; // a snapshot in the stream is as good as a fresh start
            }
            replica.apply(&update);
        }
        Some(update)
    }
}

/// A follower with its own replica: the simple way to follow (see the module's doc).
pub struct Follower<S> {
    follow: Follow<S>,
    replica: Replica,
}

impl<S: Source> Follower<S> {
    /// Subscribes to `source` and builds the replica from the events so far.
    pub async fn start(source: S, runbook: Arc<Runbook>) -> Result<Follower<S>, S::Error> {
        let (follow, events) = Follow::start(source).await?;
        Ok(Follower {
            follow,
            replica: Replica::new(runbook, &events),
        })
    }

    /// The next update, already applied to [`Follower::replica`]. `None` once the source
    /// is gone. Cancel-safe.
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            let update = self.follow.recv().await?;
            if let Some(applied) = self.follow.apply(&mut self.replica, update) {
                return Some(applied);
            }
        }
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::{Actor, EventKind};

    /// A hub in miniature: its events so far and the live stream.
    struct FakeHub {
        events: Mutex<Vec<Event>>,
        stream: broadcast::Sender<Update>,
    }

    impl FakeHub {
        fn new(capacity: usize) -> Arc<FakeHub> {
            Arc::new(FakeHub {
                events: Mutex::new(Vec::new()),
                stream: broadcast::channel(capacity).0,
            })
        }

        /// Records the next note and broadcasts it (or not: a gap).
        fn note(&self, broadcast: bool) -> Event {
            let mut events = self.events.lock().expect("lock");
            let event = Event {
                seq: events.len() as u64 + 1,
                at: chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a time"),
                by: Actor::Person("coord".into()),
                kind: EventKind::NoteAdded {
                    step: None,
                    text: format!("note {}", events.len() + 1),
                },
                acting_for: None,
            };
            events.push(event.clone());
            if broadcast {
                let _ = self.stream.send(Update::Event(event.clone()));
            }
            event
        }
    }

    impl Source for Arc<FakeHub> {
        type Error = String;

        async fn fresh(&self) -> Result<Subscription, String> {
            let events = self.events.lock().expect("lock").clone();
            Ok(Subscription {
                events,
                telemetry: Vec::new(),
                updates: self.stream.subscribe(),
            })
        }
    }

    fn runbook() -> Arc<Runbook> {
        Arc::new(
            RunbookBuilder::new("follow")
                .step("only", "coord", "coord", "1m")
                .build(),
        )
    }

    #[tokio::test]
    async fn an_event_past_a_gap_is_never_applied_and_a_snapshot_follows() {
        let hub = FakeHub::new(16);
        let mut follower = Follower::start(hub.clone(), runbook())
            .await
            .expect("start");
        hub.note(true);
        assert!(matches!(follower.next().await, Some(Update::Event(e)) if e.seq == 1));
        hub.note(false); // seq 2 never reaches the stream
        hub.note(true);
        match follower.next().await {
            Some(Update::Snapshot { events }) => assert_eq!(events.len(), 3),
            other => panic!("a snapshot after the gap, not {other:?}"),
        }
        assert!(!follower.replica().out_of_sync);
        assert_eq!(follower.replica().drill.next_seq(), 4);
        hub.note(true);
        assert!(matches!(follower.next().await, Some(Update::Event(e)) if e.seq == 4));
    }

    #[tokio::test]
    async fn a_lagged_stream_starts_again_from_a_snapshot() {
        let hub = FakeHub::new(2);
        let mut follower = Follower::start(hub.clone(), runbook())
            .await
            .expect("start");
        for _ in 0..5 {
            hub.note(true);
        }
        match follower.next().await {
            Some(Update::Snapshot { events }) => assert_eq!(events.len(), 5),
            other => panic!("a snapshot after the lag, not {other:?}"),
        }
        assert_eq!(follower.replica().drill.next_seq(), 6);
        hub.note(true);
        assert!(matches!(follower.next().await, Some(Update::Event(e)) if e.seq == 6));
    }

    #[tokio::test]
    async fn a_duplicate_is_dropped() {
        let hub = FakeHub::new(16);
        let mut follower = Follower::start(hub.clone(), runbook())
            .await
            .expect("start");
        let first = hub.note(true);
        let _ = hub.stream.send(Update::Event(first));
        hub.note(true);
        assert!(matches!(follower.next().await, Some(Update::Event(e)) if e.seq == 1));
        assert!(matches!(follower.next().await, Some(Update::Event(e)) if e.seq == 2));
    }
}
