//! What happened: commands, events, the drill state as a fold of events, the rules that
//! turn commands into events, derived times, and the clock.

pub mod clock;
pub mod command;
pub mod contingency;
mod describe;
pub mod duty;
pub mod engine;
pub mod event;
pub mod exclusive;
pub mod feed;
mod fold;
pub mod follow;
pub mod gate;
pub mod handover;
mod handover_rules;
pub mod outbox;
mod outbox_rules;
pub mod rejection;
pub mod replica;
pub mod reply;
pub mod role;
pub mod rollback;
mod rules;
pub mod scope;
pub mod span;
pub mod state;
pub mod telemetry;
pub mod testkit;
pub mod timing;
pub mod work;

#[cfg(test)]
mod tests;

pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Actor, Command, CommandKind, CopyCommand, Target};
pub use engine::Drill;
pub use event::{Event, EventKind};
pub use feed::{
    CommandReply, CommandRequest, CommandSink, LinkState, SinkError, Subscription, Update,
};
pub use follow::{Follow, Follower};
pub use gate::{gate_waits, GateWait};
pub use handover::{Duty, Handover};
pub use rejection::{Rejection, RejectionKind};
pub use replica::{Placed, Replica};
pub use reply::{FailureKind, HubFailure, ReplyError};
pub use role::{Capacity, Role};
pub use scope::probe_in_scope;
pub use state::{
    ContingencyState, CopyControls, DrillState, EvidenceState, GateVote, LogEntry, Note,
    RequiredEvidence, RollbackState, RollbackTask, StepState, StepStatus, Vote,
};
pub use timing::Timing;
pub use work::Work;

/// How a note accepting a preflight warning starts (the console's preflight panel writes
/// it; the report adds such notes to the preflight evidence's detail).
pub const PREFLIGHT_ACCEPTED: &str = "accepted preflight warning";
