//! The copy engine: workers take key ranges; in each worker a reader fetches the next chunk
//! while a writer writes the current one; chunk sizes adapt toward the target time; every
//! chunk commits with its checkpoint; throttle, pause, rate limit and retries gate the work.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::db::keyset::{chunk_sql, plan, where_clause, KeyRange};
use crate::db::rows::{fetch_values, for_each_row, ReadError};
use crate::db::table::{resolve, TableName, TablePair, TableSpec};
use crate::db::types::Kind;
use crate::db::value::Value;
use crate::db::{introspect, DbPool, Dialect};
use crate::runbook::{CopyEngine, CopySpec, ThrottleRule};

use super::checkpoint::{spec_digest, Checkpoints, StoredRange};
use super::control::{CopyControl, RateLimiter};
use super::create_target;
use super::encode::{self, Encoded, Encoder};
use super::error::CopyError;
use super::pace::{Pace, Verdict};
use super::progress::{
    CopyProgress, CopyState, CopySummary, RangeProgress, RangeState, Throttle, ThrottleState,
};
use super::same_server::{insert_select_sql, keys_sql, refused, source_as_seen_from_target};
use super::throttle::{evaluate, latency_limit, sample_latency, ProbeHook, ThrottleInputs};
use super::verify::{restart_needs_empty_target, target_agrees};
use super::writer::{WriteMode, Writer};

/// Knobs that are not in the runbook.
#[derive(Clone)]
pub struct CopyOptions {
    /// How long a failing chunk keeps being retried (a server restart fits in it).
    pub retry_for: Duration,
    pub progress_every: Duration,
    pub throttle_every: Duration,
    /// Connections named by throttle rules (`[[copy.throttle]] connection = ...`).
    pub connections: HashMap<String, DbPool>,
    pub probe: Option<ProbeHook>,
    /// Forget any checkpoint and copy from the start. The target must hold no row, unless
    /// `overwrite`.
    pub restart: bool,
    /// With `restart`: copy over the rows the target holds (same key: the source's values).
    pub overwrite: bool,
    /// Upper bound of the adaptive chunk size (keeps memory flat).
    pub max_chunk_rows: u64,
    /// Copy inside the server (`INSERT ... SELECT`) when source and target are one
    /// MySQL/MariaDB server; `false` always copies over the wire.
    pub same_server: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            retry_for: Duration::from_secs(600),
            progress_every: Duration::from_millis(250),
            throttle_every: Duration::from_secs(1),
            connections: HashMap::new(),
            probe: None,
            restart: false,
            overwrite: false,
            max_chunk_rows: 20_000,
            same_server: true,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Slot {
    stored: StoredRange,
    state: RangeState,
}

struct Ctx {
    spec: CopySpec,
    r: TablePair,
    /// How each column's cells reach the target (`encode`).
    paths: Vec<encode::Path>,
    /// PostgreSQL to PostgreSQL, every column as it came: chunks travel as COPY text.
    copy_through: bool,
    /// The source table as the target connection names it, when both are one server:
    /// chunks are then copied inside it (see `same_server`).
    same_server: Option<String>,
    key_kinds: Vec<Kind>,
    source: DbPool,
    writer: Writer,
    cp: Checkpoints,
    opts: CopyOptions,
    started: Instant,
    rows_estimated: Option<u64>,
    rows_before: u64,
    slots: Mutex<Vec<Slot>>,
    queue: Mutex<VecDeque<usize>>,
    rows_done: AtomicU64,
    retries: AtomicU64,
    errors: AtomicU64,
    retrying: AtomicU64,
    last_error: Mutex<Option<String>>,
    paused: AtomicBool,
    cancelled: AtomicBool,
    failed: AtomicBool,
    finished: AtomicBool,
    throttle: Mutex<Throttle>,
    throttled_ms: AtomicU64,
    rate: Mutex<RateLimiter>,
    chunk_size: AtomicU64,
    window: Mutex<VecDeque<(Instant, u64)>>,
}

/// Per-worker adaptive chunk size: aims each chunk at `chunk_target` (pipelined, so the
/// slower of reading and writing sets the pace).
struct Sizer {
    size: u64,
    min: u64,
    max: u64,
    target: f64,
    read: f64,
    write: f64,
}

impl Sizer {
    fn record(&mut self, rows: usize, took: Duration, is_read: bool) {
        if rows == 0 {
            return;
        }
        let per_row = took.as_secs_f64() / rows as f64;
        if is_read {
            self.read = per_row;
        } else {
            self.write = per_row;
        }
        if self.target <= 0.0 {
            return;
        }
        let per_row = self.read.max(self.write);
        if per_row > 0.0 {
            // Both are positive; a float-to-int `as` saturates, and the size is clamped below.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let ideal = (self.target / per_row) as u64;
            self.size = ideal
                .clamp(self.size / 2, self.size.saturating_mul(2))
                .clamp(self.min, self.max);
        }
    }
}

struct Chunk {
    range: usize,
    /// The key the chunk starts after (exclusive).
    start_after: Option<Vec<Value>>,
    /// Inside one server: the chunk's keys (the rows stay there; kept for error messages).
    keys: Vec<Vec<Value>>,
    /// Over the wire: the rows, encoded for the target.
    encoded: Encoded,
    rows: usize,
    high_water: Option<Vec<Value>>,
    last: bool,
}

enum Gate {
    Go,
    Stop,
}

/// Which database a statement runs on (for retry messages).
#[derive(Debug, Clone, Copy)]
enum Side {
    Source,
    Target,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Target => "target",
        })
    }
}

