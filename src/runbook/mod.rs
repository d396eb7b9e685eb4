//! The plan: runbook types, TOML parsing with line:column errors, validation.

pub mod duration;
pub mod model;

pub use model::*;
