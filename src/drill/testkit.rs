//! A fluent builder of validated-looking [`Runbook`] values, for tests of the drill engine,
//! the console and the network layer without going through the TOML parser.
//!
//! ```
//! use warroom::drill::testkit::RunbookBuilder;
//! let rb = RunbookBuilder::new("demo")
//!     .coordinator("carol")
//!     .person("alice", "DBA")
//!     .person("bob", "SRE")
//!     .step("copy", "alice", "bob", "30m")
//!     .step("switch", "bob", "alice", "5m").gate().irreversible()
//!     .build();
//! assert_eq!(rb.steps[1].after, vec!["copy".to_string()]);
//! ```
//!
//! Like the parser, `build` resolves defaults: a step with no explicit `after` waits for the
//! previous step, and a gate with no approvers is approved by the coordinator. It does not
//! validate (unknown people or cycles are kept as written, which is handy for robustness tests).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::runbook::duration;
use crate::runbook::{
    Action, ActionOwner, Evidence, Meta, Person, Phase, ProbeSpec, Rollback, Runbook, RunbookKind,
    Step, StepClock, StepId, Window,
};

/// Builds a [`Runbook`]; step modifiers (`after`, `gate`, ...) apply to the last added step.
#[derive(Debug, Clone)]
pub struct RunbookBuilder {
    meta: Meta,
    people: Vec<Person>,
    steps: Vec<Step>,
    probes: Vec<ProbeSpec>,
    /// The runbook's text and digest, as a journal records them.
    source: (String, String),
    /// Whether each step's `after` was given explicitly (else: the previous step).
    explicit_after: Vec<bool>,
    /// Phases after the first (`main`): name, the point of no return it is the
    /// contingency of, and the index of its first step.
    more_phases: Vec<(String, Option<StepId>, usize)>,
}

impl RunbookBuilder {
    /// A drill named `name`, coordinated by `coord` (added to people as "coordinator").
    pub fn new(name: &str) -> Self {
        let mut b = Self {
            meta: Meta {
                name: name.to_string(),
                kind: RunbookKind::Drill,
                description: None,
                coordinator: "coord".to_string(),
                window: None,
            },
            people: Vec::new(),
            steps: Vec::new(),
            probes: Vec::new(),
            source: (String::new(), String::new()),
            explicit_after: Vec::new(),
            more_phases: Vec::new(),
        };
        b = b.person("coord", "coordinator");
        b
    }

    /// Renames the coordinator (replaces the default `coord`).
    #[must_use]
    pub fn coordinator(mut self, handle: &str) -> Self {
        self.people.retain(|p| p.handle != self.meta.coordinator);
        self.meta.coordinator = handle.to_string();
        self.person(handle, "coordinator")
    }

    #[must_use]
    pub fn cutover(mut self) -> Self {
        self.meta.kind = RunbookKind::Cutover;
        self
    }

    /// The change window: starts at `start`, lasts `length` (e.g. "4h").
    #[must_use]
    pub fn window(mut self, start: DateTime<Utc>, length: &str) -> Self {
        self.meta.window = Some(Window {
            start,
            duration: parse(length),
        });
        self
    }

    /// Adds a person; a role of "observer" makes them read-only.
    #[must_use]
    pub fn person(mut self, handle: &str, role: &str) -> Self {
        self.people.push(Person {
            handle: handle.to_string(),
            name: handle.to_string(),
            role: role.to_string(),
            contact: None,
            deputies: Vec::new(),
        });
        self
    }

    /// Names `deputies` for the person `handle` (added before).
    #[must_use]
    pub fn deputies(mut self, handle: &str, deputies: &[&str]) -> Self {
        if let Some(p) = self.people.iter_mut().find(|p| p.handle == handle) {
            p.deputies = deputies.iter().map(ToString::to_string).collect();
        }
        self
    }

    /// Adds a step in the current (single) phase; `planned` is a duration like "5m".
    #[must_use]
    pub fn step(mut self, id: &str, dri: &str, reviewer: &str, planned: &str) -> Self {
        self.steps.push(Step {
            id: id.to_string(),
            title: id.to_string(),
            phase: 0,
            dri: dri.to_string(),
            reviewer: reviewer.to_string(),
            planned: parse(planned),
            after: Vec::new(),
            instructions: String::new(),
            action: None,
            rollback: None,
            gate: false,
            approvers: Vec::new(),
            irreversible: false,
            requires: Vec::new(),
            clock: StepClock::default(),
            contingency: None,
            announce: None,
            only: None,
        });
        self.explicit_after.push(false);
        self
    }

