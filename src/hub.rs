//! The one owner of the drill: takes commands, decides, journals (durably) and only then
//! applies and broadcasts. Nothing else changes drill state.
//!
//! People's commands go first. The announcer's outbox records come on a channel of their
//! own and wait (at most [`OUTBOX_LINGER`]) to be journaled in the same transaction as the
//! next command, after its events, so announcing adds no fsync to a command's way.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::drill::follow::{Follow, Source};
use crate::drill::outbox::OutboxRecord;
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

/// How long the announcer's outbox records wait for a person's command to ride with (one
/// transaction, one fsync) before they are journaled on their own.
const OUTBOX_LINGER: std::time::Duration = std::time::Duration::from_millis(25);

/// At most this many outbox reports wait; more are journaled at once.
const OUTBOX_BATCH: usize = 64;

enum Control {
    Subscribe(oneshot::Sender<Subscription>),
}

/// Cheap handle to a running hub.
#[derive(Clone)]
pub struct HubHandle {
    sink: CommandSink,
    /// The announcer's outbox reports: journaled after people's commands, in their batch.
    outbox: CommandSink,
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

    /// Journals the announcer's outbox records (as the system) and returns their events.
    /// They never delay a person's command: the hub takes people's commands first and
    /// journals waiting outbox records in the same transaction as the next command, or on
    /// their own after [`OUTBOX_LINGER`]. Like any command, the answer comes once they are
    /// on disk, so a delivery is durable before the announcer sends the next message.
    pub async fn report_outbox(
        &self,
        records: Vec<crate::drill::outbox::OutboxRecord>,
    ) -> Result<Vec<Event>, crate::drill::SinkError> {
        let command = Command {
            by: Actor::System,
            kind: CommandKind::Outbox { records },
        };
        self.outbox.send(command).await
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
    let (outbox, reports) = CommandSink::channel(OUTBOX_BATCH);
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
    tokio::spawn(hub.run(
        Inbox {
            commands,
            reports,
            control: control_rx,
            telemetry: telemetry_rx,
        },
        WaitingOutbox::default(),
    ));
    HubHandle {
        sink,
        outbox,
        control: control_tx,
        telemetry: telemetry_tx,
        runbook,
        journal_path,
    }
}

/// What the hub reads from.
struct Inbox {
    commands: mpsc::Receiver<CommandRequest>,
    reports: mpsc::Receiver<CommandRequest>,
    control: mpsc::Receiver<Control>,
    telemetry: mpsc::Receiver<Telemetry>,
}

/// Outbox reports taken in and not journaled yet, and when they go on their own.
#[derive(Default)]
struct WaitingOutbox {
    reports: Vec<CommandRequest>,
    due: Option<tokio::time::Instant>,
    /// The announcer's channel closed (every handle dropped): stop reading it.
    closed: bool,
}

impl WaitingOutbox {
    fn push(&mut self, report: CommandRequest) {
        self.reports.push(report);
        let due = if self.reports.len() >= OUTBOX_BATCH {
            tokio::time::Instant::now()
        } else {
            tokio::time::Instant::now() + OUTBOX_LINGER
        };
        self.due = Some(self.due.map_or(due, |d| d.min(due)));
    }

