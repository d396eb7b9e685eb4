//! Announcements into the drill's channels. Follows the drill like any console: each event
//! (and, every second, the clock: steps passing their plan, T-minus reminders) becomes a
//! message ([`crate::notify`]), queued in the journal's outbox for every target that wants
//! its kind, with an idempotency key. One worker per target sends its queue in order, and
//! journals each failed attempt, each delivery, each message given up; a failing target
//! waits out its backoff while the others go on. The drill never waits for a webhook: the
//! hub journals only what this adapter reports, like an engine's evidence.
//!
//! On resume the outbox is in the replayed state: what is pending goes out with the keys it
//! was queued with, what was delivered does not go again, and an event that was journaled
//! without its message queued (a crash in between) is queued then.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::drill::outbox::{Announcement, OutboxEntry, OutboxRecord};
use crate::drill::{Clock, Drill, EventKind, Follower, Update};
use crate::hub::HubHandle;
use crate::notify::{backoff, format, key, message, schedule, Client, DeliveryError, Webhook};
use crate::runbook::AnnounceSpec;

/// How often the clock is asked for what is due (late steps, reminders).
const TICK: Duration = Duration::from_secs(1);

/// The running announcer. Dropping it stops nothing: it ends with the hub.
pub struct Announcer {
    /// How many messages are still to go, across targets.
    pending: watch::Receiver<usize>,
}

impl Announcer {
    /// Messages not yet delivered nor given up.
    pub fn pending(&self) -> usize {
        *self.pending.borrow()
    }

    /// Waits until every queued message is delivered or given up, or `within` passed;
    /// returns how many are still pending (they go out when the drill is resumed).
    pub async fn flush(&self, within: Duration) -> usize {
        let mut pending = self.pending.clone();
        let _ = tokio::time::timeout(within, pending.wait_for(|n| *n == 0)).await;
        self.pending()
    }
}

/// Starts announcing the hub's drill, if its runbook has `[announce]` targets.
pub fn start(hub: &HubHandle, clock: Arc<dyn Clock>) -> Option<Announcer> {
    start_with(hub, clock, |var| std::env::var(var).ok())
}

/// [`start`], reading the webhook URLs through `env` (tests hand their own).
pub fn start_with(
    hub: &HubHandle,
    clock: Arc<dyn Clock>,
    env: impl Fn(&str) -> Option<String>,
) -> Option<Announcer> {
    let spec = hub.runbook().announce.clone()?;
    if spec.targets.is_empty() {
        return None;
    }
    let client = match Client::new(spec.timeout) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "announcements are off");
            return None;
        }
    };
    let hooks: Vec<Webhook> = spec
        .targets
        .iter()
        .map(|t| Webhook::resolve(t, &env))
        .collect();
    let (pending_tx, pending) = watch::channel(0);
    tokio::spawn(run(
        hub.clone(),
        Arc::new(spec),
        clock,
        client,
        hooks,
        pending_tx,
    ));
    Some(Announcer { pending })
}

/// What a target's worker is handed: its pending messages, in order.
type Queue = watch::Sender<Vec<OutboxEntry>>;

