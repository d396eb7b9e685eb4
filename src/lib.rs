//! warroom: a terminal console for the war room of a live database migration.
//!
//! Module map (see DESIGN.md): `runbook` is the plan, `drill` what happened, `journal`
//! the durable log of it, `hub` the one owner of drill state.

pub mod drill;
pub mod journal;
pub mod runbook;
pub mod tui;