    /// Takes every waiting report, and those already in the channel.
    fn take(&mut self, channel: &mut mpsc::Receiver<CommandRequest>) -> Vec<CommandRequest> {
        while self.reports.len() < OUTBOX_BATCH {
            match channel.try_recv() {
                Ok(report) => self.reports.push(report),
                Err(_) => break,
            }
        }
        self.due = None;
        std::mem::take(&mut self.reports)
    }
}

impl Hub {
    async fn run(mut self, mut inbox: Inbox, mut waiting: WaitingOutbox) {
        loop {
            let due = waiting.due;
            tokio::select! {
                // People's commands first; the outbox waits for them, never the other way.
                biased;
                request = inbox.commands.recv() => match request {
                    Some(request) => {
                        let reports = waiting.take(&mut inbox.reports);
                        self.handle(Some(request), reports).await;
                    }
                    None => break,
                },
                message = inbox.control.recv() => match message {
                    Some(Control::Subscribe(tx)) => {
                        let _ = tx.send(Subscription {
                            events: self.events.clone(),
                            telemetry: self.latest.values().cloned().collect(),
                            updates: self.updates.subscribe(),
                        });
                    }
                    None => break,
                },
                () = sleep_until(due), if due.is_some() => {
                    let reports = waiting.take(&mut inbox.reports);
                    self.handle(None, reports).await;
                }
                report = inbox.reports.recv(), if !waiting.closed => match report {
                    Some(report) => waiting.push(report),
                    None => waiting.closed = true,
                },
                Some(reading) = inbox.telemetry.recv() => self.reading(reading).await,
            }
        }
        // What the announcer reported before the end is still journaled.
        let reports = waiting.take(&mut inbox.reports);
        if !reports.is_empty() {
            self.handle(None, reports).await;
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

    /// Decides a person's command (if any) and the waiting outbox reports, journals what
    /// was accepted in one transaction (one fsync), then applies, broadcasts and answers
    /// each. The command's events come first. People's rules never look at the outbox and
    /// the outbox's never at the rest of the drill, so each is decided against the state
    /// before the batch; outbox reports also against the outbox records before them.
    async fn handle(&mut self, command: Option<CommandRequest>, reports: Vec<CommandRequest>) {
        let now = self.clock.now();
        let mut seq = self.events.last().map_or(0, |e| e.seq);
        let mut events: Vec<Event> = Vec::new();
        let mut answers: Vec<(oneshot::Sender<CommandReply>, std::ops::Range<usize>)> = Vec::new();
        let mut outbox_before: Vec<OutboxRecord> = Vec::new();
        for request in command.into_iter().chain(reports) {
            let decided = self.decide(&request.command, &outbox_before, now);
            let kinds = match decided {
                Ok(kinds) => kinds,
                Err(why) => {
                    let c = &request.command;
                    tracing::info!(by = %c.by, ?c.kind, %why, "command refused");
                    let _ = request.reply.send(Err(ReplyError::Rejected(why)));
                    continue;
                }
            };
            if let CommandKind::Outbox { records } = &request.command.kind {
                outbox_before.extend(records.iter().cloned());
            }
            let acting_for = self.drill.acting_for(&request.command);
            let from = events.len();
            events.extend(kinds.into_iter().map(|kind| {
                seq += 1;
                Event {
                    seq,
                    at: now,
                    by: request.command.by.clone(),
                    kind,
                    acting_for: acting_for.clone(),
                }
            }));
            answers.push((request.reply, from..events.len()));
        }
        if events.is_empty() {
            return;
        }
        // Durable before acknowledged: nothing is applied or shown until it is on disk.
        if let Err(e) = self.journal.append_batch(&events).await {
            tracing::error!(error = %e, "journal write failed");
            let failure = HubFailure::new(
                FailureKind::JournalFailed,
                format!("the journal could not be written, so nothing was recorded: {e}"),
            );
            for (reply, _) in answers {
                let _ = reply.send(Err(ReplyError::Failed(failure.clone())));
            }
            return;
        }
        for event in &events {
            self.drill.apply(event);
            self.events.push(event.clone());
            let _ = self.updates.send(Update::Event(event.clone()));
        }
        tracing::info!(count = events.len(), "command journaled");
        for (reply, range) in answers {
            // The requester may have gone away; the events are journaled anyway.
            let _ = reply.send(Ok(events
                .get(range)
                .map(<[Event]>::to_vec)
                .unwrap_or_default()));
        }
    }

    /// The events `command` makes now, an outbox report as if `outbox_before` (accepted
    /// in this batch, not yet applied) came first.
    fn decide(
        &self,
        command: &Command,
        outbox_before: &[OutboxRecord],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::drill::EventKind>, crate::drill::Rejection> {
        let CommandKind::Outbox { records } = &command.kind else {
            return self.drill.decide(command, now);
        };
        if outbox_before.is_empty() {
            return self.drill.decide(command, now);
        }
        let together = Command {
            by: command.by.clone(),
            kind: CommandKind::Outbox {
                records: outbox_before.iter().chain(records).cloned().collect(),
            },
        };
        let mut kinds = self.drill.decide(&together, now)?;
        Ok(kinds.split_off(outbox_before.len()))
    }
}

/// Sleeps until `due`, or forever when there is nothing due.
async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::{EventKind, ManualClock, SinkError, Target};

    /// The runbook every hub test runs: one step, coord's, reviewed by dana.
    fn one_step() -> Arc<crate::runbook::Runbook> {
        Arc::new(
            RunbookBuilder::new("hub")
                .person("dana", "DBA")
                .step("only", "coord", "dana", "1m")
                .build(),
        )
    }

    /// A running hub on a fresh journal of [`one_step`], on the system clock.
    async fn spawned(dir: &std::path::Path) -> HubHandle {
        let runbook = one_step();
        let journal = Journal::create(&dir.join("j.db"), &runbook)
            .await
            .expect("journal");
        spawn(
            runbook,
            journal,
            Vec::new(),
            Arc::new(crate::drill::SystemClock),
        )
    }

    /// The seam for a journal that refuses a write: one whose file already holds an event
    /// the hub was not given, so the hub's next write is out of sequence and refused (a
    /// read-only file would not do: tests may run as root, who writes anyway).
    #[tokio::test]
    async fn a_journal_write_that_fails_is_a_hub_failure_and_nothing_is_applied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let runbook = one_step();
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

    fn queued(id: &str, topic: &str) -> OutboxRecord {
        OutboxRecord::Queued {
            id: id.into(),
            target: "room".into(),
            topic: topic.into(),
            message: Box::new(crate::drill::outbox::Announcement {
                kinds: vec![crate::runbook::MessageKind::Drill],
                title: "a note".into(),
                text: String::new(),
                fields: Vec::new(),
                tone: crate::drill::outbox::Tone::Info,
                at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
                step: None,
            }),
        }
    }

    fn request(command: Command) -> (CommandRequest, oneshot::Receiver<CommandReply>) {
        let (reply, answer) = oneshot::channel();
        (CommandRequest { command, reply }, answer)
    }

    fn outbox(records: Vec<OutboxRecord>) -> Command {
        Command {
            by: Actor::System,
            kind: CommandKind::Outbox { records },
        }
    }

    fn note(text: &str) -> Command {
        Command {
            by: Actor::Person("dana".into()),
            kind: CommandKind::Note {
                step: None,
                text: text.into(),
            },
        }
    }

    async fn a_hub(dir: &std::path::Path) -> (Hub, std::path::PathBuf) {
        let runbook = one_step();
        let path = dir.join("j.db");
        let journal = Journal::create(&path, &runbook).await.expect("journal");
        let hub = Hub {
            drill: Drill::new(runbook),
            events: Vec::new(),
            journal,
            clock: Arc::new(crate::drill::SystemClock),
            updates: broadcast::channel(UPDATE_BUFFER).0,
            latest: BTreeMap::new(),
            recorded: BTreeMap::new(),
        };
        (hub, path)
    }

    /// A person's command and the outbox reports waiting behind it go in one batch (one
    /// transaction), the command's events first; a report that conflicts with one before
    /// it in the batch is refused alone; each requester gets its own events.
    #[tokio::test]
    async fn waiting_outbox_reports_ride_behind_a_persons_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut hub, path) = a_hub(dir.path()).await;
        let (command, command_answer) = request(note("first"));
        let (first, first_answer) = request(outbox(vec![queued("k1", "e1")]));
        let (twice, twice_answer) = request(outbox(vec![queued("k1", "e2")]));
        let (second, second_answer) = request(outbox(vec![queued("k2", "e2")]));
        hub.handle(Some(command), vec![first, twice, second]).await;

        let mine = command_answer.await.expect("answered").expect("journaled");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].seq, 1, "the person's command goes first");
        assert!(
            matches!(mine[0].kind, crate::drill::EventKind::NoteAdded { .. }),
            "{mine:?}"
        );
        let first = first_answer.await.expect("answered").expect("journaled");
        assert_eq!(first.iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
        match twice_answer.await.expect("answered") {
            Err(ReplyError::Rejected(why)) => {
                assert!(why.to_string().contains("already queued"), "{why}");
            }
            other => panic!("the second `k1` is refused, not {other:?}"),
        }
        let second = second_answer.await.expect("answered").expect("journaled");
        assert_eq!(second.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);

        drop(hub);
        let read = Journal::read(&path).await.expect("readable");
        assert_eq!(read.events.len(), 3, "all on disk: {:?}", read.events);
        assert_eq!(read.events[1].by, Actor::System);
    }

    /// With no command to ride with, outbox reports are journaled on their own.
    #[tokio::test]
    async fn an_outbox_report_alone_is_journaled_and_answered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hub = spawned(dir.path()).await;
        let events = hub
            .report_outbox(vec![queued("k1", "e1")])
            .await
            .expect("journaled");
        assert_eq!(events.len(), 1);
        let after = hub.subscribe().await.expect("hub runs");
        assert_eq!(after.events, events);
        match hub.report_outbox(vec![queued("k1", "e1")]).await {
            Err(SinkError::Refused(_)) => {}
            other => panic!("a key queued twice is refused, not {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_command_the_rules_refuse_keeps_its_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hub = spawned(dir.path()).await;
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
