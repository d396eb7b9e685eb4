//! Recon: chunk checksums pushed down to both databases, bisection to rows, row diff, fix
//! SQL, continuous re-check of recent changes, business checks. See docs/recon.md.

pub mod canon;
pub mod diff;
pub mod engine;
pub mod error;
pub mod fix;
pub mod job;
pub mod side;
pub mod watch;

pub use engine::{ReconJob, ReconOutcome};
pub use error::ReconError;
pub use job::connect_job;
