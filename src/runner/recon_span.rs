//! Spanning watches in the drill: a `[[recon]]` with `watch` and `active` starts when its
//! span starts ([`crate::drill::span`]), runs one full pass, then re-checks changed rows
//! every `watch.every` until the span ends, the drill ends or a rollback is called. Its
//! evidence `recon:JOB` holds while it is clean and is withdrawn (re-recorded as not
//! holding) the moment a difference outlasts the settle delay, so a later gate requiring
//! it refuses to pass; it holds again once the differences are gone. A gate it already
//! passed stays passed: the withdrawal is journaled, announced and shown in the header.

use std::collections::BTreeMap;

use tokio::sync::{mpsc, watch};

use super::recon_run::{recon_once, record, verdict, Results};
use crate::drill::span::{span_state, spanning, SpanState};
use crate::drill::telemetry::recon::ReconProgress;
use crate::drill::telemetry::Telemetry;
use crate::drill::Drill;
use crate::hub::HubHandle;

/// The spanning watches this console runs: job -> stop signal.
#[derive(Default)]
pub(super) struct Spans {
    running: BTreeMap<String, watch::Sender<bool>>,
}

impl Spans {
    /// Starts the watches whose span is under way and stops those whose span is over.
    pub(super) fn sync(&mut self, hub: &HubHandle, drill: &Drill, results: &Results) {
        let rb = drill.runbook();
        for (spec, _) in spanning(rb) {
            let on = matches!(
                span_state(rb, drill.state(), &spec.name),
                Some(SpanState::Watching { .. })
            );
            match (on, self.running.contains_key(&spec.name)) {
                (true, false) => {
                    let (tx, rx) = watch::channel(false);
                    self.running.insert(spec.name.clone(), tx);
                    tokio::spawn(run_span(
                        hub.clone(),
                        spec.name.clone(),
                        results.clone(),
                        rx,
                    ));
                }
                (false, true) => {
                    if let Some(tx) = self.running.remove(&spec.name) {
                        let _ = tx.send(true);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One full pass, then the continuous rounds, which also re-check the pass's differences.
async fn run_span(hub: HubHandle, job: String, results: Results, stop: watch::Receiver<bool>) {
    let (recon, progress, findings) = match recon_once(&hub, &job).await {
        Ok(r) => r,
        Err(e) => {
            record(&hub, &job, false, format!("watch could not start: {e:#}")).await;
            return;
        }
    };
    let problems = progress.problems();
    // Business checks are not re-run by the rounds: a failing one keeps the evidence down.
    let checks_fail = problems > progress.counts.total();
    let detail = format!(
        "watch started: full pass of {} rows: {}",
        progress.rows_source,
        verdict(&progress.counts, problems)
    );
    record(&hub, &job, problems == 0, detail).await;
    let Some(w) = recon.spec.watch.clone() else {
        return;
    };
    if *stop.borrow() {
        return;
    }
    let known = findings
        .iter()
        .map(|f| f.key(&recon.src, &recon.tgt))
        .collect();
    let mut last = progress.counts.total();
    results
        .lock()
        .await
        .insert(job.clone(), (recon.clone(), progress, findings));
    let (tx, mut rx) = mpsc::channel::<ReconProgress>(16);
    let watcher = tokio::spawn(async move { recon.watch_changes_from(&w, known, tx, stop).await });
    while let Some(p) = rx.recv().await {
        let now = p.counts.total();
        hub.publish(Telemetry::Recon(p.clone()));
        if now != last {
            let detail = if now == 0 {
                "watch: the differences are gone, clean again".to_string()
            } else {
                let first = p
                    .findings
                    .first()
                    .map(crate::drill::telemetry::recon::Mismatch::describe)
                    .unwrap_or_default();
                format!(
                    "watch: differences outlasted the settle delay ({}; first: {first}): evidence withdrawn",
                    verdict(&p.counts, now)
                )
            };
            record(&hub, &job, now == 0 && !checks_fail, detail).await;
            last = now;
        }
    }
    match watcher.await {
        Ok(Err(e)) => record(&hub, &job, false, format!("watch failed: {e}")).await,
        Err(e) => record(&hub, &job, false, format!("watch failed: {e}")).await,
        Ok(Ok(())) => {}
    }
}
