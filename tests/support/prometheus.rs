//! A real Prometheus scraping a real `mysqld_exporter`, for the health tests.
//!
//! [`Stack::start`] runs a private pair (Debian's `prometheus` and
//! `prometheus-mysqld-exporter` binaries) on free loopback ports in a temp dir, scraping
//! every second, so a test can stop and restart either without disturbing other tests.
//! [`shared`] is the long-running one `.ci/prometheus.sh` starts (127.0.0.1:19090).
//! Missing binaries or servers are skipped LOUDLY, or fail when `WARROOM_REQUIRE_SERVERS=1`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::servers;

pub const PROMETHEUS_ENV: &str = "WARROOM_TEST_PROMETHEUS_URL";
const PROMETHEUS_DEFAULT: &str = "http://127.0.0.1:19090";

fn required() -> bool {
    std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1")
}

fn skip(why: &str) -> Option<Stack> {
    assert!(!required(), "{why} (required: WARROOM_REQUIRE_SERVERS=1)");
    eprintln!(
        "\n!!! SKIPPED: {why}. Run `bash .ci/prometheus.sh` (installs Debian's prometheus and \
         prometheus-mysqld-exporter) to run this test.\n"
    );
    None
}

/// Blocking GET on loopback: (status code, body). Enough for readiness checks.
pub fn http_get(port: u16, path_and_query: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let code = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())?;
    Some((code, body))
}

/// The shared Prometheus started by `.ci/prometheus.sh`, or None (said loudly).
pub fn shared() -> Option<String> {
    let url = std::env::var(PROMETHEUS_ENV).unwrap_or_else(|_| PROMETHEUS_DEFAULT.to_string());
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok());
    if port
        .and_then(|p| http_get(p, "/-/ready"))
        .is_some_and(|(code, _)| code == 200)
    {
        return Some(url);
    }
    skip(&format!("Prometheus is not answering at {url}"));
    None
}

fn installed(binary: &str) -> bool {
    Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `mysql://root:pw@127.0.0.1:3306/test` -> `root:pw@(127.0.0.1:3306)/`.
fn exporter_dsn(mysql_url: &str) -> String {
    let rest = mysql_url.split_once("://").map_or(mysql_url, |(_, r)| r);
    let (userinfo, hostpart) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let host = hostpart.split('/').next().unwrap_or("127.0.0.1:3306");
    format!("{userinfo}@({host})/")
}

/// A private Prometheus + `mysqld_exporter`; both are killed on drop.
pub struct Stack {
    dir: tempfile::TempDir,
    pub prometheus_port: u16,
    pub exporter_port: u16,
    dsn: String,
    prometheus: Option<Child>,
    exporter: Option<Child>,
}

impl Stack {
    /// Starts both and waits until Prometheus has scraped MariaDB once; None when MariaDB
    /// or the binaries are missing (said loudly).
    pub fn start() -> Option<Stack> {
        let mysql = servers::mysql()?;
        for binary in ["prometheus", "prometheus-mysqld-exporter"] {
            if !installed(binary) {
                return skip(&format!("`{binary}` is not installed"));
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut stack = Stack {
            prometheus_port: free_port(),
            exporter_port: free_port(),
            dsn: exporter_dsn(&mysql),
            dir,
            prometheus: None,
            exporter: None,
        };
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: mysql\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            stack.exporter_port
        );
        std::fs::write(stack.path("prometheus.yml"), config).expect("write prometheus.yml");
        stack.start_exporter();
        stack.start_prometheus();
        stack.wait_for_query("mysql_up == 1", Duration::from_secs(30));
        Some(stack)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log(&self, name: &str) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(name))
            .map_or_else(|_| Stdio::null(), Stdio::from)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.prometheus_port)
    }

    pub fn start_exporter(&mut self) {
        let child = Command::new("prometheus-mysqld-exporter")
            .arg(format!(
                "--web.listen-address=127.0.0.1:{}",
                self.exporter_port
            ))
            .env("DATA_SOURCE_NAME", &self.dsn)
            .stdin(Stdio::null())
            .stdout(self.log("exporter.log"))
            .stderr(self.log("exporter.log"))
            .spawn()
            .expect("start prometheus-mysqld-exporter");
        self.exporter = Some(child);
        self.wait_listening(self.exporter_port, "mysqld_exporter");
    }

    pub fn stop_exporter(&mut self) {
        if let Some(mut child) = self.exporter.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn start_prometheus(&mut self) {
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                self.path("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                self.path("data").display()
            ))
            .arg(format!(
                "--web.listen-address=127.0.0.1:{}",
                self.prometheus_port
            ))
            .stdin(Stdio::null())
            .stdout(self.log("prometheus.log"))
            .stderr(self.log("prometheus.log"))
            .spawn()
            .expect("start prometheus");
        self.prometheus = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(self.prometheus_port, "/-/ready").is_none_or(|(code, _)| code != 200) {
            assert!(
                Instant::now() < deadline,
                "Prometheus never became ready; log:\n{}",
                self.read_log("prometheus.log")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stop_prometheus(&mut self) {
        if let Some(mut child) = self.prometheus.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn read_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    // A method so calls read `prometheus.wait_listening(..)`.
    #[allow(clippy::unused_self)]
    fn wait_listening(&self, port: u16, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{what} never listened on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until an instant query returns at least one series.
    pub fn wait_for_query(&self, promql: &str, timeout: Duration) {
        let query: String = promql
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((200, body)) = http_get(
                self.prometheus_port,
                &format!("/api/v1/query?query={query}"),
            ) {
                if body.contains("\"metric\"") {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "`{promql}` returned nothing within {timeout:?}; exporter log:\n{}",
                self.read_log("exporter.log")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop_prometheus();
        self.stop_exporter();
    }
}
