//! The command-line edge: argument parsing and one module per subcommand. Errors here are
//! `anyhow`, each one sentence saying what to do.

pub mod announce;
pub mod args;
pub mod check;
pub mod completions;
pub mod console;
pub mod copy;
pub mod demo;
pub mod drill_number;
pub mod events;
pub mod init;
pub mod line_mode;
pub mod logging;
pub mod output;
pub mod preflight;
pub mod probe;
pub mod recon;
pub mod remote;
pub mod replay;
pub mod report;
pub mod run;
pub mod serve;
pub mod session;

pub use args::{Cli, Cmd, PreflightArgs};

/// The exit code for "the input was wrong" (a runbook with errors, a bad journal).
pub const EXIT_INVALID: i32 = 1;