    /// The last step's wall-clock rules.
    #[must_use]
    pub fn clock(mut self, clock: StepClock) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.clock = clock;
        }
        self
    }

    /// The last step waits for these steps (replaces the default "previous step").
    #[must_use]
    pub fn after(mut self, deps: &[&str]) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.after = deps.iter().map(ToString::to_string).collect();
        }
        if let Some(e) = self.explicit_after.last_mut() {
            *e = true;
        }
        self
    }

    /// The last step is a go/no-go gate.
    #[must_use]
    pub fn gate(mut self) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.gate = true;
        }
        self
    }

    /// The last step is a gate approved by these people.
    #[must_use]
    pub fn approvers(mut self, who: &[&str]) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.gate = true;
            s.approvers = who.iter().map(ToString::to_string).collect();
        }
        self
    }

    /// The last step is the point of no return.
    #[must_use]
    pub fn irreversible(mut self) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.irreversible = true;
        }
        self
    }

    /// The last step has a rollback with these instructions.
    #[must_use]
    pub fn rollback(mut self, instructions: &str) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.rollback = Some(Rollback {
                instructions: instructions.to_string(),
                action: None,
                requires: Vec::new(),
            });
        }
        self
    }

    /// The last step has a rollback that runs `action` (its task then requires the
    /// action's evidence, as validation derives it).
    #[must_use]
    pub fn rollback_action(mut self, instructions: &str, action: Action) -> Self {
        if let Some(s) = self.steps.last_mut() {
            let requires = vec![action.evidence(ActionOwner::Rollback(&s.id))];
            s.rollback = Some(Rollback {
                instructions: instructions.to_string(),
                action: Some(action),
                requires,
            });
        }
        self
    }

    /// The last step needs this evidence before sign-off.
    #[must_use]
    pub fn requires(mut self, evidence: Evidence) -> Self {
        if let Some(s) = self.steps.last_mut() {
            s.requires.push(evidence);
        }
        self
    }

    /// The text the runbook was read from and its digest (what a journal keeps).
    #[must_use]
    pub fn source(mut self, text: &str, digest: &str) -> Self {
        self.source = (text.to_string(), digest.to_string());
        self
    }

    /// Steps added from here on go into the contingency phase `name` of the last step
    /// (which becomes irreversible, naming it).
    #[must_use]
    pub fn contingency(mut self, name: &str) -> Self {
        let point = self.steps.last_mut().map(|s| {
            s.irreversible = true;
            s.contingency = Some(name.to_string());
            s.id.clone()
        });
        self.more_phases
            .push((name.to_string(), point, self.steps.len()));
        self
    }

    /// Steps added from here on go into a new forward phase `name`.
    #[must_use]
    pub fn phase(mut self, name: &str) -> Self {
        self.more_phases
            .push((name.to_string(), None, self.steps.len()));
        self
    }

    /// Adds a health probe.
    #[must_use]
    pub fn probe(mut self, probe: ProbeSpec) -> Self {
        self.probes.push(probe);
        self
    }

    pub fn build(self) -> Runbook {
        let Self {
            meta,
            people,
            mut steps,
            probes,
            source: (source_text, digest),
            explicit_after,
            more_phases,
        } = self;
        let mut phases = vec![Phase {
            name: "main".to_string(),
            steps: Vec::new(),
            contingency_for: None,
            only: None,
        }];
        let mut starts = vec![0];
        for (name, point, first) in more_phases {
            phases.push(Phase {
                name,
                steps: Vec::new(),
                contingency_for: point,
                only: None,
            });
            starts.push(first);
        }
        // Default `after`: the previous forward step; in a contingency phase the previous
        // step of that phase (none for its first), as validation reads it.
        let mut last_forward: Option<StepId> = None;
        for i in 0..steps.len() {
            let p = starts.iter().rposition(|&s| s <= i).unwrap_or(0);
            steps[i].phase = p;
            phases[p].steps.push(i);
            let contingent = phases[p].contingency_for.is_some();
            let prev = if contingent {
                (i > starts[p]).then(|| steps[i - 1].id.clone())
            } else {
                last_forward.clone()
            };
            if !explicit_after.get(i).copied().unwrap_or(false) {
                steps[i].after = prev.into_iter().collect();
            }
            if !contingent {
                last_forward = Some(steps[i].id.clone());
            }
            if steps[i].gate && steps[i].approvers.is_empty() {
                steps[i].approvers = vec![meta.coordinator.clone()];
            }
        }
        Runbook {
            meta,
            people,
            connections: Vec::new(),
            phases,
            steps,
            copies: Vec::new(),
            recons: Vec::new(),
            copy_sets: Vec::new(),
            recon_sets: Vec::new(),
            left_out: Vec::new(),
            probes,
            id_generators: Vec::new(),
            announce: None,
            source_text,
            digest,
        }
    }
}

/// Test input durations are literals: a typo falls back to zero rather than panicking.
fn parse(text: &str) -> Duration {
    duration::parse(text).unwrap_or_default()
}
