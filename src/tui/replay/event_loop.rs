//! The replay's event loop: key presses, a play tick (every 100 ms while playing, else on
//! the wall-clock second for the flash) and SIGINT/SIGTERM. Nothing is ever sent anywhere.

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream};

use super::player::{Flow, Player};
use crate::drill::Clock;
use crate::tui::app::App;
use crate::tui::render;
use crate::tui::terminal::TerminalGuard;

const PLAY_TICK: Duration = Duration::from_millis(100);

pub async fn run(mut app: App, mut player: Player) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let mut keys = EventStream::new();
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    player.show(&mut app);
    let mut dirty = true;
    let mut last = Instant::now();
    loop {
        if dirty {
            let now = player.clock.now();
            guard.terminal.draw(|f| render::render(&app, f, now))?;
            dirty = false;
        }
        let wait = if player.playing {
            PLAY_TICK
        } else {
            Duration::from_secs(1)
        };
        #[cfg(unix)]
        let term = sigterm.recv();
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(key))) => {
                    if player.key(&mut app, key, Utc::now()) == Flow::Quit {
                        return Ok(());
                    }
                    last = Instant::now();
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, _))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            () = tokio::time::sleep(wait) => {
                let elapsed = last.elapsed();
                last = Instant::now();
                if player.playing {
                    player.tick(elapsed);
                    player.show(&mut app);
                }
                app.expire_flash(Utc::now());
                dirty = true;
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term => return Ok(()),
        }
    }
}
