//! Row copy: readers, writers, checkpoints, throttle, pause/resume, progress telemetry.
//!
//! Entry points: [`run`] (a native job between two pools), [`follow_external`] (a job run
//! elsewhere), [`run_job`] (a runbook's job, its connections opened by name). The tables
//! and the keyset planner are `db::table` and `db::keyset`.

pub mod checkpoint;
pub mod control;
pub mod create_target;
pub mod encode;
pub mod engine;
pub mod error;
pub mod external;
pub mod job;
pub mod pace;
/// The progress types live with the drill state (they travel to the screen).
pub mod progress {
    pub use crate::drill::telemetry::copy::*;
}
pub mod restart;
pub mod same_server;
pub mod throttle;
pub mod verify;
pub mod writer;

pub use control::CopyControl;
pub use engine::{run, CopyOptions};
pub use error::CopyError;
pub use external::follow_external;
pub use job::{find_job, run_job, Restart};
pub use progress::{
    CopyProgress, CopyState, CopySummary, RangeProgress, RangeState, Throttle, ThrottleState,
};
pub use throttle::ProbeHook;
