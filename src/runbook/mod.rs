//! The plan: runbook types, TOML parsing with line:column errors, validation.
//!
//! `parse` reads a file into the `raw` structs (TOML syntax, unknown fields; `syntax` finds
//! the opener behind a cascade of syntax errors), `validate`
//! resolves and checks them into the `model`, `summary` describes a valid runbook and
//! `check` is what `warroom check` prints.

pub mod announce;
pub mod check;
pub mod diagnostic;
pub mod duration;
pub mod graph;
pub mod model;
pub mod names;
pub mod only;
pub mod parse;
pub mod raw;
pub mod repeat;
pub mod scaffold;
pub mod summary;
mod syntax;
pub mod validate;

pub use announce::{AnnounceFormat, AnnounceSpec, AnnounceTarget, MessageKind};
pub use check::check_files;
pub use diagnostic::{Diagnostic, Severity, SourceMap};
pub use model::*;
pub use parse::{load, parse_str, LoadError, Loaded};
pub use summary::Summary;
