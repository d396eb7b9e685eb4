//! The server's own view of the drill, following the hub through one replica like any
//! follower ([`crate::drill::follow`]): it numbers every update, encodes each once for all
//! clients, and answers "what is the state as of now" for a new client, `/api/state` and
//! `/metrics`. An event past a gap is never relayed, and a lag never skips one: either way
//! clients get a fresh snapshot from the hub instead.
//!
//! A new client's snapshot and its place in the live stream are taken under one lock, the
//! same lock under which an update is numbered and broadcast, so nothing falls between them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use super::frame::{encode, Identity, RunbookText, ServerFrame};
use crate::drill::telemetry::presence::Presence;
use crate::drill::telemetry::Telemetry;
use crate::drill::{Clock, Drill, Event, Follow, Replica, Update};
use crate::hub::{HubError, HubHandle};

/// How many updates a client may fall behind before it is sent a fresh snapshot instead.
pub const CLIENT_BUFFER: usize = 1024;

/// One numbered update, encoded once: every client's copy shares the same bytes.
#[derive(Debug, Clone)]
pub struct Relayed {
    pub seq: u64,
    pub text: axum::extract::ws::Utf8Bytes,
}

struct View {
    seq: u64,
    replica: Replica,
    events: Vec<Event>,
    telemetry: BTreeMap<String, Telemetry>,
}

#[derive(Clone)]
pub struct Mirror {
    view: Arc<Mutex<View>>,
    frames: broadcast::Sender<Relayed>,
    runbook: Arc<RunbookText>,
    clock: Arc<dyn Clock>,
}

/// What a new client starts from: its hello frame and its place in the stream.
pub struct Joined {
    pub hello: String,
    pub frames: broadcast::Receiver<Relayed>,
}

impl Mirror {
    /// Follows `hub` from now on (its past included).
    pub async fn start(
        hub: &HubHandle,
        runbook: RunbookText,
        clock: Arc<dyn Clock>,
    ) -> Result<Mirror, HubError> {
        let (mut follow, events) = Follow::start(hub.clone()).await?;
        let replica = Replica::new(hub.runbook().clone(), &events);
        let (frames, _) = broadcast::channel(CLIENT_BUFFER);
        let mirror = Mirror {
            view: Arc::new(Mutex::new(View {
                seq: 0,
                replica,
                events,
                telemetry: BTreeMap::new(),
            })),
            frames,
            runbook: Arc::new(runbook),
            clock,
        };
        let relay = mirror.clone();
        tokio::spawn(async move {
            while let Some(update) = follow.recv().await {
                relay.relay(&mut follow, update);
            }
            tracing::info!("network mirror stopped: the hub is gone");
        });
        Ok(mirror)
    }

    fn lock(&self) -> MutexGuard<'_, View> {
        // A panic while holding this lock leaves a consistent view (every write is one
        // assignment), so a poisoned lock is still usable.
        self.view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies one update through the replica and, when it was applied in order, numbers
    /// it and sends it to every client.
    fn relay(&self, follow: &mut Follow<HubHandle>, update: Update) {
        let at = self.clock.now();
        let mut view = self.lock();
        let Some(update) = follow.apply(&mut view.replica, update) else {
            return; // a duplicate, or past a gap: a snapshot comes next
        };
        match &update {
            Update::Event(e) => view.events.push(e.clone()),
            Update::Snapshot { events } => view.events.clone_from(events),
            Update::Telemetry(t) => {
                view.telemetry.insert(t.key(), t.clone());
            }
        }
        view.seq += 1;
        let seq = view.seq;
        let text = encode(&ServerFrame::Update { seq, at, update }).into();
        // No receiver is fine: nobody is connected.
        let _ = self.frames.send(Relayed { seq, text });
    }

    /// A hello for `you` and the stream right after it.
    pub fn join(&self, you: Identity) -> Joined {
        let at = self.clock.now();
        let view = self.lock();
        let frames = self.frames.subscribe();
        let frame = ServerFrame::Hello {
            seq: view.seq,
            at,
            you,
            runbook: (*self.runbook).clone(),
            events: view.events.clone(),
            telemetry: view.telemetry.values().cloned().collect(),
        };
        Joined {
            hello: encode(&frame),
            frames,
        }
    }

    /// Runs `f` on the current state (for `/api/state` and `/metrics`).
    pub fn read<T>(&self, f: impl FnOnce(&Snapshot<'_>) -> T) -> T {
        let view = self.lock();
        let now = self.clock.now();
        let presence = match view.telemetry.get("presence") {
            Some(Telemetry::Presence(p)) => Some(p),
            _ => None,
        };
        f(&Snapshot {
            seq: view.seq,
            now,
            drill: &view.replica.drill,
            telemetry: view.telemetry.values().collect(),
            presence,
        })
    }
}

/// The state at one moment, borrowed from the mirror.
pub struct Snapshot<'a> {
    pub seq: u64,
    pub now: DateTime<Utc>,
    pub drill: &'a Drill,
    pub telemetry: Vec<&'a Telemetry>,
    pub presence: Option<&'a Presence>,
}
