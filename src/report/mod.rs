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
mod figures;
mod format;
mod health;
pub mod html;
pub mod json;
mod load;
pub mod markdown;
mod model;
mod svg;
mod text_chart;

#[cfg(test)]
mod tests;

pub use build::build;
pub use error::ReportError;
pub use load::{load, Source};
pub use model::*;
