//! The one owner of the drill: takes commands, decides, journals (durably) and only then
//! applies and broadcasts. Nothing else changes drill state.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::drill::follow::{Follow, Source};
use crate::drill::telemetry::Telemetry;
pub use crate::drill::Subscription;
use crate::drill::{
    Actor, Clock, Command, CommandKind, CommandReply, CommandRequest, CommandSink, Drill, Event,
    FailureKind, HubFailure, ReplyError, Update,
};
use crate::journal::Journal;
use crate::runbook::{Evidence, Runbook};

/// How many updates a slow console may fall behind before it must resubscribe.
const UPDATE_BUFFER: usize = 1024;

/// How often each kind of telemetry is recorded in the journal (for the report).
const TELEMETRY_RECORD_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

enum Control {
    Subscribe(oneshot::Sender<Subscription>),
}

/// Cheap handle to a running hub.
#[derive(Clone)]
pub struct HubHandle {
    sink: CommandSink,
    control: mpsc::Sender<Control>,
    telemetry: mpsc::Sender<Telemetry>,
    runbook: Arc<Runbook>,
    /// The journal's file, for readers (the live report): the hub alone writes it.
    journal_path: std::path::PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("the drill hub has stopped")]
    Stopped,
}

impl HubHandle {
    /// Journals evidence an engine found (as the system). A hub that is gone is logged,
    /// not an error: the engine's result then has nowhere to go.
    pub async fn record_evidence(&self, evidence: Evidence, holds: bool, detail: String) {
        let what = evidence.to_string();
        let command = Command {
            by: Actor::System,
            kind: CommandKind::RecordEvidence {
                evidence,
                holds,
                detail,
            },
        };
        if let Err(e) = self.sink.send(command).await {
            tracing::warn!(evidence = %what, error = %e, "evidence not journaled");
        }
    }

    /// Where the local console (and the network server) send commands.
    pub fn sink(&self) -> CommandSink {
        self.sink.clone()
    }

    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.runbook
    }

    /// The journal this hub writes; open it read-only (`warroom report`, `GET /report`).
    pub fn journal_path(&self) -> &std::path::Path {
        &self.journal_path
    }

    /// Hands the hub a live reading. Never blocks an engine: when the hub is busy the
    /// reading is dropped (the next one supersedes it anyway).
    pub fn publish(&self, reading: Telemetry) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.telemetry.try_send(reading) {
            tracing::debug!("hub busy: a telemetry reading was dropped");
        }
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

/// Followers ([`crate::drill::follow`]) start, and start again after a lag or a gap, from
/// the hub's own subscription: every event so far and the live stream right after them.
impl Source for HubHandle {
    type Error = HubError;

    async fn fresh(&self) -> Result<Subscription, HubError> {
        self.subscribe().await
    }
}

/// Every event so far and a live stream of updates relayed from [`Follow`] (which heals a
/// gap or a lag upstream with a fresh `Update::Snapshot`). Tests use it; consoles and
/// engines follow through [`Follow`] or [`crate::drill::Follower`] directly, so that a lag
/// of their own stream is healed too.
pub async fn follow(
    handle: &HubHandle,
) -> Result<(Vec<Event>, broadcast::Receiver<Update>), HubError> {
    let (mut upstream, events) = Follow::start(handle.clone()).await?;
    let (tx, rx) = broadcast::channel(UPDATE_BUFFER);
    tokio::spawn(async move {
        while let Some(update) = upstream.recv().await {
            if tx.send(update).is_err() {
                break; // no console listens any more
            }
        }
    });
    Ok((events, rx))
}

struct Hub {
    drill: Drill,
    events: Vec<Event>,
    journal: Journal,
    clock: Arc<dyn Clock>,
    updates: broadcast::Sender<Update>,
    /// The latest reading of each kind, for new subscribers.
    latest: BTreeMap<String, Telemetry>,
    /// When each kind was last written to the journal.
    recorded: BTreeMap<String, std::time::Instant>,
}

/// Starts the hub on the current tokio runtime. `past` are the journal's events (resume).
pub fn spawn(
    runbook: Arc<Runbook>,
    journal: Journal,
    past: Vec<Event>,
    clock: Arc<dyn Clock>,
) -> HubHandle {
    let drill = Drill::replay(runbook.clone(), &past);
    let journal_path = journal.path().to_path_buf();
    let (sink, commands) = CommandSink::channel(64);
    let (control_tx, control_rx) = mpsc::channel(16);
    let (telemetry_tx, telemetry_rx) = mpsc::channel(256);
    let (updates, _) = broadcast::channel(UPDATE_BUFFER);
    let hub = Hub {
        drill,
        events: past,
        journal,
        clock,
        updates,
        latest: BTreeMap::new(),
        recorded: BTreeMap::new(),
    };
    tokio::spawn(hub.run(commands, control_rx, telemetry_rx));
    HubHandle {
        sink,
        control: control_tx,
        telemetry: telemetry_tx,
        runbook,
        journal_path,
    }
}

