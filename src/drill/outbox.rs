//! The announcement outbox, as journaled facts: a message queued for a target (with its
//! idempotency key), each failed attempt, its delivery, or giving it up. The announcer
//! (`runner::announce`, as the system) reports them; the fold keeps, per message, whether
//! it is still to go, and per target whether it keeps failing (the header and the log show
//! that). A resumed console sends what is still pending, with the same keys, and never
//! what was delivered.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::runbook::{MessageKind, StepId};

/// What a message says, built from the drill (by `notify`) when it is queued, so that a
/// resumed console sends exactly what was queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    /// What it is about; a target gets it when it lists any of these.
    pub kinds: Vec<MessageKind>,
    /// One line: "▶ `copy` started by dana".
    pub title: String,
    /// More text (a step's own announcement, a reason, a job's figures); may be empty.
    #[serde(default)]
    pub text: String,
    /// Label and value pairs (planned, actual, who...), in order.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
    pub tone: Tone,
    /// When what it announces happened.
    pub at: DateTime<Utc>,
    /// The step it is about, if any.
    #[serde(default)]
    pub step: Option<StepId>,
}

/// How a message should look (a colour or an emoji in the channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Info,
    Good,
    Warn,
    Bad,
}

/// One outbox fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "record")]
pub enum OutboxRecord {
    /// `id` is the idempotency key the target is sent; `topic` names what is announced
    /// (`e12` for event 12, `late:copy`, `tminus:window:30m`) so nothing is queued twice.
    Queued {
        id: String,
        target: String,
        topic: String,
        /// Boxed: it is the one large record, and events travel by value.
        message: Box<Announcement>,
    },
    /// An attempt that did not deliver. `streak`: the target's failures in a row, this one
    /// included.
    Failed {
        id: String,
        target: String,
        attempt: u32,
        error: String,
        streak: u32,
    },
    /// `recovered`: the target had been failing before this delivery.
    Delivered {
        id: String,
        target: String,
        attempt: u32,
        status: u16,
        recovered: bool,
    },
    GaveUp {
        id: String,
        target: String,
        attempts: u32,
        error: String,
    },
}

impl OutboxRecord {
    pub fn id(&self) -> &str {
        match self {
            OutboxRecord::Queued { id, .. }
            | OutboxRecord::Failed { id, .. }
            | OutboxRecord::Delivered { id, .. }
            | OutboxRecord::GaveUp { id, .. } => id,
        }
    }

    pub fn target(&self) -> &str {
        match self {
            OutboxRecord::Queued { target, .. }
            | OutboxRecord::Failed { target, .. }
            | OutboxRecord::Delivered { target, .. }
            | OutboxRecord::GaveUp { target, .. } => target,
        }
    }

    /// Whether the log panel shows it: trouble and recovery, not the routine traffic.
    pub fn is_notable(&self) -> bool {
        match self {
            OutboxRecord::Queued { .. } => false,
            OutboxRecord::Failed { streak, .. } => *streak == 1,
            OutboxRecord::Delivered { recovered, .. } => *recovered,
            OutboxRecord::GaveUp { .. } => true,
        }
    }

    /// One line for the log: "announcement to `room` failed (attempt 2): HTTP 500".
    pub fn describe(&self) -> String {
        match self {
            OutboxRecord::Queued {
                target, message, ..
            } => format!("queued an announcement to `{target}`: {}", message.title),
            OutboxRecord::Failed {
                target,
                attempt,
                error,
                ..
            } => format!("announcement to `{target}` failed (attempt {attempt}): {error}"),
            OutboxRecord::Delivered {
                target,
                attempt,
                recovered,
                ..
            } => {
                if *recovered {
                    format!("announcements to `{target}` go through again (attempt {attempt})")
                } else {
                    format!("delivered an announcement to `{target}`")
                }
            }
            OutboxRecord::GaveUp {
                target,
                attempts,
                error,
                ..
            } => match attempts {
                0 => format!(
                    "GAVE UP an announcement to `{target}` (not sent: the target kept failing): {error}"
                ),
                n => format!("GAVE UP an announcement to `{target}` after {n} attempt(s): {error}"),
            },
        }
    }
}

