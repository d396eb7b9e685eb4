//! Who may do what: the role an actor plays in a runbook.

use serde::{Deserialize, Serialize};

use super::command::Actor;
use super::handover::{fills, Fill};
use super::state::DrillState;
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

/// The role `actor` plays in `runbook` at the start of a drill. The coordinator wins over
/// any declared role.
pub fn role_of(runbook: &Runbook, actor: &Actor) -> Role {
    role_now(runbook, &runbook.meta.coordinator, actor)
}

/// The role `actor` plays now that `coordinator` holds the coordinator role (after a
/// handover the runbook's own coordinator is a participant: they may take it back).
pub fn role_now(runbook: &Runbook, coordinator: &str, actor: &Actor) -> Role {
    match actor {
        Actor::System => Role::System,
        Actor::Person(h) if h == coordinator => Role::Coordinator,
        Actor::Person(h) if *h == runbook.meta.coordinator => Role::Participant,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capacity {
    Dri,
    Reviewer,
    Approver,
    Coordinator,
    /// The coordinator doing what the named capacity normally does.
    CoordinatorFor(&'static str),
    /// In the seat of another person: as their deputy, or holding their steps.
    For {
        seat: &'static str,
        person: String,
        deputy: bool,
    },
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
            Capacity::For {
                seat,
                person,
                deputy: true,
            } => write!(f, "{seat}, as deputy of {person}"),
            Capacity::For {
                seat,
                person,
                deputy: false,
            } => write!(f, "{seat}, holding {person}'s steps"),
            Capacity::Participant => f.write_str("participant"),
        }
    }
}

/// The capacity `actor` acts in for `kind` on `step` (see [`Capacity`]), with the seats
/// and the coordinator as they stand in `st`.
pub fn capacity(
    runbook: &Runbook,
    st: &DrillState,
    actor: &Actor,
    step: &crate::runbook::Step,
    kind: &super::command::CommandKind,
) -> Capacity {
    use super::command::CommandKind as K;
    let h = &st.handover;
    let me = match actor {
        Actor::Person(p) => Some(p.as_str()),
        Actor::System => None,
    };
    let fill = |seat: &str| me.and_then(|m| fills(runbook, h, m, seat));
    let coordinator = role_now(runbook, &h.coordinator, actor) == Role::Coordinator;
    let seated = |name: &'static str, seat: &str, cap: Capacity| match fill(seat) {
        Some(Fill::Own) => Some(cap),
        Some(f) => Some(Capacity::For {
            seat: name,
            person: seat.to_string(),
            deputy: f == Fill::Deputy,
        }),
        None => None,
    };
    let (natural, what) = match kind {
        K::Start { .. } | K::Done { .. } | K::Fail { .. } => {
            (seated("DRI", &step.dri, Capacity::Dri), Some("DRI"))
        }
        K::SignOff { target } => {
            // Four eyes: who holds the DRI seat or worked on it does not review it.
            let worked = me.is_some_and(|m| {
                let by: &[String] = match target {
                    super::command::Target::Step(id) => {
                        st.step(id).map_or(&[], |s| s.worked_by.as_slice())
                    }
                    super::command::Target::Rollback(id) => st
                        .rollback
                        .as_ref()
                        .and_then(|r| r.task(id))
                        .map_or(&[], |t| t.worked_by.as_slice()),
                };
                by.iter().any(|w| w == m)
            }) || matches!(fill(&step.dri), Some(Fill::Own | Fill::Holder));
            let natural = seated("reviewer", &step.reviewer, Capacity::Reviewer);
            (natural.filter(|_| !worked), Some("reviewer"))
        }
        K::Go { .. } | K::NoGo { .. } => (
            step.approvers
                .iter()
                .find_map(|a| seated("approver", a, Capacity::Approver)),
            Some("approver"),
        ),
        _ => (None, None),
    };
    match (natural, what) {
        (Some(cap), _) => cap,
        (None, Some(name)) if coordinator => Capacity::CoordinatorFor(name),
        (None, Some("DRI")) => Capacity::Dri,
        (None, Some("reviewer")) => Capacity::Reviewer,
        (None, Some(_)) => Capacity::Approver,
        (None, None) if coordinator => Capacity::Coordinator,
        (None, None) if fill(&step.dri).is_some() => Capacity::Dri,
        (None, None) if fill(&step.reviewer).is_some() => Capacity::Reviewer,
        (None, None) => Capacity::Participant,
    }
}
