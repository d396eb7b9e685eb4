//! Fast, idempotent chunk writers, one per target dialect. Each chunk and its checkpoint
//! update commit in one transaction.
//!
//! - PostgreSQL: `COPY ... FROM STDIN` (text format) straight into the table when the
//!   range is known empty there, else into a temp staging table and then
//!   `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`.
//! - MySQL/MariaDB: multi-row `INSERT` (when the range is known empty there) or
//!   `INSERT ... ON DUPLICATE KEY UPDATE`, each statement sized under the server's
//!   `max_allowed_packet`.
//! - SQLite: multi-row `INSERT ... ON CONFLICT (key) DO UPDATE` in one transaction.

use futures::future::BoxFuture;
use sqlx::Executor;

use crate::db::sql::{push_copy_text, push_literal, quote_ident, upsert_tail};
use crate::db::table::TablePair;
use crate::db::value::Value;
use crate::db::{DbPool, Dialect};

use super::error::CopyError;

/// How a PostgreSQL chunk lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// COPY into the table itself: the range holds no row yet.
    Direct,
    /// Through a staging table and an upsert.
    Upsert,
}

#[derive(Debug, Clone)]
pub struct Writer {
    pool: DbPool,
    r: TablePair,
    table: String,
    cols: String,
    tail: String,
    stage: String,
    max_stmt_bytes: usize,
}

impl Writer {
    pub fn new(pool: DbPool, r: &TablePair, max_allowed_packet: Option<u64>) -> Writer {
        let d = r.tgt_dialect;
        let names: Vec<String> = r.tgt_cols.iter().map(|c| c.name.clone()).collect();
        let cols = names
            .iter()
            .map(|c| quote_ident(d, c))
            .collect::<Vec<_>>()
            .join(", ");
        // Half the packet limit leaves room for the protocol; 8 MiB is plenty per round trip.
        let max_stmt_bytes = max_allowed_packet
            .map_or(4 << 20, |p| (p / 2) as usize)
            .clamp(64 << 10, 8 << 20);
        Writer {
            tail: upsert_tail(d, &names, &r.key_tgt()),
            table: r.target_table.quoted(d),
            stage: quote_ident(d, &format!("_warroom_stage_{}", r.target_table.name)),
            cols,
            max_stmt_bytes,
            r: r.clone(),
            pool,
        }
    }

    /// Is there any target row in `where_sql` (target-side predicate)?
    pub async fn any_row(&self, where_sql: &str) -> Result<bool, CopyError> {
        let sql = format!("SELECT 1 FROM {} WHERE {where_sql} LIMIT 1", self.table);
        let rows = crate::db::rows::fetch_text(&self.pool, &sql)
            .await
            .map_err(|e| CopyError::db("probing the target range", e))?;
        Ok(!rows.is_empty())
    }

