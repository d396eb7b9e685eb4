//! ENGINE. Preflight: the hazards that sink migrations, found before anyone copies a row.
//!
//! It connects to every connection the runbook's copy and recon jobs, checks and probes
//! use ([`plan`]), reads both catalogs of every copy/recon table pair ([`crate::db::facts`])
//! and runs bounded data queries (min/max, `LIMIT 1` probes, capped counts, a sample read;
//! whole-table scans only on tables of at most [`Options::scan_rows`] rows). Each hazard is
//! a [`Finding`] with its severity, place, why and what to do. A connection that cannot be
//! reached or a table that cannot be read is a finding too, and the scan goes on.
//!
//! One module per family of hazards: [`keys`], [`target`] (what trips a bulk load),
//! [`schema`] (columns, nullability, defaults, indexes), [`values`] (type changes that lose
//! data), [`dates`], [`text`] (collations, charsets, JSON, floats), [`headroom`] (ID
//! exhaustion), [`stats`] (counter-like tables, row estimates), [`estimate`] (copy
//! duration against the plan).

pub mod dates;
pub mod estimate;
pub mod finding;
pub mod generators;
pub mod headroom;
pub mod keys;
pub mod pair;
pub mod plan;
pub mod schema;
mod sets;
pub mod side;
pub mod stats;
pub mod target;
pub mod text;
pub mod values;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

pub use estimate::CopyEstimate;
pub use finding::{Counts, Finding, Hazard, Severity};
pub use headroom::Headroom;

use crate::db::facts::{self, TableFacts};
use crate::db::rows::fetch_text;
use crate::db::sql::TableRef;
use crate::db::{connect_named_limited, DbPool, Dialect};
use crate::runbook::Runbook;

use pair::Pair;
use plan::PairPlan;
use side::{count_cap, count_rows, Side};

/// How far preflight reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// ID headroom under this many days at the recent growth rate is a blocker (under
    /// three times as many, a warning).
    pub headroom_days: f64,
    /// Queries that read a whole table run only on tables of at most this many rows.
    pub scan_rows: u64,
    /// Rows read to measure a copy's read rate.
    pub sample_rows: u64,
    /// How long one data query may take.
    pub query_timeout: Duration,
    /// How long a connection may take.
    pub connect_timeout: Duration,
    /// Rows per second each copy job reached in earlier drills, by job name.
    pub history: BTreeMap<String, f64>,
    /// Table pairs scanned at once.
    pub parallel: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            headroom_days: 30.0,
            scan_rows: 2_000_000,
            sample_rows: 5_000,
            query_timeout: side::QUERY_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            history: BTreeMap::new(),
            parallel: 8,
        }
    }
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub runbook: String,
    pub counts: Counts,
    /// Blockers first, then warnings, then info; by place within each.
    pub findings: Vec<Finding>,
    pub headroom: Vec<Headroom>,
    pub estimates: Vec<CopyEstimate>,
    /// Connections reached, by name.
    pub connections: Vec<ConnectionStatus>,
    /// Table pairs scanned.
    pub pairs: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionStatus {
    pub name: String,
    pub reached: bool,
}

impl Report {
    pub fn has_blocker(&self) -> bool {
        self.counts.blocker > 0
    }

    /// One line for evidence: the counts and the first blocker.
    pub fn summary(&self) -> String {
        let mut s = self.counts.summary();
        if let Some(b) = self
            .findings
            .iter()
            .find(|f| f.severity == Severity::Blocker)
        {
            s.push_str(&format!("; first blocker: {} — {}", b.place(), b.what));
        }
        s
    }
}

/// Finding lines in evidence detail at most (the rest is counted, and in `warroom
/// preflight`'s own output).
pub const DETAIL_FINDINGS: usize = 40;

impl Report {
    /// Evidence detail: [`Report::summary`] on the first line, then one line per blocker
    /// and warning (info is left to `warroom preflight`), as
    /// `SEVERITY hazard @ place: what — do: fix`, which the console's preflight panel lists.
    pub fn detail(&self) -> String {
        let mut out = self.summary();
        let shown: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .collect();
        for f in shown.iter().take(DETAIL_FINDINGS) {
            let hazard = serde_json::to_value(f.hazard)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push_str(&format!(
                "\n{} {hazard} @ {}: {} — do: {}",
                f.severity.word().to_ascii_uppercase(),
                f.place(),
                f.what.replace('\n', " "),
                f.fix.replace('\n', " ")
            ));
        }
        if shown.len() > DETAIL_FINDINGS {
            out.push_str(&format!(
                "\n… and {} more (warroom preflight RUNBOOK)",
                shown.len() - DETAIL_FINDINGS
            ));
        }
        out
    }
}

