//! The runbook file as written: serde structs that mirror the TOML one to one.
//!
//! Everything a diagnostic may need to point at is `Spanned`. Enumerations (kinds,
//! engines) and durations stay text here so that validation can say precisely what is
//! wrong with them; [`crate::runbook::validate`] turns these into the model.
//!
//! Each item (a person, a step, a job...) is deserialized on its own by
//! [`crate::runbook::parse`], so one broken item does not hide the problems of the others.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

pub type SString = Spanned<String>;

/// `[runbook]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: SString,
    pub kind: SString,
    pub description: Option<String>,
    pub coordinator: SString,
    pub window: Option<Spanned<RawWindow>>,
}

/// `window = { start = 2026-11-28T01:00:00Z, duration = "4h" }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    /// A TOML offset datetime or an RFC 3339 string.
    pub start: Spanned<toml::Value>,
    pub duration: SString,
}

/// `[people.<handle>]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    pub name: String,
    pub role: String,
    pub contact: Option<String>,
    /// Handles who may act for this person (sign off, vote in their gate seat).
    pub deputies: Option<Vec<SString>>,
}

/// `[connections.<name>]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    pub url: SString,
}

/// `[[phase]]` without its steps, which are deserialized one by one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhaseHead {
    pub name: SString,
    /// `only = "drill"` or `"cutover"`: the whole phase exists only in runs of that kind.
    pub only: Option<SString>,
    pub step: Option<IgnoredAny>,
}

/// `[[phase.step]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: SString,
    pub title: String,
    pub dri: SString,
    pub reviewer: SString,
    pub planned: SString,
    /// `None`: the previous step in file order. `Some([])`: explicitly none.
    pub after: Option<Vec<SString>>,
    #[serde(default)]
    pub instructions: String,
    pub action: Option<Spanned<RawAction>>,
    /// `rollback = "text"` is rewritten to `{ instructions = "text" }` before this is read.
    pub rollback: Option<Spanned<RawRollback>>,
    pub gate: Option<Spanned<bool>>,
    pub approvers: Option<Spanned<Vec<SString>>>,
    pub irreversible: Option<Spanned<bool>>,
    #[serde(default)]
    pub requires: Vec<SString>,
    /// The step may not start before this date and time.
    pub not_before: Option<Spanned<toml::Value>>,
    /// A gate: no GO after this date and time.
    pub go_deadline: Option<Spanned<toml::Value>>,
    /// The step runs at least this long: done is refused before.
    pub min_hold: Option<SString>,
    /// An irreversible step: the phase whose steps run if the coordinator calls its
    /// contingency (fail-forward or fail-back) after a later step fails.
    pub contingency: Option<SString>,
    /// The text the step's start posts to the `[announce]` targets.
    pub announce: Option<SString>,
    /// `only = "drill"` or `"cutover"`: the step exists only in runs of that kind.
    pub only: Option<SString>,
}

/// `action = { ... }`: exactly one of copy, recon, check, shell (checked in validation);
/// `result` with `shell`, `report` with `check` or `shell`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub copy: Option<SString>,
    pub recon: Option<SString>,
    pub check: Option<Spanned<RawCheck>>,
    pub shell: Option<SString>,
    /// Rollback only: `restart_copy = "JOB"` starts the copy job over.
    pub restart_copy: Option<SString>,
    /// `result = { json = "/pointer", expect = ... }` or `{ last_line = true, expect = ... }`
    pub result: Option<Spanned<RawShellResult>>,
    /// A path or URL shown with the evidence.
    pub report: Option<SString>,
}

/// `check = { probe = "p" }`, `check = { sql = "...", connection = "c", expect = "0" }` or
/// `check = { compare = { source = {...}, target = {...}, tolerance = 0 } }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    /// `check = "preflight"` is rewritten to `{ named = "preflight" }` before this is read.
    pub named: Option<SString>,
    pub probe: Option<SString>,
    pub sql: Option<SString>,
    pub connection: Option<SString>,
    /// Text, a number or a boolean (compared as text), or a condition table
    /// (`{ at_least = 99.5 }`...): kept as a value so validation can say what is wrong.
    pub expect: Option<Spanned<toml::Value>>,
    pub compare: Option<Spanned<RawCompare>>,
    pub holds_for: Option<Spanned<i64>>,
    pub ready: Option<Spanned<RawQuery>>,
}

