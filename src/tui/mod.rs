//! The console: a full-screen ratatui app over a replica of the drill.

pub mod app;
pub mod keymap;
pub mod layout;
pub mod modal;
pub mod panels;
pub mod render;
pub mod replica;
pub mod theme;
