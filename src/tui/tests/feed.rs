//! The local console's feed heals itself: after a gap or a lag the follower fetches a fresh
//! snapshot and the replica is in step again; a remote stream waits for its client's one.

use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::{runbook, t0, who};
use crate::drill::feed::Subscription;
use crate::drill::follow::Source;
use crate::drill::{Event, EventKind, Follow, Update};
use crate::tui::app::App;
use crate::tui::feed::{Feed, Received};

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
    fn note(&self, broadcast: bool) {
        let mut events = self.events.lock().expect("lock");
        let event = Event {
            seq: events.len() as u64 + 1,
            at: t0(),
            by: who("carol"),
            kind: EventKind::NoteAdded {
                step: None,
                text: format!("note {}", events.len() + 1),
            },
            acting_for: None,
        };
        events.push(event.clone());
        if broadcast {
            let _ = self.stream.send(Update::Event(event));
        }
    }
}

impl Source for Arc<FakeHub> {
    type Error = String;

    async fn fresh(&self) -> Result<Subscription, String> {
        Ok(Subscription {
            events: self.events.lock().expect("lock").clone(),
            telemetry: Vec::new(),
            updates: self.stream.subscribe(),
        })
    }
}

/// A local console over `hub`, as `cli/console.rs` builds it.
async fn local_console(hub: &Arc<FakeHub>) -> (App, Feed) {
    let (follow, events) = Follow::start(hub.clone()).await.expect("start");
    let app = App::new(runbook(), &events, who("carol"), true);
    (app, Feed::follow(follow))
}

/// Receives and applies `n` updates, as the event loop does.
async fn pump(app: &mut App, feed: &mut Feed, n: usize) {
    for _ in 0..n {
        match feed.recv().await {
            Received::Update(u) => {
                app.apply_from(feed, u);
            }
            other => panic!("the local feed heals itself, not {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_gap_in_the_local_feed_recovers_with_a_fresh_snapshot() {
    let hub = FakeHub::new(16);
    let (mut app, mut feed) = local_console(&hub).await;
    hub.note(true);
    hub.note(false); // seq 2 never reaches the stream
    hub.note(true);
    pump(&mut app, &mut feed, 2).await; // 1 applied, 3 past the gap: dropped
    assert!(app.replica.out_of_sync, "the gap shows");
    pump(&mut app, &mut feed, 1).await; // the snapshot the follower fetched
    assert!(!app.replica.out_of_sync, "back in step");
    assert_eq!(app.replica.drill.next_seq(), 4);
    hub.note(true);
    pump(&mut app, &mut feed, 1).await;
    assert_eq!(app.replica.drill.next_seq(), 5);
}

#[tokio::test]
async fn a_lagged_local_feed_recovers_with_a_fresh_snapshot() {
    let hub = FakeHub::new(2);
    let (mut app, mut feed) = local_console(&hub).await;
    for _ in 0..5 {
        hub.note(true);
    }
    pump(&mut app, &mut feed, 1).await;
    assert!(!app.replica.out_of_sync);
    assert_eq!(app.replica.drill.next_seq(), 6);
}

#[tokio::test]
async fn a_lagged_remote_stream_waits_for_its_clients_snapshot() {
    let (tx, rx) = broadcast::channel(1);
    let mut feed = Feed::from(rx);
    let _ = tx.send(Update::Snapshot { events: Vec::new() });
    let _ = tx.send(Update::Snapshot { events: Vec::new() });
    assert!(matches!(feed.recv().await, Received::Lagged(1)));
}
