//! The health data that travels to the screen and over the network: one probe sample, a
//! probe's state (latest sample, history for sparklines, staleness) and the snapshot of all.
//!
//! Everything here is owned and serde-friendly; the console renders it and never reaches
//! back into the probes. Ages ("12 s ago") are derived at render time from the timestamps.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::runbook::ProbeKind;

/// Label set of one Prometheus series (`{instance="db1:9104", job="mysql"}`).
pub type Labels = BTreeMap<String, String>;

/// How a probe is doing. Ordered from best to worst: [`ProbeStatus::worst`] of a set is the
/// maximum. `Error`, `NoData` and `Critical` are all red; `NoData` ranks above `Error`
/// because a probe that has been blind long enough to go stale is the case a war room must
/// not miss, and `Critical` (a measured bad value) ranks highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    Ok,
    Warn,
    Error,
    NoData,
    Critical,
}

impl ProbeStatus {
    /// Green: the only status that holds a `requires = ["probe:x"]` or a gate.
    pub fn is_green(self) -> bool {
        self == ProbeStatus::Ok
    }

    /// Red (critical level): critical, no data, or error.
    pub fn is_red(self) -> bool {
        matches!(
            self,
            ProbeStatus::Critical | ProbeStatus::NoData | ProbeStatus::Error
        )
    }

    /// The worst of several statuses; `Ok` for none.
    pub fn worst(statuses: impl IntoIterator<Item = ProbeStatus>) -> ProbeStatus {
        statuses.into_iter().max().unwrap_or(ProbeStatus::Ok)
    }

    /// Upper-case label as the console and the headless output print it.
    pub fn label(self) -> &'static str {
        match self {
            ProbeStatus::Ok => "OK",
            ProbeStatus::Warn => "WARN",
            ProbeStatus::Error => "ERROR",
            ProbeStatus::NoData => "NO DATA",
            ProbeStatus::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for ProbeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One measurement of one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSample {
    /// The probe's name.
    pub probe: String,
    /// When the measurement finished.
    pub at: DateTime<Utc>,
    /// The value thresholds were applied to; `None` for no data or an error.
    pub value: Option<f64>,
    /// Every series a Prometheus query returned, labelled (empty for SQL and HTTP probes).
    pub series: Vec<(Labels, f64)>,
    pub status: ProbeStatus,
    /// What went wrong (timeout, refused, DNS, bad response...), or why there is no data.
    pub error: Option<String>,
    /// How long the measurement took.
    pub latency: Duration,
}

impl ProbeSample {
    /// Whether this sample carries a value (and so counts as fresh for staleness).
    pub fn is_fresh(&self) -> bool {
        self.value.is_some()
            && matches!(
                self.status,
                ProbeStatus::Ok | ProbeStatus::Warn | ProbeStatus::Critical
            )
    }
}

/// One point of a probe's recent history, for sparklines.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub at: DateTime<Utc>,
    pub value: Option<f64>,
    pub status: ProbeStatus,
}

/// A probe as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeState {
    pub name: String,
    pub kind: ProbeKind,
    pub unit: Option<String>,
    /// Part of the rollback path's health.
    pub rollback_path: bool,
    /// The latest sample, if any arrived yet.
    pub latest: Option<ProbeSample>,
    /// The last value measured and when, kept while later samples fail.
    pub last_value: Option<(DateTime<Utc>, f64)>,
    /// Set when no fresh sample arrived within `stale_after`: for how long there has been
    /// none (since the last value, or since sampling started).
    pub stale_for: Option<Duration>,
    /// The status to show: the latest sample's, or `NoData` when stale.
    pub status: ProbeStatus,
    /// Recent samples, oldest first, at most [`super::board::HISTORY_LEN`].
    pub history: VecDeque<HistoryPoint>,
}

impl ProbeState {
    /// Green evidence for `requires = ["probe:x"]`: status OK and not stale.
    pub fn evidence_holds(&self) -> bool {
        self.status.is_green() && self.stale_for.is_none()
    }

    /// How old the latest sample is at `now` (the panel's "age" column), if there is one.
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        let at = self.latest.as_ref()?.at;
        Some((now - at).to_std().unwrap_or(Duration::ZERO))
    }

    /// The history's values, oldest first, for a sparkline (gaps where there was none).
    pub fn history_values(&self) -> Vec<Option<f64>> {
        self.history.iter().map(|p| p.value).collect()
    }

    /// The text to show next to the status: the error, or how long there has been no data.
    pub fn detail(&self) -> Option<String> {
        let error = self.latest.as_ref().and_then(|s| s.error.clone());
        match (self.stale_for, error) {
            (Some(for_), Some(e)) => Some(format!("no data for {} ({e})", human(for_))),
            (Some(for_), None) => Some(format!("no data for {}", human(for_))),
            (None, e) => e,
        }
    }
}