async fn run(
    hub: HubHandle,
    spec: Arc<AnnounceSpec>,
    clock: Arc<dyn Clock>,
    client: Client,
    hooks: Vec<Webhook>,
    pending: watch::Sender<usize>,
) {
    let Ok(mut follower) = Follower::start(hub.clone(), hub.runbook().clone()).await else {
        return;
    };
    let mut queues: BTreeMap<String, Queue> = BTreeMap::new();
    for hook in hooks {
        let drill = &follower.replica().drill;
        let (tx, rx) = watch::channel(
            drill
                .state()
                .outbox
                .pending(&hook.name)
                .into_iter()
                .cloned()
                .collect(),
        );
        let streak = drill
            .state()
            .outbox
            .targets
            .get(&hook.name)
            .map_or(0, |h| h.streak);
        queues.insert(hook.name.clone(), tx);
        let worker = Worker {
            hub: hub.clone(),
            spec: spec.clone(),
            clock: clock.clone(),
            client: client.clone(),
            hook,
            streak,
        };
        tokio::spawn(worker.run(rx));
    }
    let mut announcer_queue = Queuer {
        hub: hub.clone(),
        spec: spec.clone(),
        asked: HashSet::new(),
    };
    // Resume: whatever was journaled without its message queued (a crash in between).
    announcer_queue.history(&follower.replica().drill).await;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            update = follower.next() => match update {
                None => break,
                Some(Update::Event(event)) => {
                    if !matches!(event.kind, EventKind::Outbox { .. }) {
                        let drill = &follower.replica().drill;
                        if let Some(m) = message::for_event(drill, &event) {
                            announcer_queue.queue(drill, vec![(message::topic(&event), m)]).await;
                        }
                    }
                }
                // A fresh start after a lag: the events between were not seen one by one.
                Some(Update::Snapshot { .. }) => announcer_queue.history(&follower.replica().drill).await,
                Some(Update::Telemetry(_)) => continue,
            },
            _ = tick.tick() => {
                let drill = &follower.replica().drill;
                let outbox = &drill.state().outbox;
                let due = schedule::due(drill, &spec.reminders, clock.now(), &|topic| {
                    outbox.has_topic(topic)
                });
                if !due.is_empty() {
                    announcer_queue.queue(drill, due).await;
                }
            }
        }
        let outbox = &follower.replica().drill.state().outbox;
        let mut total = 0;
        for (name, queue) in &queues {
            let list: Vec<OutboxEntry> = outbox.pending(name).into_iter().cloned().collect();
            total += list.len();
            queue.send_if_modified(|old| {
                let same =
                    old.len() == list.len() && old.iter().zip(&list).all(|(a, b)| a.id == b.id);
                if !same {
                    *old = list;
                }
                !same
            });
        }
        pending.send_if_modified(|n| {
            let changed = *n != total;
            *n = total;
            changed
        });
    }
}

/// Turns messages into `Queued` records, one per target that wants the message's kind.
struct Queuer {
    hub: HubHandle,
    spec: Arc<AnnounceSpec>,
    /// Topics asked for already, whose `Queued` events may not be back in the replica yet.
    asked: HashSet<String>,
}

impl Queuer {
    /// Queues what every event so far announces and is not queued yet.
    async fn history(&mut self, drill: &Drill) {
        let missing: Vec<(String, Announcement)> = drill
            .state()
            .log
            .iter()
            .filter(|e| e.ignored.is_none() && !matches!(e.event.kind, EventKind::Outbox { .. }))
            .filter_map(|e| {
                let topic = message::topic(&e.event);
                if drill.state().outbox.has_topic(&topic) {
                    return None;
                }
                message::for_event(drill, &e.event).map(|m| (topic, m))
            })
            .collect();
        if !missing.is_empty() {
            self.queue(drill, missing).await;
        }
    }

    async fn queue(&mut self, drill: &Drill, messages: Vec<(String, Announcement)>) {
        let outbox = &drill.state().outbox;
        let mut records = Vec::new();
        for (topic, message) in messages {
            if outbox.has_topic(&topic) || !self.asked.insert(topic.clone()) {
                continue;
            }
            for target in self.spec.targets.iter().filter(|t| t.wants(&message.kinds)) {
                records.push(OutboxRecord::Queued {
                    id: key::new(),
                    target: target.name.clone(),
                    topic: topic.clone(),
                    message: Box::new(message.clone()),
                });
            }
        }
        if records.is_empty() {
            return;
        }
        let topics: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                OutboxRecord::Queued { topic, .. } => Some(topic.clone()),
                _ => None,
            })
            .collect();
        if report(&self.hub, records).await != Reported::Journaled {
            // Not journaled: ask again next time (the hub refuses a topic queued twice).
            for topic in topics {
                self.asked.remove(&topic);
            }
        }
    }
}

