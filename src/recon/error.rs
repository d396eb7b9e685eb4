//! What can stop a recon: a spec that does not fit the tables, or a database that fails.

use crate::db::rows::ReadError;

#[derive(Debug, thiserror::Error)]
pub enum ReconError {
    #[error("recon `{job}`: {msg}")]
    Spec { job: String, msg: String },
    #[error("recon: the {side} database failed while {doing}: {source}")]
    Db {
        side: &'static str,
        doing: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("recon: reading the {side} failed: {source}")]
    Read {
        side: &'static str,
        #[source]
        source: ReadError,
    },
    #[error("recon: {0}")]
    Setup(String),
}

impl ReconError {
    pub fn db(side: &'static str, doing: &str, source: sqlx::Error) -> ReconError {
        ReconError::Db {
            side,
            doing: doing.to_string(),
            source,
        }
    }

    pub fn read(side: &'static str, source: ReadError) -> ReconError {
        ReconError::Read { side, source }
    }
}
