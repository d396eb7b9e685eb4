//! What the modals may ask of the console (offered actions, the selected step in full),
//! apart from the app itself, so the app does not import the panels that draw it.

use chrono::{DateTime, Utc};

use super::app::App;
use super::keymap::Action;
use super::modal::ModalHost;

impl ModalHost for App {
    fn offered(&self, action: Action, now: DateTime<Utc>) -> bool {
        App::offered(self, action, now)
    }

    fn step_detail(&self, now: DateTime<Utc>) -> Vec<ratatui::text::Line<'static>> {
        super::panels::step::lines(self, now)
    }

    fn mode_keys(&self) -> Vec<(String, &'static str)> {
        self.mode_keys.clone()
    }
}
