//! The validated plan: what the drill engine, the console and the engines work from.
//!
//! These types are produced only by [`crate::runbook::parse`] after validation, so every
//! reference in them (people, step ids, connection names, job names) is known to resolve.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person's handle as written in `[people.<handle>]`.
pub type Handle = String;
/// A step id as written in `[[phase.step]] id = "..."`.
pub type StepId = String;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Runbook {
    pub meta: Meta,
    /// People in declaration order.
    pub people: Vec<Person>,
    pub connections: Vec<Connection>,
    pub phases: Vec<Phase>,
    /// Every step of every phase, flattened in declaration order.
    pub steps: Vec<Step>,
    pub copies: Vec<CopySpec>,
    pub recons: Vec<ReconSpec>,
    pub probes: Vec<ProbeSpec>,
    /// `[[copy]]` jobs over many tables (`tables = [...]` or `{ pattern = "..." }`): one
    /// copy per table, named `JOB/TABLE`, resolved when the step starts.
    #[serde(default)]
    pub copy_sets: Vec<CopySet>,
    /// `[[recon]]` jobs over many tables, as [`Runbook::copy_sets`].
    #[serde(default)]
    pub recon_sets: Vec<ReconSet>,
    /// `[[id_generator]]`: ids an application makes, whose headroom preflight reads.
    #[serde(default)]
    pub id_generators: Vec<IdGeneratorSpec>,
    /// `[announce]`: webhook targets for the drill's announcements (`None`: none).
    #[serde(default)]
    pub announce: Option<crate::runbook::AnnounceSpec>,
    /// Steps declared with `only` for another kind of run (`only = "cutover"` in a drill):
    /// not part of this run, so not in `steps`; listed for `check` and the report.
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
    /// The exact text the runbook was parsed from (journaled so a report can be made from
    /// the journal alone).
    pub source_text: String,
    /// Hex digest of `source_text`: identifies the runbook version a journal ran with.
    pub digest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunbookKind {
    Drill,
    Cutover,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    pub kind: RunbookKind,
    pub description: Option<String>,
    pub coordinator: Handle,
    pub window: Option<Window>,
}

/// The change window the cutover is booked in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub handle: Handle,
    pub name: String,
    pub role: String,
    pub contact: Option<String>,
    /// `deputies = ["bob"]`: people who may act for this person (start, finish and sign off
    /// their steps, vote in their gate seat), each act recorded as by the deputy for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deputies: Vec<Handle>,
}

/// A named database connection. The URL is kept as written, with `${VAR}` placeholders
/// unexpanded: expanding it (and so handling the secret) is the db layer's job, at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub name: String,
    pub url_template: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// Indexes into [`Runbook::steps`].
    pub steps: Vec<usize>,
    /// A contingency phase: the irreversible step whose `contingency` names it. Its steps
    /// are not part of the forward plan; they run only once the contingency is called.
    #[serde(default)]
    pub contingency_for: Option<StepId>,
    /// `only = "drill" | "cutover"` on the phase: every step of it has that `only`.
    #[serde(default)]
    pub only: Option<RunbookKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub title: String,
    /// Index into [`Runbook::phases`].
    pub phase: usize,
    pub dri: Handle,
    pub reviewer: Handle,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub planned: Duration,
    /// Steps this one waits for (resolved: defaults to the previous step).
    pub after: Vec<StepId>,
    pub instructions: String,
    pub action: Option<Action>,
    pub rollback: Option<Rollback>,
    pub gate: bool,
    /// Who must say GO at a gate (default: the coordinator). Empty for non-gates.
    pub approvers: Vec<Handle>,
    pub irreversible: bool,
    pub requires: Vec<Evidence>,
    /// Wall-clock rules: a fixed start, a GO deadline, a minimum hold, a planned range.
    #[serde(default)]
    pub clock: StepClock,
    /// An irreversible step: the name of its contingency phase.
    #[serde(default)]
    pub contingency: Option<String>,
    /// `announce = "..."`: the text the start of this step posts to the announce targets.
    #[serde(default)]
    pub announce: Option<String>,
    /// `only = "drill" | "cutover"` (its own or its phase's): a step of another kind of run
    /// is left out of the runbook when it is loaded (see [`Runbook::left_out`]).
    #[serde(default)]
    pub only: Option<RunbookKind>,
}

