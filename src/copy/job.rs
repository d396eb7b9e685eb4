//! One copy job of a runbook run to its end: its connections opened by name (including
//! those its throttle rules query), then run (native) or followed (external).

use std::time::Duration;

use tokio::sync::mpsc;

use crate::db::{connect_named, connect_named_limited, DbPool};
use crate::runbook::{CopyEngine, CopySpec, ExternalProgress, Runbook, ThrottleRule};

use super::control::CopyControl;
use super::engine::{run, CopyOptions};
use super::error::CopyError;
use super::external::{follow_external, ProgressReader};
use super::progress::{CopyProgress, CopySummary};
use super::throttle::ProbeHook;

/// Whether a run resumes from the job's checkpoint or starts over (`--restart`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Restart {
    /// Resume from the checkpoint, if there is one (the default).
    #[default]
    Resume,
    /// Clear the checkpoint and copy from the start into an empty target (a target that
    /// holds rows is refused: warroom never truncates).
    IntoEmpty,
    /// Clear the checkpoint and copy from the start over the rows the target holds.
    Overwrite,
}

impl Restart {
    pub fn from_flags(restart: bool, overwrite: bool) -> Restart {
        match (restart, overwrite) {
            (false, _) => Restart::Resume,
            (true, false) => Restart::IntoEmpty,
            (true, true) => Restart::Overwrite,
        }
    }
}

/// How long a copy's statement waits for a connection before it is retried with the real
/// reason (a server that went away is then reported within seconds, not after 15 s of the
/// pool reconnecting in silence). A copy never holds more connections than its pools
/// have, so only reconnecting waits.
pub const COPY_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pool for a runbook connection the copy only queries (throttle rules, external progress).
async fn connect(runbook: &Runbook, name: &str, max: u32) -> Result<DbPool, CopyError> {
    Ok(connect_named(runbook, name, max).await?)
}

/// A pool for a copy's source or target: fails fast when the server goes away.
pub(super) async fn connect_copy(
    runbook: &Runbook,
    name: &str,
    max: u32,
) -> Result<DbPool, CopyError> {
    Ok(connect_named_limited(runbook, name, max, COPY_ACQUIRE_TIMEOUT).await?)
}

/// Runs (native) or follows (external) one job: connects what it needs, including the
/// connections its throttle rules query. Shared by `warroom copy` and the console; an
/// external job's progress command runs only when `allow_commands`.
pub async fn run_job(
    runbook: &Runbook,
    spec: &CopySpec,
    probe: Option<ProbeHook>,
    restart: Restart,
    allow_commands: bool,
    control_rx: mpsc::Receiver<CopyControl>,
    progress_tx: mpsc::Sender<CopyProgress>,
) -> Result<CopySummary, CopyError> {
    let workers = spec.workers.max(1);
    match spec.engine {
        CopyEngine::External => {
            let reader = external_reader(runbook, spec, allow_commands).await?;
            follow_external(spec, reader, EXTERNAL_EVERY, control_rx, progress_tx).await
        }
        CopyEngine::Native => {
            let source = connect_copy(runbook, &spec.source, workers + 1).await?;
            let target = connect_copy(runbook, &spec.target, workers + 1).await?;
            let mut opts = CopyOptions {
                probe,
                restart: restart != Restart::Resume,
                overwrite: restart == Restart::Overwrite,
                ..CopyOptions::default()
            };
            for rule in &spec.throttle {
                if let ThrottleRule::Query { connection, .. } = rule {
                    if !opts.connections.contains_key(connection) {
                        let pool = connect(runbook, connection, 1).await?;
                        opts.connections.insert(connection.clone(), pool);
                    }
                }
            }
            run(spec, source, target, opts, control_rx, progress_tx).await
        }
    }
}

/// How often an external job's progress is read.
pub const EXTERNAL_EVERY: Duration = Duration::from_secs(2);

/// Connects where an external job's progress is read. A command runs only when
/// `allow_commands` (the console's `--allow-shell`).
pub async fn external_reader(
    runbook: &Runbook,
    spec: &CopySpec,
    allow_commands: bool,
) -> Result<ProgressReader, CopyError> {
    let spec_error = |msg: String| CopyError::Spec {
        job: spec.name.clone(),
        msg,
    };
    match &spec.progress {
        Some(ExternalProgress::Sql { connection, query }) => Ok(ProgressReader::Sql {
            pool: connect(runbook, connection, 1).await?,
            query: query.clone(),
        }),
        Some(ExternalProgress::Prometheus { url, done, total }) => {
            ProgressReader::prometheus(url, done, total.as_deref()).map_err(spec_error)
        }
        Some(ExternalProgress::Command { command }) => Ok(ProgressReader::Command {
            command: command.clone(),
            allowed: allow_commands,
        }),
        None => Err(spec_error(
            "an external copy needs `progress` (a SQL query, Prometheus series or a command)"
                .into(),
        )),
    }
}

/// Copy job `job` of `runbook`.
pub fn find_job<'a>(runbook: &'a Runbook, job: &str) -> Result<&'a CopySpec, CopyError> {
    runbook
        .copies
        .iter()
        .find(|c| c.name == job)
        .ok_or_else(|| CopyError::UnknownJob(job.to_string()))
}
