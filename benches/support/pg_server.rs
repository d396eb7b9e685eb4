//! A PostgreSQL server of the benchmark's own, its data directory in memory (`/dev/shm`):
//! a copy target on another host writes to that host's disks, not to the source's. On one
//! machine every server shares one disk, so without this the target's WAL, checkpoints and
//! writeback land on the disk the source's commits wait on, which two hosts never do.
//! Started from Debian's `initdb` and `pg_ctl` as the `postgres` user, with the settings
//! that shape a load read off the machine's server, and stopped when dropped.

use std::path::PathBuf;
use std::process::{Command, Stdio};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub struct PgServer {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

/// Debian's PostgreSQL binaries, newest version first.
fn bin_dir() -> Res<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb (Debian's postgresql)".into())
}

/// Runs a PostgreSQL program as `postgres` (initdb refuses root).
fn as_postgres(program: &std::path::Path, args: &[&str]) -> Res<()> {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "{} {}: {}{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

impl PgServer {
    /// A fresh cluster on `port`, trust auth on 127.0.0.1 like the machine's server, its
    /// load-shaping settings read off the server at `like` (a `psql` command line).
    pub fn start(port: u16, like: &str) -> Res<PgServer> {
        let bin = bin_dir()?;
        let dir = PathBuf::from(format!("/dev/shm/warroom-bench-pg-{port}"));
        if dir.join("PG_VERSION").exists() {
            // Left by an earlier, killed run.
            let _ = as_postgres(
                &bin.join("pg_ctl"),
                &["-D", &dir.display().to_string(), "-m", "immediate", "stop"],
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let status = Command::new("chown")
            .args(["postgres:postgres", &dir.display().to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("chown postgres {}", dir.display()).into());
        }
        let data = dir.display().to_string();
        as_postgres(
            &bin.join("initdb"),
            &["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
        )?;
        let mut options =
            format!("-p {port} -k {data} -c listen_addresses=127.0.0.1 -c log_checkpoints=on");
        for (name, value) in read_settings(like)? {
            options.push_str(&format!(" -c {name}={value}"));
        }
        let log = format!("{data}/server.log");
        as_postgres(
            &bin.join("pg_ctl"),
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )?;
        Ok(PgServer { port, dir, bin })
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &self.dir.display().to_string(), "-m", "fast", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The reference server's settings that shape a bulk load, as name and value (units kept).
fn read_settings(like: &str) -> Res<Vec<(String, String)>> {
    const NAMES: [&str; 7] = [
        "shared_buffers",
        "max_wal_size",
        "checkpoint_timeout",
        "checkpoint_completion_target",
        "synchronous_commit",
        "full_page_writes",
        "work_mem",
    ];
    let list = NAMES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!("SELECT name, current_setting(name) FROM pg_settings WHERE name IN ({list})");
    let text = super::common::run(&format!("{like} -At -F '=' -c \"{sql}\""), &[])
        .map_err(|e| format!("reading the reference server's settings: {e}"))?
        .stdout;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect())
}