/// When a step may start and end, beyond its dependencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepClock {
    /// It may not start before this time (`not_before`).
    pub not_before: Option<DateTime<Utc>>,
    /// A gate: no GO after this time (`go_deadline`); past it the gate cannot pass by GO.
    pub go_deadline: Option<DateTime<Utc>>,
    /// Done is refused before it has run this long (`min_hold`).
    #[serde(default, with = "crate::runbook::duration::serde_human_opt")]
    pub min_hold: Option<Duration>,
    /// `planned = "19h-23h"`: the upper end; the step is over plan only past it.
    #[serde(default, with = "crate::runbook::duration::serde_human_opt")]
    pub planned_max: Option<Duration>,
}

/// An automated action attached to a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Run the `[[copy]]` job with this name.
    Copy(String),
    /// Run the `[[recon]]` job with this name.
    Recon(String),
    /// Evaluate a check.
    Check(Check),
    /// Run a shell command; only when the console was started with `--allow-shell`.
    Shell(ShellAction),
    /// Rollback only: start the named `[[copy]]` job over. Once its target table is empty
    /// (warroom never empties it: the rollback's instructions say how), its checkpoint is
    /// cleared so the next run copies from the first row.
    RestartCopy(String),
}

impl Action {
    /// The evidence this action reports when it is the action of `owner`: copy, recon
    /// and probe evidence is named after its job; a check, command or copy restart
    /// reports under its step (`action:STEP` forward, `rollback:STEP` in a rollback).
    pub fn evidence(&self, owner: ActionOwner<'_>) -> Evidence {
        let own = |step: &str| match owner {
            ActionOwner::Step(_) => Evidence::Action(step.to_string()),
            ActionOwner::Rollback(_) => Evidence::Rollback(step.to_string()),
        };
        match self {
            Action::Copy(job) => Evidence::CopyDone(job.clone()),
            Action::Recon(job) => Evidence::ReconClean(job.clone()),
            Action::Check(Check::Probe(probe)) => Evidence::ProbeGreen(probe.clone()),
            Action::Check(Check::Preflight) => Evidence::Preflight,
            Action::Check(Check::Sql(_) | Check::Compare(_))
            | Action::Shell(_)
            | Action::RestartCopy(_) => own(owner.step()),
        }
    }
}

/// Whose an action is: a forward step's, or the rollback task of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOwner<'a> {
    Step(&'a str),
    Rollback(&'a str),
}

impl<'a> ActionOwner<'a> {
    pub fn step(self) -> &'a str {
        match self {
            ActionOwner::Step(s) | ActionOwner::Rollback(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The named probe must be green.
    Probe(String),
    /// A SQL query on a connection; the check holds when its result meets `expect`, or,
    /// with no `expect`, when the query succeeds.
    Sql(SqlCheck),
    /// A value from one connection compared with a value from another, within a tolerance.
    Compare(CompareCheck),
    /// `check = "preflight"`: the hazard scan of every copy and recon pair; holds while
    /// it finds no blocker, and reports `preflight` evidence.
    Preflight,
}

/// `check = { sql = "...", connection = "...", expect = ..., holds_for = N, ready = {...} }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlCheck {
    pub connection: String,
    pub query: String,
    pub expect: Option<Condition>,
    pub when: CheckWhen,
}

/// `check = { compare = { source = {...}, target = {...}, tolerance = 0 | "0.1%" } }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareCheck {
    pub source: Query,
    pub target: Query,
    pub tolerance: Tolerance,
    pub when: CheckWhen,
}

/// When a check that holds counts: after its job reports finished (`ready`), and only
/// once it held `holds_for` times in a row; and the report it points people at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckWhen {
    /// Consecutive runs (5 s apart) that must hold; 1 = the first that holds.
    pub holds_for: u32,
    /// Must return true (1, t, true, yes) before the check itself is judged.
    pub ready: Option<Query>,
    /// A path or URL attached to the evidence detail.
    pub report: Option<String>,
}