impl Ctx {
    fn note_error(&self, msg: String) {
        self.errors.fetch_add(1, Relaxed);
        *lock(&self.last_error) = Some(msg);
    }

    fn fail(&self, e: &CopyError) {
        self.failed.store(true, Relaxed);
        self.note_error(e.to_string());
    }

    /// Waits while the copy is paused (by a command or by the throttle). A slowed copy is
    /// paced by the rate limiter (the throttle's automatic ceiling), not here.
    async fn gate(&self) -> Gate {
        loop {
            if self.cancelled.load(Relaxed) || self.failed.load(Relaxed) {
                return Gate::Stop;
            }
            let throttle = lock(&self.throttle).state;
            if self.paused.load(Relaxed) || throttle == ThrottleState::Paused {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            return Gate::Go;
        }
    }

    /// Runs `f` until it succeeds, fails for good, or the retry budget is spent. `side` is
    /// the database `f` talks to: a pool that timed out is asked why
    /// ([`DbPool::explain`]), and the copy's last error says `retrying (n): the source is
    /// unreachable: connection refused` while it retries.
    async fn retry<T, F, Fut>(&self, side: Side, what: &str, mut f: F) -> Result<T, CopyError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, CopyError>>,
    {
        let start = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            let e = match f().await {
                Ok(v) => {
                    if attempt > 0 {
                        self.retrying.fetch_sub(1, Relaxed);
                    }
                    return Ok(v);
                }
                Err(e) => self.explain(side, e).await,
            };
            if !e.is_transient()
                || start.elapsed() >= self.opts.retry_for
                || self.cancelled.load(Relaxed)
            {
                if attempt > 0 {
                    self.retrying.fetch_sub(1, Relaxed);
                }
                return Err(e);
            }
            if attempt == 0 {
                self.retrying.fetch_add(1, Relaxed);
            }
            attempt += 1;
            self.retries.fetch_add(1, Relaxed);
            let why = match e.connection_cause() {
                Some(cause) => format!("the {side} is unreachable: {cause}"),
                None => format!("{what}: {e}"),
            };
            self.note_error(format!("retrying ({attempt}): {why}"));
            tracing::warn!(job = %self.spec.name, attempt, "retrying: {why}");
            let backoff =
                Duration::from_millis(100u64 << attempt.min(6)).min(Duration::from_secs(5));
            tokio::time::sleep(backoff).await;
        }
    }

    /// A pool's "timed out" replaced by the reason the database cannot be reached.
    async fn explain(&self, side: Side, e: CopyError) -> CopyError {
        let pool = match side {
            Side::Source => &self.source,
            Side::Target => self.writer.pool(),
        };
        e.explained(pool).await
    }