/// `compare = { source = { connection, sql }, target = { connection, sql }, tolerance }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompare {
    pub source: Spanned<RawQuery>,
    pub target: Spanned<RawQuery>,
    /// A number (absolute) or a percentage string such as "0.1%".
    pub tolerance: Option<Spanned<toml::Value>>,
}

/// `{ connection = "c", sql = "SELECT ..." }` (`connection` may default, per use).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuery {
    pub connection: Option<SString>,
    pub sql: SString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShellResult {
    pub json: Option<SString>,
    pub last_line: Option<Spanned<bool>>,
    pub expect: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollback {
    pub instructions: String,
    pub action: Option<Spanned<RawAction>>,
}

/// `[[copy]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCopy {
    pub name: SString,
    pub engine: Option<SString>,
    pub source: SString,
    /// Absent with `tables`.
    pub source_table: Option<Spanned<String>>,
    pub target: SString,
    pub target_table: Option<Spanned<String>>,
    /// Optional with `tables` (each table's primary key).
    pub key: Option<Spanned<Vec<String>>>,
    /// `tables = ["a", "b"]` or `tables = { pattern = "shop_%", except = [...] }`: one job
    /// per table (kept as a value so validation can say what is wrong).
    pub tables: Option<Spanned<toml::Value>>,
    pub columns: Option<Spanned<Vec<String>>>,
    pub rename: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub workers: Option<Spanned<u32>>,
    pub chunk_rows: Option<Spanned<u64>>,
    pub chunk_target: Option<SString>,
    pub max_rows_per_sec: Option<Spanned<u64>>,
    #[serde(default)]
    pub throttle: Vec<Spanned<RawThrottle>>,
    pub progress: Option<Spanned<RawProgress>>,
    pub create_target: Option<Spanned<bool>>,
    /// Copy jobs of one group never run at once (`exclusive = "migration-service"`).
    pub exclusive: Option<SString>,
    /// An external job whose progress has not moved for this long shows as stalled.
    pub stalled_after: Option<SString>,
}

/// `[[copy.throttle]]`: which fields apply depends on `kind` (checked in validation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    pub kind: SString,
    /// A duration string for `source_latency`, a number for `query`.
    pub above: Option<Spanned<toml::Value>>,
    pub connection: Option<SString>,
    pub query: Option<SString>,
    pub probe: Option<SString>,
}

/// `progress = { from = "sql", connection, query }`, `{ from = "prometheus", url, done,
/// total }` or `{ from = "command", command = "..." }`, each with an optional `finished`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProgress {
    pub from: SString,
    pub connection: Option<SString>,
    pub query: Option<SString>,
    /// Refused with a pointer to `url`/`done`/`total` (the old, never-followed form).
    pub probe: Option<SString>,
    pub url: Option<SString>,
    pub done: Option<SString>,
    pub total: Option<SString>,
    pub command: Option<SString>,
    /// `"done >= total"` (the default) or `"status = VALUE"`.
    pub finished: Option<SString>,
}

/// `[[recon]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecon {
    pub name: SString,
    pub source: SString,
    pub source_table: Option<Spanned<String>>,
    pub target: SString,
    pub target_table: Option<Spanned<String>>,
    pub key: Option<Spanned<Vec<String>>>,
    /// As [`RawCopy::tables`].
    pub tables: Option<Spanned<toml::Value>>,
    pub columns: Option<Spanned<Vec<String>>>,
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub chunk_rows: Option<Spanned<u64>>,
    pub concurrency: Option<Spanned<u32>>,
    pub float_tolerance: Option<Spanned<f64>>,
    /// Continuous mode (dual-write): `watch = { column = "updated_at", every = "30s",
    /// settle = "10s" }`.
    pub watch: Option<Spanned<RawReconWatch>>,
    /// A continuous recon that runs across steps: `active = { from = "STEP", until = "STEP" }`
    /// or `{ phases = [...] }`, as a probe's.
    pub active: Option<Spanned<RawScope>>,
    /// `[[recon.check]]`: business checks compared group by group.
    #[serde(default, rename = "check")]
    pub checks: Vec<Spanned<RawDomainCheck>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReconWatch {
    pub column: String,
    pub every: Option<SString>,
    pub settle: Option<SString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomainCheck {
    pub name: SString,
    pub source_sql: String,
    pub target_sql: String,
}

/// `[[probe]]`: which fields are required depends on `kind` (checked in validation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    pub name: SString,
    pub kind: SString,
    pub url: Option<SString>,
    pub query: Option<SString>,
    pub connection: Option<SString>,
    pub json_pointer: Option<SString>,
    pub interval: Option<SString>,
    pub timeout: Option<SString>,
    pub stale_after: Option<SString>,
    pub unit: Option<String>,
    pub warn: Option<Spanned<RawThreshold>>,
    pub critical: Option<Spanned<RawThreshold>>,
    #[serde(default)]
    pub rollback_path: bool,
    pub active: Option<Spanned<RawScope>>,
}

