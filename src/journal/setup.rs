//! Creating a new journal and opening an existing one to resume a drill.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sqlx::Connection;

use super::connect::{classify, connect};
use super::error::JournalError;
use super::header;
use super::lock::{self, WriterLock};
use super::reader::{load_meta, replay_events};
use super::record::timestamp;
use super::schema::{APPLICATION_ID, CREATE, FORMAT_VERSION};
use super::{chain, Journal};
use crate::drill::Event;
use crate::runbook::Runbook;

/// Files SQLite keeps next to a database; a leftover `-wal` would be replayed into a new
/// file of the same name.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

impl Journal {
    /// Creates a new journal at `path` (and its parent directories) for a drill of
    /// `runbook`, and takes the writer's lock. Refuses to touch an existing file.
    pub async fn create(path: &Path, runbook: &Runbook) -> Result<Journal, JournalError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| JournalError::Io {
                path: path.to_path_buf(),
                op: "create the directory of",
                source,
            })?;
        }
        // Locked before the file exists, so no one resumes it half made.
        let lock = lock::acquire(path).await?;
        let exists = || JournalError::AlreadyExists {
            path: path.to_path_buf(),
        };
        if SIDE_FILES.iter().any(|s| side_file(path, s).exists()) {
            return Err(exists());
        }
        // `create_new` makes the existence check and the creation one atomic step.
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(exists()),
            Err(source) => {
                return Err(JournalError::Io {
                    path: path.to_path_buf(),
                    op: "create",
                    source,
                })
            }
        }
        match initialize(path, runbook, lock).await {
            Ok(journal) => Ok(journal),
            Err(e) => {
                // We created the file a moment ago: remove the half-made journal.
                for s in SIDE_FILES {
                    let _ = std::fs::remove_file(side_file(path, s));
                }
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// Opens an existing journal to resume the drill: checks that it was written for this
    /// version of the runbook, replays and verifies every event, and takes the writer's lock
    /// (readers are still let in).
    /// Returns the journal, ready for the next append, and the events in seq order.
    pub async fn open(
        path: &Path,
        runbook: &Runbook,
    ) -> Result<(Journal, Vec<Event>), JournalError> {
        require_exists(path)?;
        let lock = lock::acquire(path).await?;
        header::check(path)?;
        let mut conn = connect(path, false).await?;
        let loaded = load_meta(&mut conn, path).await?;
        if loaded.meta.runbook_digest != runbook.digest {
            return Err(JournalError::RunbookMismatch {
                path: path.to_path_buf(),
                journal_runbook_name: loaded.meta.runbook_name,
                journal_digest: loaded.meta.runbook_digest,
                given_digest: runbook.digest.clone(),
            });
        }
        let replay = replay_events(
            &mut conn,
            path,
            loaded.meta_checksum,
            &loaded.meta.warroom_version,
        )
        .await;
        if let Some(damage) = replay.damage {
            return Err(damage);
        }
        let last_telemetry_id: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM telemetry")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| classify(path, "read", None, e))?;
        let journal = Journal {
            path: path.to_path_buf(),
            conn,
            last_seq: replay.events.len() as u64,
            last_checksum: replay.last_checksum,
            last_telemetry_id,
            broken: None,
            lock,
        };
        Ok((journal, replay.events))
    }
}

pub(super) fn require_exists(path: &Path) -> Result<(), JournalError> {
    match path.try_exists() {
        Ok(true) => Ok(()),
        Ok(false) => Err(JournalError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(JournalError::Io {
            path: path.to_path_buf(),
            op: "open",
            source,
        }),
    }
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

async fn initialize(
    path: &Path,
    runbook: &Runbook,
    lock: WriterLock,
) -> Result<Journal, JournalError> {
    let mut conn = connect(path, false).await?;
    let created_at = timestamp(Utc::now());
    let version = env!("CARGO_PKG_VERSION");
    let meta_checksum = chain::meta(
        i64::from(FORMAT_VERSION),
        &runbook.meta.name,
        &runbook.digest,
        &runbook.source_text,
        &created_at,
        version,
    );
    let sql = |e| classify(path, "create", None, e);
    let mut tx = conn.begin().await.map_err(sql)?;
    sqlx::raw_sql(&format!("PRAGMA application_id = {APPLICATION_ID};"))
        .execute(&mut *tx)
        .await
        .map_err(sql)?;
    sqlx::raw_sql(CREATE).execute(&mut *tx).await.map_err(sql)?;
    sqlx::query(
        "INSERT INTO meta (id, format_version, runbook_name, runbook_digest, runbook_text,
                           created_at, warroom_version, checksum)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(i64::from(FORMAT_VERSION))
    .bind(&runbook.meta.name)
    .bind(&runbook.digest)
    .bind(&runbook.source_text)
    .bind(&created_at)
    .bind(version)
    .bind(i64::from(meta_checksum))
    .execute(&mut *tx)
    .await
    .map_err(sql)?;
    sqlx::query("INSERT INTO head (id, last_seq, last_checksum) VALUES (1, 0, ?)")
        .bind(i64::from(meta_checksum))
        .execute(&mut *tx)
        .await
        .map_err(sql)?;
    tx.commit().await.map_err(sql)?;
    Ok(Journal {
        path: path.to_path_buf(),
        conn,
        last_seq: 0,
        last_checksum: meta_checksum,
        last_telemetry_id: 0,
        broken: None,
        lock,
    })
}
