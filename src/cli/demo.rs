//! `warroom demo`: the demo runbook on temporary SQLite databases.

use std::path::PathBuf;

use anyhow::Context;

use super::run::open_session;
use crate::runbook;

/// The demo runbook ships inside the binary, so the demo runs from anywhere.
pub const DEMO_RUNBOOK: &str = include_str!("../../runbooks/demo.toml");

pub async fn run(dir: Option<PathBuf>, line: bool) -> anyhow::Result<()> {
    let (dir, _temp) = match dir {
        Some(dir) => (dir, None),
        None => {
            let temp = tempfile_dir()?;
            (temp.clone(), Some(TempDirGuard(temp)))
        }
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the demo directory {}", dir.display()))?;
    // The demo runbook's connections read ${WARROOM_DEMO_DIR}.
    std::env::set_var("WARROOM_DEMO_DIR", &dir);
    let loaded = runbook::parse_str("runbooks/demo.toml", DEMO_RUNBOOK).map_err(|d| {
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the built-in demo runbook is invalid (a bug): {}",
            text.join("\n")
        )
    })?;
    let journal = dir.join("demo-journal.db");
    let session = open_session(loaded.runbook, None, None, Some(&journal)).await?;
    let _ = line;
    super::line_mode::run(&session).await
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("warroom-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create a temporary directory {}", dir.display()))?;
    Ok(dir)
}

/// Removes the demo's temporary directory when the demo ends.
struct TempDirGuard(PathBuf);

impl Drop for TempDirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
