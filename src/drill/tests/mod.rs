//! Unit tests of the drill engine, driven by a manual clock.

mod clock;
mod contingency;
mod controls;
mod gates;
mod handover;
mod lifecycle;
mod props;
mod rejections;
mod rollback;
mod scope;
mod span;
mod timing;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::testkit::RunbookBuilder;
use super::*;
use crate::runbook::{Evidence, Runbook};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap()
}

pub(super) fn step(id: &str) -> Target {
    Target::Step(id.to_string())
}

pub(super) fn rb_target(id: &str) -> Target {
    Target::Rollback(id.to_string())
}

pub(super) fn start(id: &str) -> CommandKind {
    CommandKind::Start { target: step(id) }
}

pub(super) fn done(id: &str) -> CommandKind {
    CommandKind::Done { target: step(id) }
}

pub(super) fn sign(id: &str) -> CommandKind {
    CommandKind::SignOff { target: step(id) }
}

pub(super) fn go(id: &str) -> CommandKind {
    CommandKind::Go {
        step: id.to_string(),
    }
}

pub(super) fn evidence(e: Evidence, holds: bool) -> CommandKind {
    CommandKind::RecordEvidence {
        evidence: e,
        holds,
        detail: String::new(),
    }
}

/// The usual cast: `coord` coordinates, alice and bob work, olga observes.
pub(super) fn cast() -> RunbookBuilder {
    RunbookBuilder::new("drill-3")
        .person("alice", "DBA")
        .person("bob", "SRE")
        .person("olga", "observer")
}

/// A drill under test with its manual clock.
pub(super) struct H {
    pub drill: Drill,
    pub clock: ManualClock,
}

impl H {
    pub fn new(rb: Runbook) -> Self {
        Self {
            drill: Drill::new(Arc::new(rb)),
            clock: ManualClock::new(t0()),
        }
    }

    pub fn actor(who: &str) -> Actor {
        if who == "system" {
            Actor::System
        } else {
            Actor::Person(who.to_string())
        }
    }

    /// Runs a command that must be accepted; returns the event kinds.
    pub fn ok(&mut self, who: &str, kind: CommandKind) -> Vec<EventKind> {
        let cmd = Command {
            by: Self::actor(who),
            kind,
        };
        match self.drill.execute(&cmd, self.clock.now()) {
            Ok(events) => events.into_iter().map(|e| e.kind).collect(),
            Err(r) => panic!("{cmd:?} rejected: {r}"),
        }
    }

    /// Runs a command that must be refused, checks nothing changed, returns the rejection.
    pub fn no(&mut self, who: &str, kind: CommandKind) -> Rejection {
        let cmd = Command {
            by: Self::actor(who),
            kind,
        };
        let before = self.drill.state().clone();
        let r = match self.drill.execute(&cmd, self.clock.now()) {
            Ok(events) => panic!("{cmd:?} accepted: {events:?}"),
            Err(r) => r,
        };
        assert_eq!(&before, self.drill.state());
        assert!(!self.drill.can(&cmd.by, &cmd.kind, self.clock.now()));
        r
    }

    pub fn mins(&self, m: u64) {
        self.clock.advance(Duration::from_secs(60 * m));
    }

    pub fn status(&self, id: &str) -> StepStatus {
        let idx = self.drill.runbook().step_index(id).unwrap();
        self.drill.state().status(idx)
    }

    /// start, done, sign-off of a plain step by its DRI and reviewer.
    pub fn finish(&mut self, id: &str) {
        let s = self.drill.runbook().step(id).unwrap().clone();
        self.ok(&s.dri, start(id));
        self.ok(&s.dri, done(id));
        self.ok(&s.reviewer, sign(id));
    }
}