impl Default for CheckWhen {
    fn default() -> Self {
        CheckWhen {
            holds_for: 1,
            ready: None,
            report: None,
        }
    }
}

/// One SQL query on one connection; its first row is what counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub connection: String,
    pub sql: String,
}

/// What a check's value must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The first cell equals this text (trimmed; `NULL` matches NULL).
    Equals(String),
    /// The first cell, read as a number, is at least this.
    AtLeast(f64),
    /// The first cell, read as a number, is at most this.
    AtMost(f64),
    /// The first cell, read as a number, is within `[min, max]`.
    Between(f64, f64),
    /// Two numbers (passed, total): 100 * passed / total is at least this percentage.
    PassRateAtLeast(f64),
}

/// How far apart the two sides of a compare may be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerance {
    /// |source - target| <= this.
    Absolute(f64),
    /// |source - target| <= this percentage of |source|.
    Percent(f64),
}

/// `shell = "..."` with what to read from its output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellAction {
    pub command: String,
    /// A value read from its standard output, shown in the evidence detail and, with an
    /// `expect`, compared like a check.
    pub result: Option<ShellResult>,
    /// A path or URL attached to the evidence detail.
    pub report: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellResult {
    pub from: ResultSource,
    pub expect: Option<Condition>,
}

/// Where in a command's standard output its result is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultSource {
    /// The output is JSON; the value at this JSON pointer (RFC 6901).
    Json(String),
    /// The last non-empty line.
    LastLine,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollback {
    pub instructions: String,
    /// Run when the rollback task starts, like a forward step's action.
    pub action: Option<Action>,
    /// What the rollback task's sign-off requires: its action's evidence, reported after
    /// the task (last) started.
    #[serde(default)]
    pub requires: Vec<Evidence>,
}

/// Evidence a step needs before it can be signed off.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The named copy job finished.
    CopyDone(String),
    /// The named recon job ran and found zero mismatches.
    ReconClean(String),
    /// The named probe is green.
    ProbeGreen(String),
    /// The SQL check or shell command of the step with this id succeeded.
    Action(StepId),
    /// The rollback action of the step with this id succeeded (during its rollback task).
    Rollback(StepId),
    /// The last preflight scan found no blocker.
    Preflight,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::CopyDone(n) => write!(f, "copy:{n}"),
            Evidence::ReconClean(n) => write!(f, "recon:{n}"),
            Evidence::ProbeGreen(n) => write!(f, "probe:{n}"),
            Evidence::Action(step) => write!(f, "action:{step}"),
            Evidence::Rollback(step) => write!(f, "rollback:{step}"),
            Evidence::Preflight => f.write_str("preflight"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyEngine {
    /// warroom copies the rows itself.
    Native,
    /// Another system copies (Spark migrator, DMS, Kafka Connect); warroom follows progress.
    External,
}

/// A `[[copy]]` job. The engine comes with the copy issue; the declaration is complete now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopySpec {
    pub name: String,
    pub engine: CopyEngine,
    pub source: String,
    pub source_table: String,
    pub target: String,
    pub target_table: String,
    /// Key columns (single or composite), in order.
    pub key: Vec<String>,
    /// Columns to copy (source names); `None` means every column.
    pub columns: Option<Vec<String>>,
    /// Source column -> target column renames.
    pub rename: BTreeMap<String, String>,
    /// SQL filter on the source (e.g. history older than a cutoff).
    pub filter: Option<String>,
    pub workers: u32,
    pub chunk_rows: u64,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub chunk_target: Duration,
    /// Rows per second ceiling; `None` = unlimited.
    pub max_rows_per_sec: Option<u64>,
    pub throttle: Vec<ThrottleRule>,
    /// For `engine = "external"`: how to read progress.
    pub progress: Option<ExternalProgress>,
    /// Create the target table from the source's columns when it does not exist
    /// (`docs/type-mapping.md`); an existing table is used as it is.
    #[serde(default)]
    pub create_target: bool,
    /// For `engine = "external"`: when the job counts as finished.
    #[serde(default)]
    pub finished: Finished,
    /// For `engine = "external"`: progress that has not moved for this long is "stalled".
    #[serde(default, with = "crate::runbook::duration::serde_human_opt")]
    pub stalled_after: Option<Duration>,
    /// Jobs of one group never run at once (one managed migration service, one Spark
    /// cluster): a step that would start a second one is refused.
    #[serde(default)]
    pub exclusive: Option<String>,
}

