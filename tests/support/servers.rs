//! Real database servers for tests. A missing server is skipped LOUDLY, or fails the test
//! when `WARROOM_REQUIRE_SERVERS=1` (CI sets it).

pub const MYSQL_ENV: &str = "WARROOM_TEST_MYSQL_URL";
pub const POSTGRES_ENV: &str = "WARROOM_TEST_POSTGRES_URL";
const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/test";
const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

fn required() -> bool {
    std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1")
}

// The import sits next to its one use.
#[allow(clippy::items_after_statements)]
fn reachable(url: &str) -> bool {
    let host_port = url
        .split('@')
        .next_back()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    use std::net::ToSocketAddrs;
    host_port.to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_millis(500)).is_ok()
        })
    })
}

/// The URL of a test server, or None (after saying so loudly) when it is not there.
fn server(env: &str, default: &str, what: &str) -> Option<String> {
    let url = std::env::var(env).unwrap_or_else(|_| default.to_string());
    if reachable(&url) {
        return Some(url);
    }
    assert!(
        !required(),
        "{what} is required (WARROOM_REQUIRE_SERVERS=1) but not reachable at {url}"
    );
    eprintln!(
        "\n!!! SKIPPED: {what} is not reachable at {url}. Start it (or set {env}) to run this \
         test; .ci/run starts it and sets WARROOM_REQUIRE_SERVERS=1.\n"
    );
    None
}

pub fn mysql() -> Option<String> {
    server(MYSQL_ENV, MYSQL_DEFAULT, "MariaDB/MySQL")
}

pub fn postgres() -> Option<String> {
    server(POSTGRES_ENV, POSTGRES_DEFAULT, "PostgreSQL")
}