/// `{ phases = ["switch"] }` | `{ from = "freeze", until = "switch" }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScope {
    pub phases: Option<Vec<SString>>,
    pub from: Option<SString>,
    pub until: Option<SString>,
}

/// `{ above = 5.0 }` | `{ below = 1.0 }` | `{ outside = [min, max] }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    pub above: Option<f64>,
    pub below: Option<f64>,
    pub outside: Option<(f64, f64)>,
}

/// `[announce]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnnounce {
    pub reminders: Option<Spanned<Vec<SString>>>,
    pub timeout: Option<SString>,
    pub backoff: Option<SString>,
    pub max_backoff: Option<SString>,
    pub give_up_after: Option<SString>,
    #[serde(default)]
    pub target: Vec<Spanned<RawAnnounceTarget>>,
}

/// `[[announce.target]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnnounceTarget {
    pub name: SString,
    pub url: SString,
    pub format: Option<SString>,
    pub kinds: Option<Spanned<Vec<SString>>>,
}

/// A `[[phase]]` with the steps that deserialized.
#[derive(Debug, Clone)]
pub struct RawPhase {
    /// `None` when the phase's own fields did not deserialize (already reported).
    pub name: Option<SString>,
    /// `only = "drill" | "cutover"` of the phase.
    pub only: Option<SString>,
    /// Span of the whole `[[phase]]` table.
    pub span: std::ops::Range<usize>,
    pub steps: Vec<Spanned<RawStep>>,
    /// How many `[[phase.step]]` tables were written, including those that did not
    /// deserialize (so an "empty phase" error is not raised for a phase with broken steps).
    pub written_steps: usize,
}

/// `[[id_generator]]`: ids an application makes, read through SQL for preflight.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdGenerator {
    pub name: SString,
    pub connection: SString,
    pub query: SString,
    pub max: Option<Spanned<i64>>,
    pub bits: Option<Spanned<i64>>,
    pub per_day: Option<Spanned<f64>>,
    pub snowflake: Option<Spanned<RawSnowflake>>,
}

/// `snowflake = { timestamp_bits = 41, low_bits = 22 }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSnowflake {
    pub timestamp_bits: i64,
    pub low_bits: i64,
}

/// The whole file, section by section, as far as it deserialized.
#[derive(Debug, Clone, Default)]
pub struct RawRunbook {
    pub meta: Option<Spanned<RawMeta>>,
    pub people: Vec<(SString, RawPerson)>,
    pub connections: Vec<(SString, Spanned<RawConnection>)>,
    pub phases: Vec<RawPhase>,
    pub copies: Vec<Spanned<RawCopy>>,
    pub recons: Vec<Spanned<RawRecon>>,
    pub probes: Vec<Spanned<RawProbe>>,
    pub id_generators: Vec<Spanned<RawIdGenerator>>,
    /// `[announce]`, with the span of its key (for "no target" errors).
    pub announce: Option<(std::ops::Range<usize>, Spanned<RawAnnounce>)>,
    /// Names of items that were written but did not deserialize (already reported), so
    /// references to them are not reported a second time.
    pub broken: Broken,
}

/// Names declared by items that failed to deserialize, per namespace.
#[derive(Debug, Clone, Default)]
pub struct Broken {
    pub meta: bool,
    pub people: Vec<String>,
    pub connections: Vec<String>,
    pub steps: Vec<String>,
    pub copies: Vec<String>,
    pub recons: Vec<String>,
    pub probes: Vec<String>,
}
