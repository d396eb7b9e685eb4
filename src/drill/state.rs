//! The drill state: a deterministic fold of the journaled events over the runbook.
//!
//! These types travel to the screen and over the network, so they are plain data. The fold
//! itself lives in [`super::fold`]; the rules that produce events in [`super::rules`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::Actor;
use super::event::Event;
use crate::runbook::{Evidence, Handle, Runbook, StepId};

/// Where a step (or a rollback task) is in its life cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum StepStatus {
    /// Waiting for a dependency (or, for a rollback task, for the previous task).
    Pending,
    /// Every dependency is done or skipped: it may start.
    Ready,
    /// Started; its timer runs.
    Running,
    /// The DRI said done; waiting for the reviewer's sign-off.
    AwaitingReview,
    /// Signed off (or, for a gate, passed).
    Done,
    Failed {
        reason: String,
    },
    Skipped {
        reason: String,
    },
    /// Its rollback task was signed off.
    RolledBack,
}

impl StepStatus {
    /// Done or skipped: frees dependents.
    pub fn is_settled(&self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped { .. })
    }

    /// Started and not yet ended: its timer runs.
    pub fn is_active(&self) -> bool {
        matches!(self, StepStatus::Running | StepStatus::AwaitingReview)
    }

    /// A short lowercase name for messages: "pending", "awaiting review", ...
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Ready => "ready",
            StepStatus::Running => "running",
            StepStatus::AwaitingReview => "awaiting review",
            StepStatus::Done => "done",
            StepStatus::Failed { .. } => "failed",
            StepStatus::Skipped { .. } => "skipped",
            StepStatus::RolledBack => "rolled back",
        }
    }
}

impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// An approver's vote at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "vote")]
pub enum Vote {
    Go,
    NoGo { reason: String },
}

/// An approver's latest vote and when it was cast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateVote {
    pub vote: Vote,
    pub at: DateTime<Utc>,
    pub seq: u64,
    /// Who cast it when not the seat's own person (a deputy, or the holder of their steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cast_by: Option<Handle>,
}

impl GateVote {
    /// The person who cast the vote in seat `seat`.
    pub fn caster<'a>(&'a self, seat: &'a str) -> &'a str {
        self.cast_by.as_deref().unwrap_or(seat)
    }
}

/// One piece of evidence a step requires, and whether it holds now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredEvidence {
    pub evidence: Evidence,
    pub holds: bool,
}

/// The state of one forward step (parallel to `runbook.steps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    pub id: StepId,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    /// Seq of the `Started` event: orders steps by start for the rollback plan.
    pub started_seq: Option<u64>,
    /// When the DRI said done.
    pub done_at: Option<DateTime<Utc>>,
    /// When the reviewer (or coordinator) signed off, or the gate passed.
    pub signed_off_at: Option<DateTime<Utc>>,
    pub signed_off_by: Option<Actor>,
    /// The coordinator signed off instead of the reviewer.
    pub override_by_coordinator: bool,
    /// A gate the coordinator passed by an explicit override: the reason given.
    #[serde(default)]
    pub gate_override: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
    pub skipped_at: Option<DateTime<Utc>>,
    pub skip_reason: Option<String>,
    /// When the step's own timer stopped (signed off, passed, failed or skipped).
    pub ended_at: Option<DateTime<Utc>>,
    /// Latest vote per approver (gates only).
    pub votes: BTreeMap<Handle, GateVote>,
    pub requires: Vec<RequiredEvidence>,
    /// Seqs of every event touching this step, in order.
    pub history: Vec<u64>,
    /// Who started it or marked it done (and in whose seat): none of them may review it.
    #[serde(default)]
    pub worked_by: Vec<Handle>,
}

impl StepState {
    fn new(step: &crate::runbook::Step) -> Self {
        Self {
            id: step.id.clone(),
            status: StepStatus::Pending,
            started_at: None,
            started_seq: None,
            done_at: None,
            signed_off_at: None,
            signed_off_by: None,
            override_by_coordinator: false,
            gate_override: None,
            failed_at: None,
            failure: None,
            skipped_at: None,
            skip_reason: None,
            ended_at: None,
            votes: BTreeMap::new(),
            requires: step
                .requires
                .iter()
                .map(|e| RequiredEvidence {
                    evidence: e.clone(),
                    holds: false,
                })
                .collect(),
            history: Vec::new(),
            worked_by: Vec::new(),
        }
    }

    /// The first required evidence that does not hold.
    pub fn missing_evidence(&self) -> Option<&Evidence> {
        self.requires.iter().find(|r| !r.holds).map(|r| &r.evidence)
    }
}

/// The latest report of one piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceState {
    pub holds: bool,
    pub detail: String,
    pub at: DateTime<Utc>,
    /// Holds because the coordinator accepted it, not because an engine reported it.
    #[serde(default)]
    pub accepted: bool,
    /// Seq of the event that reported it (0 in states written before seqs were kept).
    #[serde(default)]
    pub seq: u64,
}