/// Sends one target's queue, oldest first, and journals what came of each attempt.
struct Worker {
    hub: HubHandle,
    spec: Arc<AnnounceSpec>,
    clock: Arc<dyn Clock>,
    client: Client,
    hook: Webhook,
    /// Failed attempts in a row.
    streak: u32,
}

impl Worker {
    async fn run(mut self, mut queue: watch::Receiver<Vec<OutboxEntry>>) {
        // Settled here; the replica may not show it yet.
        let mut settled: HashSet<String> = HashSet::new();
        let mut attempts: HashMap<String, u32> = HashMap::new();
        // When this target last failed in this console, and why.
        let mut last_failure: Option<DateTime<Utc>> = None;
        let mut last_error = String::from("the target kept failing");
        let drill_name = self.hub.runbook().meta.name.clone();
        loop {
            let list: Vec<OutboxEntry> = queue
                .borrow_and_update()
                .iter()
                .filter(|e| !settled.contains(&e.id))
                .cloned()
                .collect();
            let now = self.clock.now();
            let expired: Vec<OutboxRecord> = list
                .iter()
                .filter(|e| backoff::gives_up(&self.spec, e.queued_at, last_failure, now))
                .map(|e| OutboxRecord::GaveUp {
                    id: e.id.clone(),
                    target: e.target.clone(),
                    attempts: attempts.get(&e.id).copied().unwrap_or(e.attempts),
                    error: last_error.clone(),
                })
                .collect();
            if !expired.is_empty() {
                settled.extend(expired.iter().map(|r| r.id().to_string()));
                if report(&self.hub, expired).await == Reported::HubGone {
                    return;
                }
                continue;
            }
            let Some(entry) = list.first() else {
                if queue.changed().await.is_err() {
                    return; // the announcer stopped
                }
                continue;
            };
            let attempt = attempts.get(&entry.id).copied().unwrap_or(entry.attempts) + 1;
            attempts.insert(entry.id.clone(), attempt);
            let body = format::body(self.hook.format, &drill_name, &entry.id, &entry.message);
            let outcome = self.client.send(&self.hook, &body, &entry.id).await;
            let (id, target) = (entry.id.clone(), entry.target.clone());
            let asked = outcome.as_ref().err().and_then(DeliveryError::retry_after);
            let records = match outcome {
                Ok(sent) => {
                    let recovered = self.streak > 0;
                    self.streak = 0;
                    last_failure = None; // what waits behind it is not given up now

                    settled.insert(id.clone());
                    vec![OutboxRecord::Delivered {
                        id,
                        target,
                        attempt,
                        status: sent.status,
                        recovered,
                    }]
                }
                Err(e) => {
                    self.streak += 1;
                    last_failure = Some(self.clock.now());
                    last_error = e.to_string();
                    tracing::info!(target = %self.hook.name, attempt, error = %e, "announcement not delivered");
                    let mut records = vec![OutboxRecord::Failed {
                        id: id.clone(),
                        target: target.clone(),
                        attempt,
                        error: e.to_string(),
                        streak: self.streak,
                    }];
                    if e.is_permanent() {
                        settled.insert(id.clone());
                        records.push(OutboxRecord::GaveUp {
                            id,
                            target,
                            attempts: attempt,
                            error: format!("{e} (the webhook refused the message: not retried)"),
                        });
                    }
                    records
                }
            };
            let wait = (self.streak > 0).then(|| backoff::wait(&self.spec, self.streak, asked));
            if report(&self.hub, records).await == Reported::HubGone {
                return;
            }
            if let Some(wait) = wait {
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reported {
    Journaled,
    /// Refused by the rules or not written (logged).
    NotJournaled,
    HubGone,
}

/// Journals outbox records through the hub (as the system), behind people's commands.
async fn report(hub: &HubHandle, records: Vec<OutboxRecord>) -> Reported {
    match hub.report_outbox(records).await {
        Ok(_) => Reported::Journaled,
        Err(crate::drill::SinkError::Closed) => Reported::HubGone,
        Err(e) => {
            tracing::warn!(error = %e, "outbox record not journaled");
            Reported::NotJournaled
        }
    }
}
