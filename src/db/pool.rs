//! Typed connection pools per dialect, behind one enum (not sqlx's Any driver, which loses
//! numeric and time types).

use std::time::Duration;

use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::url::{Dialect, SecretUrl};

#[derive(Debug, Clone)]
pub enum DbPool {
    MySql(MySqlPool),
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {url} ({dialect}): {source}")]
pub struct ConnectError {
    /// The template form: no secret in it.
    pub url: String,
    pub dialect: Dialect,
    #[source]
    pub source: sqlx::Error,
}

impl DbPool {
    /// Connects with up to `max_connections`, giving up after `timeout`.
    pub async fn connect(
        url: &SecretUrl,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<DbPool, ConnectError> {
        let wrap = |source| ConnectError {
            url: url.to_string(),
            dialect: url.dialect(),
            source,
        };
        Ok(match url.dialect() {
            Dialect::MySql => DbPool::MySql(
                MySqlPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(timeout)
                    // Recon hashes a chunk's rows as one GROUP_CONCAT, which the session
                    // cuts at this length (1 KiB by default); the packet size bounds it. A
                    // server that refuses leaves recon correct (it detects a possible cut
                    // and diffs those chunks row by row), only slower.
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            let raised = sqlx::query(
                                "SET SESSION group_concat_max_len = @@GLOBAL.max_allowed_packet",
                            )
                            .execute(&mut *conn)
                            .await;
                            if let Err(e) = raised {
                                tracing::debug!("group_concat_max_len stays at its default: {e}");
                            }
                            Ok(())
                        })
                    })
                    .connect(url.expose())
                    .await
                    .map_err(wrap)?,
            ),
            Dialect::Postgres => DbPool::Postgres(
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(timeout)
                    .connect(url.expose())
                    .await
                    .map_err(wrap)?,
            ),
            Dialect::Sqlite => {
                let options = url
                    .expose()
                    .parse::<SqliteConnectOptions>()
                    .map_err(wrap)?
                    .create_if_missing(true);
                DbPool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(max_connections)
                        .acquire_timeout(timeout)
                        .connect_with(options)
                        .await
                        .map_err(wrap)?,
                )
            }
        })
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