    fn read_error(&self, e: ReadError) -> CopyError {
        match e {
            ReadError::Db(e) => CopyError::db(format!("reading {}", self.r.source_table), e),
            ReadError::Value {
                key,
                column,
                reason,
            } => CopyError::Value {
                table: self.r.source_table.to_string(),
                key: self.r.key_display(&key),
                column: self.r.src_cols[column].name.clone(),
                reason,
            },
        }
    }

    fn next_range(&self) -> Option<usize> {
        let idx = lock(&self.queue).pop_front()?;
        lock(&self.slots)[idx].state = RangeState::InFlight;
        Some(idx)
    }

    fn state(&self) -> CopyState {
        if self.failed.load(Relaxed) {
            CopyState::Failed
        } else if self.cancelled.load(Relaxed) {
            CopyState::Cancelled
        } else if self.finished.load(Relaxed) {
            CopyState::Done
        } else if self.paused.load(Relaxed) {
            CopyState::Paused
        } else if lock(&self.throttle).state == ThrottleState::Paused {
            CopyState::Throttled
        } else if self.retrying.load(Relaxed) > 0 {
            CopyState::Retrying
        } else {
            CopyState::Running
        }
    }

    fn snapshot(&self) -> CopyProgress {
        let now = Instant::now();
        let done = self.rows_done.load(Relaxed);
        let rate_now = {
            let mut w = lock(&self.window);
            w.push_back((now, done));
            while w.len() > 2
                && w.front()
                    .is_some_and(|(t, _)| now - *t > Duration::from_secs(5))
            {
                w.pop_front();
            }
            match w.front() {
                Some((t, n)) if now > *t => (done - n) as f64 / (now - *t).as_secs_f64(),
                _ => 0.0,
            }
        };
        let elapsed = self.started.elapsed().as_secs_f64();
        let ranges = lock(&self.slots)
            .iter()
            .map(|s| RangeProgress {
                lo: KeyRange::bound_text(&s.stored.range.lo, "-∞"),
                hi: KeyRange::bound_text(&s.stored.range.hi, "+∞"),
                state: s.state,
                rows_done: s.stored.rows,
            })
            .collect();
        CopyProgress {
            job: self.spec.name.clone(),
            state: self.state(),
            rows_done: done,
            rows_estimated: self.rows_estimated.map(|e| e.max(done)),
            rows_per_sec_now: rate_now,
            rows_per_sec_avg: if elapsed > 0.0 {
                (done - self.rows_before) as f64 / elapsed
            } else {
                0.0
            },
            elapsed_secs: elapsed,
            throttled_secs: self.throttled_ms.load(Relaxed) as f64 / 1000.0,
            throttle: lock(&self.throttle).clone(),
            rate_limit: lock(&self.rate).rate(),
            retries: self.retries.load(Relaxed),
            errors: self.errors.load(Relaxed),
            last_error: lock(&self.last_error).clone(),
            chunk_size: self.chunk_size.load(Relaxed),
            ranges,
        }
    }
}

/// The tables a copy job pairs up, in the terms `db::table` resolves.
pub fn table_spec(spec: &CopySpec) -> TableSpec {
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
        columns: spec.columns.clone(),
        rename: spec.rename.clone(),
        filter: spec.filter.clone(),
    }
}

