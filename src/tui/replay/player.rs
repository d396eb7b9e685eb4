//! The reader's hand on the recording: which key does what to the [`Timeline`], how the
//! console's [`App`] is kept showing the moment, and the refusal of anything that would
//! change the drill. No terminal here, so tests drive it headless.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::controls::{self, Control, SPEEDS};
use super::timeline::Timeline;
use crate::drill::ManualClock;
use crate::tui::app::{App, AppEffect};
use crate::tui::theme::Tone;

/// Said when a key or command would change the drill.
pub const REFUSED: &str = "replay is read-only: a recorded drill cannot be changed";

/// How long the replay's own messages stay.
const FLASH_SECS: i64 = 6;

pub struct Player {
    pub timeline: Timeline,
    /// The console renders at this clock: the replay's moment.
    pub clock: ManualClock,
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The time being typed after `t`, if the prompt is open.
    pub prompt: Option<String>,
    /// What the journal is called, for the header.
    pub name: String,
}

/// What the loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Go,
    Quit,
}

impl Player {
    pub fn new(timeline: Timeline, name: String) -> Player {
        let clock = ManualClock::new(timeline.at());
        Player {
            timeline,
            clock,
            playing: false,
            speed: 0,
            prompt: None,
            name,
        }
    }

    pub fn speed(&self) -> u32 {
        SPEEDS[self.speed.min(SPEEDS.len() - 1)]
    }

    /// Gives `app` the replica at the moment and says where the replay stands.
    pub fn show(&self, app: &mut App) {
        self.clock.set(self.timeline.at());
        app.replace_replica(self.timeline.replica().clone());
        app.connection.ok = true;
        app.connection.text = self.status();
    }

    /// The header's status: "REPLAY ▶ 10x · event 12/40 · journal NAME".
    pub fn status(&self) -> String {
        if let Some(typed) = &self.prompt {
            return format!("REPLAY jump to (T+H:MM:SS or HH:MM UTC; Enter/Esc): {typed}_");
        }
        let state = if self.timeline.at_end() {
            "■ end".to_string()
        } else if self.playing {
            format!("▶ {}x", self.speed())
        } else {
            format!("⏸ paused {}x", self.speed())
        };
        format!(
            "REPLAY {state} · event {}/{} · journal {}",
            self.timeline.cursor(),
            self.timeline.len(),
            self.name
        )
    }

    /// Plays on by `wall` of wall time at the current speed; pauses at the end.
    pub fn tick(&mut self, wall: std::time::Duration) {
        if !self.playing {
            return;
        }
        let by = chrono::Duration::from_std(wall * self.speed()).unwrap_or_default();
        self.timeline.advance(by);
        if self.timeline.at_end() {
            self.playing = false;
        }
    }

    /// One key press: replay controls first, then the console's own keys (moving, help,
    /// layouts), with every drill-changing key refused.
    pub fn key(&mut self, app: &mut App, key: KeyEvent, wall: DateTime<Utc>) -> Flow {
        if key.kind == KeyEventKind::Release {
            return Flow::Go;
        }
        if self.prompt.is_some() {
            self.prompt_key(app, key.code, wall);
            return Flow::Go;
        }
        if app.modals.is_empty() {
            if let Some(c) = controls::control(&key) {
                self.control(app, c, wall);
                return Flow::Go;
            }
            if app
                .keymap
                .action(&key)
                .is_some_and(crate::tui::keymap::Action::changes_drill)
            {
                flash(app, REFUSED, Tone::Bad, wall);
                return Flow::Go;
            }
        }
        let before = app.flash.clone();
        let effects = app.handle_key(key, self.timeline.at());
        if app.flash != before {
            // The console stamped it with the replay's moment; it expires in wall time.
            if let Some(f) = &mut app.flash {
                f.until = wall + chrono::Duration::seconds(FLASH_SECS);
            }
        }
        for effect in effects {
            match effect {
                AppEffect::Quit => return Flow::Quit,
                AppEffect::Send(_) => flash(app, REFUSED, Tone::Bad, wall),
            }
        }
        Flow::Go
    }

    fn control(&mut self, app: &mut App, c: Control, wall: DateTime<Utc>) {
        match c {
            Control::TogglePlay => {
                if self.timeline.at_end() {
                    let start = self.timeline.start();
                    self.timeline.seek_time(start);
                }
                self.playing = !self.playing;
            }
            Control::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            Control::Slower => self.speed = self.speed.saturating_sub(1),
            Control::StepForward => {
                self.playing = false;
                if !self.timeline.step_forward() {
                    flash(app, "the end of the recording", Tone::Info, wall);
                }
            }
            Control::StepBack => {
                self.playing = false;
                if !self.timeline.step_back() {
                    flash(app, "the start of the recording", Tone::Info, wall);
                }
            }
            Control::JumpToStep => self.jump_to_selected(app, wall),
            Control::AskTime => {
                self.playing = false;
                self.prompt = Some(String::new());
            }
            Control::ToStart => {
                self.playing = false;
                let start = self.timeline.start();
                self.timeline.seek_time(start);
                app.follow = true;
            }
            Control::ToEnd => {
                self.playing = false;
                let end = self.timeline.end();
                self.timeline.seek_time(end);
                app.follow = true;
            }
        }
        self.show(app);
    }

    fn jump_to_selected(&mut self, app: &mut App, wall: DateTime<Utc>) {
        let Some((_, idx)) = app.selected_target() else {
            return;
        };
        let id = app.runbook.steps[idx].id.clone();
        self.playing = false;
        if self.timeline.seek_step(&id) {
            // Keep the jumped-to step selected, whatever else is running.
            app.follow = false;
        } else {
            flash(
                app,
                format!("`{id}` never started in this drill"),
                Tone::Warn,
                wall,
            );
        }
    }

    fn prompt_key(&mut self, app: &mut App, code: KeyCode, wall: DateTime<Utc>) {
        let Some(typed) = &mut self.prompt else {
            return;
        };
        match code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Enter => {
                let typed = self.prompt.take().unwrap_or_default();
                match controls::parse_time(&typed, self.timeline.drill_start()) {
                    Ok(t) => {
                        self.timeline.seek_time(t);
                        // A new moment: the selection follows what is running then.
                        app.follow = true;
                    }
                    Err(why) => flash(app, why, Tone::Bad, wall),
                }
            }
            _ => {}
        }
        self.show(app);
    }
}

fn flash(app: &mut App, text: impl Into<String>, tone: Tone, wall: DateTime<Utc>) {
    app.flash_msg(text, tone, wall);
}
