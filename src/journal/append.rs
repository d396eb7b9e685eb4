//! Writing: events (synced before the call returns), telemetry samples, closing.

use chrono::{DateTime, Utc};
use sqlx::Connection;

use super::connect::classify;
use super::error::JournalError;
use super::record::{timestamp, EventRow};
use super::{chain, Journal};
use crate::drill::Event;

/// Rows per INSERT statement (6 parameters each, well under SQLite's limit of 32766).
const ROWS_PER_INSERT: usize = 100;

fn insert_sql(rows: usize) -> String {
    let mut sql =
        String::from("INSERT INTO events (seq, at, actor, kind, payload, checksum) VALUES ");
    for i in 0..rows {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?, ?)"
        });
    }
    sql
}

impl Journal {
    /// Appends one event; it is on disk (fsynced) when this returns `Ok`. The event's seq
    /// must be [`Journal::last_seq`] + 1, else nothing is written.
    pub async fn append(&mut self, event: &Event) -> Result<(), JournalError> {
        self.append_batch(std::slice::from_ref(event)).await
    }

    /// Appends consecutive events in one transaction (one fsync): all or none are written.
    pub async fn append_batch(&mut self, events: &[Event]) -> Result<(), JournalError> {
        self.check_usable()?;
        // Check and encode everything before touching the file.
        let mut rows = Vec::with_capacity(events.len());
        let mut checksum = self.last_checksum;
        for (i, event) in events.iter().enumerate() {
            let expected = self.last_seq + 1 + i as u64;
            if event.seq != expected {
                return Err(JournalError::SeqGap {
                    path: self.path.clone(),
                    expected,
                    got: event.seq,
                });
            }
            let row = EventRow::encode(&self.path, event)?;
            checksum = chain::event(
                checksum,
                row.seq,
                &row.at,
                &row.actor,
                &row.kind,
                &row.payload,
            );
            rows.push((row, checksum));
        }
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        let last_seq = last.seq;
        match self.write_events(&rows).await {
            Ok(()) => {
                self.last_seq = last_seq;
                self.last_checksum = checksum;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    // A journal numbers its events one by one from 1 (SQLite stores them as i64): no seq reaches 2^63.
    #[allow(clippy::cast_possible_wrap)]
    async fn write_events(&mut self, rows: &[(EventRow, u32)]) -> Result<(), JournalError> {
        let path = &self.path;
        let sql = |e| classify(path, "append to", None, e);
        let mut tx = self.conn.begin().await.map_err(sql)?;
        // Multi-row INSERTs: one round trip to SQLite's thread per chunk, not per row.
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let statement = insert_sql(chunk.len());
            let mut insert = sqlx::query(&statement);
            for (row, checksum) in chunk {
                insert = insert
                    .bind(row.seq as i64)
                    .bind(&row.at)
                    .bind(&row.actor)
                    .bind(&row.kind)
                    .bind(&row.payload)
                    .bind(i64::from(*checksum));
            }
            insert.execute(&mut *tx).await.map_err(sql)?;
        }
        if let Some((row, checksum)) = rows.last() {
            sqlx::query("UPDATE head SET last_seq = ?, last_checksum = ? WHERE id = 1")
                .bind(row.seq as i64)
                .bind(i64::from(*checksum))
                .execute(&mut *tx)
                .await
                .map_err(sql)?;
        }
        tx.commit().await.map_err(sql)
    }

    /// Records a telemetry sample (copy progress, probe sample, ...). Samples are outside
    /// the event sequence; `kind` says what the sample is. Synced like events, so call it
    /// at a low rate (the hub samples, it does not record every tick).
    pub async fn append_telemetry(
        &mut self,
        at: DateTime<Utc>,
        kind: &str,
        value: &serde_json::Value,
    ) -> Result<(), JournalError> {
        self.check_usable()?;
        let id = self.last_telemetry_id + 1;
        let at = timestamp(at);
        let payload = value.to_string();
        let checksum = chain::telemetry(id, &at, kind, &payload);
        let written = sqlx::query(
            "INSERT INTO telemetry (id, at, kind, payload, checksum) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&at)
        .bind(kind)
        .bind(&payload)
        .bind(i64::from(checksum))
        .execute(&mut self.conn)
        .await;
        match written {
            Ok(_) => {
                self.last_telemetry_id = id;
                Ok(())
            }
            Err(e) => {
                let e = classify(&self.path, "append telemetry to", None, e);
                Err(self.fail(e))
            }
        }
    }

    /// Closes the file cleanly (checkpoints the WAL into it), then releases the writer's
    /// lock. Dropping a journal also closes it, without reporting errors.
    pub async fn close(self) -> Result<(), JournalError> {
        let path = self.path;
        self.conn
            .close()
            .await
            .map_err(|e| classify(&path, "close", None, e))?;
        self.lock.release(&path).await
    }

    fn check_usable(&self) -> Result<(), JournalError> {
        match &self.broken {
            Some(why) => Err(JournalError::Broken {
                path: self.path.clone(),
                why: why.clone(),
            }),
            None => Ok(()),
        }
    }

    /// After a failed write we cannot be sure what reached the disk: refuse further writes.
    fn fail(&mut self, e: JournalError) -> JournalError {
        self.broken = Some(e.to_string());
        e
    }
}
