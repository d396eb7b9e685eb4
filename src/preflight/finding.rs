//! One hazard found: how bad, where, why it matters for this migration and what to do.

use serde::Serialize;

/// How bad a hazard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The migration will lose, corrupt or refuse data, or cannot run: fix it first.
    Blocker,
    /// It will work, but slowly, noisily or with a trap someone must plan for.
    Warning,
    /// How warroom will handle something unusual; nothing to fix.
    Info,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Which hazard, as a stable code (for `--json` readers and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    Unreachable,
    Unreadable,
    /// A copy's target table is missing and the copy creates it (`create_target`), or
    /// would refuse to.
    TargetCreated,
    NoKey,
    KeyNotUnique,
    KeyNullable,
    KeyNotPositive,
    KeyRanging,
    KeyOrder,
    ForeignKey,
    Trigger,
    ValueRange,
    TypeNarrowing,
    ZeroDate,
    DateRange,
    Collation,
    Float,
    Charset,
    Json,
    Generated,
    Invisible,
    Identity,
    SequenceAfterCopy,
    Counter,
    IdHeadroom,
    RowEstimate,
    ColumnMissing,
    ExtraColumn,
    Nullability,
    DefaultDiffers,
    KeyDiffers,
    IndexMissing,
    Estimate,
}

/// One hazard at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub hazard: Hazard,
    /// The runbook connection it is on.
    pub connection: Option<String>,
    pub table: Option<String>,
    pub column: Option<String>,
    /// The copy and recon jobs it concerns.
    pub jobs: Vec<String>,
    /// What was found, with the figures.
    pub what: String,
    /// Why it matters for this migration.
    pub why: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    pub fn new(severity: Severity, hazard: Hazard) -> Finding {
        Finding {
            severity,
            hazard,
            connection: None,
            table: None,
            column: None,
            jobs: Vec::new(),
            what: String::new(),
            why: String::new(),
            fix: String::new(),
        }
    }

    /// Where: `connection table.column`.
    pub fn place(&self) -> String {
        let mut out = self.connection.clone().unwrap_or_default();
        if let Some(t) = &self.table {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
            if let Some(c) = &self.column {
                out.push('.');
                out.push_str(c);
            }
        }
        out
    }
}

/// Builds a finding at a table (and column) of a connection.
#[derive(Debug, Clone)]
pub struct At<'a> {
    pub connection: &'a str,
    pub table: &'a str,
    pub jobs: &'a [String],
}

impl At<'_> {
    pub fn finding(
        &self,
        severity: Severity,
        hazard: Hazard,
        column: Option<&str>,
        what: impl Into<String>,
        why: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            hazard,
            connection: Some(self.connection.to_string()),
            table: Some(self.table.to_string()),
            column: column.map(str::to_string),
            jobs: self.jobs.to_vec(),
            what: what.into(),
            why: why.into(),
            fix: fix.into(),
        }
    }
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub blocker: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Blocker => c.blocker += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    /// `2 blockers, 1 warning, 0 info`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        format!(
            "{}, {}, {} info",
            plural(self.blocker, "blocker"),
            plural(self.warning, "warning"),
            self.info
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_places_read_well() {
        let at = At {
            connection: "src",
            table: "orders",
            jobs: &["orders".to_string()],
        };
        let f = at.finding(Severity::Blocker, Hazard::NoKey, Some("id"), "w", "y", "f");
        assert_eq!(f.place(), "src orders.id");
        let c = Counts::of(&[f.clone(), f, Finding::new(Severity::Warning, Hazard::Float)]);
        assert_eq!(c.summary(), "2 blockers, 1 warning, 0 info");
        assert!(Severity::Blocker < Severity::Warning);
    }
}
