//! From a journal file to the report's inputs, read-only and leniently: a damaged tail
//! still gives the report of the events before it.

use std::path::Path;
use std::sync::Arc;

use super::error::ReportError;
use crate::drill::Event;
use crate::journal::{Journal, JournalError, JournalMeta, TelemetrySample};
use crate::runbook::{self, Runbook};

/// Everything a report is made from.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub meta: JournalMeta,
    pub runbook: Arc<Runbook>,
    /// The verified prefix, seq 1.. without gaps.
    pub events: Vec<Event>,
    pub telemetry: Vec<TelemetrySample>,
    /// The first event seq that could not be read, if the event log is damaged.
    pub unreadable_from_seq: Option<u64>,
    /// Every problem found, one sentence each.
    pub damage: Vec<String>,
}

impl Source {
    /// Reads the journal at `path` (through the read-only reader) and parses the runbook
    /// text it holds.
    pub async fn read(path: &Path) -> Result<Source, ReportError> {
        let salvaged = Journal::read_lenient(path).await?;
        let contents = salvaged.contents;
        let loaded = runbook::parse_str(&path.display().to_string(), &contents.runbook_text)
            .map_err(|diags| {
                let first = diags.iter().find(|d| d.is_error()).map_or_else(
                    || "no error was given".to_string(),
                    |d| format!("line {}, column {}: {}", d.line, d.column, d.message),
                );
                ReportError::Runbook {
                    path: path.to_path_buf(),
                    why: first,
                    written_by: contents.meta.warroom_version.clone(),
                }
            })?;
        let unreadable_from_seq =
            salvaged
                .damage
                .iter()
                .find_map(JournalError::seq)
                .or_else(|| {
                    // Damage inside the event log that names no seq starts right after the prefix.
                    salvaged
                        .damage
                        .iter()
                        .any(|d| !matches!(d, JournalError::CorruptTelemetry { .. }))
                        .then_some(contents.events.len() as u64 + 1)
                });
        Ok(Source {
            path: path.display().to_string(),
            meta: contents.meta,
            runbook: Arc::new(loaded.runbook),
            events: contents.events,
            telemetry: contents.telemetry,
            unreadable_from_seq,
            damage: salvaged.damage.iter().map(ToString::to_string).collect(),
        })
    }
}
