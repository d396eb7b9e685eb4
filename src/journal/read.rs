//! Read-only access for reports and inspection: strict and lenient.

use std::path::Path;

use sqlx::Connection;

use super::connect::{classify, connect};
use super::error::JournalError;
use super::header;
use super::reader::{load_meta, read_telemetry, replay_events};
use super::record::{JournalContents, Salvaged};
use super::setup::require_exists;
use super::Journal;

impl Journal {
    /// Reads and verifies the whole journal, without needing the runbook. Any damage, to an
    /// event or a telemetry sample, is an error; see [`Journal::read_lenient`] to salvage.
    /// Works while a console writes the journal: it reads the drill as of one moment.
    pub async fn read(path: &Path) -> Result<JournalContents, JournalError> {
        let salvaged = Journal::read_lenient(path).await?;
        match salvaged.damage.into_iter().next() {
            Some(damage) => Err(damage),
            None => Ok(salvaged.contents),
        }
    }

    /// Reads what can be trusted from a possibly damaged journal: the events before the
    /// first damaged one, the telemetry samples that verified, and every problem found.
    /// Fails only when the file cannot be opened or its meta record cannot be read.
    ///
    /// Takes no lock: a live journal is read as of one moment (one read transaction, so
    /// the events, the head record and the telemetry agree even while the writer appends).
    pub async fn read_lenient(path: &Path) -> Result<Salvaged, JournalError> {
        require_exists(path)?;
        header::check(path)?;
        let mut conn = connect(path, true).await?;
        let mut snapshot = conn
            .begin()
            .await
            .map_err(|e| classify(path, "read", None, e))?;
        let loaded = load_meta(&mut snapshot, path).await?;
        let replay = replay_events(
            &mut snapshot,
            path,
            loaded.meta_checksum,
            &loaded.meta.warroom_version,
        )
        .await;
        let (telemetry, telemetry_damage) = read_telemetry(&mut snapshot, path).await;
        // Nothing was written: ending the transaction only releases the snapshot.
        let _ = snapshot.rollback().await;
        let damage = replay.damage.into_iter().chain(telemetry_damage).collect();
        Ok(Salvaged {
            contents: JournalContents {
                meta: loaded.meta,
                runbook_text: loaded.runbook_text,
                events: replay.events,
                telemetry,
            },
            damage,
        })
    }
}
