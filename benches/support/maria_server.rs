//! A MariaDB server of the benchmark's own: its own data directory (under the system's
//! temporary folder) and port, started from Debian's `mariadbd` with the same settings
//! that matter for a load as the machine's server, and shut down when dropped. A copy
//! between it and the machine's server crosses the wire as it does between two hosts.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub struct MariaServer {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl MariaServer {
    /// Initialises a fresh data directory and starts the server on `port` (root over TCP
    /// with no password, like the machine's server). Settings that shape a bulk load are
    /// read off the server at `like` (`mariadb` client arguments) so both sides match.
    pub fn start(port: u16, like: &str) -> Res<MariaServer> {
        MariaServer::start_in(&std::env::temp_dir(), port, like)
    }

    /// As [`MariaServer::start`], the data directory under `base` (`/dev/shm`: in memory).
    pub fn start_in(base: &std::path::Path, port: u16, like: &str) -> Res<MariaServer> {
        let dir = base.join(format!("warroom-bench-mariadb-{port}"));
        // A server left running by an earlier, killed run holds the port: stop it.
        let _ = Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-P", &port.to_string(), "-u", "root"])
            .args(["-e", "SHUTDOWN"])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let data = dir.join("data");
        let out = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--user=root",
            ])
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "mariadb-install-db failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let settings = read_settings(like)?;
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--pid-file={}", dir.join("pid").display()))
            .arg(format!("--log-error={}", dir.join("error.log").display()))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                "--skip-name-resolve",
            ])
            .args(settings)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = MariaServer { port, dir, child };
        let t0 = Instant::now();
        while !server.answers() {
            if t0.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "the benchmark's MariaDB on port {port} did not start: see {}",
                    server.dir.join("error.log").display()
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }

    /// `mariadb` client arguments for this server.
    pub fn client(&self) -> String {
        format!("mariadb -h 127.0.0.1 -P {} -u root", self.port)
    }

    /// A warroom connection URL to `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }

    fn answers(&self) -> bool {
        Command::new("mariadb")
            .args([
                "-h",
                "127.0.0.1",
                "-P",
                &self.port.to_string(),
                "-u",
                "root",
            ])
            .args(["-N", "-e", "SELECT 1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for MariaServer {
    fn drop(&mut self) {
        let _ = Command::new("mariadb")
            .args([
                "-h",
                "127.0.0.1",
                "-P",
                &self.port.to_string(),
                "-u",
                "root",
            ])
            .args(["-e", "SHUTDOWN"])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The reference server's settings that shape a bulk load, as `mariadbd` arguments.
fn read_settings(like: &str) -> Res<Vec<String>> {
    const NAMES: [&str; 8] = [
        "innodb_buffer_pool_size",
        "innodb_log_file_size",
        "innodb_flush_log_at_trx_commit",
        "innodb_flush_method",
        "max_allowed_packet",
        "character_set_server",
        "collation_server",
        "sql_mode",
    ];
    let select = NAMES
        .iter()
        .map(|n| format!("@@{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let text = super::common::run(&format!("{like} -N -B -e 'SELECT {select}'"), &[])
        .map_err(|e| format!("reading the reference server's settings: {e}"))?
        .stdout;
    let values: Vec<&str> = text.trim_end().split('\t').collect();
    if values.len() != NAMES.len() {
        return Err(format!("unexpected settings row: {text:?}").into());
    }
    Ok(NAMES
        .iter()
        .zip(values)
        .map(|(n, v)| format!("--{}={v}", n.replace('_', "-")))
        .collect())
}