/// Where one queued message is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "delivery")]
pub enum Delivery {
    Pending,
    Delivered { at: DateTime<Utc>, status: u16 },
    GaveUp { at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    pub target: String,
    pub topic: String,
    pub message: Announcement,
    pub queued_at: DateTime<Utc>,
    /// Seq of the `Queued` event: the order a target is sent its messages in.
    pub queued_seq: u64,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub delivery: Delivery,
}

/// How one target is doing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetHealth {
    /// Failed attempts in a row (0 after a delivery).
    pub streak: u32,
    pub last_error: Option<String>,
    pub last_failed_at: Option<DateTime<Utc>>,
    pub delivered: u64,
    pub given_up: u64,
}

impl TargetHealth {
    /// Its latest attempt failed.
    pub fn is_failing(&self) -> bool {
        self.streak > 0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    /// By id (the idempotency key).
    pub entries: BTreeMap<String, OutboxEntry>,
    /// Every topic queued for any target.
    pub topics: BTreeSet<String>,
    /// Per target name; a target appears once something was queued for it.
    pub targets: BTreeMap<String, TargetHealth>,
}

impl Outbox {
    /// The messages still to go to `target`, in the order they were queued.
    pub fn pending(&self, target: &str) -> Vec<&OutboxEntry> {
        let mut out: Vec<&OutboxEntry> = self
            .entries
            .values()
            .filter(|e| e.target == target && e.delivery == Delivery::Pending)
            .collect();
        out.sort_by_key(|e| e.queued_seq);
        out
    }

    /// Targets whose latest attempt failed, with their health, by name.
    pub fn failing(&self) -> impl Iterator<Item = (&String, &TargetHealth)> {
        self.targets.iter().filter(|(_, h)| h.is_failing())
    }

    pub fn has_topic(&self, topic: &str) -> bool {
        self.topics.contains(topic)
    }

    /// Folds one record (already accepted by [`decide`]).
    pub(crate) fn apply(
        &mut self,
        record: &OutboxRecord,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        match record {
            OutboxRecord::Queued {
                id,
                target,
                topic,
                message,
            } => {
                if self.entries.contains_key(id) {
                    return Err(format!("announcement `{id}` was already queued"));
                }
                self.topics.insert(topic.clone());
                self.targets.entry(target.clone()).or_default();
                self.entries.insert(
                    id.clone(),
                    OutboxEntry {
                        id: id.clone(),
                        target: target.clone(),
                        topic: topic.clone(),
                        message: (**message).clone(),
                        queued_at: at,
                        queued_seq: seq,
                        attempts: 0,
                        last_error: None,
                        delivery: Delivery::Pending,
                    },
                );
            }
            OutboxRecord::Failed {
                id,
                attempt,
                error,
                streak,
                ..
            } => {
                let e = self.pending_mut(id)?;
                e.attempts = e.attempts.max(*attempt);
                e.last_error = Some(error.clone());
                let target = e.target.clone();
                let h = self.targets.entry(target).or_default();
                h.streak = *streak;
                h.last_error = Some(error.clone());
                h.last_failed_at = Some(at);
            }
            OutboxRecord::Delivered {
                id,
                attempt,
                status,
                ..
            } => {
                let e = self.pending_mut(id)?;
                e.attempts = e.attempts.max(*attempt);
                e.delivery = Delivery::Delivered {
                    at,
                    status: *status,
                };
                let target = e.target.clone();
                let h = self.targets.entry(target).or_default();
                h.streak = 0;
                h.delivered += 1;
            }
            OutboxRecord::GaveUp {
                id,
                attempts,
                error,
                ..
            } => {
                let e = self.pending_mut(id)?;
                e.attempts = e.attempts.max(*attempts);
                e.last_error = Some(error.clone());
                e.delivery = Delivery::GaveUp { at };
                let target = e.target.clone();
                self.targets.entry(target).or_default().given_up += 1;
            }
        }
        Ok(())
    }

    fn pending_mut(&mut self, id: &str) -> Result<&mut OutboxEntry, String> {
        match self.entries.get_mut(id) {
            Some(e) if e.delivery == Delivery::Pending => Ok(e),
            Some(_) => Err(format!("announcement `{id}` was already settled")),
            None => Err(format!("no announcement `{id}` was queued")),
        }
    }
}
