//! Recon telemetry: owned snapshots of a running recon (serde, no engine types).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconState {
    Planning,
    Running,
    /// Every chunk checked.
    Done,
    Failed,
    /// Continuous mode: re-checking recently changed rows every few seconds.
    Watching,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    /// In the source, not in the target.
    MissingInTarget,
    /// In the target, not in the source.
    ExtraInTarget,
    /// In both, with different values.
    Changed,
}

impl MismatchKind {
    pub fn label(self) -> &'static str {
        match self {
            MismatchKind::MissingInTarget => "missing",
            MismatchKind::ExtraInTarget => "extra",
            MismatchKind::Changed => "changed",
        }
    }
}

/// One differing column of a changed row (values as text; `None` is NULL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDiff {
    pub column: String,
    pub source: Option<String>,
    pub target: Option<String>,
}

/// One row that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub kind: MismatchKind,
    /// `column=value` per key column.
    pub key: Vec<String>,
    /// For `Changed`: the columns that differ. Empty otherwise.
    pub columns: Vec<ColumnDiff>,
}

impl Mismatch {
    /// "changed id=7: amount 10.50 → 10.51"
    pub fn describe(&self) -> String {
        let key = self.key.join(", ");
        match self.kind {
            MismatchKind::Changed => {
                let cols: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} → {}",
                            c.column,
                            c.source.as_deref().unwrap_or("NULL"),
                            c.target.as_deref().unwrap_or("NULL")
                        )
                    })
                    .collect();
                format!("changed {key}: {}", cols.join("; "))
            }
            kind => format!("{} in target: {key}", kind.label()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkState {
    Pending,
    InFlight,
    /// Both sides hash equal.
    Verified,
    /// Rows differ in it (bisected down to the rows).
    Mismatched,
}

/// One chunk of the key space, for the chunk map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconChunk {
    pub lo: String,
    pub hi: String,
    pub state: ChunkState,
}

/// Mismatch counts by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MismatchCounts {
    pub missing: u64,
    pub extra: u64,
    pub changed: u64,
}

impl MismatchCounts {
    pub fn total(&self) -> u64 {
        self.missing + self.extra + self.changed
    }

    pub fn add(&mut self, kind: MismatchKind) {
        match kind {
            MismatchKind::MissingInTarget => self.missing += 1,
            MismatchKind::ExtraInTarget => self.extra += 1,
            MismatchKind::Changed => self.changed += 1,
        }
    }
}

/// A business check (two aggregate queries) compared group by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainResult {
    pub name: String,
    /// Groups compared.
    pub groups: u64,
    /// "2026-03-01: source 120 | 10500.00, target 119 | 10480.00"
    pub differences: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconProgress {
    pub job: String,
    pub state: ReconState,
    pub chunks_total: u64,
    pub chunks_done: u64,
    /// Chunks whose checksums differed and were bisected (a chunk can differ and still hold
    /// no mismatch: floats within tolerance, JSON written differently).
    #[serde(default)]
    pub chunks_bisected: u64,
    /// Rows counted on each side in the chunks checked so far.
    pub rows_source: u64,
    pub rows_target: u64,
    pub counts: MismatchCounts,
    /// The mismatches found so far, in order found (at most [`FINDINGS_CAP`]).
    pub findings: Vec<Mismatch>,
    pub domain: Vec<DomainResult>,
    pub elapsed_secs: f64,
    pub last_error: Option<String>,
    pub chunks: Vec<ReconChunk>,
    /// Continuous mode: when the last round finished, in whole seconds since the epoch
    /// (the engine host's wall clock; see [`ReconProgress::round_at`]). Four bytes, so the
    /// live updates that carry this do not grow.
    #[serde(default)]
    pub round_unix_secs: Option<std::num::NonZeroU32>,
}

/// How many mismatches travel with each progress snapshot (the counts are exact).
pub const FINDINGS_CAP: usize = 1_000;

impl ReconProgress {
    /// When the last continuous round finished, if this is a watching snapshot.
    pub fn round_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.round_unix_secs
            .and_then(|s| chrono::DateTime::from_timestamp(i64::from(s.get()), 0))
    }

    /// The stamp of a round finished at `at` (`None` before 1970 or after 2106).
    pub fn round_stamp(at: chrono::DateTime<chrono::Utc>) -> Option<std::num::NonZeroU32> {
        u32::try_from(at.timestamp())
            .ok()
            .and_then(std::num::NonZeroU32::new)
    }

    /// Mismatches plus failing business checks: zero means the data matches.
    pub fn problems(&self) -> u64 {
        self.counts.total()
            + self
                .domain
                .iter()
                .map(|d| d.differences.len() as u64 + u64::from(d.error.is_some()))
                .sum::<u64>()
    }
}
