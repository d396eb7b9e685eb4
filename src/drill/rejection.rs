//! Why a command was refused: a kind for programs, a one-sentence reason for people.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    /// The actor may not do this (observer, wrong person, coordinator-only).
    NotAllowed,
    /// The step, gate or rollback task is not in a state that allows it.
    WrongState,
    /// Sign-off (or a gate) waits for evidence that does not hold.
    MissingEvidence,
    /// A rollback would cross an irreversible step that is done.
    PointOfNoReturn,
    /// The command names a step or task that does not exist.
    Unknown,
    /// The command itself is incomplete (an empty reason or note).
    Invalid,
    /// The drill has ended: nothing more can happen.
    Ended,
    /// A wall-clock rule of the runbook: too early to start or to end, or past a GO
    /// deadline.
    Clock,
}

/// A refused command. Displays as its reason, which says why and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    pub kind: RejectionKind,
    pub reason: String,
}

impl Rejection {
    pub fn new(kind: RejectionKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }

    pub(crate) fn not_allowed(reason: impl Into<String>) -> Self {
        Self::new(RejectionKind::NotAllowed, reason)
    }

    pub(crate) fn wrong_state(reason: impl Into<String>) -> Self {
        Self::new(RejectionKind::WrongState, reason)
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::new(RejectionKind::Invalid, reason)
    }

    pub(crate) fn unknown(reason: impl Into<String>) -> Self {
        Self::new(RejectionKind::Unknown, reason)
    }
}
