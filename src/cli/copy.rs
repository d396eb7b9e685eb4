//! `warroom copy RUNBOOK --job NAME [--json] [--restart [--overwrite]]`: one copy job,
//! headless.

use std::path::Path;

use crate::copy::Restart;

use super::session::load_runbook;

/// Exit code 0 only when the copy completed (errors become exit 1 at the edge).
pub async fn run(path: &Path, job: &str, json: bool, restart: Restart) -> anyhow::Result<i32> {
    let runbook = load_runbook(path)?;
    let mut out = super::output::stdout();
    crate::copy::run_headless(&runbook, job, json, restart, &mut out).await?;
    Ok(0)
}