/// The coordinator's standing orders for one copy job (applied again on resume).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyControls {
    pub paused: bool,
    /// `Some(limit)` once the coordinator set or lifted the rate (`Some(None)`: lifted);
    /// `None`: the runbook's own limit stands.
    pub rate_limit: Option<Option<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub step: Option<StepId>,
    pub text: String,
}

/// The rollback task of one step, run like a forward step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackTask {
    pub step: StepId,
    /// `Pending` until every earlier task is done, then `Ready`, `Running`,
    /// `AwaitingReview`, `Done`; `Failed` tasks may be started again.
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    /// Seq of its latest `Started`: its evidence must be reported after it.
    #[serde(default)]
    pub started_seq: Option<u64>,
    pub done_at: Option<DateTime<Utc>>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub signed_off_by: Option<Actor>,
    pub override_by_coordinator: bool,
    pub failed_at: Option<DateTime<Utc>>,
    pub history: Vec<u64>,
    /// Who started it or marked it done (and in whose seat): none of them may review it.
    #[serde(default)]
    pub worked_by: Vec<Handle>,
}

impl RollbackTask {
    pub(crate) fn new(step: StepId) -> Self {
        Self {
            step,
            status: StepStatus::Pending,
            started_at: None,
            started_seq: None,
            done_at: None,
            signed_off_at: None,
            signed_off_by: None,
            override_by_coordinator: false,
            failed_at: None,
            history: Vec::new(),
            worked_by: Vec::new(),
        }
    }

    /// The evidence of `rb`'s rollback for this task that does not hold, or was reported
    /// before the task last started (an earlier run's result proves nothing of this one).
    pub fn missing_evidence<'r>(
        &self,
        rb: &'r Runbook,
        evidence: &BTreeMap<Evidence, EvidenceState>,
    ) -> Option<&'r Evidence> {
        let started = self.started_seq.unwrap_or(0);
        rb.step(&self.step)
            .and_then(|s| s.rollback.as_ref())
            .into_iter()
            .flat_map(|r| &r.requires)
            .find(|e| !evidence.get(*e).is_some_and(|s| s.holds && s.seq > started))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackState {
    pub called_at: DateTime<Utc>,
    pub called_by: Actor,
    pub from: StepId,
    pub reason: String,
    /// In plan order: the task at index `i` may start once tasks `0..i` are done.
    pub tasks: Vec<RollbackTask>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl RollbackState {
    pub fn task(&self, step: &str) -> Option<&RollbackTask> {
        self.tasks.iter().find(|t| t.step == step)
    }

    /// Index of the first task not yet done (the one in progress or next), if any.
    pub fn current(&self) -> Option<usize> {
        self.tasks.iter().position(|t| t.status != StepStatus::Done)
    }
}

/// A called contingency: the plan past a point of no return, run instead of the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContingencyState {
    pub called_at: DateTime<Utc>,
    pub called_by: Actor,
    pub from: StepId,
    pub reason: String,
    /// The irreversible step whose contingency this is.
    pub point: StepId,
    pub phase: String,
    /// When every step of the phase was settled.
    pub completed_at: Option<DateTime<Utc>>,
}

/// One line of the timeline: every event applied, in order, including ones the fold could
/// not use (from an older version, a duplicate seq...), with the reason they were ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub event: Event,
    pub ignored: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillState {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Seq of the last applied event (0 before any).
    pub last_seq: u64,
    /// Parallel to `runbook.steps`.
    pub steps: Vec<StepState>,
    /// Serialized as a list: evidence is not a string, so it cannot be a JSON map key.
    #[serde(with = "evidence_list")]
    pub evidence: BTreeMap<Evidence, EvidenceState>,
    pub notes: Vec<Note>,
    pub rollback: Option<RollbackState>,
    #[serde(default)]
    pub contingency: Option<ContingencyState>,
    /// The Nth run of this runbook (`DrillNumbered`), if it was numbered.
    #[serde(default)]
    pub drill_number: Option<u32>,
    /// The tables of each copy or recon job over many tables, as resolved when its step
    /// first started, by `copy:JOB` / `recon:JOB` (see [`DrillState::tables_of`]).
    #[serde(default)]
    pub resolved_tables: BTreeMap<String, Vec<String>>,
    /// Per copy job, the coordinator's pause and rate orders.
    #[serde(default)]
    pub copy_controls: BTreeMap<String, CopyControls>,
    /// Announcements queued, delivered, given up; which targets keep failing.
    #[serde(default)]
    pub outbox: super::outbox::Outbox,
    /// Who is coordinator now, who holds whose steps, and the handovers on offer.
    pub handover: super::handover::Handover,
    pub log: Vec<LogEntry>,
}

impl DrillState {
    /// The state before any event: every step pending, except those with no dependency,
    /// which are ready.
    /// The tables job `job` (`copy:JOB` or `recon:JOB`) was resolved to, if it was.
    pub fn tables_of(&self, job: &Evidence) -> Option<&[String]> {
        self.resolved_tables
            .get(&job.to_string())
            .map(Vec::as_slice)
    }