/// Every probe's state at one moment, in runbook order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSnapshot {
    pub at: DateTime<Utc>,
    pub probes: Vec<ProbeState>,
    /// The worst status of all probes (`Ok` when there are none).
    pub worst: ProbeStatus,
}

impl HealthSnapshot {
    pub fn probe(&self, name: &str) -> Option<&ProbeState> {
        self.probes.iter().find(|p| p.name == name)
    }

    /// Whether `requires = ["probe:<name>"]` holds: the probe exists, is OK and is fresh.
    pub fn evidence_holds(&self, probe: &str) -> bool {
        self.probe(probe).is_some_and(ProbeState::evidence_holds)
    }

    /// Whether every probe is green (true for none).
    pub fn all_green(&self) -> bool {
        self.probes.iter().all(ProbeState::evidence_holds)
    }

    /// The worst status among the probes tagged as the rollback path's health, if any are.
    pub fn rollback_path_status(&self) -> Option<ProbeStatus> {
        let mut tagged = self.probes.iter().filter(|p| p.rollback_path).peekable();
        tagged.peek()?;
        Some(ProbeStatus::worst(tagged.map(|p| p.status)))
    }
}

/// A probe's status changed: the hub journals it as an event ("probe lag turned critical").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub probe: String,
    pub at: DateTime<Utc>,
    pub from: ProbeStatus,
    pub to: ProbeStatus,
    pub value: Option<f64>,
    pub unit: Option<String>,
    /// The error or staleness text at the time of the change.
    pub detail: Option<String>,
}

impl StatusChange {
    /// Back to green from anything else.
    pub fn is_recovery(&self) -> bool {
        self.to.is_green() && !self.from.is_green()
    }

    /// Turned red, or from one red to another (error -> stale NO DATA): worth a page.
    pub fn is_alarm(&self) -> bool {
        self.to.is_red() && self.to != self.from
    }

    /// One human line for the log: "probe lag turned CRITICAL at 42 s: ..." / "probe lag
    /// recovered (OK, 0.3 s)".
    pub fn describe(&self) -> String {
        let value = self
            .value
            .map(|v| format!(", {}", format_value(v, self.unit.as_deref())))
            .unwrap_or_default();
        let detail = self
            .detail
            .as_ref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        if self.is_recovery() {
            format!("probe {} recovered (was {}{value})", self.probe, self.from)
        } else {
            format!(
                "probe {} turned {} (was {}{value}){detail}",
                self.probe, self.to, self.from
            )
        }
    }
}

/// Compares a probe's previous and new status: `Some` when they differ.
pub fn status_change(
    previous: &ProbeState,
    next: &ProbeState,
    at: DateTime<Utc>,
) -> Option<StatusChange> {
    (previous.status != next.status).then(|| StatusChange {
        probe: next.name.clone(),
        at,
        from: previous.status,
        to: next.status,
        value: next.latest.as_ref().and_then(|s| s.value),
        unit: next.unit.clone(),
        detail: next.detail(),
    })
}

/// A value with its unit, compactly: "12", "0.25 s", "1.5k qps".
// `value == value.trunc()` is the exact test for a whole number.
#[allow(clippy::float_cmp)]
pub fn format_value(value: f64, unit: Option<&str>) -> String {
    let number = if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if value == value.trunc() && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        let s = format!("{value:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match unit {
        Some(u) if !u.is_empty() => format!("{number} {u}"),
        _ => number,
    }
}

/// "850ms", "42s", "3m05s", "1h02m".
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        format!("{}ms", d.as_millis())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// `{instance="db1", job="mysql"}` (empty labels print as `{}`).
pub fn labels_text(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_and_colours() {
        use ProbeStatus::*;
        assert_eq!(ProbeStatus::worst([Ok, Warn, Ok]), Warn);
        assert_eq!(ProbeStatus::worst([Error, NoData]), NoData);
        assert_eq!(ProbeStatus::worst([NoData, Critical]), Critical);
        assert_eq!(ProbeStatus::worst([]), Ok);
        assert!(Ok.is_green() && !Warn.is_green());
        assert!(Error.is_red() && NoData.is_red() && Critical.is_red() && !Warn.is_red());
    }

    #[test]
    fn values_print_compactly() {
        assert_eq!(format_value(12.0, None), "12");
        assert_eq!(format_value(0.25, Some("s")), "0.25 s");
        assert_eq!(format_value(1234.567, Some("qps")), "1234.6 qps");
        assert_eq!(format_value(f64::NAN, None), "NaN");
        assert_eq!(human(Duration::from_millis(850)), "850ms");
        assert_eq!(human(Duration::from_secs(185)), "3m05s");
    }
}
