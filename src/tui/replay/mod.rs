//! `warroom replay JOURNAL`: the same console, read-only, on a recorded drill, with the
//! clock under the reader's control. [`Timeline`] folds the journal's events up to a cursor
//! (and the telemetry recorded up to that moment) into the console's replica;
//! [`Player`] maps the replay keys (play/pause, 1x to 60x, step event by event, jump to a
//! step or a time) onto it and refuses every drill-changing key; the console renders at the
//! replay's moment, so every timer, panel and the log show the drill as it was.

pub mod controls;
mod event_loop;
pub mod player;
pub mod timeline;

#[cfg(test)]
mod tests;

pub use player::Player;
pub use timeline::Timeline;

use super::app::App;
use super::ConsoleOptions;

/// The console's state for a replay: an observer's console (nothing offered that changes
/// the drill) with the replay keys in its key bar and help.
pub fn build_app(opts: &ConsoleOptions) -> App {
    let mut app = super::build_app(opts);
    app.mode_keys = controls::KEYS
        .iter()
        .map(|(k, l)| ((*k).to_string(), *l))
        .collect();
    app
}

/// Runs the replay until the reader quits. `opts.sink` is ignored: a replay sends nothing.
pub async fn run_replay(
    opts: ConsoleOptions,
    timeline: Timeline,
    name: String,
) -> anyhow::Result<()> {
    let mut opts = opts;
    opts.sink = None;
    let app = build_app(&opts);
    let player = Player::new(timeline, name);
    event_loop::run(app, player).await
}
