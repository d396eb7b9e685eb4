//! The one owner of the drill: takes commands, decides, journals (durably) and only then
//! applies and broadcasts. Nothing else changes drill state.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::drill::{
    Clock, Command, CommandReply, CommandRequest, CommandSink, Drill, Event, Update,
};
use crate::journal::Journal;
use crate::runbook::Runbook;

/// How many updates a slow console may fall behind before it must resubscribe.
const UPDATE_BUFFER: usize = 1024;

/// A console's starting point: every event so far, and the live stream after them.
pub struct Subscription {
    pub events: Vec<Event>,
    pub updates: broadcast::Receiver<Update>,
}

enum Control {
    Subscribe(oneshot::Sender<Subscription>),
}

/// Cheap handle to a running hub.
#[derive(Clone)]
pub struct HubHandle {
    sink: CommandSink,
    control: mpsc::Sender<Control>,
    runbook: Arc<Runbook>,
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("the drill hub has stopped")]
    Stopped,
}

impl HubHandle {
    /// Where the local console (and the network server) send commands.
    pub fn sink(&self) -> CommandSink {
        self.sink.clone()
    }

    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.runbook
    }

    /// Every event so far plus the live stream, with no gap between them.
    pub async fn subscribe(&self) -> Result<Subscription, HubError> {
        let (tx, rx) = oneshot::channel();
        self.control
            .send(Control::Subscribe(tx))
            .await
            .map_err(|_| HubError::Stopped)?;
        rx.await.map_err(|_| HubError::Stopped)
    }
}

/// A console's feed: every event so far, and a live stream that heals itself: when the
/// console's stream falls too far behind, it gets a fresh `Update::Snapshot` instead.
pub async fn follow(
    handle: &HubHandle,
) -> Result<(Vec<Event>, broadcast::Receiver<Update>), HubError> {
    let first = handle.subscribe().await?;
    let (tx, rx) = broadcast::channel(UPDATE_BUFFER);
    let handle = handle.clone();
    tokio::spawn(async move {
        let mut upstream = first.updates;
        loop {
            let update = match upstream.recv().await {
                Ok(update) => update,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "console feed lagged; sending a fresh snapshot");
                    match handle.subscribe().await {
                        Ok(again) => {
                            upstream = again.updates;
                            Update::Snapshot {
                                events: again.events,
                            }
                        }
                        Err(_) => break,
                    }
                }
                Err(RecvError::Closed) => break,
            };
            if tx.send(update).is_err() {
                break; // no console listens any more
            }
        }
    });
    Ok((first.events, rx))
}

struct Hub {
    drill: Drill,
    events: Vec<Event>,
    journal: Journal,
    clock: Arc<dyn Clock>,
    updates: broadcast::Sender<Update>,
}

/// Starts the hub on the current tokio runtime. `past` are the journal's events (resume).
pub fn spawn(
    runbook: Arc<Runbook>,
    journal: Journal,
    past: Vec<Event>,
    clock: Arc<dyn Clock>,
) -> HubHandle {
    let drill = Drill::replay(runbook.clone(), &past);
    let (sink, commands) = CommandSink::channel(64);
    let (control_tx, control_rx) = mpsc::channel(16);
    let (updates, _) = broadcast::channel(UPDATE_BUFFER);
    let hub = Hub {
        drill,
        events: past,
        journal,
        clock,
        updates,
    };
    tokio::spawn(hub.run(commands, control_rx));
    HubHandle {
        sink,
        control: control_tx,
        runbook,
    }
}

impl Hub {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<CommandRequest>,
        mut control: mpsc::Receiver<Control>,
    ) {
        loop {
            tokio::select! {
                request = commands.recv() => match request {
                    Some(request) => {
                        let reply = self.handle(request.command).await;
                        // The requester may have gone away; the event is journaled anyway.
                        let _ = request.reply.send(reply);
                    }
                    None => break,
                },
                message = control.recv() => match message {
                    Some(Control::Subscribe(tx)) => {
                        let _ = tx.send(Subscription {
                            events: self.events.clone(),
                            updates: self.updates.subscribe(),
                        });
                    }
                    None => break,
                },
            }
        }
        tracing::info!("hub stopped");
    }

    async fn handle(&mut self, command: Command) -> CommandReply {
        let now = self.clock.now();
        let kinds = self.drill.decide(&command, now).map_err(|why| {
            tracing::info!(by = %command.by, ?command.kind, %why, "command refused");
            why.to_string()
        })?;
        let mut seq = self.events.last().map_or(0, |e| e.seq);
        let events: Vec<Event> = kinds
            .into_iter()
            .map(|kind| {
                seq += 1;
                Event {
                    seq,
                    at: now,
                    by: command.by.clone(),
                    kind,
                }
            })
            .collect();
        // Durable before acknowledged: nothing is applied or shown until it is on disk.
        if let Err(e) = self.journal.append_batch(&events).await {
            tracing::error!(error = %e, "journal write failed");
            return Err(format!(
                "the journal could not be written, so nothing was recorded: {e}"
            ));
        }
        for event in &events {
            self.drill.apply(event);
            self.events.push(event.clone());
            let _ = self.updates.send(Update::Event(event.clone()));
        }
        tracing::info!(by = %command.by, count = events.len(), "command journaled");
        Ok(events)
    }
}
