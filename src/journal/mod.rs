//! The durable, append-only event log of a drill, in SQLite.
//!
//! One file per drill (see [`default_path`]). It holds the runbook it ran with (name,
//! digest and full text, so a report needs nothing else), every [`Event`] in seq order,
//! and low-rate telemetry samples. Every append is fsynced before it returns (WAL,
//! `synchronous = FULL`). One console at a time writes it (the writer's lock, `<journal>.lock`);
//! readers are let in while it does.
//!
//! Reading:
//! - [`Journal::open`] resumes a drill: it checks the runbook and replays every event; any
//!   damage is an error (a drill must not resume from a partial history).
//! - [`Journal::read`] reads everything without the runbook, for reports and inspection;
//!   any damage (events or telemetry) is an error.
//! - [`Journal::read_lenient`] salvages a damaged journal: the gapless prefix of events
//!   that verified, the telemetry samples that verified, and the list of problems. It
//!   fails only when not even the meta record can be read.
//!
//! Every event row is checksummed in a chain (see `chain.rs`), so an edited, removed or
//! reordered record is found, and reported with the seq where the damage starts.

mod append;
mod chain;
mod connect;
mod error;
mod header;
mod lock;
mod path;
mod read;
mod reader;
mod record;
mod schema;
mod setup;

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnection;

pub use error::JournalError;
pub use path::default_path;
pub use record::{JournalContents, JournalMeta, Salvaged, TelemetrySample};
pub use schema::FORMAT_VERSION;

#[cfg(doc)]
use crate::drill::Event;

/// An open journal, owned by one writer (the hub). Holds the writer's lock until it is
/// closed or dropped.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    conn: SqliteConnection,
    last_seq: u64,
    /// Checksum of the last event (the meta checksum before the first).
    last_checksum: u32,
    last_telemetry_id: i64,
    /// Set when a write failed: the handle refuses further writes.
    broken: Option<String>,
    /// Released after `conn` (fields drop in order), so no second writer opens the file
    /// while this one is still closing it.
    lock: lock::WriterLock,
}

impl Journal {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The seq of the last event written (0 when there is none); the next must be this + 1.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

#[cfg(test)]
mod tests;
