//! The recon run: split the key space into chunks; per chunk one checksum query per side,
//! both at once (no row leaves a server for a matching chunk); a chunk that differs is
//! narrowed to its differing rows (by per-row digests, after bisection if it is large),
//! which are fetched from both sides and diffed. Findings go out with every progress
//! snapshot, as they are found.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use tokio::sync::{mpsc, watch};

use crate::db::introspect;
use crate::db::keyset::{plan, KeyRange};
use crate::db::rows::fetch_text;
use crate::db::table::{resolve, TableName, TablePair, TableSpec};
use crate::db::value::Value;
use crate::db::DbPool;
use crate::drill::telemetry::recon::{
    ChunkState, DomainResult, Mismatch, MismatchCounts, MismatchKind, ReconChunk, ReconProgress,
    ReconState, FINDINGS_CAP,
};
use crate::runbook::{DomainCheck, ReconSpec};

use super::canon::{place, trim_decimal};
use super::diff::{compare, diff_rows, key_order, Finding};
use super::error::ReconError;
use super::side::Side;

/// A part with at most this many rows on either side is fetched and diffed row by row.
pub const LEAF_ROWS: u64 = 2_000;

/// A differing range with at most this many rows on either side is narrowed down in one
/// pass: a digest of every row on both sides, then only the rows whose digests differ are
/// fetched. Larger ones are bisected first.
pub const LIST_ROWS: u64 = 100_000;

/// How many parts a differing range is split into at each step of the bisection.
pub const SPLIT: u64 = 8;

/// One chunk checked: rows on each side, whether it was bisected, what differed.
struct Checked {
    rows: (u64, u64),
    bisected: bool,
    findings: Vec<Finding>,
}

/// A recon job bound to its two databases.
#[derive(Debug, Clone)]
pub struct ReconJob {
    pub spec: ReconSpec,
    /// Parts with at most this many rows are diffed row by row ([`LEAF_ROWS`]).
    pub leaf_rows: u64,
    /// Parts with at most this many rows are narrowed by row digests ([`LIST_ROWS`]).
    pub list_rows: u64,
    pub r: TablePair,
    pub src: Side,
    pub tgt: Side,
}

/// What a finished recon found.
#[derive(Debug, Clone)]
pub struct ReconOutcome {
    pub progress: ReconProgress,
    /// Every finding (the progress carries at most [`FINDINGS_CAP`]).
    pub findings: Vec<Finding>,
}

impl ReconJob {
    /// Reads both tables' columns and decides how each pair is compared.
    pub async fn prepare(
        spec: &ReconSpec,
        source: DbPool,
        target: DbPool,
    ) -> Result<ReconJob, ReconError> {
        let spec_err = |msg: String| ReconError::Spec {
            job: spec.name.clone(),
            msg,
        };
        let columns = match &spec.columns {
            Some(cols) => cols.clone(),
            None => common_columns(spec, &source, &target).await?,
        };
        let r = resolve(&table_spec(spec, columns), &source, &target)
            .await
            .map_err(|e| spec_err(e.to_string()))?;
        let places: Vec<_> = r
            .src_cols
            .iter()
            .zip(&r.tgt_cols)
            .map(|(s, t)| place((r.src_dialect, s), (r.tgt_dialect, t)))
            .collect();
        let byte_order = super::side::needs_byte_order(&r, &source, &target).await;
        let src = Side::source(&r, source, &places, byte_order);
        let tgt = Side::target(&r, target, &places, byte_order);
        tokio::join!(src.trust_primary_key_order(), tgt.trust_primary_key_order());
        Ok(ReconJob {
            spec: spec.clone(),
            leaf_rows: LEAF_ROWS,
            list_rows: LIST_ROWS,
            src,
            tgt,
            r,
        })
    }

