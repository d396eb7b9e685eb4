//! Opening the SQLite connection with the durability settings, and turning SQLite's
//! errors into [`JournalError`]s.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteLockingMode, SqliteSynchronous,
};
use sqlx::ConnectOptions;

use super::error::JournalError;

/// How long to wait for a SQLite lock held by someone else (a reader starting while the
/// writer checkpoints, say) before saying the journal is in use.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(1);

/// SQLite primary result codes we tell apart.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_NOTADB: i32 = 26;

/// Opens the one connection a journal uses.
///
/// WAL with `synchronous = FULL`: every committed transaction is fsynced before `COMMIT`
/// returns. Normal locking, so readers (`warroom events`, reports) can read a live journal
/// beside its writer; keeping a second writer out is the writer's own lock (`lock.rs`).
///
/// Read-only connections never write. They also set `writable_schema`, which only makes
/// SQLite read a file shorter than its header says (truncated) instead of refusing it
/// outright, so a lenient read can salvage the records before the cut; a read-only handle
/// cannot change the schema anyway.
pub async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, JournalError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(false)
        .locking_mode(SqliteLockingMode::Normal);
    let options = if read_only {
        options.pragma("writable_schema", "ON")
    } else {
        options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
    };
    options
        .connect()
        .await
        .map_err(|e| classify(path, "open", None, e))
}

/// Maps a sqlx error to a journal error. `seq` is the event being read when it happened,
/// if any, so that damage found mid-scan is reported where it is.
pub fn classify(path: &Path, op: &'static str, seq: Option<u64>, err: sqlx::Error) -> JournalError {
    let path = path.to_path_buf();
    match sqlite_code(&err) {
        Some(SQLITE_BUSY | SQLITE_LOCKED) => JournalError::InUse { path },
        Some(SQLITE_CORRUPT | SQLITE_NOTADB) => JournalError::Corrupt {
            path,
            seq,
            why: format!("SQLite says: {}", db_message(&err)),
        },
        _ => match err {
            sqlx::Error::Io(source) => JournalError::Io { path, op, source },
            source => JournalError::Sqlite { path, op, source },
        },
    }
}

/// The primary SQLite result code of an error, if it came from SQLite.
fn sqlite_code(err: &sqlx::Error) -> Option<i32> {
    let db = err.as_database_error()?;
    let code: i32 = db.code()?.parse().ok()?;
    Some(code & 0xff)
}

fn db_message(err: &sqlx::Error) -> String {
    match err.as_database_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}
