//! Cluster health: probes (Prometheus HTTP API, SQL, HTTP), thresholds, staleness, and a
//! sampler that runs them concurrently and sends owned snapshots to whoever renders them.

pub mod board;
pub mod error;
pub mod sample;
pub mod staleness;
pub mod thresholds;

pub use board::{HealthBoard, HISTORY_LEN};
pub use error::ProbeError;
pub use sample::{
    format_value, status_change, HealthSnapshot, HistoryPoint, Labels, ProbeSample, ProbeState,
    ProbeStatus, StatusChange,
};

/// Whether `requires = ["probe:<name>"]` holds in `snapshot`: the probe is OK and fresh.
pub fn evidence_holds(snapshot: &HealthSnapshot, probe: &str) -> bool {
    snapshot.evidence_holds(probe)
}
