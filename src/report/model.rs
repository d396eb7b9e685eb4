//! The report model: every figure the formats show, computed once. Serialized as is for
//! `--format json`, so its shape is the JSON's documented shape:
//!
//! - times are RFC 3339 strings in UTC; durations are seconds (`*_secs`, numbers);
//!   offsets (`*_at_secs`) are seconds since the drill started;
//! - optional figures are `null` when unknown (a step never started has no `actual_secs`);
//! - lists are in the order they happened (steps and gates in runbook order);
//! - enums are `snake_case` strings; `version` changes only when a field is removed or its
//!   meaning changes (fields may be added).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Bumped when a field is removed or changes meaning.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    pub runbook: RunbookInfo,
    pub journal: JournalInfo,
    pub summary: Summary,
    /// Every step, in runbook order.
    pub steps: Vec<StepReport>,
    /// Every gate, in runbook order.
    pub gates: Vec<GateReport>,
    pub rollback: Option<RollbackReport>,
    pub copies: Vec<CopyReport>,
    pub recons: Vec<ReconReport>,
    /// Each spell a probe spent critical or without data, in order of start.
    pub health_incidents: Vec<HealthIncident>,
    /// Notes on the drill as a whole (step notes are with their step).
    pub notes: Vec<NoteReport>,
    /// The whole event log, one line per event.
    pub events: Vec<EventLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunbookInfo {
    pub name: String,
    /// `drill` or `cutover`.
    pub kind: String,
    pub description: Option<String>,
    pub coordinator: String,
    pub digest: String,
    /// Steps with `only` for the other kind of run: not part of this one.
    pub left_out: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalInfo {
    pub path: String,
    pub created_at: DateTime<Utc>,
    pub warroom_version: String,
    /// Events read (the valid prefix when damaged).
    pub events_read: u64,
    /// The first event seq that could not be read, when the event log is damaged.
    pub unreadable_from_seq: Option<u64>,
    /// Every problem found, one sentence each (empty when the journal is intact).
    pub damage: Vec<String>,
}

/// How the drill turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NotStarted,
    InProgress,
    RollingBack,
    RolledBack,
    /// Ended with every step done or skipped.
    Completed,
    /// Ended with steps neither done nor skipped.
    EndedIncomplete,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::NotStarted => "NOT STARTED",
            Outcome::InProgress => "IN PROGRESS",
            Outcome::RollingBack => "ROLLING BACK",
            Outcome::RolledBack => "ROLLED BACK",
            Outcome::Completed => "COMPLETED",
            Outcome::EndedIncomplete => "ENDED INCOMPLETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub outcome: Outcome,
    /// The Nth run of this runbook, as journaled when the drill was created.
    pub drill_number: Option<u32>,
    /// Started and not ended: the figures are as of `as_of`.
    pub live: bool,
    pub as_of: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The critical path of planned durations.
    pub planned_secs: f64,
    /// The drill clock: start to end (or to `as_of` while live).
    pub actual_secs: Option<f64>,
    pub steps_total: usize,
    pub steps_done: usize,
    pub steps_skipped: usize,
    pub steps_failed: usize,
    pub steps_overrun: usize,
    /// Coordinator overrides: sign-offs instead of the reviewer (steps and rollback
    /// tasks), gates passed by override, evidence accepted that did not hold.
    pub overrides: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub id: String,
    pub title: String,
    pub phase: String,
    pub dri: String,
    pub reviewer: String,
    pub gate: bool,
    /// A point of no return.
    pub irreversible: bool,
    /// `pending`, `ready`, `running`, `awaiting review`, `done`, `failed`, `skipped`,
    /// `rolled back`.
    pub status: String,
    pub planned_secs: f64,
    pub actual_secs: Option<f64>,
    /// Actual past planned, when it ran longer.
    pub overrun_secs: Option<f64>,
    /// Where the plan puts the step: offsets from the drill's start (critical path).
    pub planned_start_at_secs: f64,
    pub planned_end_at_secs: f64,
    /// Where it actually ran (its timer's start and stop), offsets from the drill's start.
    pub actual_start_at_secs: Option<f64>,
    pub actual_end_at_secs: Option<f64>,
    pub started_at: Option<DateTime<Utc>>,
    pub started_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub signed_off_by: Option<String>,
    pub overrides: Vec<OverrideReport>,
    pub skipped_at: Option<DateTime<Utc>>,
    pub skip_reason: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
    pub notes: Vec<NoteReport>,
    pub evidence: Vec<EvidenceReport>,
}

