//! Health into the drill: runs the sampler, hands every snapshot to the hub as telemetry,
//! and journals evidence when a probe turns green or stops being green (so the log shows
//! "probe lag turned CRITICAL" and `requires = ["probe:lag"]` follows it).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::drill::telemetry::Telemetry;
use crate::drill::Clock;
use crate::hub::HubHandle;
use crate::runbook::Evidence;

use crate::health::sampler::{self, SamplerHandle};

/// Starts sampling the hub's runbook probes; stops when the returned handle is dropped.
pub fn start(hub: HubHandle, clock: Arc<dyn Clock>) -> Option<SamplerHandle> {
    if hub.runbook().probes.is_empty() {
        return None;
    }
    let (handle, mut updates) = sampler::start(hub.runbook(), clock);
    tokio::spawn(async move {
        // Whether each probe's evidence held when last journaled.
        let mut journaled: BTreeMap<String, bool> = BTreeMap::new();
        while let Some(update) = updates.recv().await {
            for probe in &update.snapshot.probes {
                if probe.latest.is_none() && probe.stale_for.is_none() {
                    continue; // no sample yet: nothing to say
                }
                let holds = probe.evidence_holds();
                if journaled.get(&probe.name) == Some(&holds) {
                    continue;
                }
                journaled.insert(probe.name.clone(), holds);
                let detail = update
                    .changes
                    .iter()
                    .find(|c| c.probe == probe.name)
                    .map(crate::drill::telemetry::health::StatusChange::describe)
                    .or_else(|| probe.detail())
                    .unwrap_or_else(|| probe.status.label().to_string());
                hub.record_evidence(Evidence::ProbeGreen(probe.name.clone()), holds, detail)
                    .await;
            }
            hub.publish(Telemetry::Health(update.snapshot));
        }
    });
    Some(handle)
}
