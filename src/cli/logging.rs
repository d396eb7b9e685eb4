//! Tracing to a file: the terminal belongs to the console.

use std::path::Path;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// Sends logs to `path` (appending). Keep the guard alive for the program's life.
pub fn init(path: &Path) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot open the log file {}: pass --log-file PATH or set WARROOM_LOG",
                path.display()
            )
        })?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WARROOM_LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))?;
    Ok(guard)
}
