//! The local operator's full-screen console over a [`Session`], fed by its hub.

use super::serve::Serving;
use super::session::Session;
use crate::drill::Follow;
use crate::tui::{self, ConsoleOptions, Feed};

/// Runs the full-screen console until the operator quits, then says where the journal is.
pub async fn run(session: &Session, layout: &str, serving: Option<&Serving>) -> anyhow::Result<()> {
    let journal = session.journal_path.file_name().map_or_else(
        || session.journal_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let connection = match serving {
        Some(s) => format!("local · journal {journal} · {}", s.describe()),
        None => format!("local · journal {journal}"),
    };
    // The console follows the hub itself: a lag or a gap brings a fresh snapshot.
    let (follow, initial_events) = Follow::start(session.hub.clone()).await?;
    tui::run_console(ConsoleOptions {
        runbook: session.runbook.clone(),
        operator: session.operator.clone(),
        initial_events,
        updates: Feed::follow(follow),
        sink: Some(session.hub.sink()),
        clock: session.clock.clone(),
        layout: layout.to_string(),
        layouts_dir: None,
        keymap_path: None,
        title: None,
        connection,
        link: None,
    })
    .await?;
    super::output::note(format_args!(
        "warroom: the journal is safe in {}; resume with --resume {}",
        session.journal_path.display(),
        session.journal_path.display()
    ));
    Ok(())
}
