//! `warroom check FILE...`

use std::path::PathBuf;

/// Prints every diagnostic and summary; returns whether every file passed.
pub fn run(files: &[PathBuf], strict: bool) -> anyhow::Result<bool> {
    let mut out = super::output::stdout();
    Ok(crate::runbook::check::check_files(files, strict, &mut out)?)
}
