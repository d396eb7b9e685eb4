//! Starting a copy over as a rollback does it: never by emptying the target (warroom never
//! deletes rows it did not write this run), but by checking that the target is empty and
//! then forgetting the job's checkpoint, so the next run copies from the first row.

use crate::db::introspect;
use crate::db::table::resolve;
use crate::runbook::{CopyEngine, CopySpec, Runbook};

use super::checkpoint::Checkpoints;
use super::engine::table_spec;
use super::error::CopyError;
use super::job::connect_copy;
use super::writer::Writer;

/// What starting a copy over found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOver {
    /// The target was empty; the checkpoint is forgotten.
    Cleared { target_table: String },
    /// The target still holds rows: nothing was changed.
    TargetHoldsRows { target_table: String },
}

/// Forgets the checkpoint of `spec` once its target table is empty.
pub async fn start_over(runbook: &Runbook, spec: &CopySpec) -> Result<StartOver, CopyError> {
    if spec.engine == CopyEngine::External {
        return Err(CopyError::Spec {
            job: spec.name.clone(),
            msg: "an external copy keeps its checkpoints in its own engine: restart it there"
                .into(),
        });
    }
    let source = connect_copy(runbook, &spec.source, 1).await?;
    let target = connect_copy(runbook, &spec.target, 1).await?;
    let pair = resolve(&table_spec(spec), &source, &target).await?;
    let target_table = pair.target_table.to_string();
    let packet = introspect::max_allowed_packet(&target).await;
    if Writer::new(target.clone(), &pair, packet)
        .any_row("1=1")
        .await?
    {
        return Ok(StartOver::TargetHoldsRows { target_table });
    }
    Checkpoints::new(&spec.name, &pair.target_table, pair.tgt_style)
        .reset(&target)
        .await?;
    Ok(StartOver::Cleared { target_table })
}
