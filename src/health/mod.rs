//! Cluster health: probes (Prometheus HTTP API, SQL, HTTP), thresholds, staleness, and a
//! sampler that runs them concurrently and sends owned snapshots to whoever renders them.
//!
//! Flow: [`Probe`] measures (one module per kind: [`prometheus`], [`sql`], [`http`]) ->
//! [`ProbeSample`] classified by [`thresholds`] -> [`HealthBoard`] (latest, history,
//! [`staleness`]) -> [`HealthSnapshot`] + [`StatusChange`]s in a [`HealthUpdate`], sent by
//! the [`sampler`] ([`sample_once`] for one round). `warroom probe` is `cli::probe`.

pub mod board;
pub mod error;
pub mod http;
pub mod probe;
pub mod prometheus;
mod reading;
/// The sample types live with the drill state (they travel to the screen).
pub mod sample {
    pub use crate::drill::telemetry::health::*;
}
pub mod sampler;
pub mod sql;
pub mod staleness;
pub mod thresholds;
mod web;

pub use board::{HealthBoard, HISTORY_LEN};
pub use error::ProbeError;
pub use probe::{probes_for, Probe};
pub use prometheus::PromAuth;
pub use sample::{
    format_value, status_change, HealthSnapshot, HistoryPoint, Labels, ProbeSample, ProbeState,
    ProbeStatus, StatusChange,
};
pub use sampler::{sample_once, HealthUpdate, SamplerHandle};
pub use sql::SqlMode;

/// Whether `requires = ["probe:<name>"]` holds in `snapshot`: the probe is OK and fresh.
pub fn evidence_holds(snapshot: &HealthSnapshot, probe: &str) -> bool {
    snapshot.evidence_holds(probe)
}
