//! Runs every probe on its own interval, concurrently, and sends owned health updates.
//!
//! Each probe is its own task with its own timeout, so a slow or hung target delays only
//! that probe (and if a probe task died, its probe would simply go stale). One collector
//! task folds the samples into a [`HealthBoard`], re-checks staleness every
//! [`STALENESS_TICK`], and sends a [`HealthUpdate`] for every sample and every staleness
//! change. Nothing here is shared with the receiver: it gets owned snapshots.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::drill::clock::Clock;
use crate::runbook::{ProbeSpec, Runbook};

use super::board::HealthBoard;
use super::probe::{probes_for, Probe};
use super::sample::{HealthSnapshot, ProbeSample, StatusChange};

/// How often staleness is re-evaluated between samples.
pub const STALENESS_TICK: Duration = Duration::from_millis(250);
/// The shortest interval a probe is sampled at, whatever the runbook says.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// What the sampler sends: the whole picture, what just arrived, and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthUpdate {
    pub snapshot: HealthSnapshot,
    /// The sample that caused this update (`None` for a staleness re-check or the first,
    /// empty update).
    pub sample: Option<ProbeSample>,
    /// Status changes to journal ("probe lag turned CRITICAL", "probe lag recovered").
    pub changes: Vec<StatusChange>,
}

/// Owns the sampler's tasks; dropping it stops them.
pub struct SamplerHandle {
    tasks: Vec<JoinHandle<()>>,
}

impl SamplerHandle {
    /// Stops every probe and the collector.
    pub fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for SamplerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Samples every probe of a runbook once, all at once; the samples in the runbook's order.
pub async fn sample_once(runbook: &Runbook) -> Vec<ProbeSample> {
    let mut probes = probes_for(runbook);
    futures::future::join_all(probes.iter_mut().map(super::probe::Probe::sample)).await
}

/// Samples a runbook's probes; updates arrive on the returned receiver.
pub fn start(
    runbook: &Runbook,
    clock: Arc<dyn Clock>,
) -> (SamplerHandle, mpsc::Receiver<HealthUpdate>) {
    let (tx, rx) = mpsc::channel(64);
    (spawn(probes_for(runbook), clock, tx), rx)
}

/// Samples `probes`, sending updates to `updates` until it is closed or the handle dropped.
pub fn spawn(
    probes: Vec<Probe>,
    clock: Arc<dyn Clock>,
    updates: mpsc::Sender<HealthUpdate>,
) -> SamplerHandle {
    let specs: Vec<ProbeSpec> = probes.iter().map(|p| p.spec().clone()).collect();
    let (sample_tx, sample_rx) = mpsc::channel(probes.len().max(1) * 4);
    let mut tasks: Vec<JoinHandle<()>> = probes
        .into_iter()
        .map(|probe| tokio::spawn(run_probe(probe, clock.clone(), sample_tx.clone())))
        .collect();
    drop(sample_tx);
    tasks.push(tokio::spawn(collect(specs, clock, sample_rx, updates)));
    SamplerHandle { tasks }
}

async fn run_probe(mut probe: Probe, clock: Arc<dyn Clock>, samples: mpsc::Sender<ProbeSample>) {
    let mut ticks = tokio::time::interval(probe.spec().interval.max(MIN_INTERVAL));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let mut sample = probe.sample().await;
        sample.at = clock.now();
        if samples.send(sample).await.is_err() {
            return;
        }
    }
}

async fn collect(
    specs: Vec<ProbeSpec>,
    clock: Arc<dyn Clock>,
    mut samples: mpsc::Receiver<ProbeSample>,
    updates: mpsc::Sender<HealthUpdate>,
) {
    let mut board = HealthBoard::new(&specs, clock.now());
    let first = HealthUpdate {
        snapshot: board.snapshot(clock.now()),
        sample: None,
        changes: vec![],
    };
    if updates.send(first).await.is_err() {
        return;
    }
    let mut ticks = tokio::time::interval(STALENESS_TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let update = tokio::select! {
            sample = samples.recv() => {
                let Some(sample) = sample else { return };
                let changes = board.record(sample.clone()).into_iter().collect();
                HealthUpdate { snapshot: board.snapshot(clock.now()), sample: Some(sample), changes }
            }
            _ = ticks.tick() => {
                let changes = board.refresh(clock.now());
                if changes.is_empty() {
                    continue;
                }
                HealthUpdate { snapshot: board.snapshot(clock.now()), sample: None, changes }
            }
        };
        for change in &update.changes {
            tracing::info!(probe = %change.probe, from = %change.from, to = %change.to, "{}", change.describe());
        }
        if updates.send(update).await.is_err() {
            return;
        }
    }
}
