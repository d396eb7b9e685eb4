#![allow(clippy::unwrap_used)]
//! Connections to the real servers, from runbook-style URL templates.

mod support;

use std::time::Duration;

use support::servers;
use warroom::db::{DbPool, Dialect, SecretUrl};

async fn version_of(template: &str, var: &str, value: &str) -> (Dialect, String) {
    let url = SecretUrl::expand("test", template, |v| (v == var).then(|| value.to_string()))
        .expect("template expands");
    let pool = DbPool::connect(&url, 1, Duration::from_secs(5))
        .await
        .expect("connects");
    let version = pool.server_version().await.expect("version");
    pool.close().await;
    (url.dialect(), version)
}

#[tokio::test]
async fn connects_to_mariadb_through_a_template() {
    let Some(url) = servers::mysql() else { return };
    let (dialect, version) = version_of("${TEST_DB_URL}", "TEST_DB_URL", &url).await;
    assert_eq!(dialect, Dialect::MySql);
    assert!(!version.is_empty());
}

#[tokio::test]
async fn connects_to_postgres_through_a_template() {
    let Some(url) = servers::postgres() else {
        return;
    };
    let (dialect, version) = version_of("${TEST_DB_URL}", "TEST_DB_URL", &url).await;
    assert_eq!(dialect, Dialect::Postgres);
    assert!(version.chars().next().is_some_and(|c| c.is_ascii_digit()));
}

#[tokio::test]
async fn sqlite_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let template = format!("sqlite://{}", path.display());
    let (dialect, _) = version_of(&template, "UNUSED", "").await;
    assert_eq!(dialect, Dialect::Sqlite);
    assert!(path.exists());
}

#[tokio::test]
async fn a_failed_connection_never_shows_the_password() {
    let Some(url) = servers::mysql() else { return };
    let host = url.split('@').next_back().unwrap();
    let template = "mysql://root:${PW}@HOST".replace("HOST", host);
    let url = SecretUrl::expand("src", &template, |_| Some("Hunter2-secret".into())).unwrap();
    let err = DbPool::connect(&url, 1, Duration::from_secs(5))
        .await
        .expect_err("wrong password is refused");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("Hunter2-secret"), "{text}");
    assert!(text.contains("${PW}"), "{text}");
}

/// A port with nothing listening: the error says "refused" (not a pool's "timed out"),
/// once, even as an error chain; and a pool whose server went away says the same.
#[tokio::test]
async fn a_refused_connection_says_so_once() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    for template in [
        format!("mysql://root@127.0.0.1:{port}/test"),
        format!("postgres://postgres@127.0.0.1:{port}/test"),
    ] {
        let url = SecretUrl::expand("src", &template, |_| None).unwrap();
        let err = DbPool::connect(&url, 1, Duration::from_secs(60))
            .await
            .expect_err("nothing listens there");
        let chain = format!("{:#}", anyhow::Error::new(err));
        assert!(chain.contains("Connection refused"), "{chain}");
        assert_eq!(chain.matches("refused").count(), 1, "{chain}");
    }
}

#[tokio::test]
async fn a_pool_that_cannot_reconnect_explains_why() {
    let Some(url) = servers::mysql() else { return };
    let url = SecretUrl::expand("test", &url, |_| None).unwrap();
    let pool = DbPool::connect(&url, 1, Duration::from_secs(5))
        .await
        .unwrap();
    // Any other error is given back as it is.
    let other = pool.explain(sqlx::Error::RowNotFound).await;
    assert!(matches!(other, sqlx::Error::RowNotFound), "{other}");
    // A reachable server: a pool's timeout stays a timeout (the pool was merely busy).
    let busy = pool.explain(sqlx::Error::PoolTimedOut).await;
    assert!(matches!(busy, sqlx::Error::PoolTimedOut), "{busy}");
    pool.close().await;
}
