//! The console: a full-screen ratatui app over a replica of the drill. The same code runs
//! the local console (sink = channel to the hub), `warroom join` (sink over the network)
//! and `warroom observe` (no sink: read-only is structural).
//!
//! Updates: the console takes a [`Feed`] plus the events journaled before it subscribed
//! (`initial_events`); duplicates are dropped by seq. The local console follows the hub
//! ([`Feed::Follow`]): a lag or a seq gap brings a fresh snapshot at once. A remote console
//! reads its client's stream ([`Feed::Stream`]): if it lags or a gap shows, the replica
//! freezes, the header says "OUT OF SYNC", and it recovers on the next `Update::Snapshot`
//! (the client sends one on reconnect or on request).

mod answer;
pub mod app;
pub mod event_loop;
pub mod feed;
pub mod history;
mod jobs;
pub mod keymap;
pub mod layout;
pub mod modal;
mod modal_host;
pub mod panel_kind;
pub mod panels;
pub mod render;
pub mod replay;
pub mod terminal;
pub mod theme;

use std::path::PathBuf;
use std::sync::Arc;

use crate::drill::{Actor, Clock, CommandSink, Event};
use crate::runbook::Runbook;
use app::App;
pub use feed::Feed;
use keymap::KeyMap;
use layout::LayoutSet;
use theme::Tone;

/// Everything the console needs. Build it and call [`run_console`].
pub struct ConsoleOptions {
    pub runbook: Arc<Runbook>,
    /// Who sits at this console (sends commands as this actor).
    pub operator: Actor,
    /// Events journaled before `updates` was subscribed.
    pub initial_events: Vec<Event>,
    /// The update stream (a `broadcast::Receiver<Update>` converts with `.into()`).
    pub updates: Feed,
    /// `None`: observer console, nothing can be sent and no changing key is offered.
    pub sink: Option<CommandSink>,
    pub clock: Arc<dyn Clock>,
    /// Layout name (`coordinator`, `observer`, `wallboard` or one from `layouts_dir`).
    pub layout: String,
    /// User layouts (`*.toml`), adding to or replacing the built-ins
    /// (default: [`config_dir`]`/layouts`, if it exists).
    pub layouts_dir: Option<PathBuf>,
    /// A `keys.toml` to override bindings (default: [`config_dir`]`/keys.toml`; a missing
    /// file means the default bindings).
    pub keymap_path: Option<PathBuf>,
    /// Shown in the header instead of the runbook name, if set.
    pub title: Option<String>,
    /// Connection state shown in the header ("local", "connected to host:port").
    pub connection: String,
    /// A remote console's live link state (replaces `connection` as it changes).
    pub link: Option<tokio::sync::watch::Receiver<crate::drill::LinkState>>,
}

/// `$XDG_CONFIG_HOME/warroom` (or `~/.config/warroom`), where `keys.toml` and `layouts/`
/// are looked for when the options name none.
pub fn config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("warroom"))
}

/// Builds the console's state from the options: loads layouts and key bindings, reporting
/// broken files as a flash (the defaults are used instead).
pub fn build_app(opts: &ConsoleOptions) -> App {
    let now = opts.clock.now();
    let mut app = App::new(
        opts.runbook.clone(),
        &opts.initial_events,
        opts.operator.clone(),
        opts.sink.is_some(),
    );
    let layouts_dir = opts
        .layouts_dir
        .clone()
        .or_else(|| config_dir().map(|d| d.join("layouts")));
    let (layouts, errors) = LayoutSet::load(layouts_dir.as_deref());
    app.layouts = layouts;
    let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
    if !app.set_layout(&opts.layout, now) {
        problems.push(format!(
            "no usable layout `{}`: using {}",
            opts.layout, app.layout.name
        ));
    }
    let keys_path = opts
        .keymap_path
        .clone()
        .or_else(|| config_dir().map(|d| d.join("keys.toml")));
    if let Some(path) = &keys_path {
        match KeyMap::load(path) {
            Ok(k) => app.keymap = k,
            Err(e) => problems.push(format!("{e} (default keys in use)")),
        }
    }
    if let Some(t) = &opts.title {
        app.title.clone_from(t);
    }
    app.connection.text.clone_from(&opts.connection);
    for p in &problems {
        tracing::warn!("{p}");
    }
    if !problems.is_empty() {
        app.flash_msg(problems.join("; "), Tone::Bad, now);
    }
    app
}

/// Runs the full-screen console until the operator quits, Ctrl-C or SIGTERM. The terminal
/// is restored on every way out, panics included.
pub async fn run_console(opts: ConsoleOptions) -> anyhow::Result<()> {
    let app = build_app(&opts);
    event_loop::run(app, opts.updates, opts.sink, opts.link, opts.clock).await
}

#[cfg(test)]
mod tests;
