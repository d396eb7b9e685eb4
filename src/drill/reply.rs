//! Why the hub recorded nothing for a command: the drill's rules refused it (a
//! [`Rejection`], with its kind), or the hub could not record it (a [`HubFailure`]: the
//! journal write failed, the hub is gone, the link broke). A console words the two apart.

use serde::{Deserialize, Serialize};

use super::rejection::{Rejection, RejectionKind};

/// A command the hub answered without recording anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The drill's rules refused it: there was nothing to record.
    #[error("{0}")]
    Rejected(Rejection),
    /// The hub, or the way to it, failed: the decision was not recorded (see its kind).
    #[error("{0}")]
    Failed(HubFailure),
}

impl ReplyError {
    /// The sentence people read.
    pub fn reason(&self) -> &str {
        match self {
            ReplyError::Rejected(r) => &r.reason,
            ReplyError::Failed(f) => &f.reason,
        }
    }
}

impl From<Rejection> for ReplyError {
    fn from(rejection: Rejection) -> Self {
        ReplyError::Rejected(rejection)
    }
}

impl From<HubFailure> for ReplyError {
    fn from(failure: HubFailure) -> Self {
        ReplyError::Failed(failure)
    }
}

/// What failed on the way to the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The journal write failed: nothing was recorded.
    JournalFailed,
    /// The hub has stopped: nothing was recorded.
    HubGone,
    /// Too many commands wait for answers on one connection: this one was not sent.
    Busy,
    /// The console is not connected to the drill: nothing was sent.
    NotConnected,
    /// The link broke before the answer came: it may or may not have been recorded.
    LinkLost,
    /// A refusal that names no kind this console knows (an older or newer server).
    Unspecified,
}

impl FailureKind {
    /// Whether the decision is known not to be recorded (a lost link leaves it unknown).
    pub fn surely_not_recorded(self) -> bool {
        !matches!(self, FailureKind::LinkLost | FailureKind::Unspecified)
    }

    /// A few words for the console's flash line.
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::JournalFailed => "journal failed",
            FailureKind::HubGone => "hub gone",
            FailureKind::Busy => "busy",
            FailureKind::NotConnected => "not connected",
            FailureKind::LinkLost => "link lost",
            FailureKind::Unspecified => "refused",
        }
    }
}

impl RejectionKind {
    /// A few words for the console's flash line.
    pub fn label(self) -> &'static str {
        match self {
            RejectionKind::NotAllowed => "not allowed",
            RejectionKind::WrongState => "not now",
            RejectionKind::MissingEvidence => "evidence missing",
            RejectionKind::PointOfNoReturn => "point of no return",
            RejectionKind::Unknown => "unknown",
            RejectionKind::Invalid => "incomplete",
            RejectionKind::Ended => "drill over",
            RejectionKind::Clock => "clock rule",
        }
    }
}

/// The hub could not record a command. Displays as its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct HubFailure {
    pub kind: FailureKind,
    pub reason: String,
}

impl HubFailure {
    pub fn new(kind: FailureKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }
}
