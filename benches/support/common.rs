//! What the benchmarks share: running a shell command, a connection pool, and the payments
//! copy job they all run. (Each benchmark includes this file and uses part of it.)
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use warroom::db::{DbPool, SecretUrl};
use warroom::runbook::{CopyEngine, CopySpec};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Runs `cmd` in bash: (seconds, stdout and stderr); a failing command is an error with
/// what it printed.
pub fn sh(cmd: &str) -> Res<(f64, String)> {
    let t0 = Instant::now();
    let out = Command::new("bash")
        .args(["-c", cmd])
        .stdin(Stdio::null())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("`{cmd}` failed: {text}").into());
    }
    Ok((secs, text))
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