    /// Checks every chunk; sends progress while it runs. Stops early (as failed) when
    /// `stop` turns true.
    pub async fn run(
        &self,
        progress: mpsc::Sender<ReconProgress>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<ReconOutcome, ReconError> {
        let started = Instant::now();
        let ranges = self.plan().await?;
        let live = Arc::new(Mutex::new(Live::new(&self.spec.name, &ranges)));
        let (done_tx, mut done_rx) = watch::channel(false);
        let reporter = {
            let live = live.clone();
            let progress = progress.clone();
            tokio::spawn(async move {
                loop {
                    let snapshot = lock(&live).snapshot(started);
                    if progress.send(snapshot).await.is_err() {
                        return;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(250)) => {}
                        _ = done_rx.changed() => return,
                    }
                }
            })
        };
        let concurrency = self.spec.concurrency.max(1) as usize;
        let mut checks = futures::stream::iter(ranges.into_iter().enumerate())
            .map(|(i, range)| {
                let live = live.clone();
                async move {
                    lock(&live).chunks[i].state = ChunkState::InFlight;
                    let res = self.check_range(&range).await;
                    (i, res)
                }
            })
            .buffer_unordered(concurrency);
        let mut failure = None;
        loop {
            let next = tokio::select! {
                n = checks.next() => n,
                _ = stop.changed() => {
                    failure = Some(ReconError::Setup("stopped before every chunk was checked".into()));
                    break;
                }
            };
            let Some((i, res)) = next else { break };
            match res {
                Ok(checked) => lock(&live).chunk_done(i, checked),
                Err(e) => {
                    lock(&live).last_error = Some(e.to_string());
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(checks);
        if failure.is_none() {
            // Rows a collation sorted into different chunks on each side look missing on
            // one and extra on the other: pair them up and compare them as rows.
            let findings = std::mem::take(&mut lock(&live).findings);
            let mut paired = self.pair_up(findings);
            // In key order, whatever order the chunks finished in.
            paired.sort_by(|a, b| {
                key_order(&a.key(&self.src, &self.tgt), &b.key(&self.src, &self.tgt))
            });
            lock(&live).set_findings(paired);
            let domain = self.domain_checks().await;
            lock(&live).domain = domain;
        }
        let _ = done_tx.send(true);
        let _ = reporter.await;
        let mut live = match Arc::try_unwrap(live) {
            Ok(m) => m
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Err(shared) => lock(&shared).clone(),
        };
        live.state = if failure.is_some() {
            ReconState::Failed
        } else {
            ReconState::Done
        };
        let last = live.snapshot(started);
        let _ = progress.send(last.clone()).await;
        match failure {
            Some(e) => Err(e),
            None => Ok(ReconOutcome {
                progress: last,
                findings: live.findings,
            }),
        }
    }

    /// Chunks of about `chunk_rows` rows each, open at both ends so that target rows
    /// beyond the source's first and last keys are checked too.
    /// The floor under a recon that finds no difference: every chunk's checksum on the
    /// source, the target or both (at once, as a recon runs them), with the recon's
    /// concurrency, and nothing compared. Returns the number of chunks.
    pub async fn checksums_only(&self, source: bool, target: bool) -> Result<usize, ReconError> {
        let ranges = self.plan().await?;
        let chunks = ranges.len();
        let concurrency = self.spec.concurrency.max(1) as usize;
        let mut sums = futures::stream::iter(ranges)
            .map(|range| async move {
                let src = async {
                    if source {
                        self.src.checksum(&self.r, &range).await.map(Some)
                    } else {
                        Ok(None)
                    }
                };
                let tgt = async {
                    if target {
                        self.tgt.checksum(&self.r, &range).await.map(Some)
                    } else {
                        Ok(None)
                    }
                };
                tokio::try_join!(src, tgt)
            })
            .buffer_unordered(concurrency);
        while let Some(sum) = sums.next().await {
            sum?;
        }
        Ok(chunks)
    }

    async fn plan(&self) -> Result<Vec<KeyRange>, ReconError> {
        let est = introspect::estimate_rows(&self.src.pool, &self.r.source_table)
            .await
            .unwrap_or(0)
            .max(
                introspect::estimate_rows(&self.tgt.pool, &self.r.target_table)
                    .await
                    .unwrap_or(0),
            );
        let parts =
            usize::try_from((est / self.spec.chunk_rows.max(1)).max(1)).unwrap_or(usize::MAX);
        if !self.src.byte_order {
            return plan(&self.src.pool, &self.r, parts)
                .await
                .map_err(|e| ReconError::Setup(format!("planning chunks: {e}")));
        }
        // Text keys: bounds in byte order (the order both sides compare them in).
        if parts <= 1 {
            return Ok(vec![KeyRange::all()]);
        }
        let every = self.spec.chunk_rows.max(1);
        let mut ranges = Vec::new();
        let mut lo = None;
        for b in self.src.sample_bounds(every).await? {
            ranges.push(KeyRange {
                lo: lo.take(),
                hi: Some(b.clone()),
            });
            lo = Some(b);
        }
        ranges.push(KeyRange { lo, hi: None });
        Ok(ranges)
    }

    /// Checks one chunk: (source rows, target rows, findings).
    async fn check_range(&self, range: &KeyRange) -> Result<Checked, ReconError> {
        let (a, b) = tokio::try_join!(
            self.src.checksum(&self.r, range),
            self.tgt.checksum(&self.r, range)
        )?;
        if a.matches(&b) {
            return Ok(Checked {
                rows: (a.rows, b.rows),
                bisected: false,
                findings: Vec::new(),
            });
        }
        let findings = self.bisect(range.clone(), a.rows, b.rows).await?;
        Ok(Checked {
            rows: (a.rows, b.rows),
            bisected: true,
            findings,
        })
    }

    /// Narrows a differing range down to the rows that differ: split it into [`SPLIT`]
    /// parts at keys of its larger side, checksum every part on both sides at once, and go
    /// on into the parts that differ until they are small enough to diff.
    fn bisect(
        &self,
        range: KeyRange,
        ns: u64,
        nt: u64,
    ) -> BoxFuture<'_, Result<Vec<Finding>, ReconError>> {
        async move {
            if ns.max(nt) <= self.leaf_rows || ns == 0 || nt == 0 {
                return self.diff_range(&range, ns, nt).await;
            }
            if ns.max(nt) <= self.list_rows {
                return self.diff_by_digests(&range, ns, nt).await;
            }
            let (side, n) = if ns >= nt {
                (&self.src, ns)
            } else {
                (&self.tgt, nt)
            };
            let offsets: Vec<u64> = (1..SPLIT).map(|i| n * i / SPLIT).collect();
            let bounds = futures::future::try_join_all(
                offsets.iter().map(|&o| side.key_at(&self.r, &range, o)),
            )
            .await?;
            let mut cuts: Vec<Vec<Value>> = Vec::new();
            for b in bounds.into_iter().flatten() {
                if Some(&b) != range.lo.as_ref() && cuts.last() != Some(&b) {
                    cuts.push(b);
                }
            }
            if cuts.is_empty() {
                return self.diff_range(&range, ns, nt).await;
            }
            let mut parts = Vec::with_capacity(cuts.len() + 1);
            let mut lo = range.lo.clone();
            for cut in cuts {
                parts.push(KeyRange {
                    lo: lo.take(),
                    hi: Some(cut.clone()),
                });
                lo = Some(cut);
            }
            parts.push(KeyRange {
                lo,
                hi: range.hi.clone(),
            });
            let sums = futures::future::try_join_all(parts.iter().map(|part| async move {
                tokio::try_join!(
                    self.src.checksum(&self.r, part),
                    self.tgt.checksum(&self.r, part)
                )
            }))
            .await?;
            let mut deeper = Vec::new();
            for (part, (a, b)) in parts.into_iter().zip(sums) {
                if !a.matches(&b) {
                    deeper.push(self.bisect(part, a.rows, b.rows));
                }
            }
            Ok(futures::future::try_join_all(deeper)
                .await?
                .into_iter()
                .flatten()
                .collect())
        }
        .boxed()
    }

    async fn diff_range(
        &self,
        range: &KeyRange,
        ns: u64,
        nt: u64,
    ) -> Result<Vec<Finding>, ReconError> {
        let (s, t) = tokio::try_join!(
            async {
                if ns == 0 {
                    Ok(Vec::new())
                } else {
                    self.src.rows(&self.r, range, None).await
                }
            },
            async {
                if nt == 0 {
                    Ok(Vec::new())
                } else {
                    self.tgt.rows(&self.r, range, None).await
                }
            }
        )?;
        Ok(diff_rows(
            &self.src,
            &self.tgt,
            s,
            t,
            self.spec.float_tolerance,
        ))
    }

    /// Narrows a differing range in one pass: every row's digest from both sides, then the
    /// rows whose digests differ (or that one side lacks) are fetched and diffed. When most
    /// rows differ, the whole range is fetched instead.
    async fn diff_by_digests(
        &self,
        range: &KeyRange,
        ns: u64,
        nt: u64,
    ) -> Result<Vec<Finding>, ReconError> {
        let (s, t) = tokio::try_join!(
            self.src.row_digests(&self.r, range),
            self.tgt.row_digests(&self.r, range)
        )?;
        let mut by_key: HashMap<String, (Vec<Value>, Option<String>)> = HashMap::new();
        for row in s {
            by_key.insert(self.src.key_text_of(&row.key), (row.key, row.digest));
        }
        let mut keys = Vec::new();
        for row in t {
            match by_key.remove(&self.tgt.key_text_of(&row.key)) {
                Some((_, Some(a))) if row.digest.as_ref() == Some(&a) => {}
                Some((key, _)) => keys.push(key),
                None => keys.push(row.key),
            }
        }
        keys.extend(by_key.into_values().map(|(key, _)| key));
        if keys.is_empty() {
            // Same rows, different chunk hash: a side read them out of key order.
            if self.src.distrust_scan_order() | self.tgt.distrust_scan_order() {
                tracing::warn!(job = %self.spec.name, "a chunk was read out of primary-key order: sorting every chunk from now on");
            }
            return Ok(Vec::new());
        }
        if keys.len() as u64 * 4 > ns.max(nt) {
            return self.diff_range(range, ns, nt).await;
        }
        self.diff_keys(range, &keys).await
    }

    /// Fetches the rows of the given keys within `range` from both sides and diffs them.
    async fn diff_keys(
        &self,
        range: &KeyRange,
        keys: &[Vec<Value>],
    ) -> Result<Vec<Finding>, ReconError> {
        let mut out = Vec::new();
        for batch in keys.chunks(200) {
            let (s, t) = tokio::try_join!(
                self.src.rows(&self.r, range, Some(batch)),
                self.tgt.rows(&self.r, range, Some(batch))
            )?;
            out.extend(diff_rows(
                &self.src,
                &self.tgt,
                s,
                t,
                self.spec.float_tolerance,
            ));
        }
        Ok(out)
    }

    /// Re-diffs the rows of the given keys (after a fix, or in continuous mode).
    pub async fn recheck(&self, keys: &[Vec<Value>]) -> Result<Vec<Finding>, ReconError> {
        self.diff_keys(&KeyRange::all(), keys).await
    }

    fn pair_up(&self, findings: Vec<Finding>) -> Vec<Finding> {
        let mut extra: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            if let (MismatchKind::ExtraInTarget, Some(row)) = (f.mismatch.kind, &f.target) {
                extra.insert(self.tgt.key_text(row), i);
            }
        }
        if extra.is_empty() {
            return findings;
        }
        let mut replaced: Vec<Option<Finding>> = findings.iter().cloned().map(Some).collect();
        for (i, f) in findings.iter().enumerate() {
            let (MismatchKind::MissingInTarget, Some(row)) = (f.mismatch.kind, &f.source) else {
                continue;
            };
            if let Some(&j) = extra.get(&self.src.key_text(row)) {
                let target = findings[j].target.clone();
                replaced[i] = compare(
                    &self.src,
                    &self.tgt,
                    Some(row.clone()),
                    target,
                    self.spec.float_tolerance,
                );
                replaced[j] = None;
            }
        }
        replaced.into_iter().flatten().collect()
    }

    /// Runs each `[[recon.check]]` on both sides and compares the groups.
    pub async fn domain_checks(&self) -> Vec<DomainResult> {
        let mut out = Vec::new();
        for check in &self.spec.checks {
            out.push(self.domain_check(check).await);
        }
        out
    }

    async fn domain_check(&self, check: &DomainCheck) -> DomainResult {
        let (s, t) = tokio::join!(
            fetch_text(&self.src.pool, &check.source_sql),
            fetch_text(&self.tgt.pool, &check.target_sql)
        );
        let mut result = DomainResult {
            name: check.name.clone(),
            groups: 0,
            differences: Vec::new(),
            error: None,
        };
        let (s, t) = match (s, t) {
            (Ok(s), Ok(t)) => (s, t),
            (Err(e), _) => {
                result.error = Some(format!("the source query failed: {e}"));
                return result;
            }
            (_, Err(e)) => {
                result.error = Some(format!("the target query failed: {e}"));
                return result;
            }
        };
        let groups = |rows: Vec<Vec<Option<String>>>| {
            rows.into_iter()
                .map(|row| {
                    let norm: Vec<String> = row
                        .iter()
                        .map(|c| {
                            c.as_deref()
                                .map_or("NULL".to_string(), |v| trim_decimal(v.trim()))
                        })
                        .collect();
                    let group = norm.first().cloned().unwrap_or_default();
                    (group, norm[1.min(norm.len())..].join(" | "))
                })
                .collect::<std::collections::BTreeMap<String, String>>()
        };
        let (s, t) = (groups(s), groups(t));
        let mut keys: Vec<&String> = s.keys().chain(t.keys()).collect();
        keys.sort();
        keys.dedup();
        result.groups = keys.len() as u64;
        for k in keys {
            let (a, b) = (s.get(k), t.get(k));
            if a != b {
                result.differences.push(format!(
                    "{k}: source {}, target {}",
                    a.map_or("(no group)", String::as_str),
                    b.map_or("(no group)", String::as_str)
                ));
            }
        }
        result
    }
}

/// The tables a recon job compares, `columns` of them, in the terms `db::table` resolves.
pub fn table_spec(spec: &ReconSpec, columns: Vec<String>) -> TableSpec {
    TableSpec {
        job: spec.name.clone(),
        source: TableName {
            connection: spec.source.clone(),
            table: spec.source_table.clone(),
        },
        target: TableName {
            connection: spec.target.clone(),
            table: spec.target_table.clone(),
        },
        key: spec.key.clone(),
        columns: Some(columns),
        rename: std::collections::BTreeMap::new(),
        filter: spec.filter.clone(),
    }
}

/// The columns both tables have, in the source's order.
async fn common_columns(
    spec: &ReconSpec,
    source: &DbPool,
    target: &DbPool,
) -> Result<Vec<String>, ReconError> {
    let src_table = crate::db::sql::TableRef::parse(&spec.source_table);
    let tgt_table = crate::db::sql::TableRef::parse(&spec.target_table);
    let err = |e: introspect::IntrospectError| ReconError::Spec {
        job: spec.name.clone(),
        msg: e.to_string(),
    };
    let src = introspect::columns(source, &src_table).await.map_err(err)?;
    let tgt = introspect::columns(target, &tgt_table).await.map_err(err)?;
    let common: Vec<String> = src
        .iter()
        .filter(|c| tgt.iter().any(|t| t.name == c.name))
        .map(|c| c.name.clone())
        .collect();
    if common.is_empty() {
        return Err(ReconError::Spec {
            job: spec.name.clone(),
            msg: format!("{src_table} and {tgt_table} have no column in common: list `columns`"),
        });
    }
    Ok(common)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The recon's state while it runs.
#[derive(Debug, Clone)]
struct Live {
    job: String,
    state: ReconState,
    chunks: Vec<ReconChunk>,
    chunks_done: u64,
    chunks_bisected: u64,
    rows_source: u64,
    rows_target: u64,
    counts: MismatchCounts,
    findings: Vec<Finding>,
    domain: Vec<DomainResult>,
    last_error: Option<String>,
}

impl Live {
    fn new(job: &str, ranges: &[KeyRange]) -> Live {
        Live {
            job: job.to_string(),
            state: ReconState::Running,
            chunks: ranges
                .iter()
                .map(|r| ReconChunk {
                    lo: KeyRange::bound_text(&r.lo, "-∞"),
                    hi: KeyRange::bound_text(&r.hi, "+∞"),
                    state: ChunkState::Pending,
                })
                .collect(),
            chunks_done: 0,
            chunks_bisected: 0,
            rows_source: 0,
            rows_target: 0,
            counts: MismatchCounts::default(),
            findings: Vec::new(),
            domain: Vec::new(),
            last_error: None,
        }
    }

    fn chunk_done(&mut self, i: usize, checked: Checked) {
        let Checked {
            rows: (ns, nt),
            bisected,
            findings,
        } = checked;
        self.chunks_done += 1;
        self.chunks_bisected += u64::from(bisected);
        self.rows_source += ns;
        self.rows_target += nt;
        if let Some(c) = self.chunks.get_mut(i) {
            c.state = if findings.is_empty() {
                ChunkState::Verified
            } else {
                ChunkState::Mismatched
            };
        }
        for f in findings {
            self.counts.add(f.mismatch.kind);
            self.findings.push(f);
        }
    }

    fn set_findings(&mut self, findings: Vec<Finding>) {
        self.counts = MismatchCounts::default();
        for f in &findings {
            self.counts.add(f.mismatch.kind);
        }
        self.findings = findings;
    }

    fn snapshot(&self, started: Instant) -> ReconProgress {
        ReconProgress {
            job: self.job.clone(),
            state: self.state,
            chunks_total: self.chunks.len() as u64,
            chunks_done: self.chunks_done,
            chunks_bisected: self.chunks_bisected,
            rows_source: self.rows_source,
            rows_target: self.rows_target,
            counts: self.counts,
            findings: self
                .findings
                .iter()
                .take(FINDINGS_CAP)
                .map(|f| f.mismatch.clone())
                .collect::<Vec<Mismatch>>(),
            domain: self.domain.clone(),
            elapsed_secs: started.elapsed().as_secs_f64(),
            last_error: self.last_error.clone(),
            chunks: self.chunks.clone(),
            round_unix_secs: None,
        }
    }
}