    /// Writes fitted rows and runs `checkpoint_sql`, atomically.
    pub fn write<'a>(
        &'a self,
        rows: &'a [Vec<Value>],
        checkpoint_sql: &'a str,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<(), CopyError>> {
        Box::pin(self.write_inner(rows, checkpoint_sql, mode))
    }

    async fn write_inner(
        &self,
        rows: &[Vec<Value>],
        checkpoint_sql: &str,
        mode: WriteMode,
    ) -> Result<(), CopyError> {
        let wrap = |e| CopyError::db(format!("writing {}", self.r.target_table), e);
        match &self.pool {
            DbPool::Postgres(p) => {
                let mut tx = p.begin().await.map_err(wrap)?;
                if !rows.is_empty() {
                    let mut buf = String::with_capacity(rows.len() * 128);
                    for row in rows {
                        for (i, v) in row.iter().enumerate() {
                            if i > 0 {
                                buf.push('\t');
                            }
                            push_copy_text(&mut buf, v);
                        }
                        buf.push('\n');
                    }
                    let into = match mode {
                        WriteMode::Direct => self.table.clone(),
                        WriteMode::Upsert => {
                            tx.as_mut().execute(format!(
                                "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                                self.stage, self.table
                            ).as_str())
                            .await
                            .map_err(wrap)?;
                            self.stage.clone()
                        }
                    };
                    let mut copy = tx
                        .copy_in_raw(&format!("COPY {into} ({}) FROM STDIN", self.cols))
                        .await
                        .map_err(wrap)?;
                    copy.send(buf.as_bytes()).await.map_err(wrap)?;
                    copy.finish().await.map_err(wrap)?;
                    if mode == WriteMode::Upsert {
                        tx.as_mut()
                            .execute(
                                format!(
                                    "INSERT INTO {} ({cols}) SELECT {cols} FROM {}{}",
                                    self.table,
                                    self.stage,
                                    self.tail,
                                    cols = self.cols
                                )
                                .as_str(),
                            )
                            .await
                            .map_err(wrap)?;
                    }
                }
                tx.as_mut().execute(checkpoint_sql).await.map_err(wrap)?;
                tx.commit().await.map_err(wrap)
            }
            DbPool::MySql(p) => {
                let mut tx = p.begin().await.map_err(wrap)?;
                for stmt in self.insert_statements(rows, usize::MAX, mode == WriteMode::Upsert) {
                    tx.as_mut().execute(stmt.as_str()).await.map_err(wrap)?;
                }
                tx.as_mut().execute(checkpoint_sql).await.map_err(wrap)?;
                tx.commit().await.map_err(wrap)
            }
            DbPool::Sqlite(p) => {
                let mut tx = p.begin().await.map_err(wrap)?;
                for stmt in self.insert_statements(rows, 500, true) {
                    tx.as_mut().execute(stmt.as_str()).await.map_err(wrap)?;
                }
                tx.as_mut().execute(checkpoint_sql).await.map_err(wrap)?;
                tx.commit().await.map_err(wrap)
            }
        }
    }

    /// What an upsert appends (`ON DUPLICATE KEY UPDATE ...`).
    pub fn upsert_tail(&self) -> &str {
        &self.tail
    }

    /// Runs one statement that writes rows (an `INSERT ... SELECT` inside the server) and
    /// `checkpoint_sql`, atomically.
    pub fn write_statement<'a>(
        &'a self,
        stmt: &'a str,
        checkpoint_sql: &'a str,
    ) -> BoxFuture<'a, Result<(), CopyError>> {
        Box::pin(async move {
            let wrap = |e| CopyError::db(format!("writing {}", self.r.target_table), e);
            let DbPool::MySql(p) = &self.pool else {
                return Err(CopyError::Spec {
                    job: self.r.job.clone(),
                    msg: "copying inside the server needs MySQL/MariaDB on both sides".into(),
                });
            };
            let mut tx = p.begin().await.map_err(wrap)?;
            tx.as_mut().execute(stmt).await.map_err(wrap)?;
            tx.as_mut().execute(checkpoint_sql).await.map_err(wrap)?;
            tx.commit().await.map_err(wrap)
        })
    }

    /// Multi-row inserts (upserts when `upsert`), each under the statement size limit and
    /// `max_rows` rows.
    fn insert_statements(&self, rows: &[Vec<Value>], max_rows: usize, upsert: bool) -> Vec<String> {
        let tail = if upsert { self.tail.as_str() } else { "" };
        let head = format!("INSERT INTO {} ({}) VALUES ", self.table, self.cols);
        let mut out = Vec::new();
        let mut stmt = String::new();
        let mut n = 0;
        for row in rows {
            if stmt.is_empty() {
                stmt.reserve(self.max_stmt_bytes.min(1 << 20));
                stmt.push_str(&head);
            } else {
                stmt.push(',');
            }
            stmt.push('(');
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    stmt.push(',');
                }
                push_literal(&mut stmt, self.r.tgt_style, v);
            }
            stmt.push(')');
            n += 1;
            if stmt.len() >= self.max_stmt_bytes || n >= max_rows {
                stmt.push_str(tail);
                out.push(std::mem::take(&mut stmt));
                n = 0;
            }
        }
        if !stmt.is_empty() {
            stmt.push_str(tail);
            out.push(stmt);
        }
        out
    }

    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }
}
