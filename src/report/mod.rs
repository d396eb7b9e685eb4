//! The drill report, made from a journal alone: the runbook text it holds, its events and
//! its recorded telemetry.
//!
//! [`load`] reads a journal (leniently: a damaged tail still gives the report of the valid
//! prefix) into a [`Report`], the one model every format renders: [`markdown`] (with a
//! text timeline), [`html`] (self-contained, with an SVG timeline, prints on A4) and
//! [`json`] (the model itself, a documented stable shape).
//!
//! [`compare`] sets several drills' reports side by side.
//!
//! Depends on `drill` and `journal` (for reading) only.

mod build;
pub mod compare;
pub mod compare_render;
mod error;
mod escape;
mod figures;
mod format;
mod health;
pub mod history;
pub mod html;
pub mod json;
mod load;
pub mod markdown;
mod model;
pub mod suggest;
mod svg;
mod text_chart;

#[cfg(test)]
mod tests;

pub use build::build;
pub use error::ReportError;
pub use load::Source;
pub use model::*;

/// The report of the journal at `path`, with live figures as of `now`.
pub async fn load(
    path: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Report, ReportError> {
    let source = Source::read(path).await?;
    Ok(build(&source, now))
}
