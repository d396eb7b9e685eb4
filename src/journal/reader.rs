//! Reading a journal back and verifying it: the meta record, the event chain and the
//! telemetry samples. Shared by resume ([`super::Journal::open`]) and the read-only readers.

use std::path::Path;

use futures::TryStreamExt;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::Row;

use super::chain;
use super::connect::classify;
use super::error::JournalError;
use super::record::{parse_timestamp, JournalMeta, TelemetrySample};
use super::schema::{APPLICATION_ID, FORMAT_VERSION};
use crate::drill::Event;

/// The meta record, verified.
pub struct Loaded {
    pub meta: JournalMeta,
    pub runbook_text: String,
    /// Seed of the event chain.
    pub meta_checksum: u32,
}

/// The events that verified, and the first problem if the scan stopped early.
pub struct Replay {
    pub events: Vec<Event>,
    pub last_checksum: u32,
    pub damage: Option<JournalError>,
}

/// Checks that the file is a journal of a format we read, and loads its meta record.
pub async fn load_meta(conn: &mut SqliteConnection, path: &Path) -> Result<Loaded, JournalError> {
    let app_id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| classify(path, "read", None, e))?;
    if app_id != APPLICATION_ID {
        let why = if app_id == 0 {
            "it is empty or belongs to another program".to_string()
        } else {
            format!("its application_id is {app_id:#x}")
        };
        return Err(JournalError::NotAJournal {
            path: path.to_path_buf(),
            why,
        });
    }
    let corrupt = |why: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        seq: None,
        why,
    };

    let version: Option<i64> = sqlx::query_scalar("SELECT format_version FROM meta WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| classify(path, "read", None, e))?;
    let version = version.ok_or_else(|| corrupt("the meta record is missing".into()))?;
    if version != i64::from(FORMAT_VERSION) {
        return Err(JournalError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }

    let row = sqlx::query(
        "SELECT runbook_name, runbook_digest, runbook_text, created_at, warroom_version, checksum
         FROM meta WHERE id = 1",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| classify(path, "read", None, e))?;
    let text = |i: usize| -> Result<String, JournalError> {
        row.try_get::<String, _>(i)
            .map_err(|e| corrupt(format!("meta column {i} is unreadable ({e})")))
    };
    let (name, digest, runbook_text, created_at, warroom_version) =
        (text(0)?, text(1)?, text(2)?, text(3)?, text(4)?);
    let stored: i64 = row
        .try_get(5)
        .map_err(|e| corrupt(format!("meta checksum is unreadable ({e})")))?;
    let meta_checksum = chain::meta(
        version,
        &name,
        &digest,
        &runbook_text,
        &created_at,
        &warroom_version,
    );
    if i64::from(meta_checksum) != stored {
        return Err(corrupt(
            "the meta record (runbook name, digest or text) was changed after it was written"
                .into(),
        ));
    }
    let created_at = parse_timestamp(&created_at).map_err(corrupt)?;
    Ok(Loaded {
        meta: JournalMeta {
            format_version: FORMAT_VERSION,
            runbook_name: name,
            runbook_digest: digest,
            created_at,
            warroom_version,
        },
        runbook_text,
        meta_checksum,
    })
}

/// Replays the events in seq order, verifying seq continuity, the checksum chain and the
/// head record. Stops at the first problem and returns the verified prefix with it; never
/// skips a record.
pub async fn replay_events(
    conn: &mut SqliteConnection,
    path: &Path,
    seed: u32,
    written_by: &str,
) -> Replay {
    let mut replay = Replay {
        events: Vec::new(),
        last_checksum: seed,
        damage: None,
    };
    let scanned = scan_events(conn, path, written_by, &mut replay).await;
    let result = match scanned {
        Ok(()) => check_head(conn, path, &replay).await,
        Err(e) => Err(e),
    };
    replay.damage = result.err();
    replay
}

// A journal numbers its events one by one from 1 (SQLite stores them as i64): no seq reaches 2^63.
#[allow(clippy::cast_possible_wrap)]
async fn scan_events(
    conn: &mut SqliteConnection,
    path: &Path,
    written_by: &str,
    replay: &mut Replay,
) -> Result<(), JournalError> {
    let mut rows =
        sqlx::query("SELECT seq, at, actor, kind, payload, checksum FROM events ORDER BY seq")
            .fetch(&mut *conn);
    loop {
        let expected = replay.events.len() as u64 + 1;
        let row = match rows.try_next().await {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(()),
            Err(e) => return Err(classify(path, "read", Some(expected), e)),
        };
        let corrupt = |why: String| JournalError::Corrupt {
            path: path.to_path_buf(),
            seq: Some(expected),
            why,
        };
        let (seq, at, actor, kind, payload, stored) = event_columns(&row).map_err(corrupt)?;
        if seq != expected as i64 {
            return Err(corrupt(if seq > expected as i64 {
                format!(
                    "the record of event {expected} is missing (the next record is event {seq})"
                )
            } else {
                format!("a record claims seq {seq} where seq {expected} was expected")
            }));
        }
        let checksum = chain::event(replay.last_checksum, expected, at, actor, kind, payload);
        if i64::from(checksum) != stored {
            return Err(corrupt(
                "checksum mismatch: the record, or one before it, was changed after it was written"
                    .into(),
            ));
        }
        let event: Event =
            serde_json::from_str(payload).map_err(|e| JournalError::Undecodable {
                path: path.to_path_buf(),
                seq: expected,
                written_by: written_by.to_string(),
                why: e.to_string(),
            })?;
        if event.seq != expected {
            return Err(corrupt(format!(
                "the payload says seq {} inside the record of seq {expected}",
                event.seq
            )));
        }
        replay.last_checksum = checksum;
        replay.events.push(event);
    }
}

/// A row's columns, borrowed from it: a journal read copies no text but the events it
/// decodes.
type EventColumns<'r> = (i64, &'r str, &'r str, &'r str, &'r str, i64);

fn event_columns(row: &SqliteRow) -> Result<EventColumns<'_>, String> {
    let get = |e: sqlx::Error| format!("a column is unreadable ({e})");
    Ok((
        row.try_get(0).map_err(get)?,
        row.try_get(1).map_err(get)?,
        row.try_get(2).map_err(get)?,
        row.try_get(3).map_err(get)?,
        row.try_get(4).map_err(get)?,
        row.try_get(5).map_err(get)?,
    ))
}

/// The head record says where the sequence ends; a shorter scan means events were removed
/// from the end.
// A journal numbers its events one by one from 1 (SQLite stores them as i64): no seq reaches 2^63.
#[allow(clippy::cast_possible_wrap)]
async fn check_head(
    conn: &mut SqliteConnection,
    path: &Path,
    replay: &Replay,
) -> Result<(), JournalError> {
    let last = replay.events.len() as u64;
    let head: Option<(i64, i64)> =
        sqlx::query_as("SELECT last_seq, last_checksum FROM head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| classify(path, "read", Some(last + 1), e))?;
    let corrupt = |seq: u64, why: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        seq: Some(seq),
        why,
    };
    let Some((head_seq, head_sum)) = head else {
        return Err(corrupt(last + 1, "the head record is missing".into()));
    };
    if head_seq > last as i64 {
        return Err(corrupt(
            last + 1,
            format!("events {}..={head_seq} are missing from the end", last + 1),
        ));
    }
    if head_seq != last as i64 || head_sum != i64::from(replay.last_checksum) {
        return Err(corrupt(
            last,
            format!("the head record (seq {head_seq}) does not match the last event (seq {last})"),
        ));
    }
    Ok(())
}

/// Reads every telemetry sample. Damaged samples are returned as errors beside the good
/// ones; they do not stop the scan (samples are independent). A SQLite error does.
pub async fn read_telemetry(
    conn: &mut SqliteConnection,
    path: &Path,
) -> (Vec<TelemetrySample>, Vec<JournalError>) {
    let mut samples = Vec::new();
    let mut damage = Vec::new();
    let mut rows = sqlx::query("SELECT id, at, kind, payload, checksum FROM telemetry ORDER BY id")
        .fetch(&mut *conn);
    loop {
        let row = match rows.try_next().await {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                damage.push(classify(path, "read telemetry of", None, e));
                break;
            }
        };
        match telemetry_sample(&row) {
            Ok(sample) => samples.push(sample),
            Err((id, why)) => damage.push(JournalError::CorruptTelemetry {
                path: path.to_path_buf(),
                id,
                why,
            }),
        }
    }
    (samples, damage)
}

fn telemetry_sample(row: &SqliteRow) -> Result<TelemetrySample, (i64, String)> {
    let id: i64 = row
        .try_get(0)
        .map_err(|e| (0, format!("its id is unreadable ({e})")))?;
    let get = |e: sqlx::Error| (id, format!("a column is unreadable ({e})"));
    let at: String = row.try_get(1).map_err(get)?;
    let kind: String = row.try_get(2).map_err(get)?;
    let payload: String = row.try_get(3).map_err(get)?;
    let stored: i64 = row.try_get(4).map_err(get)?;
    if i64::from(chain::telemetry(id, &at, &kind, &payload)) != stored {
        return Err((
            id,
            "checksum mismatch: it was changed after it was written".into(),
        ));
    }
    let value = serde_json::from_str(&payload)
        .map_err(|e| (id, format!("its JSON does not parse ({e})")))?;
    Ok(TelemetrySample {
        id,
        at: parse_timestamp(&at).map_err(|why| (id, why))?,
        kind,
        value,
    })
}
