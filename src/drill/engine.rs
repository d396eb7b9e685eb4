//! The drill engine: the runbook plus the state folded from events, and the rules between.
//!
//! The hub drives it: `decide` a command into events, journal them (assigning seqs), then
//! `apply` each. [`Drill::execute`] does all three in memory for tests and the demo.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::command::{Actor, Command, CommandKind};
use super::event::{Event, EventKind};
use super::rejection::Rejection;
use super::role::{capacity, role_now, Capacity, Role};
use super::state::DrillState;
use super::timing::Timing;
use super::{rollback, rules};
use crate::runbook::{Runbook, StepId};

#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    runbook: Arc<Runbook>,
    state: DrillState,
}

impl Drill {
    pub fn new(runbook: Arc<Runbook>) -> Drill {
        let state = DrillState::new(&runbook);
        Drill { runbook, state }
    }

    /// The drill as it stands after `events` (in journal order).
    pub fn replay(runbook: Arc<Runbook>, events: &[Event]) -> Drill {
        let mut drill = Drill::new(runbook);
        for e in events {
            drill.apply(e);
        }
        drill
    }

    pub fn state(&self) -> &DrillState {
        &self.state
    }

    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.runbook
    }

    /// Validates `cmd` at `now` and returns the events it would produce, in order.
    /// Changes nothing.
    pub fn decide(&self, cmd: &Command, now: DateTime<Utc>) -> Result<Vec<EventKind>, Rejection> {
        rules::decide(&self.runbook, &self.state, cmd, now)
    }

    /// Folds one journaled event into the state. Never panics; an event that does not fit
    /// is kept in the log, marked ignored.
    pub fn apply(&mut self, event: &Event) {
        self.state.apply(&self.runbook, event);
    }

    /// The seq the next event gets (events are numbered 1, 2, ... without gaps).
    pub fn next_seq(&self) -> u64 {
        self.state.last_seq + 1
    }

    /// Decides, numbers and applies in one go, returning the events. In-memory only: the
    /// hub must journal the events between `decide` and `apply` instead.
    pub fn execute(&mut self, cmd: &Command, now: DateTime<Utc>) -> Result<Vec<Event>, Rejection> {
        let kinds = self.decide(cmd, now)?;
        let acting_for = self.acting_for(cmd);
        let mut out = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let event = Event {
                seq: self.next_seq(),
                at: now,
                by: cmd.by.clone(),
                kind,
                acting_for: acting_for.clone(),
            };
            self.apply(&event);
            out.push(event);
        }
        Ok(out)
    }

    /// Whether `actor` may do `cmd` now: lets the console offer only allowed keys.
    pub fn can(&self, actor: &Actor, cmd: &CommandKind, now: DateTime<Utc>) -> bool {
        let cmd = Command {
            by: actor.clone(),
            kind: cmd.clone(),
        };
        self.decide(&cmd, now).is_ok()
    }

    /// In which capacity `actor` would do `kind` on step `step_id` (for confirmations).
    pub fn capacity(&self, actor: &Actor, step_id: &str, kind: &CommandKind) -> Option<Capacity> {
        let step = self.runbook.step(step_id)?;
        Some(capacity(&self.runbook, &self.state, actor, step, kind))
    }

    /// The role `actor` plays now (the coordinator may have handed the role over).
    pub fn role_of(&self, actor: &Actor) -> Role {
        role_now(&self.runbook, &self.state.handover.coordinator, actor)
    }

    /// The runbook person in whose seat `cmd`'s actor would act (as their deputy, or
    /// holding their steps): what the events of `cmd` record as `acting_for`.
    pub fn acting_for(&self, cmd: &Command) -> Option<crate::runbook::Handle> {
        rules::acting_for(&self.runbook, &self.state, cmd)
    }

    /// The rollback plan if a rollback were called from `from` now (steps whose rollback
    /// tasks would run, in order), or why it cannot be.
    pub fn rollback_plan(&self, from: &str) -> Result<Vec<StepId>, Rejection> {
        rollback::plan(&self.runbook, &self.state, from)
    }

    /// Derived times (elapsed, overrun, predicted end...).
    pub fn timing(&self) -> Timing<'_> {
        Timing::new(&self.runbook, &self.state)
    }
}
