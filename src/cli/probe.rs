//! `warroom probe RUNBOOK [--once] [--json]`: the runbook's health probes, headless.

use std::path::Path;

use super::session::load_runbook;

/// Exit code: 0 when every probe was green (with --once), 1 otherwise.
pub async fn run(path: &Path, once: bool, json: bool) -> anyhow::Result<i32> {
    let runbook = load_runbook(path)?;
    if runbook.probes.is_empty() {
        anyhow::bail!(
            "{} declares no [[probe]]: add one (see README, Health probes)",
            path.display()
        );
    }
    let mut out = super::output::stdout();
    let all_green = crate::health::run_headless(&runbook, once, json, &mut out).await?;
    Ok(if all_green { 0 } else { 1 })
}
