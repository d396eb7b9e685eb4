//! Intents: what a person (or an engine) asks the drill to do. Validated by
//! [`crate::drill::Drill::decide`] into events, or rejected with a reason.

use serde::{Deserialize, Serialize};

use super::duty::Duty;
use crate::runbook::{Evidence, Handle, StepId};

/// Who did something. Engines (copy, recon, health) act as `System`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Person(Handle),
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Person(h) => f.write_str(h),
            Actor::System => f.write_str("system"),
        }
    }
}

/// What a life-cycle command acts on: a forward step, or the rollback task of a step
/// (rollback tasks exist only once a rollback has been called).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Step(StepId),
    Rollback(StepId),
}

impl Target {
    pub fn step_id(&self) -> &str {
        match self {
            Target::Step(id) | Target::Rollback(id) => id,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Step(id) => f.write_str(id),
            Target::Rollback(id) => write!(f, "rollback of {id}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub by: Actor,
    pub kind: CommandKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "command")]
pub enum CommandKind {
    /// DRI (or coordinator) starts a ready step; its timer begins.
    Start {
        target: Target,
    },
    /// DRI says the work is done; the step awaits its reviewer.
    Done {
        target: Target,
    },
    /// Reviewer (or coordinator, recorded as an override) signs the step off.
    SignOff {
        target: Target,
    },
    Fail {
        target: Target,
        reason: String,
    },
    /// Coordinator only.
    Skip {
        step: StepId,
        reason: String,
    },
    /// An approver says GO at a gate.
    Go {
        step: StepId,
    },
    /// An approver says NO-GO at a gate: holds it.
    NoGo {
        step: StepId,
        reason: String,
    },
    /// Coordinator only: passes a running gate without its approvers' GO or its evidence,
    /// with a reason. Journaled as an override and shown red in the header and the record.
    OverrideGate {
        step: StepId,
        reason: String,
    },
    /// Anyone but an observer; `step: None` is a note on the drill.
    Note {
        step: Option<StepId>,
        text: String,
    },
    /// Coordinator calls a rollback from a failed or current step.
    CallRollback {
        from: StepId,
        reason: String,
    },
    /// Coordinator calls the contingency of the last point of no return passed, from a
    /// failed or current step: its phase's steps run instead of the rest of the plan.
    CallContingency {
        from: StepId,
        reason: String,
    },
    /// An engine (or the coordinator) reports evidence for `requires`.
    RecordEvidence {
        evidence: Evidence,
        holds: bool,
        detail: String,
    },
    /// The copy or recon adapter (the system only) names the tables a job over many tables
    /// runs on, once, when its step first starts: `--resume` and the report use this list.
    ResolveTables {
        /// `copy:JOB` or `recon:JOB`.
        job: Evidence,
        tables: Vec<String>,
    },
    /// The console (the system only) numbers a fresh drill: the Nth run of this runbook
    /// (`--drill N`, or one more than the journals of it in the drills folder). Once.
    NumberDrill {
        number: u32,
    },
    /// Coordinator pauses, resumes or re-limits a running copy job.
    CopyControl {
        job: String,
        control: CopyCommand,
    },
    /// Coordinator accepts evidence that does not hold (e.g. a recon with known, explained
    /// mismatches), with a note saying why. The step can then be signed off.
    AcceptEvidence {
        evidence: Evidence,
        note: String,
    },
    /// Coordinator approves applying a recon job's fix SQL to the target.
    ApproveFix {
        recon: String,
    },
    /// Offers `duty` to `to`: the coordinator role (by the coordinator), or a person's
    /// steps (by their holder or the coordinator). Nothing moves until `to` accepts.
    OfferHandover {
        duty: Duty,
        to: Handle,
    },
    /// The receiver of an offer takes `duty` over.
    AcceptHandover {
        duty: Duty,
    },
    /// The receiver of an offer refuses it (`reason` may be empty).
    DeclineHandover {
        duty: Duty,
        reason: String,
    },
    /// The one who offered (or the holder, or the coordinator) takes an offer back.
    WithdrawHandover {
        duty: Duty,
    },
    /// Coordinator ends the drill.
    EndDrill,
    /// The announcer (the system only) reports the outbox: messages queued, attempts,
    /// deliveries, messages given up. Accepted after the drill's end too.
    Outbox {
        records: Vec<super::outbox::OutboxRecord>,
    },
}

/// What the coordinator asks of a running copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "control")]
pub enum CopyCommand {
    /// Finish the chunks in flight, start no new one.
    Pause,
    Resume,
    /// A rows-per-second ceiling; `None` lifts it.
    SetRate {
        rows_per_sec: Option<u64>,
    },
}

impl std::fmt::Display for CopyCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyCommand::Pause => f.write_str("paused"),
            CopyCommand::Resume => f.write_str("resumed"),
            CopyCommand::SetRate {
                rows_per_sec: Some(r),
            } => write!(f, "set the rate limit to {r} rows/s for"),
            CopyCommand::SetRate { rows_per_sec: None } => f.write_str("lifted the rate limit of"),
        }
    }
}