/// Something the coordinator did in someone else's place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverrideReport {
    /// `sign_off` (instead of the reviewer), `gate` (passed without its GO or evidence),
    /// `evidence` (accepted evidence that did not hold).
    pub kind: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// What it was about, in words (the reason, what the gate still waited for).
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteReport {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

/// One piece of evidence a step required, as it last stood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceReport {
    /// `copy:NAME`, `recon:NAME`, `probe:NAME`, `action:STEP`.
    pub evidence: String,
    pub holds: bool,
    /// Holds because the coordinator accepted it.
    pub accepted: bool,
    pub detail: String,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    pub step: String,
    pub approvers: Vec<String>,
    /// Every vote cast, in order (an approver may vote more than once).
    pub votes: Vec<VoteReport>,
    /// `passed`, `overridden`, or the step's status (`running`, `pending`...).
    pub outcome: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoteReport {
    pub seq: u64,
    pub by: String,
    pub at: DateTime<Utc>,
    /// `go` or `no_go`.
    pub vote: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackReport {
    pub called_at: DateTime<Utc>,
    pub called_at_secs: f64,
    pub called_by: String,
    pub from: String,
    pub reason: String,
    pub completed_at: Option<DateTime<Utc>>,
    /// Call to completion (or to the report's `as_of`).
    pub actual_secs: f64,
    /// In plan order.
    pub tasks: Vec<RollbackTaskReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackTaskReport {
    pub step: String,
    pub instructions: String,
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub started_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub signed_off_by: Option<String>,
    pub override_by_coordinator: bool,
    pub actual_secs: Option<f64>,
    pub actual_start_at_secs: Option<f64>,
    pub actual_end_at_secs: Option<f64>,
}

/// A copy job as its recorded telemetry tells it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopyReport {
    pub job: String,
    /// The last state recorded (`running`, `done`, `failed`...), if any sample was.
    pub state: Option<String>,
    pub rows_done: u64,
    pub rows_estimated: Option<u64>,
    /// The average rate of the last sample.
    pub rows_per_sec_avg: f64,
    pub retries: u64,
    pub errors: u64,
    /// The recorded samples, oldest first: the rate over time.
    pub samples: Vec<CopySample>,
    /// Pause, resume and rate orders, in order.
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopySample {
    pub at: DateTime<Utc>,
    pub at_secs: f64,
    pub rows_done: u64,
    pub rows_per_sec: f64,
}

/// A recon job: its last recorded figures and what was decided about them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconReport {
    pub job: String,
    pub state: Option<String>,
    pub chunks_done: u64,
    pub chunks_total: u64,
    pub rows_source: u64,
    pub rows_target: u64,
    pub missing: u64,
    pub extra: u64,
    pub changed: u64,
    /// Business-check differences and errors.
    pub domain_problems: u64,
    pub fixes_approved: Vec<FixApproval>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixApproval {
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthIncident {
    pub probe: String,
    /// The worst status of the spell: `critical` or `no_data`.
    pub status: String,
    pub from: DateTime<Utc>,
    /// The first recorded sample that was neither; `null` if the spell lasted to the end.
    pub to: Option<DateTime<Utc>>,
    /// From start to recovery (or to the last sample recorded).
    pub secs: f64,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLine {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: String,
    /// The event's kind, as journaled (`started`, `gate_no_go`...).
    pub kind: String,
    /// One line for humans: "02:14:05Z #12 alice: started `copy`".
    pub line: String,
    /// Why the drill's fold could not use the event (from another version, a duplicate),
    /// if it could not; such an event changes no figure of the report.
    pub ignored: Option<String>,
}

impl Report {
    /// The sentence at the top of a report made from a damaged journal, if it is.
    pub fn damage_line(&self) -> Option<String> {
        let j = &self.journal;
        match j.unreadable_from_seq {
            Some(seq) => Some(format!(
                "the journal could not be read from event #{seq} on; this report covers events #1 to #{} only.",
                seq.saturating_sub(1)
            )),
            None if !j.damage.is_empty() => Some(format!(
                "{} damaged telemetry sample(s) were left out of this report.",
                j.damage.len()
            )),
            None => None,
        }
    }
}

impl EvidenceReport {
    /// "copy:orders holds (1200 rows)".
    pub fn describe(&self) -> String {
        let state = match (self.holds, self.accepted) {
            (true, true) => "accepted by the coordinator",
            (true, false) => "holds",
            (false, _) if self.at.is_none() => "never reported",
            (false, _) => "does not hold",
        };
        let detail = if self.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.detail)
        };
        format!("{} {state}{detail}", self.evidence)
    }
}
