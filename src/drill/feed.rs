//! What travels between the hub and its consoles (local, `join`, `observe`): updates out,
//! command requests in. Pure data plus the channel ends; no logic.

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::command::Command;
use super::event::Event;
use super::rejection::Rejection;
use super::reply::{FailureKind, HubFailure, ReplyError};
use super::telemetry::Telemetry;

/// One message from the hub to a console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "update")]
pub enum Update {
    /// A journaled event, in sequence order: apply it to the replica.
    Event(Event),
    /// Every event so far: rebuild the replica from scratch (first connect, gap, reconnect).
    Snapshot { events: Vec<Event> },
    /// A live reading from an engine (not journaled as an event).
    Telemetry(Telemetry),
}

/// A follower's starting point: every event so far, the latest readings, and the live
/// stream right after them (nothing falls between the two).
pub struct Subscription {
    pub events: Vec<Event>,
    pub telemetry: Vec<Telemetry>,
    pub updates: broadcast::Receiver<Update>,
}

/// A remote console's link to the drill, as its header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub ok: bool,
    pub text: String,
}

/// The hub's answer to a command: the events it journaled, or why it recorded nothing
/// (refused by the rules, or a failure of the hub).
pub type CommandReply = Result<Vec<Event>, ReplyError>;

/// A command on its way to the hub, with the way back for the answer.
#[derive(Debug)]
pub struct CommandRequest {
    pub command: Command,
    pub reply: oneshot::Sender<CommandReply>,
}

/// Where a console sends commands. The local console's sink is a channel to the hub;
/// `join`'s forwards over the network; `observe` has none (read-only is structural).
#[derive(Debug, Clone)]
pub struct CommandSink {
    tx: mpsc::Sender<CommandRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The drill's rules refused the command.
    #[error("refused: {0}")]
    Refused(Rejection),
    /// The hub (or the link to it) could not record the command.
    #[error("failed: {0}")]
    Failed(HubFailure),
    #[error("the drill hub is gone: the console can no longer send commands")]
    Closed,
}

impl From<ReplyError> for SinkError {
    fn from(error: ReplyError) -> Self {
        match error {
            ReplyError::Rejected(r) => SinkError::Refused(r),
            ReplyError::Failed(f) => SinkError::Failed(f),
        }
    }
}

impl From<SinkError> for ReplyError {
    /// How a server relays a sink's answer: a closed sink is a hub that is gone.
    fn from(error: SinkError) -> Self {
        match error {
            SinkError::Refused(r) => ReplyError::Rejected(r),
            SinkError::Failed(f) => ReplyError::Failed(f),
            SinkError::Closed => {
                ReplyError::Failed(HubFailure::new(FailureKind::HubGone, error.to_string()))
            }
        }
    }
}

impl CommandSink {
    /// A sink and the receiving end the hub reads from.
    pub fn channel(capacity: usize) -> (CommandSink, mpsc::Receiver<CommandRequest>) {
        let (tx, rx) = mpsc::channel(capacity);
        (CommandSink { tx }, rx)
    }

    /// Sends a command and waits until the hub has journaled it (or refused it).
    pub async fn send(&self, command: Command) -> Result<Vec<Event>, SinkError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(CommandRequest { command, reply })
            .await
            .map_err(|_| SinkError::Closed)?;
        match answer.await {
            Ok(Ok(events)) => Ok(events),
            Ok(Err(why)) => Err(why.into()),
            Err(_) => Err(SinkError::Closed),
        }
    }
}
