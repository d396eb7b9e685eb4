//! `warroom replay JOURNAL`: the console, read-only, on a recorded drill, with the clock
//! under the reader's control. Read through the report's lenient loader: a damaged tail
//! replays its readable prefix (and says so).

use std::path::Path;

use crate::drill::{Actor, SystemClock};
use crate::report::Source;
use crate::tui::replay::{self, timeline, Timeline};
use crate::tui::ConsoleOptions;

/// Who sits at a replay: nobody of the drill's (an observer's role).
pub const READER: &str = "replay";

pub async fn run(journal: &Path, layout: &str) -> anyhow::Result<()> {
    let source = Source::read(journal).await?;
    if let Some(seq) = source.unreadable_from_seq {
        super::output::note(format_args!(
            "warning: {}: the journal cannot be read from event {seq} on; replaying the events before it",
            journal.display()
        ));
    }
    let name = journal.file_name().map_or_else(
        || journal.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let readings = timeline::decode(&source.telemetry);
    let timeline = Timeline::new(source.runbook.clone(), source.events, readings);
    // Nothing follows a hub: the feed is a stream nobody sends on.
    let (_never, updates) = tokio::sync::broadcast::channel(1);
    let opts = ConsoleOptions {
        runbook: source.runbook,
        operator: Actor::Person(READER.to_string()),
        initial_events: Vec::new(),
        updates: updates.into(),
        sink: None,
        clock: std::sync::Arc::new(SystemClock),
        layout: layout.to_string(),
        layouts_dir: None,
        keymap_path: None,
        title: None,
        connection: String::new(),
        link: None,
    };
    replay::run_replay(opts, timeline, name).await
}
