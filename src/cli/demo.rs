//! `warroom demo`: the demo runbook on temporary SQLite databases, with simulated
//! teammates, so a live drill is on screen within seconds.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::session::open_session;
use super::{console, line_mode, serve};
use crate::demo::{app, crew, data};
use crate::runbook;

/// The demo runbook ships inside the binary, so the demo runs from anywhere.
pub const DEMO_RUNBOOK: &str = include_str!("../../runbooks/demo.toml");

/// Rows in the demo's source table.
const DEMO_ROWS: u32 = 20_000;

pub async fn run(
    dir: Option<PathBuf>,
    line: bool,
    solo: bool,
    layout: &str,
    serve: &super::args::ServeArgs,
) -> anyhow::Result<()> {
    let (dir, cleanup) = if let Some(dir) = dir {
        (dir, None)
    } else {
        let temp = std::env::temp_dir().join(format!("warroom-demo-{}", std::process::id()));
        (temp.clone(), Some(RemoveOnDrop(temp)))
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the demo directory {}", dir.display()))?;
    // The demo runbook's connections read ${WARROOM_DEMO_DIR}.
    std::env::set_var("WARROOM_DEMO_DIR", &dir);
    data::create(&dir, DEMO_ROWS)
        .await
        .with_context(|| format!("cannot create the demo databases in {}", dir.display()))?;
    let loaded = runbook::parse_str("runbooks/demo.toml", DEMO_RUNBOOK).map_err(|d| {
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the built-in demo runbook is invalid (a bug): {}",
            text.join("\n")
        )
    })?;
    // With --dir everything stays there; otherwise the databases are temporary but the
    // journal goes to drills/ like any drill's, so it outlives the demo.
    let journal = cleanup
        .is_none()
        .then(|| crate::journal::default_path(&dir, &loaded.runbook.meta.name, chrono::Utc::now()));
    let session = open_session(loaded.runbook, None, None, journal.as_deref(), false).await?;
    tokio::spawn(app::run(dir.clone(), DEMO_ROWS));
    if !solo {
        tokio::spawn(crew::run(
            session.hub.clone(),
            session.operator.clone(),
            Arc::clone(&session.clock),
            crew::Pace::default(),
        ));
    }
    let text = serve::runbook_text("runbooks/demo.toml", DEMO_RUNBOOK);
    let serving = serve::start(&session, text, serve).await?;
    if line {
        if let Some(s) = &serving {
            super::output::note(format_args!("warroom: {}", s.describe()));
        }
        line_mode::run(&session).await
    } else {
        console::run(&session, layout, serving.as_ref()).await
    }
}

/// Removes the demo's temporary directory when the demo ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
