//! What can go wrong in a copy, and which failures are worth retrying.

use crate::db::table::TableError;
use crate::db::{introspect::IntrospectError, ConnectError, NamedConnectError, UrlError};

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("copy job `{0}` is not declared in the runbook")]
    UnknownJob(String),
    #[error("copy `{job}`: {msg}")]
    Spec { job: String, msg: String },
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    /// A value the target cannot hold (or the source cannot be read as).
    #[error("{table} key ({key}) column `{column}`: {reason}")]
    Value {
        table: String,
        key: String,
        column: String,
        reason: String,
    },
    /// The database's words are part of the message (and not a `source()` as well, which
    /// would print them a second and third time in an error chain).
    #[error("{what}: {error}")]
    Db { what: String, error: sqlx::Error },
    /// The target server refused a chunk copied inside it (`INSERT ... SELECT`).
    #[error(
        "copying {source_table} into {target_table} inside the server: the chunk with keys \
         {keys} was refused{at}: {reason}"
    )]
    InServer {
        source_table: String,
        target_table: String,
        /// `id > 40 and id <= 60`.
        keys: String,
        /// ` at key id=42`, when the server said which row.
        at: String,
        reason: String,
    },
    /// The job's checkpoint says rows are copied that the target does not hold.
    #[error(
        "the checkpoint says {rows} rows of `{job}` are in {table}, but {what}; nothing was \
         copied; to copy again from the start run `warroom copy RUNBOOK --job {job} \
         --restart`, which clears the job's rows in _warroom_copy_checkpoints next to the \
         target table"
    )]
    Contradicted {
        job: String,
        table: String,
        rows: u64,
        what: String,
    },
    /// `create_target`: the source's table cannot be carried to the target's dialect as is.
    #[error("copy `{job}`: {error}")]
    CreateTarget {
        job: String,
        error: Box<crate::db::ddl::DdlError>,
    },
    #[error("checkpoint of `{job}`: {msg}")]
    Checkpoint { job: String, msg: String },
    #[error("copy `{0}` was cancelled")]
    Cancelled(String),
}

impl From<TableError> for CopyError {
    fn from(e: TableError) -> CopyError {
        match e {
            TableError::Spec { job, msg } => CopyError::Spec { job, msg },
            TableError::Introspect(e) => CopyError::Introspect(e),
            TableError::Session { what, error } => CopyError::db(what, error),
        }
    }
}

impl From<NamedConnectError> for CopyError {
    fn from(e: NamedConnectError) -> CopyError {
        match e {
            NamedConnectError::Undeclared(_) => CopyError::Spec {
                job: String::new(),
                msg: e.to_string(),
            },
            NamedConnectError::Url(e) => CopyError::Url(e),
            NamedConnectError::Connect(e) => CopyError::Connect(e),
        }
    }
}

impl CopyError {
    pub fn db(what: impl Into<String>, error: sqlx::Error) -> CopyError {
        CopyError::Db {
            what: what.into(),
            error,
        }
    }

    /// A dropped connection, a server restarting, a deadlock: worth another try.
    pub fn is_transient(&self) -> bool {
        match self {
            CopyError::Db { error, .. } => is_transient_sqlx(error),
            _ => false,
        }
    }

    /// When the error is the database being out of reach (refused, reset, gone away, a
    /// pool that could not reconnect), the driver's words for it.
    pub fn connection_cause(&self) -> Option<String> {
        match self {
            CopyError::Db { error, .. } if is_connection_sqlx(error) => Some(error.to_string()),
            _ => None,
        }
    }

    /// This error, with a pool's "timed out" replaced by why `pool` cannot connect.
    pub async fn explained(self, pool: &crate::db::DbPool) -> CopyError {
        match self {
            CopyError::Db { what, error } => CopyError::Db {
                what,
                error: pool.explain(error).await,
            },
            other => other,
        }
    }

    /// PostgreSQL unique violation (a direct COPY met an existing row).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            CopyError::Db {
                error: sqlx::Error::Database(e),
                ..
            } => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub fn is_transient_sqlx(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                // Too many connections, shutdown, lock wait, deadlock, killed, gone away, lost.
                return matches!(my.number(), 1040 | 1053 | 1205 | 1213 | 1927 | 2006 | 2013);
            }
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            // PostgreSQL SQLSTATEs (class 08 = connection), SQLite busy/locked codes.
            matches!(
                code.as_str(),
                "40001"
                    | "40P01"
                    | "53300"
                    | "57P01"
                    | "57P02"
                    | "57P03"
                    | "5"
                    | "6"
                    | "261"
                    | "517"
            ) || code.starts_with("08")
        }
        _ => false,
    }
}

/// The connection itself failed (as opposed to a statement: a deadlock, a lock wait).
pub fn is_connection_sqlx(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                // Too many connections, shutdown in progress, connection killed, gone away, lost.
                return matches!(my.number(), 1040 | 1053 | 1927 | 2006 | 2013);
            }
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            // PostgreSQL: too many connections, admin/crash shutdown, cannot connect now,
            // class 08 (connection exception).
            matches!(code.as_str(), "53300" | "57P01" | "57P02" | "57P03") || code.starts_with("08")
        }
        _ => false,
    }
}