impl CopySpec {
    /// An external job declared as one job, with no table of its own.
    pub fn is_whole_job(&self) -> bool {
        self.source_table.is_empty() && self.target_table.is_empty()
    }
}

/// When an external job is finished.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "when", content = "value")]
pub enum Finished {
    /// Rows done reach the total (and the total is above 0).
    #[default]
    ReachesTotal,
    /// The status the source reports (third SQL column, JSON field `status`) equals this.
    Status(String),
}

/// When the copy must slow down or pause to protect the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ThrottleRule {
    /// The source's own query latency (measured by the copy) above a limit.
    SourceLatency {
        #[serde(with = "crate::runbook::duration::serde_human")]
        above: Duration,
    },
    /// A SQL query on a connection (e.g. replication lag in seconds) above a limit.
    Query {
        connection: String,
        query: String,
        above: f64,
    },
    /// A probe that is not green.
    Probe { probe: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum ExternalProgress {
    /// `query` returns one row: done, then optionally total and a status (by position).
    Sql { connection: String, query: String },
    /// Two PromQL instant queries on a Prometheus server: done and (optionally) total.
    Prometheus {
        url: String,
        done: String,
        total: Option<String>,
    },
    /// A command run with `sh -c` (only under `--allow-shell`, like a shell action) that
    /// prints one JSON object with `done`, and optionally `total` and `status`.
    Command { command: String },
}

/// An `[[id_generator]]`: ids an application hands out (a snowflake service, a counter
/// table), read through a SQL query so preflight can say how many days are left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdGeneratorSpec {
    pub name: String,
    pub connection: String,
    /// One row: the current value in the first cell; a second cell, when there and not
    /// NULL, is the values handed out per day.
    pub query: String,
    /// The largest value it may hand out (`max`, or `2^bits - 1`); `None` for a snowflake,
    /// whose ceiling is its timestamp's.
    pub max: Option<i128>,
    /// Values per day, when the query does not say.
    pub per_day: Option<f64>,
    pub snowflake: Option<SnowflakeLayout>,
}

/// A snowflake id: milliseconds since the generator's epoch in the high bits, worker and
/// sequence in the `low_bits` below them. The ids run out when the timestamp outgrows
/// `timestamp_bits`, whatever the insert rate: one millisecond a millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnowflakeLayout {
    pub timestamp_bits: u32,
    pub low_bits: u32,
}

/// A `[[recon]]` job. The engine comes with the recon issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconSpec {
    pub name: String,
    pub source: String,
    pub source_table: String,
    pub target: String,
    pub target_table: String,
    pub key: Vec<String>,
    /// `None` means every column both sides have.
    pub columns: Option<Vec<String>>,
    pub filter: Option<String>,
    pub chunk_rows: u64,
    pub concurrency: u32,
    /// Absolute tolerance for float comparison; `None` = exact.
    pub float_tolerance: Option<f64>,
    /// Continuous mode for dual-write phases.
    pub watch: Option<ReconWatch>,
    /// A spanning watch (`active`, with `watch`): runs on its own from the scope's start to
    /// its end, not as a step's action (see docs/recon.md).
    #[serde(default)]
    pub active: Option<ProbeScope>,
    /// Business checks: aggregate queries run on both sides, compared group by group.
    pub checks: Vec<DomainCheck>,
}

