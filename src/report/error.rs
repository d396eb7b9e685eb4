//! Why a report could not be made. Each message is one sentence naming the file and
//! saying what to do.

use std::path::PathBuf;

use crate::journal::JournalError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file is missing, in use, not a journal, or of a format this build cannot read.
    #[error("{0}")]
    Journal(JournalError),

    /// Not even the file's header or meta record could be read.
    #[error(
        "{} is not a readable warroom journal ({why}); pass the journal file of the drill (drills/*.db)",
        path.display()
    )]
    Unreadable { path: PathBuf, why: String },

    /// `--history DIR` named a folder that cannot be listed.
    #[error("cannot read the drills folder {} ({why}); pass the folder the journals are in (drills/)", dir.display())]
    Folder { dir: PathBuf, why: String },

    /// `--history DIR` found no journal to compare.
    #[error("no readable journal in {}; pass the folder the drills' journals are in (drills/)", dir.display())]
    NoHistory { dir: PathBuf },

    /// The journal's runbook text does not parse with this build.
    #[error(
        "the runbook recorded in journal {} does not parse with this warroom ({why}); use warroom {written_by}, which wrote it",
        path.display()
    )]
    Runbook {
        path: PathBuf,
        why: String,
        written_by: String,
    },
}

impl From<JournalError> for ReportError {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::Corrupt {
                path,
                seq: None,
                why,
            } => ReportError::Unreadable { path, why },
            other => ReportError::Journal(other),
        }
    }
}
