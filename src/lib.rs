//! warroom: a terminal console for the war room of a live database migration.
//!
//! Module map (see DESIGN.md): `runbook` is the plan, `drill` what happened, `journal`
//! the durable log of it, `hub` the one owner of drill state, `runner` the one place that joins
//! the hub and the engines (`copy`, `recon`, `health`, `actions`), `line` the line-mode
//! command syntax, `cli` the command-line edge.

pub mod actions;
pub mod cli;
pub mod copy;
pub mod db;
pub mod demo;
pub mod drill;
pub mod health;
pub mod hub;
pub mod journal;
pub mod line;
pub mod net;
pub mod notify;
pub mod preflight;
pub mod recon;
pub mod report;
pub mod runbook;
pub mod runner;
pub mod tui;