    pub fn new(runbook: &Runbook) -> Self {
        let mut state = Self {
            started_at: None,
            ended_at: None,
            last_seq: 0,
            steps: runbook.steps.iter().map(StepState::new).collect(),
            evidence: BTreeMap::new(),
            notes: Vec::new(),
            rollback: None,
            contingency: None,
            drill_number: None,
            resolved_tables: BTreeMap::new(),
            copy_controls: BTreeMap::new(),
            outbox: super::outbox::Outbox::default(),
            handover: super::handover::Handover::new(runbook),
            log: Vec::new(),
        };
        state.refresh_ready(runbook);
        state
    }

    /// The one place to read a step's status (`Pending` for an index out of range).
    pub fn status(&self, idx: usize) -> StepStatus {
        self.steps
            .get(idx)
            .map_or(StepStatus::Pending, |s| s.status.clone())
    }

    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The drill was started and not ended.
    pub fn is_live(&self) -> bool {
        self.started_at.is_some() && self.ended_at.is_none()
    }

    /// A rollback was called and has not completed.
    pub fn rollback_active(&self) -> bool {
        self.rollback
            .as_ref()
            .is_some_and(|r| r.completed_at.is_none())
    }

    /// Which steps free their dependents: done ones, and skipped ones whose own
    /// dependencies are settled. A skip stands in for its step only: it never carries a
    /// dependent past an unfinished step (or gate) further up.
    pub fn settled(&self, runbook: &Runbook) -> Vec<bool> {
        let mut settled: Vec<bool> = self
            .steps
            .iter()
            .map(|s| s.status == StepStatus::Done)
            .collect();
        // Fixed point over the DAG: each pass settles at least one more skip, or stops.
        loop {
            let mut changed = false;
            for (i, step) in runbook.steps.iter().enumerate() {
                let skipped = self
                    .steps
                    .get(i)
                    .is_some_and(|s| matches!(s.status, StepStatus::Skipped { .. }));
                if !skipped || settled.get(i).copied().unwrap_or(true) {
                    continue;
                }
                let deps_settled = step.after.iter().all(|dep| {
                    runbook
                        .step_index(dep)
                        .and_then(|d| settled.get(d).copied())
                        .unwrap_or(true)
                });
                if deps_settled {
                    settled[i] = true;
                    changed = true;
                }
            }
            if !changed {
                return settled;
            }
        }
    }

    /// Keeps `Pending`/`Ready` in step with the dependencies, and marks the next rollback
    /// task ready. Run after every event so the state is a pure function of the events.
    /// Marks a called contingency complete at `at` once every step of its phase is settled.
    pub(crate) fn refresh_contingency(&mut self, runbook: &Runbook, at: DateTime<Utc>) {
        let settled = self.settled(runbook);
        if let Some(c) = self
            .contingency
            .as_mut()
            .filter(|c| c.completed_at.is_none())
        {
            let all_settled = runbook
                .contingency_steps(&c.point)
                .iter()
                .all(|&i| settled.get(i).copied().unwrap_or(true));
            if all_settled {
                c.completed_at = Some(at);
            }
        }
    }

    pub(crate) fn refresh_ready(&mut self, runbook: &Runbook) {
        let settled = self.settled(runbook);
        for (i, step) in runbook.steps.iter().enumerate() {
            let Some(state) = self.steps.get_mut(i) else {
                continue;
            };
            if !matches!(state.status, StepStatus::Pending | StepStatus::Ready) {
                continue;
            }
            // A contingency step waits for its contingency to be called.
            let called = match runbook.contingency_of(i) {
                Some(point) => self.contingency.as_ref().is_some_and(|c| c.point == point),
                None => true,
            };
            let ready = called
                && step.after.iter().all(|dep| {
                    runbook
                        .step_index(dep)
                        .and_then(|d| settled.get(d).copied())
                        // A dependency the runbook does not declare cannot block.
                        .unwrap_or(true)
                });
            state.status = if ready {
                StepStatus::Ready
            } else {
                StepStatus::Pending
            };
        }
        if let Some(rb) = self.rollback.as_mut() {
            let current = rb.current();
            for (i, task) in rb.tasks.iter_mut().enumerate() {
                if matches!(task.status, StepStatus::Pending | StepStatus::Ready) {
                    task.status = if Some(i) == current {
                        StepStatus::Ready
                    } else {
                        StepStatus::Pending
                    };
                }
            }
        }
    }
}

/// serde for the evidence map as a list of `{ evidence, state }`.
mod evidence_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::EvidenceState;
    use crate::runbook::Evidence;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        evidence: Evidence,
        #[serde(flatten)]
        state: EvidenceState,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<Evidence, EvidenceState>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Entry> = map
            .iter()
            .map(|(e, st)| Entry {
                evidence: e.clone(),
                state: st.clone(),
            })
            .collect();
        list.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Evidence, EvidenceState>, D::Error> {
        let list = Vec::<Entry>::deserialize(d)?;
        Ok(list.into_iter().map(|e| (e.evidence, e.state)).collect())
    }
}
