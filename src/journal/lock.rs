//! The writer's lock: one console at a time writes a journal, while any number of readers
//! (`warroom events`, reports) read it, even during the drill.
//!
//! SQLite in WAL mode lets readers in beside a writer, but it has no lock that keeps a
//! second *writer* out for the life of a connection, except `locking_mode = EXCLUSIVE`,
//! which keeps the readers out too. So the writer holds that exclusive lock on another
//! file, `<journal>.lock` (an empty SQLite database), for as long as its
//! [`Journal`](super::Journal) lives. It is a file of its own, never the journal: SQLite
//! keeps POSIX locks on the journal, and any other handle on that file closing would drop
//! them.
//!
//! The lock file stays after the writer closes (removing it could let two writers lock two
//! different files of the same name); it is empty and harmless.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection};

use super::connect::{classify, BUSY_TIMEOUT};
use super::error::JournalError;

/// Held while a writer has the journal open; released when closed or dropped.
#[derive(Debug)]
pub struct WriterLock {
    conn: SqliteConnection,
}

/// The lock file of the journal at `journal`.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the writer's lock of `journal`, or says it is in use ([`JournalError::InUse`]).
pub async fn acquire(journal: &Path) -> Result<WriterLock, JournalError> {
    let lock_err = |e| classify(journal, "lock", None, e);
    let mut conn = SqliteConnectOptions::new()
        .filename(lock_path(journal))
        .create_if_missing(true)
        .locking_mode(SqliteLockingMode::Exclusive)
        // Nothing is ever written here: no rollback journal file beside it.
        .journal_mode(SqliteJournalMode::Memory)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
        .map_err(lock_err)?;
    // An empty write transaction: in EXCLUSIVE locking mode the lock it takes is kept until
    // the connection closes, and a second writer's transaction here is refused (busy).
    sqlx::raw_sql("BEGIN IMMEDIATE; COMMIT;")
        .execute(&mut conn)
        .await
        .map_err(lock_err)?;
    Ok(WriterLock { conn })
}

impl WriterLock {
    /// Releases the lock now (dropping it releases it too, a moment later).
    pub async fn release(self, journal: &Path) -> Result<(), JournalError> {
        self.conn
            .close()
            .await
            .map_err(|e| classify(journal, "unlock", None, e))
    }
}
