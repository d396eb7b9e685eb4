//! Durable progress in a state table on the target, `_warroom_copy_checkpoints`.
//!
//! One row per planned key range: its bounds, the high-water key of the last chunk written
//! and the rows written. The row is updated in the same transaction as the chunk's rows,
//! so after a kill -9 the checkpoint and the data agree: nothing lost, nothing doubled.

use crate::db::keyset::KeyRange;
use crate::db::rows::{execute, fetch_text};
use crate::db::sql::{literal, quote_ident, LiteralStyle, TableRef};
use crate::db::table::TablePair;
use crate::db::value::Value;
use crate::db::{DbPool, Dialect};

use super::error::CopyError;

pub const TABLE: &str = "_warroom_copy_checkpoints";

/// A digest of what the copy means, to refuse resuming a checkpoint made for another spec.
pub fn spec_digest(r: &TablePair) -> String {
    let mut h = crc32fast::Hasher::new();
    for part in [
        r.source_table.to_string(),
        r.target_table.to_string(),
        r.key_src().join(","),
        r.src_cols
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(","),
        r.tgt_cols
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(","),
        r.filter.clone().unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    format!("{:08x}", h.finalize())
}

/// A planned range as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRange {
    pub range_no: u32,
    pub range: KeyRange,
    pub high_water: Option<Vec<Value>>,
    pub rows: u64,
    pub done: bool,
}

#[derive(Debug, Clone)]
pub struct Checkpoints {
    job: String,
    table: String,
    style: LiteralStyle,
}

impl Checkpoints {
    /// The state table next to `target_table` (same schema/database).
    pub fn new(job: &str, target_table: &TableRef, style: LiteralStyle) -> Checkpoints {
        let t = TableRef {
            schema: target_table.schema.clone(),
            name: TABLE.to_string(),
        };
        Checkpoints {
            job: job.to_string(),
            table: t.quoted(style.dialect),
            style,
        }
    }

    fn lit(&self, s: &str) -> String {
        literal(self.style, &Value::Text(s.to_string()))
    }

    fn err(&self, msg: impl std::fmt::Display) -> CopyError {
        CopyError::Checkpoint {
            job: self.job.clone(),
            msg: msg.to_string(),
        }
    }

    pub async fn ensure(&self, pool: &DbPool) -> Result<(), CopyError> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (\
               job VARCHAR(200) NOT NULL, range_no INTEGER NOT NULL, \
               spec_digest VARCHAR(64) NOT NULL, lo TEXT, hi TEXT, high_water TEXT, \
               rows_written BIGINT NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0, \
               updated_at VARCHAR(40), PRIMARY KEY (job, range_no))",
            self.table
        );
        execute(pool, &sql)
            .await
            .map_err(|e| self.err(format!("cannot create {TABLE}: {e}")))?;
        Ok(())
    }

    /// The job's stored plan, or `None` when it never started. Refuses a plan made for a
    /// different spec.
    pub async fn load(
        &self,
        pool: &DbPool,
        digest: &str,
    ) -> Result<Option<Vec<StoredRange>>, CopyError> {
        let c = |col: &str| {
            if self.style.dialect == Dialect::Postgres {
                format!("{col}::text")
            } else {
                col.to_string()
            }
        };
        let sql = format!(
            "SELECT {}, spec_digest, lo, hi, high_water, {}, {} FROM {} WHERE job = {} ORDER BY range_no",
            c("range_no"),
            c("rows_written"),
            c("done"),
            self.table,
            self.lit(&self.job)
        );
        let rows = fetch_text(pool, &sql).await.map_err(|e| self.err(e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let parse_key = |s: &Option<String>| -> Result<Option<Vec<Value>>, CopyError> {
            s.as_deref()
                .map(|s| {
                    serde_json::from_str(s).map_err(|e| self.err(format!("bad stored key: {e}")))
                })
                .transpose()
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if r[1].as_deref() != Some(digest) {
                return Err(self.err(format!(
                    "the stored checkpoint was made for a different table, key, column list or \
                     filter; delete it (DELETE FROM {TABLE} WHERE job = '{}') or restart the job",
                    self.job
                )));
            }
            out.push(StoredRange {
                range_no: r[0].as_deref().and_then(|s| s.parse().ok()).unwrap_or(0),
                range: KeyRange {
                    lo: parse_key(&r[2])?,
                    hi: parse_key(&r[3])?,
                },
                high_water: parse_key(&r[4])?,
                rows: r[5].as_deref().and_then(|s| s.parse().ok()).unwrap_or(0),
                done: r[6].as_deref() == Some("1"),
            });
        }
        Ok(Some(out))
    }

    // A plan holds a few ranges per worker; it cannot reach 2^32 ranges.
    #[allow(clippy::cast_possible_truncation)]
    pub async fn save_plan(
        &self,
        pool: &DbPool,
        digest: &str,
        ranges: &[KeyRange],
    ) -> Result<Vec<StoredRange>, CopyError> {
        let key_lit = |k: &Option<Vec<Value>>| -> Result<String, CopyError> {
            Ok(match k {
                None => "NULL".into(),
                Some(v) => self.lit(&serde_json::to_string(v).map_err(|e| self.err(e))?),
            })
        };
        let mut values = Vec::with_capacity(ranges.len());
        for (i, r) in ranges.iter().enumerate() {
            values.push(format!(
                "({}, {i}, {}, {}, {}, NULL, 0, 0, {})",
                self.lit(&self.job),
                self.lit(digest),
                key_lit(&r.lo)?,
                key_lit(&r.hi)?,
                self.lit(&now())
            ));
        }
        let sql = format!(
            "INSERT INTO {} (job, range_no, spec_digest, lo, hi, high_water, rows_written, done, updated_at) VALUES {}",
            self.table,
            values.join(", ")
        );
        execute(pool, &sql).await.map_err(|e| self.err(e))?;
        Ok(ranges
            .iter()
            .enumerate()
            .map(|(i, r)| StoredRange {
                range_no: i as u32,
                range: r.clone(),
                high_water: None,
                rows: 0,
                done: false,
            })
            .collect())
    }

    /// The statement that records a written chunk (run inside the chunk's transaction).
    pub fn update_sql(
        &self,
        range_no: u32,
        high_water: Option<&[Value]>,
        rows: u64,
        done: bool,
    ) -> String {
        let hw = match high_water {
            Some(k) => serde_json::to_string(k).map_or("high_water".into(), |s| self.lit(&s)),
            None => "high_water".into(),
        };
        format!(
            "UPDATE {} SET high_water = {hw}, rows_written = rows_written + {rows}, done = {}, \
             updated_at = {} WHERE job = {} AND range_no = {range_no}",
            self.table,
            i32::from(done),
            self.lit(&now()),
            self.lit(&self.job)
        )
    }

    /// Forgets the job's checkpoint (a fresh copy next time).
    pub async fn reset(&self, pool: &DbPool) -> Result<(), CopyError> {
        let sql = format!(
            "DELETE FROM {} WHERE job = {}",
            self.table,
            self.lit(&self.job)
        );
        match execute(pool, &sql).await {
            // No table yet: nothing to forget.
            Ok(_) | Err(sqlx::Error::Database(_)) => Ok(()),
            Err(e) => Err(self.err(e)),
        }
    }

    pub fn quoted_column(&self, c: &str) -> String {
        quote_ident(self.style.dialect, c)
    }
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}
