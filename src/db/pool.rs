//! Typed connection pools per dialect, behind one enum (not sqlx's Any driver, which loses
//! numeric and time types).

use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::url::{Dialect, SecretUrl};

#[derive(Debug, Clone)]
pub enum DbPool {
    MySql(MySqlPool),
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A database that cannot be reached. The driver's words are part of the message and not
/// also its `source()` (an error chain would print them two more times), hence no
/// thiserror derive here.
#[derive(Debug)]
pub struct ConnectError {
    /// The template form: no secret in it.
    pub url: String,
    pub dialect: Dialect,
    pub source: sqlx::Error,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot connect to {} ({}): {}",
            self.url, self.dialect, self.source
        )
    }
}

impl std::error::Error for ConnectError {}

/// How long [`DbPool::explain`] waits for its one direct connection.
const EXPLAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How a pool connects and waits for a connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
    /// The first connection must be up within this.
    pub connect_timeout: Duration,
    /// How long taking a connection from the pool may wait (including reconnecting to a
    /// server that went away) before it fails; then [`DbPool::explain`] says why.
    pub acquire_timeout: Duration,
}

impl DbPool {
    /// Connects with up to `max_connections`, giving up after `timeout` (to connect and to
    /// take a connection from the pool).
    pub async fn connect(
        url: &SecretUrl,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<DbPool, ConnectError> {
        DbPool::connect_limited(
            url,
            PoolLimits {
                max_connections,
                connect_timeout: timeout,
                acquire_timeout: timeout,
            },
        )
        .await
    }

    /// Connects a pool. One plain connection is opened first, so that a server that is
    /// down fails at once with its real cause (connection refused, unknown host, access
    /// denied) instead of a pool retrying until it says only "timed out".
    pub async fn connect_limited(
        url: &SecretUrl,
        limits: PoolLimits,
    ) -> Result<DbPool, ConnectError> {
        let wrap = |source| ConnectError {
            url: url.to_string(),
            dialect: url.dialect(),
            source,
        };
        let timed_out = || {
            wrap(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "no connection within {:.0} s",
                    limits.connect_timeout.as_secs_f64()
                ),
            )))
        };
        Ok(match url.dialect() {
            Dialect::MySql => {
                let options = url.expose().parse::<MySqlConnectOptions>().map_err(wrap)?;
                first_connection(&options, limits.connect_timeout)
                    .await
                    .ok_or_else(timed_out)?
                    .map_err(wrap)?;
                DbPool::MySql(
                    MySqlPoolOptions::new()
                        .max_connections(limits.max_connections)
                        .acquire_timeout(limits.acquire_timeout)
                        // Recon hashes a chunk's rows as one GROUP_CONCAT, which the session
                        // cuts at this length (1 KiB by default); the packet size bounds it.
                        // A server that refuses leaves recon correct (it detects a possible
                        // cut and diffs those chunks row by row), only slower.
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                let raised = sqlx::query(
                                    "SET SESSION group_concat_max_len = @@GLOBAL.max_allowed_packet",
                                )
                                .execute(&mut *conn)
                                .await;
                                if let Err(e) = raised {
                                    tracing::debug!(
                                        "group_concat_max_len stays at its default: {e}"
                                    );
                                }
                                Ok(())
                            })
                        })
                        .connect_with(options)
                        .await
                        .map_err(wrap)?,
                )
            }
            Dialect::Postgres => {
                let options = url.expose().parse::<PgConnectOptions>().map_err(wrap)?;
                first_connection(&options, limits.connect_timeout)
                    .await
                    .ok_or_else(timed_out)?
                    .map_err(wrap)?;
                DbPool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(limits.max_connections)
                        .acquire_timeout(limits.acquire_timeout)
                        .connect_with(options)
                        .await
                        .map_err(wrap)?,
                )
            }
            Dialect::Sqlite => {
                let options = url
                    .expose()
                    .parse::<SqliteConnectOptions>()
                    .map_err(wrap)?
                    .create_if_missing(true);
                DbPool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(limits.max_connections)
                        .acquire_timeout(limits.acquire_timeout)
                        .connect_with(options)
                        .await
                        .map_err(wrap)?,
                )
            }
        })
    }

    /// Replaces the pool's "timed out" by the real reason when there is one: a pool that
    /// cannot reconnect retries until its acquire timeout and then hides the cause, so one
    /// connection is opened directly and its error returned (connection refused, ...). Any
    /// other error, or a server that does accept connections, gives `e` back.
    pub async fn explain(&self, e: sqlx::Error) -> sqlx::Error {
        if !matches!(e, sqlx::Error::PoolTimedOut) {
            return e;
        }
        let tried = match self {
            DbPool::MySql(p) => first_connection(&*p.connect_options(), EXPLAIN_TIMEOUT).await,
            DbPool::Postgres(p) => first_connection(&*p.connect_options(), EXPLAIN_TIMEOUT).await,
            DbPool::Sqlite(p) => first_connection(&*p.connect_options(), EXPLAIN_TIMEOUT).await,
        };
        match tried {
            Some(Ok(())) => e,
            Some(Err(cause)) => cause,
            None => sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the server accepts no new connection (none within {} s)",
                    EXPLAIN_TIMEOUT.as_secs()
                ),
            )),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            DbPool::MySql(_) => Dialect::MySql,
            DbPool::Postgres(_) => Dialect::Postgres,
            DbPool::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The server's version string (a cheap liveness check).
    pub async fn server_version(&self) -> Result<String, sqlx::Error> {
        match self {
            DbPool::MySql(p) => sqlx::query_scalar("SELECT VERSION()").fetch_one(p).await,
            DbPool::Postgres(p) => sqlx::query_scalar("SHOW server_version").fetch_one(p).await,
            DbPool::Sqlite(p) => {
                sqlx::query_scalar("SELECT sqlite_version()")
                    .fetch_one(p)
                    .await
            }
        }
    }

    pub async fn close(&self) {
        match self {
            DbPool::MySql(p) => p.close().await,
            DbPool::Postgres(p) => p.close().await,
            DbPool::Sqlite(p) => p.close().await,
        }
    }
}

/// Opens and closes one connection: `None` when it took longer than `timeout`.
async fn first_connection<O>(options: &O, timeout: Duration) -> Option<Result<(), sqlx::Error>>
where
    O: ConnectOptions,
    O::Connection: Sized,
{
    let attempt = async {
        let conn = options.connect().await?;
        // Closing politely is not worth an error: the server was reached.
        let _ = conn.close().await;
        Ok(())
    };
    tokio::time::timeout(timeout, attempt).await.ok()
}
