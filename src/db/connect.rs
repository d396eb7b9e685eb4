//! Opening a runbook connection by its name: the URL template read from the environment,
//! a pool with the limits the caller needs.

use std::time::Duration;

use crate::runbook::Runbook;

use super::{ConnectError, DbPool, PoolLimits, SecretUrl, UrlError};

/// How long the first connection of a pool may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a runbook connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum NamedConnectError {
    #[error("connection `{0}` is not declared")]
    Undeclared(String),
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

/// A pool of up to `max` connections for the runbook connection `name`.
pub async fn connect_named(
    runbook: &Runbook,
    name: &str,
    max: u32,
) -> Result<DbPool, NamedConnectError> {
    connect_named_limited(runbook, name, max, CONNECT_TIMEOUT).await
}

/// [`connect_named`], with a statement giving up after `acquire_timeout` when it waits for
/// a connection (see [`PoolLimits::acquire_timeout`]).
pub async fn connect_named_limited(
    runbook: &Runbook,
    name: &str,
    max: u32,
    acquire_timeout: Duration,
) -> Result<DbPool, NamedConnectError> {
    let conn = runbook
        .connection(name)
        .ok_or_else(|| NamedConnectError::Undeclared(name.to_string()))?;
    let url = SecretUrl::from_env(&conn.name, &conn.url_template)?;
    let limits = PoolLimits {
        max_connections: max,
        connect_timeout: CONNECT_TIMEOUT,
        acquire_timeout,
    };
    Ok(DbPool::connect_limited(&url, limits).await?)
}