impl Hub {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<CommandRequest>,
        mut control: mpsc::Receiver<Control>,
        mut telemetry: mpsc::Receiver<Telemetry>,
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
                            telemetry: self.latest.values().cloned().collect(),
                            updates: self.updates.subscribe(),
                        });
                    }
                    None => break,
                },
                Some(reading) = telemetry.recv() => self.reading(reading).await,
            }
        }
        tracing::info!("hub stopped");
    }

    /// Broadcasts a reading live and records it in the journal at a low rate.
    async fn reading(&mut self, reading: Telemetry) {
        let kind = reading.kind();
        let key = reading.key();
        let due = self
            .recorded
            .get(&key)
            .is_none_or(|at| at.elapsed() >= TELEMETRY_RECORD_EVERY);
        if due {
            match serde_json::to_value(&reading) {
                Ok(value) => {
                    let at = self.clock.now();
                    if let Err(e) = self.journal.append_telemetry(at, kind, &value).await {
                        tracing::warn!(error = %e, "telemetry not recorded");
                    }
                    self.recorded.insert(key.clone(), std::time::Instant::now());
                }
                Err(e) => tracing::warn!(error = %e, "telemetry not encodable"),
            }
        }
        self.latest.insert(key, reading.clone());
        let _ = self.updates.send(Update::Telemetry(reading));
    }

    async fn handle(&mut self, command: Command) -> CommandReply {
        let now = self.clock.now();
        let kinds = self.drill.decide(&command, now).map_err(|why| {
            tracing::info!(by = %command.by, ?command.kind, %why, "command refused");
            ReplyError::Rejected(why)
        })?;
        let acting_for = self.drill.acting_for(&command);
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
                    acting_for: acting_for.clone(),
                }
            })
            .collect();
        // Durable before acknowledged: nothing is applied or shown until it is on disk.
        if let Err(e) = self.journal.append_batch(&events).await {
            tracing::error!(error = %e, "journal write failed");
            return Err(ReplyError::Failed(HubFailure::new(
                FailureKind::JournalFailed,
                format!("the journal could not be written, so nothing was recorded: {e}"),
            )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::{EventKind, ManualClock, SinkError, Target};

    /// The seam for a journal that refuses a write: one whose file already holds an event
    /// the hub was not given, so the hub's next write is out of sequence and refused (a
    /// read-only file would not do: tests may run as root, who writes anyway).
    #[tokio::test]
    async fn a_journal_write_that_fails_is_a_hub_failure_and_nothing_is_applied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let runbook = Arc::new(
            RunbookBuilder::new("hub")
                .person("dana", "DBA")
                .step("only", "coord", "dana", "1m")
                .build(),
        );
        let path = dir.path().join("j.db");
        let mut journal = Journal::create(&path, &runbook).await.expect("journal");
        let clock = Arc::new(ManualClock::new(
            chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a time"),
        ));
        let ahead = Event {
            seq: 1,
            at: clock.now(),
            by: Actor::Person("coord".into()),
            kind: EventKind::DrillStarted,
            acting_for: None,
        };
        journal.append(&ahead).await.expect("first event");
        let hub = spawn(runbook, journal, Vec::new(), clock);
        let start = Command {
            by: Actor::Person("coord".into()),
            kind: CommandKind::Start {
                target: Target::Step("only".into()),
            },
        };
        match hub.sink().send(start).await {
            Err(SinkError::Failed(failure)) => {
                assert_eq!(failure.kind, FailureKind::JournalFailed);
                assert!(failure.reason.contains("nothing was recorded"), "{failure}");
            }
            other => panic!("a journal failure, not {other:?}"),
        }
        let after = hub.subscribe().await.expect("hub runs");
        assert!(
            after.events.is_empty(),
            "nothing applied: {:?}",
            after.events
        );
    }

    #[tokio::test]
    async fn a_command_the_rules_refuse_keeps_its_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let runbook = Arc::new(
            RunbookBuilder::new("hub")
                .person("dana", "DBA")
                .step("only", "coord", "dana", "1m")
                .build(),
        );
        let journal = Journal::create(&dir.path().join("j.db"), &runbook)
            .await
            .expect("journal");
        let hub = spawn(
            runbook,
            journal,
            Vec::new(),
            Arc::new(crate::drill::SystemClock),
        );
        let rollback = Command {
            by: Actor::Person("dana".into()),
            kind: CommandKind::CallRollback {
                from: "only".into(),
                reason: "x".into(),
            },
        };
        match hub.sink().send(rollback).await {
            Err(SinkError::Refused(rejection)) => {
                assert_eq!(rejection.kind, crate::drill::RejectionKind::NotAllowed);
            }
            other => panic!("refused by the rules, not {other:?}"),
        }
    }
}
