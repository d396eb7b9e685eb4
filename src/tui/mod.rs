//! The console: a full-screen ratatui app over a replica of the drill.

pub mod keymap;
pub mod layout;
pub mod panels;
pub mod theme;