/// Runs a native copy job to completion (or failure, or cancellation), sending progress
/// snapshots on `progress` and obeying `control`.
pub async fn run(
    spec: &CopySpec,
    source: DbPool,
    target: DbPool,
    opts: CopyOptions,
    mut control: mpsc::Receiver<CopyControl>,
    progress: mpsc::Sender<CopyProgress>,
) -> Result<CopySummary, CopyError> {
    if spec.engine == CopyEngine::External {
        return Err(CopyError::Spec {
            job: spec.name.clone(),
            msg: "an external copy is followed, not run: use copy::follow_external".into(),
        });
    }
    let started = Instant::now();
    let created_target = if spec.create_target {
        create_target::ensure(spec, &source, &target).await?
    } else {
        false
    };
    let r = resolve(&table_spec(spec), &source, &target).await?;
    let cp = Checkpoints::new(&spec.name, &r.target_table, r.tgt_style);
    cp.ensure(&target).await?;
    let packet = introspect::max_allowed_packet(&target).await;
    let writer = Writer::new(target.clone(), &r, packet);
    if opts.restart {
        if !opts.overwrite && writer.any_row("1=1").await? {
            return Err(restart_needs_empty_target(&r));
        }
        cp.reset(&target).await?;
    }
    let digest = spec_digest(&r);
    let workers = spec.workers.max(1) as usize;
    let (stored, resumed) = if let Some(stored) = cp.load(&target, &digest).await? {
        target_agrees(&r, &writer, &stored).await?;
        (stored, true)
    } else {
        let ranges = plan(&source, &r, if workers > 1 { workers * 4 } else { 1 })
            .await
            .map_err(|e| CopyError::Spec {
                job: r.job.clone(),
                msg: format!("planning: {e}"),
            })?;
        (cp.save_plan(&target, &digest, &ranges).await?, false)
    };
    let rows_before: u64 = stored.iter().map(|s| s.rows).sum();
    let queue: VecDeque<usize> = stored
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.done)
        .map(|(i, _)| i)
        .collect();
    let pending = queue.len();
    let rows_estimated = if r.filter.is_none() {
        introspect::estimate_rows(&source, &r.source_table).await
    } else {
        None
    };
    let same_server = if opts.same_server {
        source_as_seen_from_target(&r, &source, &target).await
    } else {
        None
    };
    if let Some(table) = &same_server {
        tracing::info!(job = %spec.name, source = %table, "source and target are one server: copying inside it");
    }
    let first_size = spec.chunk_rows.clamp(1, opts.max_chunk_rows.max(1));
    let latency_sql = format!(
        "SELECT 1 FROM {} LIMIT 1",
        r.source_table.quoted(r.src_dialect)
    );
    let throttle_inputs = ThrottleInputs {
        source: source.clone(),
        latency_sql,
        connections: opts.connections.clone(),
        probe: opts.probe.clone(),
        latency: Arc::default(),
    };
    let ctx = Arc::new(Ctx {
        spec: spec.clone(),
        copy_through: encode::copy_through(&r, &encode::plan(&r)),
        paths: encode::plan(&r),
        key_kinds: r
            .key_idx
            .iter()
            .map(|&i| r.src_cols[i].kind.clone())
            .collect(),
        same_server,
        r,
        source,
        writer,
        cp,
        started,
        rows_estimated,
        rows_before,
        slots: Mutex::new(
            stored
                .into_iter()
                .map(|s| Slot {
                    state: if s.done {
                        RangeState::Done
                    } else {
                        RangeState::Pending
                    },
                    stored: s,
                })
                .collect(),
        ),
        queue: Mutex::new(queue),
        rows_done: AtomicU64::new(rows_before),
        retries: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        retrying: AtomicU64::new(0),
        last_error: Mutex::new(None),
        paused: AtomicBool::new(false),
        cancelled: AtomicBool::new(false),
        failed: AtomicBool::new(false),
        finished: AtomicBool::new(false),
        throttle: Mutex::new(Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        }),
        throttled_ms: AtomicU64::new(0),
        rate: Mutex::new(RateLimiter::new(spec.max_rows_per_sec)),
        chunk_size: AtomicU64::new(first_size),
        window: Mutex::new(VecDeque::new()),
        opts,
    });

    let (done_tx, done_rx) = watch::channel(false);
    let reporter = {
        let ctx = ctx.clone();
        let progress = progress.clone();
        let mut done = done_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(ctx.opts.progress_every) => {}
                    _ = done.changed() => return,
                }
                let _ = progress.try_send(ctx.snapshot());
            }
        })
    };
    let throttler = throttler(ctx.clone(), throttle_inputs, done_rx.clone());
    let controller = {
        let ctx = ctx.clone();
        let mut done = done_rx.clone();
        tokio::spawn(async move {
            loop {
                let cmd = tokio::select! {
                    cmd = control.recv() => cmd,
                    _ = done.changed() => return,
                };
                match cmd {
                    None => return,
                    Some(CopyControl::Pause) => ctx.paused.store(true, Relaxed),
                    Some(CopyControl::Resume) => ctx.paused.store(false, Relaxed),
                    Some(CopyControl::SetRateLimit(r)) => lock(&ctx.rate).set(r),
                    Some(CopyControl::Cancel) => ctx.cancelled.store(true, Relaxed),
                }
            }
        })
    };

    let mut handles = Vec::new();
    for _ in 0..workers.min(pending).max(1) {
        let ctx = ctx.clone();
        handles.push(tokio::spawn(async move {
            let res = worker(ctx.clone(), first_size).await;
            if let Err(e) = &res {
                // Stop the other workers at their next chunk.
                ctx.fail(e);
            }
            res
        }));
    }
    let mut first_err: Option<CopyError> = None;
    for h in handles {
        let res = match h.await {
            Ok(res) => res,
            Err(e) => Err(CopyError::Spec {
                job: spec.name.clone(),
                msg: format!("a copy worker crashed: {e}"),
            }),
        };
        if let Err(e) = res {
            ctx.failed.store(true, Relaxed);
            first_err.get_or_insert(e);
        }
    }
    if first_err.is_none() && !ctx.cancelled.load(Relaxed) {
        ctx.finished.store(true, Relaxed);
    }
    let _ = done_tx.send(true);
    let _ = tokio::join!(reporter, throttler, controller);
    // Account for the throttle's last interval.
    let last = ctx.snapshot();
    let _ = progress.send(last.clone()).await;
    if let Some(e) = first_err {
        return Err(e);
    }
    let indexes_created = if spec.create_target && last.state == CopyState::Done {
        create_target::add_indexes(spec, &ctx.source, &target).await?
    } else {
        Vec::new()
    };
    let rows = last.rows_done - ctx.rows_before;
    let seconds = started.elapsed().as_secs_f64();
    Ok(CopySummary {
        job: spec.name.clone(),
        state: last.state,
        rows,
        rows_total: last.rows_done,
        seconds,
        rows_per_sec: if seconds > 0.0 {
            rows as f64 / seconds
        } else {
            0.0
        },
        retries: last.retries,
        throttled_secs: last.throttled_secs,
        resumed,
        in_server: ctx.same_server.is_some(),
        created_target,
        indexes_created,
        error: None,
    })
}