/// Scans the runbook's connections and table pairs.
pub async fn scan(runbook: &Runbook, opts: &Options) -> Report {
    let started = Instant::now();
    let mut plan = plan::plan(runbook);
    let mut findings = Vec::new();
    let connected = futures::future::join_all(plan.connections.iter().map(|name| async move {
        let pool = tokio::time::timeout(
            opts.connect_timeout,
            connect_named_limited(
                runbook,
                name,
                u32::try_from(opts.parallel.max(1))
                    .unwrap_or(u32::MAX / 2)
                    .saturating_mul(2),
                opts.query_timeout,
            ),
        )
        .await;
        let pool = match pool {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "no connection within {} s",
                opts.connect_timeout.as_secs()
            )),
        };
        (name.clone(), pool)
    }))
    .await;
    let mut pools: HashMap<String, DbPool> = HashMap::new();
    let mut connections = Vec::new();
    for (name, pool) in connected {
        connections.push(ConnectionStatus {
            name: name.clone(),
            reached: pool.is_ok(),
        });
        match pool {
            Ok(p) => {
                findings.extend(connection_checks(&name, &p).await);
                pools.insert(name, p);
            }
            Err(e) => {
                let mut f = Finding::new(Severity::Blocker, Hazard::Unreachable);
                f.connection = Some(name.clone());
                f.jobs = plan
                    .pairs
                    .iter()
                    .filter(|p| p.source == name || p.target == name)
                    .flat_map(|p| p.jobs.clone())
                    .collect();
                f.what = format!("cannot reach connection `{name}`: {e}");
                f.why = "nothing on it can be checked, and the jobs that use it cannot run".into();
                f.fix = "check the URL, the ${VAR}s it reads, the network and the login (warroom probe RUNBOOK --once tries the same)".into();
                findings.push(f);
            }
        }
    }
    sets::expand(runbook, &mut plan, &pools, &mut findings).await;
    let catalogs = read_catalogs(&plan.pairs, &pools, opts).await;
    let scans: Vec<_> = plan
        .pairs
        .iter()
        .map(|p| scan_pair(p, &pools, &catalogs, opts))
        .collect();
    let results: Vec<PairResult> = futures::stream::iter(scans)
        .buffer_unordered(opts.parallel.max(1))
        .collect()
        .await;
    let (mut headroom, generator_findings) = generators::check(runbook, &pools, opts).await;
    findings.extend(generator_findings);
    let mut estimates = Vec::new();
    for r in results {
        findings.extend(r.findings);
        headroom.extend(r.headroom);
        estimates.extend(r.estimate);
    }
    findings.sort_by_key(|f| (f.severity, f.place(), f.hazard));
    findings.dedup_by(|a, b| a.hazard == b.hazard && a.place() == b.place() && a.what == b.what);
    headroom.sort_by(|a, b| (&a.table, &a.column).cmp(&(&b.table, &b.column)));
    estimates.sort_by(|a, b| a.job.cmp(&b.job));
    Report {
        runbook: runbook.meta.name.clone(),
        counts: Counts::of(&findings),
        findings,
        headroom,
        estimates,
        connections,
        pairs: plan.pairs.len(),
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[derive(Default)]
struct PairResult {
    findings: Vec<Finding>,
    headroom: Vec<Headroom>,
    estimate: Option<CopyEstimate>,
}

/// The catalog facts of a table, or why they cannot be read, by connection and table.
type Catalogs = HashMap<(String, String), Result<TableFacts, String>>;

/// Reads the catalog facts of every table of the plan, each connection's tables at once
/// (one catalog query per kind, [`facts::read_all`]), every connection at the same time.
async fn read_catalogs(
    pairs: &[PairPlan],
    pools: &HashMap<String, DbPool>,
    opts: &Options,
) -> Catalogs {
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in pairs {
        for (conn, table) in [(&p.source, &p.source_table), (&p.target, &p.target_table)] {
            let list = wanted.entry(conn.as_str()).or_default();
            if !list.contains(&table.as_str()) {
                list.push(table.as_str());
            }
        }
    }
    let reads = wanted.into_iter().filter_map(|(conn, tables)| {
        let pool = pools.get(conn)?;
        Some(async move {
            let refs: Vec<TableRef> = tables.iter().map(|t| TableRef::parse(t)).collect();
            // Many tables may take longer than one query: the limit grows with them.
            let limit = opts.query_timeout.saturating_mul(
                u32::try_from(refs.len().div_ceil(100))
                    .unwrap_or(u32::MAX)
                    .max(1),
            );
            let results: Vec<Result<TableFacts, String>> =
                if let Ok(all) = tokio::time::timeout(limit, facts::read_all(pool, &refs)).await {
                    all.into_iter()
                        .map(|r| r.map_err(|e| e.to_string()))
                        .collect()
                } else {
                    let late = format!("the catalog did not answer within {} s", limit.as_secs());
                    refs.iter().map(|_| Err(late.clone())).collect()
                };
            tables
                .into_iter()
                .zip(results)
                .map(|(t, r)| ((conn.to_string(), t.to_string()), r))
                .collect::<Vec<_>>()
        })
    });
    futures::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn read_side(
    pool: &DbPool,
    connection: &str,
    table: &str,
    catalogs: &Catalogs,
    jobs: &[String],
    opts: &Options,
) -> Result<(TableFacts, side::Count), Finding> {
    let tref = TableRef::parse(table);
    let facts = match catalogs.get(&(connection.to_string(), table.to_string())) {
        Some(Ok(f)) => f.clone(),
        Some(Err(e)) => return Err(unreadable(connection, table, jobs, e)),
        None => {
            return Err(unreadable(
                connection,
                table,
                jobs,
                "its catalog was not read",
            ))
        }
    };
    let count = count_rows(
        pool,
        &tref,
        count_cap(facts.rows_estimate),
        opts.query_timeout,
    )
    .await;
    if count == side::Count::Unknown {
        // The catalog is readable but the rows are not (no SELECT privilege).
        let probe = format!("SELECT 1 FROM {} LIMIT 1", tref.quoted(pool.dialect()));
        if let Err(e) = fetch_text(pool, &probe).await {
            return Err(unreadable(connection, table, jobs, &e.to_string()));
        }
    }
    Ok((facts, count))
}

fn unreadable(connection: &str, table: &str, jobs: &[String], cause: &str) -> Finding {
    let mut f = Finding::new(Severity::Blocker, Hazard::Unreadable);
    f.connection = Some(connection.to_string());
    f.table = Some(table.to_string());
    f.jobs = jobs.to_vec();
    f.what = format!("cannot read table {table}: {cause}");
    f.why = "the table is missing, or this login may not read it: its jobs fail when they start, and nothing on it was checked".into();
    f.fix =
        "create the table, fix its name in the job, or GRANT SELECT on it to the runbook's login"
            .into();
    f
}

/// A copy with `create_target` whose target is missing: what it will create, or why it
/// will refuse (the DDL derived as the copy derives it). Any other reason the target cannot
/// be read stays the `unreadable` blocker.
async fn created_target(
    p: &PairPlan,
    source: &DbPool,
    target: &DbPool,
    unreadable: Finding,
) -> Finding {
    let tref = TableRef::parse(&p.target_table);
    if !matches!(
        crate::db::introspect::columns(target, &tref).await,
        Err(crate::db::introspect::IntrospectError::Missing { .. })
    ) {
        return unreadable;
    }
    let job = p.copy.clone().unwrap_or_default();
    let shape = crate::db::ddl::TableShape {
        source_table: &p.source_table,
        target_table: &p.target_table,
        key: &p.key,
        columns: p.columns.as_deref(),
        rename: &p.rename,
    };
    let derived = crate::db::ddl::derive(&shape, source, target).await;
    let mut f = Finding::new(Severity::Info, Hazard::TargetCreated);
    f.connection = Some(p.target.clone());
    f.table = Some(p.target_table.clone());
    f.jobs.clone_from(&p.jobs);
    match derived {
        Ok(plan) => {
            f.what = format!(
                "{} is not on the target yet: copy `{job}` creates it (create_target){}",
                p.target_table,
                if plan.indexes.is_empty() {
                    String::new()
                } else {
                    format!(", {} index(es) after the load", plan.indexes.len())
                }
            );
            f.why = "the table holds the source's columns by the type mapping; defaults, checks, triggers and foreign keys are not carried".into();
            f.fix =
                "nothing before the copy; add what the schema owner needs after the load".into();
        }
        Err(e) => {
            f.severity = Severity::Blocker;
            if let crate::db::ddl::DeriveError::Ddl(d) = &e {
                f.column = Some(d.column.clone());
            }
            f.what = format!("copy `{job}` cannot create {}: {e}", p.target_table);
            f.why = "the copy refuses to create the table and stops before copying anything".into();
            f.fix = "create the table by hand (docs/type-mapping.md says what fits), or leave the column out of the job's `columns`".into();
        }
    }
    f
}

async fn scan_pair(
    p: &PairPlan,
    pools: &HashMap<String, DbPool>,
    catalogs: &Catalogs,
    opts: &Options,
) -> PairResult {
    let mut out = PairResult::default();
    let (Some(sp), Some(tp)) = (pools.get(&p.source), pools.get(&p.target)) else {
        return out; // reported as unreachable
    };
    let (src, tgt) = tokio::join!(
        read_side(sp, &p.source, &p.source_table, catalogs, &p.jobs, opts),
        read_side(tp, &p.target, &p.target_table, catalogs, &p.jobs, opts)
    );
    let ((sf, sc), (tf, tc)) = match (src, tgt) {
        (Ok(s), Ok(t)) => (s, t),
        (Ok(_), Err(missing)) if p.create_target => {
            out.findings.push(created_target(p, sp, tp, missing).await);
            return out;
        }
        (s, t) => {
            out.findings.extend(s.err());
            out.findings.extend(t.err());
            return out;
        }
    };
    let side = |connection: &'static str, pool, facts, table: &str, count| Side {
        connection: if connection == "s" {
            &p.source
        } else {
            &p.target
        },
        pool,
        facts,
        table: TableRef::parse(table),
        jobs: &p.jobs,
        opts,
        count,
        min_max_seen: side::MinMaxMemo::default(),
    };
    let (pair, mut findings) = Pair::resolve(
        p,
        side("s", sp, &sf, &p.source_table, sc),
        side("t", tp, &tf, &p.target_table, tc),
    );
    findings.extend(keys::check(&pair).await);
    findings.extend(target::check(&pair));
    findings.extend(schema::check(&pair).await);
    findings.extend(values::check(&pair).await);
    findings.extend(dates::check(&pair).await);
    findings.extend(text::check(&pair).await);
    findings.extend(stats::check(&pair));
    let (headroom, hf) = headroom::check(&pair, opts.headroom_days).await;
    findings.extend(hf);
    out.headroom = headroom;
    let history = p.copy.as_ref().and_then(|j| opts.history.get(j)).copied();
    if let Some((estimate, f)) = estimate::check(&pair, history, opts.sample_rows).await {
        out.estimate = Some(estimate);
        findings.extend(f);
    }
    out.findings = findings;
    out
}

/// Hazards of a connection as a whole: a PostgreSQL database in `SQL_ASCII` stores bytes,
/// not checked text.
async fn connection_checks(name: &str, pool: &DbPool) -> Vec<Finding> {
    if pool.dialect() != Dialect::Postgres {
        return Vec::new();
    }
    let enc = fetch_text(pool, "SHOW server_encoding")
        .await
        .ok()
        .and_then(|r| r.first().and_then(|r| r.first().cloned().flatten()));
    match enc.as_deref() {
        Some("SQL_ASCII") => {
            let mut f = Finding::new(Severity::Warning, Hazard::Charset);
            f.connection = Some(name.to_string());
            f.what = "the database's encoding is SQL_ASCII: its text is unchecked bytes".into();
            f.why = "text that is not valid UTF-8 is refused by the copy (or by a UTF-8 target), and the application's own encoding is unknown".into();
            f.fix = "find the rows that are not UTF-8 before the drill (convert_from(col::bytea, 'UTF8') fails on them)".into();
            vec![f]
        }
        _ => Vec::new(),
    }
}
