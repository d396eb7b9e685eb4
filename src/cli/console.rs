//! The local operator's full-screen console over a [`Session`], fed by its hub, with the
//! history of earlier drills of the same runbook in the journal's folder (read once).

use std::path::Path;
use std::sync::Arc;

use super::serve::Serving;
use super::session::Session;
use crate::drill::Follow;
use crate::report::history::{self, Baseline};
use crate::tui::{self, ConsoleOptions, Feed};

/// Runs the full-screen console until the operator quits, then says where the journal is.
pub async fn run(session: &Session, layout: &str, serving: Option<&Serving>) -> anyhow::Result<()> {
    let journal = session.journal_path.file_name().map_or_else(
        || session.journal_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let history = history(session).await;
    let past = history
        .as_ref()
        .map(|h| format!(" · {} past drill(s)", h.drills))
        .unwrap_or_default();
    let connection = match serving {
        Some(s) => format!("local · journal {journal}{past} · {}", s.describe()),
        None => format!("local · journal {journal}{past}"),
    };
    // The console follows the hub itself: a lag or a gap brings a fresh snapshot.
    let (follow, initial_events) = Follow::start(session.hub.clone()).await?;
    let opts = ConsoleOptions {
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
    };
    let mut app = tui::build_app(&opts);
    app.history = history;
    tui::event_loop::run(app, opts.updates, opts.sink, opts.link, opts.clock).await?;
    super::output::note(format_args!(
        "warroom: the journal is safe in {}; resume with --resume {}",
        session.journal_path.display(),
        session.journal_path.display()
    ));
    Ok(())
}

/// Earlier drills of this runbook in the folder the journal is in (drills/ by default),
/// read once at start; `None` when there are none (or the folder cannot be read).
async fn history(session: &Session) -> Option<Arc<Baseline>> {
    let dir = match session.journal_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let found = history::load(
        dir,
        Some(&session.runbook.meta.name),
        Some(&session.journal_path),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| tracing::info!("no drill history: {e}"))
    .ok()?;
    tracing::info!(drills = found.reports.len(), dir = %dir.display(), "drill history loaded");
    Baseline::of(&found.reports).map(Arc::new)
}