async fn worker(ctx: Arc<Ctx>, first_size: u64) -> Result<(), CopyError> {
    let sizer = Arc::new(Mutex::new(Sizer {
        size: first_size,
        min: first_size.min(100),
        max: ctx.opts.max_chunk_rows.max(first_size),
        target: ctx.spec.chunk_target.as_secs_f64(),
        read: 0.0,
        write: 0.0,
    }));
    let (tx, rx) = mpsc::channel::<Chunk>(1);
    let writer = {
        let ctx = ctx.clone();
        let sizer = sizer.clone();
        tokio::spawn(async move { write_loop(&ctx, &sizer, rx).await })
    };
    let read = read_loop(&ctx, &sizer, tx).await;
    let write = match writer.await {
        Ok(res) => res,
        Err(e) => Err(CopyError::Spec {
            job: ctx.spec.name.clone(),
            msg: format!("a copy writer crashed: {e}"),
        }),
    };
    write.and(read)
}

async fn read_loop(
    ctx: &Ctx,
    sizer: &Mutex<Sizer>,
    tx: mpsc::Sender<Chunk>,
) -> Result<(), CopyError> {
    while let Some(idx) = ctx.next_range() {
        let (range, mut after) = {
            let slots = lock(&ctx.slots);
            (
                slots[idx].stored.range.clone(),
                slots[idx].stored.high_water.clone(),
            )
        };
        loop {
            if let Gate::Stop = ctx.gate().await {
                lock(&ctx.slots)[idx].state = RangeState::Pending;
                return Ok(());
            }
            let Some(n) = take_rows(ctx, sizer).await else {
                // Cancelled, failed or paused while waiting: the gate stops or holds it.
                continue;
            };
            ctx.chunk_size.store(n, Relaxed);
            let t0 = Instant::now();
            let mut chunk = Chunk {
                range: idx,
                start_after: after.clone(),
                keys: Vec::new(),
                encoded: Encoded::default(),
                rows: 0,
                high_water: None,
                last: false,
            };
            if ctx.same_server.is_some() {
                // Inside one server only the chunk's keys are read: the rows stay there.
                let key_positions: Vec<usize> = (0..ctx.key_kinds.len()).collect();
                let sql = keys_sql(&ctx.r, &range, after.as_deref(), n);
                chunk.keys = ctx
                    .retry(Side::Source, "reading", || {
                        Box::pin(async {
                            fetch_values(&ctx.source, &sql, &ctx.key_kinds, &key_positions)
                                .await
                                .map_err(|e| ctx.read_error(e))
                        })
                            as BoxFuture<'_, Result<Vec<Vec<Value>>, CopyError>>
                    })
                    .await?;
                chunk.rows = chunk.keys.len();
                chunk.high_water = chunk.keys.last().cloned();
            } else {
                let sql = chunk_sql(&ctx.r, &range, after.as_deref(), n);
                chunk.encoded = ctx
                    .retry(Side::Source, "reading", || {
                        Box::pin(read_encoded(ctx, &sql)) as BoxFuture<'_, _>
                    })
                    .await
                    .inspect_err(|_| lock(&ctx.slots)[idx].state = RangeState::Failed)?;
                chunk.rows = chunk.encoded.rows;
                chunk.high_water = chunk.encoded.last_key.take();
            }
            lock(sizer).record(chunk.rows, t0.elapsed(), true);
            chunk.last = (chunk.rows as u64) < n;
            if let Some(key) = chunk.high_water.take() {
                after = Some(key);
            }
            chunk.high_water.clone_from(&after);
            let last = chunk.last;
            if tx.send(chunk).await.is_err() {
                return Ok(());
            }
            if last {
                break;
            }
        }
    }
    Ok(())
}

