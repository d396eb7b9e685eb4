//! Fast, idempotent chunk writers, one per target dialect. Each chunk and its checkpoint
//! update commit in one transaction.
//!
//! - PostgreSQL: `COPY ... FROM STDIN` (text format) straight into the table when the
//!   range is known empty there, else into a temp staging table and then
//!   `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`.
//! - MySQL/MariaDB: prepared multi-row `INSERT`s (when the range is known empty there) or
//!   `INSERT ... ON DUPLICATE KEY UPDATE`, 1,000 rows each (fewer for wide rows: each
//!   statement's values stay under half the server's `max_allowed_packet`).
//! - SQLite: multi-row `INSERT ... ON CONFLICT (key) DO UPDATE` in one transaction.

use futures::future::BoxFuture;
use sqlx::Executor;

use crate::db::sql::{quote_ident, upsert_tail};
use crate::db::table::TablePair;
use crate::db::{DbPool, Dialect};

use super::encode::{Body, Encoded, Param};
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

    /// The size at which an encoded chunk's row group is closed: a statement is the group
    /// with its head and tail.
    pub fn max_part_bytes(&self) -> usize {
        self.max_stmt_bytes
    }

    /// Writes an encoded chunk ([`super::encode`]) and runs `checkpoint_sql`, atomically.
    pub fn write<'a>(
        &'a self,
        rows: &'a Encoded,
        checkpoint_sql: &'a str,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<(), CopyError>> {
        Box::pin(self.write_inner(rows, checkpoint_sql, mode))
    }

    async fn write_inner(
        &self,
        rows: &Encoded,
        checkpoint_sql: &str,
        mode: WriteMode,
    ) -> Result<(), CopyError> {
        let wrap = |e| CopyError::db(format!("writing {}", self.r.target_table), e);
        match &self.pool {
            DbPool::Postgres(p) => {
                let mut tx = p.begin().await.map_err(wrap)?;
                if let (Body::Copy(text), true) = (&rows.body, rows.rows > 0) {
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
                    copy.send(text.as_bytes()).await.map_err(wrap)?;
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
                if let Body::Params(params) = &rows.body {
                    let upsert = mode == WriteMode::Upsert;
                    let width = self.r.tgt_cols.len();
                    let mut cells = params.cells.chunks(width);
                    for &n in &params.groups {
                        let sql = self.insert_statement(n, upsert);
                        // The full group's statement is prepared once per connection;
                        // a chunk's shorter last group is prepared, run and dropped.
                        let mut q = sqlx::query::<sqlx::MySql>(&sql).persistent(n == params.full);
                        for row in cells.by_ref().take(n) {
                            for cell in row {
                                q = match *cell {
                                    Param::Null => q.bind(None::<&str>),
                                    Param::Text { start, end } => q.bind(params.text(start, end)),
                                    Param::Bytes { start, end } => q.bind(&params.data[start..end]),
                                };
                            }
                        }
                        q.execute(tx.as_mut()).await.map_err(wrap)?;
                    }
                }
                tx.as_mut().execute(checkpoint_sql).await.map_err(wrap)?;
                tx.commit().await.map_err(wrap)
            }
            DbPool::Sqlite(p) => {
                let mut tx = p.begin().await.map_err(wrap)?;
                if let Body::Groups(groups) = &rows.body {
                    for group in groups {
                        let stmt = self.literal_insert(group);
                        tx.as_mut().execute(stmt.as_str()).await.map_err(wrap)?;
                    }
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

    /// A prepared insert of `rows` rows (an upsert when `upsert`).
    fn insert_statement(&self, rows: usize, upsert: bool) -> String {
        let width = self.r.tgt_cols.len();
        let mut one = String::with_capacity(width * 2 + 2);
        one.push('(');
        for i in 0..width {
            one.push_str(if i > 0 { ",?" } else { "?" });
        }
        one.push(')');
        let tail = if upsert { self.tail.as_str() } else { "" };
        let mut stmt = format!("INSERT INTO {} ({}) VALUES ", self.table, self.cols);
        stmt.reserve(rows * (one.len() + 1) + tail.len());
        for i in 0..rows {
            if i > 0 {
                stmt.push(',');
            }
            stmt.push_str(&one);
        }
        stmt.push_str(tail);
        stmt
    }

    /// A SQLite upsert of an encoded literal row group.
    fn literal_insert(&self, group: &str) -> String {
        format!(
            "INSERT INTO {} ({}) VALUES {group}{}",
            self.table, self.cols, self.tail
        )
    }

    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }
}
