//! Continuous mode for dual-write phases: every `every`, the rows changed since the last
//! round (by the `watch.column`, e.g. `updated_at`, on either side) are diffed again. A
//! difference is only raised once it has lasted `settle`: a write that reached one side
//! and is on its way to the other is not an alarm; one that never arrives is.

use std::collections::HashMap;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use crate::db::rows::{fetch_text, fetch_values};
use crate::db::sql::quote_ident;
use crate::db::value::Value;
use crate::db::Dialect;
use crate::drill::telemetry::recon::{MismatchCounts, ReconProgress, ReconState, FINDINGS_CAP};
use crate::runbook::ReconWatch;

use super::diff::Finding;
use super::engine::ReconJob;
use super::error::ReconError;
use super::side::Side;

impl ReconJob {
    /// Watches until `stop` turns true; sends a snapshot after every round, holding the
    /// differences that outlasted the settle delay.
    pub async fn watch_changes(
        &self,
        w: &ReconWatch,
        progress: mpsc::Sender<ReconProgress>,
        stop: watch::Receiver<bool>,
    ) -> Result<(), ReconError> {
        self.watch_changes_from(w, Vec::new(), progress, stop).await
    }

    /// As [`Self::watch_changes`], re-checking `known` (the keys of differences a full pass
    /// found) every round as well: they count as settled from the first round, and leave
    /// the snapshot once they compare equal.
    pub async fn watch_changes_from(
        &self,
        w: &ReconWatch,
        known: Vec<Vec<Value>>,
        progress: mpsc::Sender<ReconProgress>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), ReconError> {
        let started = Instant::now();
        let mut since = [
            newest(&self.src, &w.column).await?,
            newest(&self.tgt, &w.column).await?,
        ];
        // Each round looks back to where the round before it started: a transaction that
        // stamped its rows before the newest value seen but committed after it is still
        // caught.
        let mut older = since.clone();
        // Key text -> (first seen, key values).
        let settled = started.checked_sub(w.settle).unwrap_or(started);
        let mut suspects: HashMap<String, (Instant, Vec<Value>)> = known
            .into_iter()
            .map(|k| (self.src.key_text_of(&k), (settled, k)))
            .collect();
        let mut rounds = 0u64;
        loop {
            tokio::select! {
                () = tokio::time::sleep(w.every) => {}
                _ = stop.changed() => return Ok(()),
            }
            rounds += 1;
            let mut keys: Vec<Vec<Value>> = suspects.values().map(|(_, k)| k.clone()).collect();
            for (i, side) in [&self.src, &self.tgt].into_iter().enumerate() {
                let next = newest(side, &w.column).await?;
                let from = older[i].as_deref().or(since[i].as_deref());
                keys.extend(changed_keys(side, &w.column, from).await?);
                if next.is_some() {
                    older[i] = since[i].take().or_else(|| next.clone());
                    since[i] = next;
                }
            }
            let findings = self.recheck(&dedup(&self.src, keys)).await?;
            let now = Instant::now();
            let mut still: HashMap<String, (Instant, Vec<Value>)> = HashMap::new();
            let mut confirmed: Vec<Finding> = Vec::new();
            for f in findings {
                let key = f.key(&self.src, &self.tgt);
                let text = self.src.key_text_of(&key);
                let first = suspects.get(&text).map_or(now, |(t, _)| *t);
                if now.duration_since(first) >= w.settle {
                    confirmed.push(f);
                }
                still.insert(text, (first, key));
            }
            suspects = still;
            let mut counts = MismatchCounts::default();
            for f in &confirmed {
                counts.add(f.mismatch.kind);
            }
            let snapshot = ReconProgress {
                job: self.spec.name.clone(),
                state: ReconState::Watching,
                chunks_total: rounds,
                chunks_done: rounds,
                chunks_bisected: 0,
                rows_source: 0,
                rows_target: 0,
                counts,
                findings: confirmed
                    .iter()
                    .take(FINDINGS_CAP)
                    .map(|f| f.mismatch.clone())
                    .collect(),
                domain: Vec::new(),
                elapsed_secs: started.elapsed().as_secs_f64(),
                last_error: None,
                chunks: Vec::new(),
                round_unix_secs: ReconProgress::round_stamp(chrono::Utc::now()),
            };
            if progress.send(snapshot).await.is_err() {
                return Ok(());
            }
        }
    }
}

/// The newest value of the watch column, as text.
async fn newest(side: &Side, column: &str) -> Result<Option<String>, ReconError> {
    let d = side.pool.dialect();
    let col = quote_ident(d, column);
    let expr = match d {
        Dialect::Postgres => format!("MAX({col})::text"),
        _ => format!("MAX({col})"),
    };
    let sql = format!("SELECT {expr} FROM {}", side.table.quoted(d));
    let rows = fetch_text(&side.pool, &sql)
        .await
        .map_err(|e| ReconError::db(side.name, "reading the watch column", e))?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten()))
}

/// Keys of rows whose watch column is at or after `since` (every key when `None`).
async fn changed_keys(
    side: &Side,
    column: &str,
    since: Option<&str>,
) -> Result<Vec<Vec<Value>>, ReconError> {
    let d = side.pool.dialect();
    let Some(since) = since else {
        return Ok(Vec::new());
    };
    let mut lit = String::new();
    crate::db::sql::push_str_literal(&mut lit, side.style, since);
    let sql = format!(
        "SELECT {} FROM {} WHERE {} >= {lit}",
        side.key_select_list(),
        side.table.quoted(d),
        quote_ident(d, column)
    );
    fetch_values(&side.pool, &sql, &side.key_kinds(), &[])
        .await
        .map_err(|e| ReconError::read(side.name, e))
}

fn dedup(side: &Side, keys: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    let mut seen = std::collections::HashSet::new();
    keys.into_iter()
        .filter(|k| seen.insert(side.key_text_of(k)))
        .collect()
}
