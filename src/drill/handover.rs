//! Handover across shifts and deputies: who holds the coordinator role and each person's
//! seats now, which handovers are offered, and in whose seat an actor acts.
//!
//! A *seat* is a runbook person's place on a step: DRI, reviewer or gate approver. It is
//! filled by its *holder* (the person, unless their steps were handed to someone else) or
//! by one of the holder's `deputies`. Acts by anyone but the seat's own person are
//! journaled with `acting_for` naming the seat's person.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::Actor;
pub use super::duty::Duty;
use crate::runbook::{Handle, Runbook};

/// A handover offered and not yet accepted, declined or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub duty: Duty,
    pub to: Handle,
    pub by: Actor,
    pub at: DateTime<Utc>,
    pub seq: u64,
}

/// Who holds a person's steps after a handover, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub holder: Handle,
    pub since: DateTime<Utc>,
}

/// Who holds what now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    /// The coordinator now: the runbook's until a handover is accepted.
    pub coordinator: Handle,
    /// When the current coordinator took over (`None`: the runbook's own, from the start).
    pub coordinator_since: Option<DateTime<Utc>>,
    /// Runbook person -> who holds their steps now; only persons whose steps moved.
    pub steps: BTreeMap<Handle, Held>,
    /// Pending offers, at most one per duty, in offer order.
    pub offers: Vec<Offer>,
}

impl Handover {
    pub fn new(rb: &Runbook) -> Self {
        Self {
            coordinator: rb.meta.coordinator.clone(),
            coordinator_since: None,
            steps: BTreeMap::new(),
            offers: Vec::new(),
        }
    }

    /// Who holds the seats of runbook person `person` now.
    pub fn holder<'a>(&'a self, person: &'a str) -> &'a str {
        self.steps.get(person).map_or(person, |h| h.holder.as_str())
    }

    /// The current holder of `duty`.
    pub fn holder_of<'a>(&'a self, duty: &'a Duty) -> &'a str {
        match duty {
            Duty::Coordinator => &self.coordinator,
            Duty::Steps(p) => self.holder(p),
        }
    }

    pub fn offer(&self, duty: &Duty) -> Option<&Offer> {
        self.offers.iter().find(|o| &o.duty == duty)
    }

    /// Runbook persons whose seats `handle` holds in their place.
    pub fn held_by<'a>(&'a self, handle: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.steps
            .iter()
            .filter(move |(p, h)| h.holder == handle && p.as_str() != handle)
            .map(|(p, _)| p.as_str())
    }
}

/// How an actor fills a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fill {
    /// Their own seat, which they still hold.
    Own,
    /// A seat handed over to them.
    Holder,
    /// As a deputy of the seat's holder.
    Deputy,
}

/// How `actor` fills the seat of runbook person `seat` now, if at all.
pub fn fills(rb: &Runbook, h: &Handover, actor: &str, seat: &str) -> Option<Fill> {
    let holder = h.holder(seat);
    if holder == actor {
        return Some(if actor == seat {
            Fill::Own
        } else {
            Fill::Holder
        });
    }
    rb.person(holder)
        .is_some_and(|p| p.deputies.iter().any(|d| d == actor))
        .then_some(Fill::Deputy)
}

/// "bob holds them" / "bob or their deputies dave, erin": who can fill `seat` now.
pub fn who_fills(rb: &Runbook, h: &Handover, seat: &str) -> String {
    let holder = h.holder(seat);
    let deputies = rb
        .person(holder)
        .map(|p| p.deputies.clone())
        .unwrap_or_default();
    let mut out = format!("`{holder}`");
    if holder != seat {
        out.push_str(&format!(" (holding `{seat}`'s steps)"));
    }
    if !deputies.is_empty() {
        out.push_str(&format!(" or deputy {}", quoted(&deputies)));
    }
    out
}

fn quoted(names: &[Handle]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