/// Reads the throttle rules every `throttle_every` and steers the copy from them
/// (`copy::pace`): the automatic ceiling into the rate limiter, the state and its reason
/// into the progress. `source_latency` rules are fed by a sampler running beside it.
fn throttler(
    ctx: Arc<Ctx>,
    inputs: ThrottleInputs,
    done: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    if ctx.spec.throttle.is_empty() {
        return tokio::spawn(async {});
    }
    // Before the copy has moved: a chunk per worker per chunk target (or second).
    let first_rate = {
        let per = ctx.spec.chunk_target.max(Duration::from_secs(1));
        let rows = ctx.chunk_size.load(Relaxed) * u64::from(ctx.spec.workers.max(1));
        rows as f64 / per.as_secs_f64()
    };
    // Slow start from there, in force before the first chunk, when a rule gives a value
    // to start against (a probe is only green or not).
    let graded = ctx
        .spec
        .throttle
        .iter()
        .any(|r| !matches!(r, ThrottleRule::Probe { .. }));
    let pace = if graded {
        Pace::starting(first_rate)
    } else {
        Pace::new()
    };
    lock(&ctx.rate).set_auto(pace.ceiling(), pace.slow_start());
    tokio::spawn(throttle_loop(ctx, inputs, done, pace, first_rate))
}

