//! What the benchmarks share: running a shell command, a connection pool, and the payments
//! copy job they all run. (Each benchmark includes this file and uses part of it.)
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use warroom::db::{DbPool, SecretUrl};
use warroom::runbook::{CopyEngine, CopySpec};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// What a shell command printed, and how long it took.
pub struct Ran {
    pub secs: f64,
    pub stdout: String,
    /// stdout and stderr.
    pub all: String,
}

/// Runs `cmd` in bash. An exit status other than 0 and `also_ok` is an error with the end
/// of what it printed (reladiff and pt-table-sync exit 1 or 2 when they find differences).
pub fn run(cmd: &str, also_ok: &[i32]) -> Res<Ran> {
    let t0 = Instant::now();
    let out = Command::new("bash")
        .args(["-c", cmd])
        .stdin(Stdio::null())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let accepted = out.status.code().is_some_and(|c| also_ok.contains(&c));
    if !out.status.success() && !accepted {
        let tail: String = all
            .chars()
            .rev()
            .take(2_000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(format!("`{cmd}` failed: …{tail}").into());
    }
    Ok(Ran { secs, stdout, all })
}

/// Runs `cmd` in bash: (seconds, stdout and stderr); a failing command is an error with
/// what it printed.
pub fn sh(cmd: &str) -> Res<(f64, String)> {
    let ran = run(cmd, &[])?;
    Ok((ran.secs, ran.all))
}

pub async fn pool(url: &str, max: u32) -> Res<DbPool> {
    let url = SecretUrl::expand("bench", url, |_| None)?;
    Ok(DbPool::connect(&url, max, Duration::from_secs(30)).await?)
}

/// The payments table's copy job with the runbook defaults (2 workers, 5,000-row chunks
/// aiming at 500 ms).
pub fn payments_copy(name: &str, target_table: &str) -> CopySpec {
    CopySpec {
        name: name.into(),
        engine: CopyEngine::Native,
        source: "src".into(),
        source_table: "payments".into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: vec!["id".into()],
        columns: None,
        rename: std::collections::BTreeMap::new(),
        filter: None,
        workers: 2,
        chunk_rows: 5_000,
        chunk_target: Duration::from_millis(500),
        max_rows_per_sec: None,
        throttle: Vec::new(),
        progress: None,
        create_target: false,
        finished: warroom::runbook::Finished::ReachesTotal,
        stalled_after: None,
        exclusive: None,
    }
}
