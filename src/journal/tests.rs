//! Tests that need the journal's internals (the checksum chain); the rest are in
//! `tests/journal.rs`.

use std::path::Path;

use chrono::{TimeZone, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use super::{chain, Journal, JournalError};
use crate::drill::testkit::RunbookBuilder;
use crate::drill::{Actor, Event, EventKind};
use crate::runbook::Runbook;

fn runbook() -> Runbook {
    RunbookBuilder::new("drill")
        .coordinator("alice")
        .source("text", "d")
        .build()
}

// Test sequence numbers are small.
#[allow(clippy::cast_possible_wrap)]
fn note(seq: u64) -> Event {
    Event {
        seq,
        at: Utc
            .timestamp_opt(1_700_000_000 + seq as i64, 0)
            .single()
            .expect("time"),
        by: Actor::System,
        kind: EventKind::NoteAdded {
            step: None,
            text: format!("n{seq}"),
        },
        acting_for: None,
    }
}

/// Rewrites event `seq`'s payload and re-seals the chain from it on, as a newer warroom
/// writing a kind this build does not know would have.
// Reads back a checksum and seq that the journal wrote from a u32 and a u64.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
async fn rewrite_sealed(path: &Path, seq: i64, payload: &str) {
    let mut c = SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .expect("raw");
    let prev: i64 = sqlx::query_scalar("SELECT checksum FROM events WHERE seq = ?")
        .bind(seq - 1)
        .fetch_one(&mut c)
        .await
        .expect("prev");
    let row = sqlx::query("SELECT at, actor FROM events WHERE seq = ?")
        .bind(seq)
        .fetch_one(&mut c)
        .await
        .expect("row");
    let (at, actor): (String, String) = (row.get(0), row.get(1));
    let sum = chain::event(prev as u32, seq as u64, &at, &actor, "teleported", payload);
    sqlx::query("UPDATE events SET kind = 'teleported', payload = ?, checksum = ? WHERE seq = ?")
        .bind(payload)
        .bind(i64::from(sum))
        .bind(seq)
        .execute(&mut c)
        .await
        .expect("update");
    sqlx::query("UPDATE head SET last_seq = ?, last_checksum = ?")
        .bind(seq)
        .bind(i64::from(sum))
        .execute(&mut c)
        .await
        .expect("head");
    sqlx::query("DELETE FROM events WHERE seq > ?")
        .bind(seq)
        .execute(&mut c)
        .await
        .expect("delete");
    c.close().await.expect("close");
}

#[tokio::test]
async fn unknown_kind_with_valid_checksum_is_undecodable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut j = Journal::create(&path, &runbook()).await.expect("create");
    j.append_batch(&(1..=3).map(note).collect::<Vec<_>>())
        .await
        .expect("append");
    j.close().await.expect("close");
    let payload = r#"{"seq":3,"at":"2023-11-14T22:13:23Z","by":"system","kind":{"event":"teleported","to":"mars"}}"#;
    rewrite_sealed(&path, 3, payload).await;

    let err = Journal::read(&path).await.expect_err("undecodable");
    match &err {
        JournalError::Undecodable {
            seq: 3,
            written_by,
            why,
            ..
        } => {
            assert_eq!(written_by, env!("CARGO_PKG_VERSION"));
            assert!(why.contains("teleported"), "{why}");
        }
        other => panic!("expected Undecodable at 3, got {other:?}"),
    }
    assert!(err
        .to_string()
        .contains("use the warroom version that wrote it"));
    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    assert_eq!(
        salvaged.contents.events,
        (1..=2).map(note).collect::<Vec<_>>()
    );
    assert_eq!(salvaged.damage.len(), 1);
    let err = Journal::open(&path, &runbook())
        .await
        .expect_err("no resume");
    assert_eq!(err.seq(), Some(3));
}

#[tokio::test]
async fn unsupported_format_version_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    Journal::create(&path, &runbook())
        .await
        .expect("create")
        .close()
        .await
        .expect("close");
    let mut c = SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .expect("raw");
    sqlx::query("UPDATE meta SET format_version = 2")
        .execute(&mut c)
        .await
        .expect("update");
    c.close().await.expect("close");
    let err = Journal::read(&path).await.expect_err("format");
    assert!(
        matches!(
            err,
            JournalError::UnsupportedFormat {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
}