async fn throttle_loop(
    ctx: Arc<Ctx>,
    inputs: ThrottleInputs,
    mut done: watch::Receiver<bool>,
    mut pace: Pace,
    first_rate: f64,
) {
    let sampler = latency_limit(&ctx.spec.throttle)
        .map(|above| tokio::spawn(sample_latency(inputs.clone(), above, done.clone())));
    // Rows done over the last few readings: the rate the copy runs at.
    let mut seen: VecDeque<(Instant, u64)> = VecDeque::new();
    // The last rate seen while the copy moved (a paused copy measures 0).
    let mut known = 0.0;
    let mut last = Instant::now();
    loop {
        let reading = evaluate(&ctx.spec.throttle, &inputs).await;
        let now = Instant::now();
        let mut measured = measured_rate(&mut seen, now, ctx.rows_done.load(Relaxed));
        if measured > 0.0 {
            known = measured;
        } else if known > 0.0 {
            measured = known;
        } else {
            measured = first_rate;
        }
        let binds = lock(&ctx.rate).auto_binds();
        let verdict = pace.update(reading.pressure, measured, binds, now);
        lock(&ctx.rate).set_auto(pace.ceiling(), pace.slow_start());
        let t = match verdict {
            Verdict::Free => Throttle {
                state: ThrottleState::Free,
                reason: String::new(),
            },
            Verdict::Paced(c) => Throttle {
                state: ThrottleState::Slowed,
                reason: format!(
                    "{}{}{} at {c} rows/s",
                    reading.reason,
                    if reading.reason.is_empty() { "" } else { "; " },
                    if pace.slow_start() {
                        "slow start"
                    } else {
                        "pacing"
                    }
                ),
            },
            Verdict::Paused => Throttle {
                state: ThrottleState::Paused,
                reason: reading.reason,
            },
        };
        let was = std::mem::replace(&mut *lock(&ctx.throttle), t);
        if was.state != ThrottleState::Free {
            ctx.throttled_ms.fetch_add(
                u64::try_from((now - last).as_millis()).unwrap_or(u64::MAX),
                Relaxed,
            );
        }
        last = now;
        tokio::select! {
            () = tokio::time::sleep(ctx.opts.throttle_every) => {}
            _ = done.changed() => break,
        }
    }
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }
}

/// The copy's rows/s over the last three seconds of `seen` (rows done at each reading).
fn measured_rate(seen: &mut VecDeque<(Instant, u64)>, now: Instant, done: u64) -> f64 {
    seen.push_back((now, done));
    while seen.len() > 2
        && seen
            .front()
            .is_some_and(|(t, _)| now - *t > Duration::from_secs(3))
    {
        seen.pop_front();
    }
    match seen.front() {
        Some((t, n)) if now > *t => done.saturating_sub(*n) as f64 / (now - *t).as_secs_f64(),
        _ => 0.0,
    }
}

/// Waits until the rate limit grants the next chunk, and returns its size: at most a
/// fifth of a second of rows at the limit in force when it is granted. A worker that waits asks again
/// at least every 100 ms, so a lowered limit holds from its next chunk. `None` when the
/// copy was cancelled, failed or paused (by a command or the throttle) meanwhile: the
/// worker goes back to its gate.
async fn take_rows(ctx: &Ctx, sizer: &Mutex<Sizer>) -> Option<u64> {
    loop {
        let wait = {
            let mut rate = lock(&ctx.rate);
            let mut s = lock(sizer);
            s.size = rate.cap(s.size);
            match rate.try_take(s.size) {
                Ok(()) => return Some(s.size),
                Err(wait) => wait,
            }
        };
        if ctx.cancelled.load(Relaxed) || ctx.failed.load(Relaxed) {
            return None;
        }
        tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
        if ctx.paused.load(Relaxed) || lock(&ctx.throttle).state == ThrottleState::Paused {
            return None;
        }
    }
}

