//! The writer's lock: one console at a time writes a journal, while any number of readers
//! (`warroom events`, reports) read it, even during the drill.
//!
//! SQLite in WAL mode lets readers in beside a writer, but it has no lock that keeps a
//! second *writer* out for the life of a connection (only `locking_mode = EXCLUSIVE`, which
//! keeps readers out too). So the writer takes an advisory lock of its own, for as long as
//! its [`Journal`](super::Journal) lives, on a file beside the journal:
//! `<journal>.lock`. It is a separate file, never the journal itself: SQLite keeps POSIX
//! locks on the journal, and closing any other handle on that file would drop them.
//!
//! The lock file stays after the writer closes (removing it could let two writers lock two
//! different files of the same name); it is empty and harmless.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::error::JournalError;

/// Held while a writer has the journal open; dropping it releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// The lock file of the journal at `journal`.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the writer's lock of `journal`, or says it is in use. Never waits: the other
/// writer holds it for its whole life.
pub fn acquire(journal: &Path) -> Result<WriterLock, JournalError> {
    let io = |op, source| JournalError::Io {
        path: journal.to_path_buf(),
        op,
        source,
    };
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(journal))
        .map_err(|e| io("create the lock file of", e))?;
    match file.try_lock() {
        Ok(()) => Ok(WriterLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(JournalError::InUse {
            path: journal.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(io("lock", e)),
    }
}
