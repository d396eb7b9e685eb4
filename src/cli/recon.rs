//! `warroom recon RUNBOOK --job NAME [--json] [--fix-sql FILE]`: exit 0 clean, 1 with
//! mismatches, 2 on error.

use std::path::Path;

use super::session::load_runbook;
use crate::recon::headless::{run_headless, EXIT_ERROR};

pub async fn run(path: &Path, job: &str, json: bool, fix_sql: Option<&Path>) -> i32 {
    let outcome = async {
        let runbook = load_runbook(path)?;
        let mut out = super::output::stdout();
        run_headless(&runbook, job, json, fix_sql, &mut out).await
    }
    .await;
    match outcome {
        Ok(code) => code,
        Err(e) => {
            super::output::note(format!("error: {e:#}"));
            EXIT_ERROR
        }
    }
}
