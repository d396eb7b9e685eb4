//! Everything that can go wrong with a journal. Each message is one sentence that names
//! the file and says what to do about it.

use std::path::PathBuf;

/// An error opening, reading or writing a journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "journal {} already exists; resume it instead, or choose a new path so the old drill's record is kept",
        path.display()
    )]
    AlreadyExists { path: PathBuf },

    #[error("journal {} does not exist; check the path, or start a new drill to create one", path.display())]
    NotFound { path: PathBuf },

    #[error(
        "journal {} is in use by another warroom (it holds the writer's lock); close that console first, or follow the drill with `warroom observe` (`warroom events` reads it meanwhile)",
        path.display()
    )]
    InUse { path: PathBuf },

    #[error("{} is a SQLite file but not a warroom journal ({why}); pass the journal file of the drill", path.display())]
    NotAJournal { path: PathBuf, why: String },

    #[error(
        "journal {} has format version {found} but this warroom reads only version {supported}; use the warroom version that wrote it",
        path.display()
    )]
    UnsupportedFormat {
        path: PathBuf,
        found: i64,
        supported: u32,
    },

    #[error(
        "journal {} was written by a different version of runbook `{journal_runbook_name}` (digest {journal_digest}, the runbook given has {given_digest}); pass the runbook file it was started with, or start a new drill",
        path.display()
    )]
    RunbookMismatch {
        path: PathBuf,
        journal_runbook_name: String,
        journal_digest: String,
        given_digest: String,
    },

    #[error(
        "refused to append event seq {got} to journal {} because the next seq must be {expected}; nothing was written (this is a bug in the caller, please report it)",
        path.display()
    )]
    SeqGap {
        path: PathBuf,
        expected: u64,
        got: u64,
    },

    /// The file or a record in it is damaged. `seq` is the first event that cannot be
    /// trusted (`None` when the damage is outside the event sequence: the file header, the
    /// meta record).
    #[error(
        "journal {} is damaged{}: {why}; keep the file for investigation, a report can still be made from the events before the damage (lenient read)",
        path.display(),
        match seq { Some(s) => format!(" at event seq {s}"), None => String::new() }
    )]
    Corrupt {
        path: PathBuf,
        seq: Option<u64>,
        why: String,
    },

    /// The record is intact (its checksum holds) but this build cannot decode it, most
    /// likely because a newer warroom wrote it.
    #[error(
        "event seq {seq} in journal {} cannot be read by warroom {} (the journal was written by warroom {written_by}): {why}; use the warroom version that wrote it",
        path.display(),
        env!("CARGO_PKG_VERSION")
    )]
    Undecodable {
        path: PathBuf,
        seq: u64,
        written_by: String,
        why: String,
    },

    #[error(
        "telemetry sample {id} in journal {} is damaged: {why}; the events are unaffected, and a lenient read skips the sample",
        path.display()
    )]
    CorruptTelemetry { path: PathBuf, id: i64, why: String },

    /// A write failed earlier; what is on disk is intact but this handle no longer trusts
    /// its idea of the last record.
    #[error(
        "journal {} refused the write because an earlier write failed ({why}); restart warroom to resume from what is on disk",
        path.display()
    )]
    Broken { path: PathBuf, why: String },

    #[error("could not {op} journal {}: {source}; check the path, its permissions and free disk space", path.display())]
    Io {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("could not {op} journal {}: {source}; check free disk space and that the file is writable", path.display())]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: sqlx::Error,
    },

    #[error("could not encode event seq {seq} for journal {}: {source}; this is a bug, please report it", path.display())]
    Encode {
        path: PathBuf,
        seq: u64,
        #[source]
        source: serde_json::Error,
    },
}

impl JournalError {
    /// The first event seq that could not be trusted, for errors inside the event sequence.
    pub fn seq(&self) -> Option<u64> {
        match self {
            JournalError::Corrupt { seq, .. } => *seq,
            JournalError::Undecodable { seq, .. } => Some(*seq),
            _ => None,
        }
    }
}