/// Re-check rows changed recently (by `column`, e.g. `updated_at`) every `every`; a
/// difference is raised only if it is still there after `settle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconWatch {
    pub column: String,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub every: Duration,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub settle: Duration,
}

/// Two queries returning `(group, value...)` rows, e.g. count and sum(amount) per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: String,
    pub source_sql: String,
    pub target_sql: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Prometheus,
    Sql,
    Http,
}

/// A `[[probe]]`. The engine comes with the health issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    pub name: String,
    pub kind: ProbeKind,
    /// Prometheus base URL (for `prometheus`) or the URL to fetch (for `http`).
    pub url: Option<String>,
    /// PromQL (for `prometheus`) or SQL (for `sql`).
    pub query: Option<String>,
    /// Connection name (for `sql`).
    pub connection: Option<String>,
    /// JSON pointer into an HTTP response body (for `http`).
    pub json_pointer: Option<String>,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub interval: Duration,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub timeout: Duration,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub stale_after: Duration,
    pub unit: Option<String>,
    pub warn: Option<Threshold>,
    pub critical: Option<Threshold>,
    /// Part of the rollback path's health (e.g. reverse replication lag).
    pub rollback_path: bool,
    /// When the probe matters (`None`: always). Outside it the probe is still sampled
    /// and shown, dimmed, but counts for nothing in the drill's health.
    #[serde(default)]
    pub active: Option<ProbeScope>,
}

/// `active = { phases = [...] }` or `active = { from = "step", until = "step" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeScope {
    /// While any of these phases is under way: one of its steps has started and not all
    /// of them are settled.
    Phases(Vec<String>),
    /// From the start of step `from` until step `until` is done or skipped (to the end of
    /// the drill without `until`).
    Steps { from: StepId, until: Option<StepId> },
}

impl ProbeScope {
    /// "from `a` until `b`", "from `a` to the end", "during switch, verify".
    pub fn describe(&self) -> String {
        match self {
            ProbeScope::Steps {
                from,
                until: Some(u),
            } => format!("from `{from}` until `{u}`"),
            ProbeScope::Steps { from, until: None } => format!("from `{from}` to the end"),
            ProbeScope::Phases(p) => format!("during {}", p.join(", ")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Above(f64),
    Below(f64),
    Outside { min: f64, max: f64 },
}

/// A step left out of this run by `only`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub id: StepId,
    pub title: String,
    /// The kind of run it is for.
    pub only: RunbookKind,
}

impl std::fmt::Display for RunbookKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunbookKind::Drill => "drill",
            RunbookKind::Cutover => "cutover",
        })
    }
}

/// The tables a job over many tables runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableSet {
    /// `tables = ["orders", "customers"]`: these, in this order.
    List(Vec<String>),
    /// `tables = { pattern = "shop_%", except = [...] }`: the source's tables whose name
    /// matches the SQL `LIKE` pattern (`%` any run, `_` one character), sorted by name,
    /// found when the step starts.
    Pattern {
        pattern: String,
        except: Vec<String>,
    },
}

impl TableSet {
    /// Whether `table` belongs to the set (a list: is in it; a pattern: matches it and
    /// is not excepted).
    pub fn admits(&self, table: &str) -> bool {
        match self {
            TableSet::List(list) => list.iter().any(|t| t == table),
            TableSet::Pattern { pattern, except } => {
                like(pattern, table) && !except.iter().any(|e| e == table)
            }
        }
    }

