//! The console's event loop: one `select!` over key presses, hub updates, command replies,
//! a tick aligned to the wall-clock second, and SIGINT/SIGTERM. It redraws only when
//! something changed or the second turned: idle, it sleeps.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream};
use tokio::sync::{mpsc, watch};

use super::answer;
use super::app::{App, AppEffect};
use super::feed::{Feed, Received};
use super::render;
use super::terminal::TerminalGuard;
use super::theme::Tone;
use crate::drill::{Clock, CommandSink, LinkState, SinkError};

/// Sleeps until the next whole wall-clock second, so the clocks on screen tick together.
fn until_next_second(clock: &dyn Clock) -> Duration {
    let ms = clock.now().timestamp_subsec_millis();
    Duration::from_millis(u64::from(1000 - ms.min(999)))
}

pub async fn run(
    mut app: App,
    mut feed: Feed,
    sink: Option<CommandSink>,
    mut link: Option<watch::Receiver<LinkState>>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let mut keys = EventStream::new();
    let (reply_tx, mut replies) = mpsc::channel::<Result<String, SinkError>>(16);
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut dirty = true;
    let mut updates_open = true;
    loop {
        if dirty {
            let now = clock.now();
            guard.terminal.draw(|f| render::render(&app, f, now))?;
            dirty = false;
        }
        let tick = tokio::time::sleep(until_next_second(clock.as_ref()));
        #[cfg(unix)]
        let term = sigterm.recv();
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(key))) => {
                    let now = clock.now();
                    for effect in app.handle_key(key, now) {
                        match effect {
                            AppEffect::Quit => return Ok(()),
                            AppEffect::Send(cmd) => match &sink {
                                Some(sink) => {
                                    let sink = sink.clone();
                                    let tx = reply_tx.clone();
                                    tokio::spawn(async move {
                                        let r = sink.send(cmd).await.map(|events| answer::recorded(&events));
                                        let _ = tx.send(r).await;
                                    });
                                }
                                None => app.flash_msg("read-only console: nothing sent", Tone::Bad, now),
                            },
                        }
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, _))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            got = feed.recv(), if updates_open => match got {
                Received::Update(update) => dirty |= app.apply_from(&mut feed, update),
                Received::Lagged(n) => {
                    tracing::warn!(missed = n, "console lagged behind the update stream");
                    app.replica.lost_updates();
                    dirty = true;
                }
                Received::Closed => {
                    updates_open = false;
                    app.connection.ok = false;
                    app.connection.text = "hub gone: showing the last state".into();
                    dirty = true;
                }
            },
            changed = link_changed(&mut link) => {
                match changed {
                    Some(state) => {
                        app.connection.ok = state.ok;
                        app.connection.text = state.text;
                    }
                    None => link = None,
                }
                dirty = true;
            }
            Some(reply) = replies.recv() => {
                let now = clock.now();
                match reply {
                    Ok(what) => app.flash_msg(what, Tone::Good, now),
                    Err(e) => {
                        let (text, tone) = answer::refused(&e);
                        app.flash_msg(text, tone, now);
                    }
                }
                dirty = true;
            }
            () = tick => {
                app.expire_flash(clock.now());
                dirty = true;
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term => return Ok(()),
        }
    }
}

/// The link's next state; `None` once its sender is gone; never for a local console.
async fn link_changed(link: &mut Option<watch::Receiver<LinkState>>) -> Option<LinkState> {
    match link {
        Some(rx) => match rx.changed().await {
            Ok(()) => Some(rx.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}
