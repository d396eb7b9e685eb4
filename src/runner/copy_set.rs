//! A copy over many tables in the drill: its tables resolved (or read back from the
//! journal), then copied one after the other, each as its own job `JOB/TABLE` with its own
//! progress, checkpoint and evidence `copy:JOB/TABLE`. The job's own evidence `copy:JOB`
//! is reported once, at the end: it holds once every table's copy completed. One table
//! failing does not stop the others; the coordinator's pause and rate orders for the job
//! (or any of its tables) apply to the table being copied and to those after it.

use tokio::sync::mpsc;

use crate::copy::control::CopyControl;
use crate::copy::throttle::ProbeHook;
use crate::drill::Drill;
use crate::hub::HubHandle;
use crate::runbook::{table_job, CopySet, Evidence};

use super::copy_run::copy_spec;
use super::tables::{earlier_start, resolve, SetJob};

/// What the drill says about a copy over many tables when it starts.
pub struct SetStart {
    pub set: CopySet,
    /// The tables an earlier start journaled, if any.
    pub journaled: Option<Vec<String>>,
    /// Tables whose copy already completed (their evidence holds): not copied again.
    pub done: Vec<String>,
}

impl SetStart {
    pub fn from_drill(drill: &Drill, set: &CopySet) -> SetStart {
        let (journaled, done) = earlier_start(drill, &set.name, Evidence::CopyDone);
        SetStart {
            set: set.clone(),
            journaled,
            done,
        }
    }
}

/// The coordinator's standing orders, handed to each table's copy as it starts.
#[derive(Default)]
struct Orders {
    paused: bool,
    /// `None`: no order; `Some(None)`: the limit lifted.
    #[allow(clippy::option_option)]
    rate: Option<Option<u64>>,
    cancelled: bool,
}

impl Orders {
    fn note(&mut self, c: &CopyControl) {
        match *c {
            CopyControl::Pause => self.paused = true,
            CopyControl::Resume => self.paused = false,
            CopyControl::SetRateLimit(r) => self.rate = Some(r),
            CopyControl::Cancel => self.cancelled = true,
        }
    }

    fn replay(&self) -> Vec<CopyControl> {
        let mut out: Vec<CopyControl> = self
            .rate
            .map(CopyControl::SetRateLimit)
            .into_iter()
            .collect();
        if self.paused {
            out.push(CopyControl::Pause);
        }
        out
    }
}

pub async fn run_set(
    hub: HubHandle,
    start: SetStart,
    probe: ProbeHook,
    mut control_rx: mpsc::Receiver<CopyControl>,
) {
    let set = &start.set;
    let evidence = Evidence::CopyDone(set.name.clone());
    let job = SetJob {
        evidence: evidence.clone(),
        source: &set.template.source,
        tables: &set.tables,
        key: &set.template.key,
    };
    let tables = match resolve(&hub, &job, start.journaled.clone()).await {
        Ok(tables) => tables,
        Err(why) => {
            hub.record_evidence(evidence, false, why).await;
            return;
        }
    };
    let n = tables.len();
    let mut orders = Orders::default();
    let mut failed: Vec<String> = Vec::new();
    let mut copied = 0usize;
    for (i, table) in tables.iter().enumerate() {
        let name = table_job(&set.name, &table.name);
        if start.done.contains(&table.name) {
            copied += 1;
            continue;
        }
        if orders.cancelled {
            break;
        }
        // `copy:JOB` is reported once, at the end (a "not yet" would be announced as a
        // failure); the tables' own evidence and progress say how far it is.
        tracing::info!(job = %set.name, table = %table.name, "copying table {} of {n}", i + 1);
        let outcome = match &table.key {
            Err(why) => Err(why.clone()),
            Ok(key) => {
                let spec = set.for_table(&table.name, key.clone());
                let (tx, rx) = mpsc::channel(16);
                for c in orders.replay() {
                    let _ = tx.try_send(c);
                }
                let run = copy_spec(&hub, &spec, Some(probe.clone()), false, rx);
                tokio::pin!(run);
                loop {
                    tokio::select! {
                        r = &mut run => break r.map_err(|e| format!("copy failed: {e:#}")),
                        Some(c) = control_rx.recv() => {
                            orders.note(&c);
                            let _ = tx.send(c).await;
                        }
                    }
                }
            }
        };
        let (holds, detail) = match outcome {
            Ok(detail) => {
                copied += 1;
                (true, detail)
            }
            Err(why) => {
                failed.push(table.name.clone());
                (false, why)
            }
        };
        hub.record_evidence(Evidence::CopyDone(name), holds, detail)
            .await;
    }
    let all = tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>();
    let (holds, detail) = if failed.is_empty() && copied == n {
        (true, format!("all {n} table(s) copied: {}", all.join(", ")))
    } else {
        (
            false,
            format!("{copied} of {n} table(s) copied{}", failed_note(&failed)),
        )
    };
    hub.record_evidence(evidence, holds, detail).await;
}

fn failed_note(failed: &[String]) -> String {
    if failed.is_empty() {
        String::new()
    } else {
        format!(
            "; failed: {} (see the evidence of each table)",
            failed.join(", ")
        )
    }
}