    /// How the set is written, for messages: `orders, customers` or `pattern shop_%`.
    pub fn describe(&self) -> String {
        match self {
            TableSet::List(list) => list.join(", "),
            TableSet::Pattern { pattern, except } if except.is_empty() => {
                format!("pattern `{pattern}`")
            }
            TableSet::Pattern { pattern, except } => {
                format!("pattern `{pattern}` except {}", except.join(", "))
            }
        }
    }
}

/// SQL `LIKE` with `%` (any run of characters) and `_` (one character), case-sensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last `%`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

/// The name of the job for one table of a job over many tables: `JOB/TABLE`.
pub fn table_job(set: &str, table: &str) -> String {
    format!("{set}/{table}")
}

/// A `[[copy]]` over many tables: the shared options, and the tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopySet {
    pub name: String,
    pub tables: TableSet,
    /// The options every table's copy shares; its tables are empty, and its key is empty
    /// when each table's primary key is used.
    pub template: CopySpec,
}

impl CopySet {
    /// The copy of one table: named `JOB/TABLE`, same table name on both sides, `key`
    /// the set's (or the table's own key found at run time when the set has none).
    pub fn for_table(&self, table: &str, key: Vec<String>) -> CopySpec {
        CopySpec {
            name: table_job(&self.name, table),
            source_table: table.to_string(),
            target_table: table.to_string(),
            key,
            ..self.template.clone()
        }
    }
}

/// A `[[recon]]` over many tables, as [`CopySet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconSet {
    pub name: String,
    pub tables: TableSet,
    pub template: ReconSpec,
}

impl ReconSet {
    pub fn for_table(&self, table: &str, key: Vec<String>) -> ReconSpec {
        ReconSpec {
            name: table_job(&self.name, table),
            source_table: table.to_string(),
            target_table: table.to_string(),
            key,
            ..self.template.clone()
        }
    }
}

impl Runbook {
    /// The copy job `name`: a `[[copy]]`, or one table (`JOB/TABLE`) of a copy over many
    /// tables (its key empty when the table's own key is found at run time).
    pub fn copy_job(&self, name: &str) -> Option<CopySpec> {
        if let Some(c) = self.copies.iter().find(|c| c.name == name) {
            return Some(c.clone());
        }
        let (set, table) = name.split_once('/')?;
        let set = self.copy_set(set)?;
        set.tables
            .admits(table)
            .then(|| set.for_table(table, set.template.key.clone()))
    }

    /// The recon job `name`, as [`Runbook::copy_job`].
    pub fn recon_job(&self, name: &str) -> Option<ReconSpec> {
        if let Some(r) = self.recons.iter().find(|r| r.name == name) {
            return Some(r.clone());
        }
        let (set, table) = name.split_once('/')?;
        let set = self.recon_set(set)?;
        set.tables
            .admits(table)
            .then(|| set.for_table(table, set.template.key.clone()))
    }

    pub fn copy_set(&self, name: &str) -> Option<&CopySet> {
        self.copy_sets.iter().find(|s| s.name == name)
    }

    pub fn recon_set(&self, name: &str) -> Option<&ReconSet> {
        self.recon_sets.iter().find(|s| s.name == name)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    pub fn person(&self, handle: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.handle == handle)
    }

    pub fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }

    /// Sum of the forward plan's planned durations (contingency steps are not in it).
    pub fn planned_total(&self) -> Duration {
        (0..self.steps.len())
            .filter(|&i| self.contingency_of(i).is_none())
            .map(|i| self.steps[i].planned)
            .sum()
    }

    /// For a step of a contingency phase: the irreversible step it backs.
    pub fn contingency_of(&self, idx: usize) -> Option<&str> {
        let phase = self.phases.get(self.steps.get(idx)?.phase)?;
        phase.contingency_for.as_deref()
    }

    /// The steps of the contingency phase of irreversible step `point`.
    pub fn contingency_steps(&self, point: &str) -> Vec<usize> {
        self.phases
            .iter()
            .filter(|p| p.contingency_for.as_deref() == Some(point))
            .flat_map(|p| p.steps.iter().copied())
            .collect()
    }
}
