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

/// In which capacity an actor does a command on a step: what the console's confirmation
/// names ("Sign off `x` as carol (coordinator, overriding the reviewer)?"). Derived from the
/// same rules that decide the command: the step's DRI starts and completes it, its reviewer
/// signs it off, its approvers vote; the coordinator may stand in for any of them, and a
/// reviewer stood in for is recorded as an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Dri,
    Reviewer,
    Approver,
    Coordinator,
    /// The coordinator doing what the named capacity normally does.
    CoordinatorFor(&'static str),
    Participant,
}

impl std::fmt::Display for Capacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Capacity::Dri => f.write_str("DRI"),
            Capacity::Reviewer => f.write_str("reviewer"),
            Capacity::Approver => f.write_str("approver"),
            Capacity::Coordinator => f.write_str("coordinator"),
            Capacity::CoordinatorFor(what) => write!(f, "coordinator, overriding the {what}"),
            Capacity::Participant => f.write_str("participant"),
        }
    }
}

/// The capacity `actor` acts in for `kind` on `step` (see [`Capacity`]).
pub fn capacity(
    runbook: &Runbook,
    actor: &Actor,
    step: &crate::runbook::Step,
    kind: &super::command::CommandKind,
) -> Capacity {
    use super::command::CommandKind as K;
    let me = matches!(actor, Actor::Person(_)).then(|| actor.to_string());
    let is = |h: &str| me.as_deref() == Some(h);
    let coordinator = role_of(runbook, actor) == Role::Coordinator;
    let (natural, what) = match kind {
        K::Start { .. } | K::Done { .. } => (is(&step.dri), Some(("DRI", Capacity::Dri))),
        K::SignOff { .. } => (is(&step.reviewer), Some(("reviewer", Capacity::Reviewer))),
        K::Go { .. } | K::NoGo { .. } => (
            step.approvers.iter().any(|a| is(a)),
            Some(("approver", Capacity::Approver)),
        ),
        _ => (false, None),
    };
    match what {
        Some((_, cap)) if natural => cap,
        Some((name, _)) if coordinator => Capacity::CoordinatorFor(name),
        Some((_, cap)) => cap,
        None if coordinator => Capacity::Coordinator,
        None if is(&step.dri) => Capacity::Dri,
        None if is(&step.reviewer) => Capacity::Reviewer,
        None => Capacity::Participant,
    }
}
