//! What a handover moves: the coordinator role, or one person's seats.

use serde::{Deserialize, Serialize};

use crate::runbook::Handle;

/// What can be handed over: the coordinator role, or every seat of one runbook person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "duty", content = "person")]
pub enum Duty {
    Coordinator,
    /// The steps (DRI, reviewer and approver seats) of this runbook person.
    Steps(Handle),
}

impl std::fmt::Display for Duty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Duty::Coordinator => f.write_str("the coordinator role"),
            Duty::Steps(p) => write!(f, "the steps of `{p}`"),
        }
    }
}
