//! Who may do what: the role an actor plays in a runbook.

use serde::{Deserialize, Serialize};

use super::command::Actor;
use crate::runbook::Runbook;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `meta.coordinator`: may do anything.
    Coordinator,
    /// In `people` and not an observer: works their own steps, reviews, votes, adds notes.
    Participant,
    /// Role "observer" in `people`, or a handle the runbook does not know: read-only.
    Observer,
    /// An engine (copy, recon, health): may only report evidence.
    System,
}

/// The role `actor` plays in `runbook`. The coordinator wins over any declared role.
pub fn role_of(runbook: &Runbook, actor: &Actor) -> Role {
    match actor {
        Actor::System => Role::System,
        Actor::Person(h) if *h == runbook.meta.coordinator => Role::Coordinator,
        Actor::Person(h) => match runbook.person(h) {
            Some(p) if p.role.trim().eq_ignore_ascii_case("observer") => Role::Observer,
            Some(_) => Role::Participant,
            None => Role::Observer,
        },
    }
}