async fn write_loop(
    ctx: &Ctx,
    sizer: &Mutex<Sizer>,
    mut rx: mpsc::Receiver<Chunk>,
) -> Result<(), CopyError> {
    let mut modes: HashMap<usize, WriteMode> = HashMap::new();
    while let Some(chunk) = rx.recv().await {
        if ctx.failed.load(Relaxed) {
            return Ok(());
        }
        let range_no = lock(&ctx.slots)[chunk.range].stored.range_no;
        let n = chunk.rows;
        let mut mode = if let Some(m) = modes.get(&chunk.range) {
            *m
        } else {
            let m = direct_or_upsert(ctx, chunk.range, chunk.start_after.as_deref()).await?;
            modes.insert(chunk.range, m);
            m
        };
        let cp_sql = ctx
            .cp
            .update_sql(range_no, chunk.high_water.as_deref(), n as u64, chunk.last);
        let t0 = Instant::now();
        let range = lock(&ctx.slots)[chunk.range].stored.range.clone();
        loop {
            let res = match (&ctx.same_server, &chunk.high_water) {
                (Some(source), Some(through)) if n > 0 => {
                    let tail = match mode {
                        WriteMode::Upsert => ctx.writer.upsert_tail(),
                        WriteMode::Direct => "",
                    };
                    let stmt = insert_select_sql(
                        &ctx.r,
                        source,
                        &range,
                        chunk.start_after.as_deref(),
                        through,
                        tail,
                    );
                    ctx.retry(Side::Target, "copying inside the server", || {
                        ctx.writer.write_statement(&stmt, &cp_sql)
                    })
                    .await
                }
                _ => {
                    ctx.retry(Side::Target, "writing", || {
                        ctx.writer.write(&chunk.encoded, &cp_sql, mode)
                    })
                    .await
                }
            };
            match res {
                Ok(()) => break,
                Err(e) if mode == WriteMode::Direct && e.is_unique_violation() => {
                    // Someone else wrote into the range: upsert from now on.
                    mode = WriteMode::Upsert;
                    modes.insert(chunk.range, mode);
                }
                Err(e) => {
                    lock(&ctx.slots)[chunk.range].state = RangeState::Failed;
                    return Err(match (&ctx.same_server, &chunk.high_water) {
                        (Some(source), Some(through)) => refused(
                            &ctx.r,
                            source,
                            &range,
                            chunk.start_after.as_deref(),
                            through,
                            &chunk.keys,
                            e,
                        ),
                        _ => e,
                    });
                }
            }
        }
        lock(sizer).record(n, t0.elapsed(), false);
        ctx.rows_done.fetch_add(n as u64, Relaxed);
        let mut slots = lock(&ctx.slots);
        let slot = &mut slots[chunk.range];
        slot.stored.rows += n as u64;
        slot.stored.high_water = chunk.high_water;
        if chunk.last {
            slot.state = RangeState::Done;
            slot.stored.done = true;
        }
    }
    Ok(())
}

/// PostgreSQL can COPY, and MySQL/MariaDB plainly INSERT, straight into the table when the
/// rest of the range is empty there (a duplicate then switches the range to upserts).
async fn direct_or_upsert(
    ctx: &Ctx,
    idx: usize,
    after: Option<&[Value]>,
) -> Result<WriteMode, CopyError> {
    if ctx.r.tgt_dialect == Dialect::Sqlite {
        return Ok(WriteMode::Upsert);
    }
    let range = lock(&ctx.slots)[idx].stored.range.clone();
    let pred = where_clause(
        &ctx.r,
        ctx.r.tgt_style,
        &ctx.r.key_tgt(),
        &range,
        after,
        false,
    );
    let occupied = ctx
        .retry(Side::Target, "probing the target", || {
            Box::pin(ctx.writer.any_row(&pred)) as BoxFuture<'_, _>
        })
        .await?;
    Ok(if occupied {
        WriteMode::Upsert
    } else {
        WriteMode::Direct
    })
}

/// Reads one chunk over the wire and encodes its rows for the target as they arrive.
async fn read_encoded(ctx: &Ctx, sql: &str) -> Result<Encoded, CopyError> {
    if let (true, DbPool::Postgres(pool)) = (ctx.copy_through, &ctx.source) {
        let text = crate::db::rows::copy_out(pool, sql)
            .await
            .map_err(|e| CopyError::db(format!("reading {}", ctx.r.source_table), e))?;
        return encode::from_copy_text(&ctx.r, text);
    }
    let mut encoder = Encoder::new(&ctx.r, &ctx.paths, ctx.writer.max_part_bytes());
    let read = for_each_row(&ctx.source, sql, |cells| {
        encoder.push_row(cells).map_err(Refused::Row)
    })
    .await;
    match read {
        Ok(_) => Ok(encoder.finish()),
        Err(Refused::Db(e)) => Err(CopyError::db(format!("reading {}", ctx.r.source_table), e)),
        Err(Refused::Row(e)) => Err(e),
    }
}

/// Why reading a chunk stopped: the source, or a row that cannot be copied.
enum Refused {
    Db(sqlx::Error),
    Row(CopyError),
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Db(e)
    }
}
