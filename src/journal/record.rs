//! What a journal holds, as the rest of the program sees it, and how an event becomes a row.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::JournalError;
use crate::drill::Event;

/// The journal's description of the drill it records.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalMeta {
    pub format_version: u32,
    pub runbook_name: String,
    pub runbook_digest: String,
    pub created_at: DateTime<Utc>,
    /// The warroom version that created the journal.
    pub warroom_version: String,
}

/// A low-rate telemetry sample (copy progress, probe sample); not part of the event sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetrySample {
    /// 1-based, in write order.
    pub id: i64,
    pub at: DateTime<Utc>,
    /// What the sample is, e.g. `copy_progress` or `probe`; free-form, chosen by the writer.
    pub kind: String,
    pub value: serde_json::Value,
}

/// Everything in a journal: enough to make a report without the runbook file.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    pub meta: JournalMeta,
    /// The exact runbook source the drill ran with.
    pub runbook_text: String,
    /// Every event, in seq order, starting at 1 with no gaps.
    pub events: Vec<Event>,
    pub telemetry: Vec<TelemetrySample>,
}

/// What a lenient read recovered from a possibly damaged journal.
#[derive(Debug)]
pub struct Salvaged {
    /// The meta record, the events before the first damaged one (a gapless prefix from
    /// seq 1), and every telemetry sample that verified.
    pub contents: JournalContents,
    /// Every problem found, in file order (events first, then telemetry). Empty when the
    /// journal is intact, in which case `contents` is what [`super::Journal::read`] returns.
    pub damage: Vec<JournalError>,
}

impl Salvaged {
    pub fn is_intact(&self) -> bool {
        self.damage.is_empty()
    }
}

/// An event as stored: `payload` is the whole event as JSON; the other text columns are
/// derived from it for people inspecting the file with `sqlite3`.
pub struct EventRow {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub payload: String,
}

impl EventRow {
    pub fn encode(path: &Path, event: &Event) -> Result<EventRow, JournalError> {
        let encode_err = |source| JournalError::Encode {
            path: path.to_path_buf(),
            seq: event.seq,
            source,
        };
        let value = serde_json::to_value(event).map_err(encode_err)?;
        let kind = value
            .get("kind")
            .and_then(|k| k.get("event"))
            .and_then(|k| k.as_str())
            .unwrap_or("unknown")
            .to_string();
        let payload = serde_json::to_string(&value).map_err(encode_err)?;
        Ok(EventRow {
            seq: event.seq,
            at: timestamp(event.at),
            actor: event.by.to_string(),
            kind,
            payload,
        })
    }
}

/// Fixed-width RFC 3339 in UTC, so the text sorts like the time.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("timestamp `{text}` does not parse ({e})"))
}
