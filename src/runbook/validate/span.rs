//! Spanning watches: a `[[recon]]` with `active` runs its continuous mode on its own from
//! one step (or phase) to another, so it needs `watch`, and no step may also run it.

use super::Validator;
use crate::runbook::model::ProbeScope;
use crate::runbook::raw::{RawPhase, RawRecon, SString};

impl Validator<'_, '_> {
    /// The span of a recon job (`None`: absent, or broken and reported).
    pub(super) fn recon_span(
        &mut self,
        r: &RawRecon,
        phases: &[RawPhase],
        what: &str,
    ) -> Option<ProbeScope> {
        let raw = r.active.as_ref()?;
        if r.watch.is_none() {
            self.error(
                raw.span(),
                format!("{what} has `active` but no `watch`: only a continuous recon runs across steps"),
                "add watch = { column = \"updated_at\", every = \"30s\", settle = \"10s\" }, or leave `active` out and run the recon from a step (action = { recon = \"...\" })",
            );
        }
        self.scope(raw, phases, &format!("the watch of {what}"))
            .flatten()
    }

    /// A step or rollback action `recon = "JOB"` on a job that runs on its own (`active`).
    pub(super) fn not_spanning(&mut self, job: &SString, what: &str) {
        if self.spanning_recons.contains(job.get_ref()) {
            self.error(
                job.span(),
                format!(
                    "{what} runs recon job `{}`, which already runs on its own (its `active`)",
                    job.get_ref()
                ),
                format!(
                    "require \"recon:{}\" instead of running it, or declare a second [[recon]] for a one-off pass",
                    job.get_ref()
                ),
            );
        }
    }
}
