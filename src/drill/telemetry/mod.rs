//! Live readings that travel to the screen and over the network beside the events: probe
//! samples, copy progress, recon findings. They are broadcast as they come and recorded in
//! the journal at a low rate for the report; they are not part of the event sequence.

pub mod copy;
pub mod health;
pub mod presence;
pub mod recon;

use serde::{Deserialize, Serialize};

/// One reading from an engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "telemetry")]
pub enum Telemetry {
    Health(health::HealthSnapshot),
    Copy(copy::CopyProgress),
    Recon(recon::ReconProgress),
    Presence(presence::Presence),
}

impl Telemetry {
    /// A stable name per kind, for the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            Telemetry::Health(_) => "health",
            Telemetry::Copy(_) => "copy",
            Telemetry::Recon(_) => "recon",
            Telemetry::Presence(_) => "presence",
        }
    }

    /// One stream per key: the newest reading of a key supersedes the older ones.
    pub fn key(&self) -> String {
        match self {
            Telemetry::Health(_) => "health".to_string(),
            Telemetry::Copy(p) => format!("copy:{}", p.job),
            Telemetry::Recon(p) => format!("recon:{}", p.job),
            Telemetry::Presence(_) => "presence".to_string(),
        }
    }
}
