//! The demo's orders service: the application that keeps using the source while the team
//! migrates it, as real ones do. It writes only to the demo's own SQLite files, and every
//! figure on screen still comes from the engines reading them:
//!
//! - its load gauge (`service_load.busy`, read by the `orders-load` probe) spikes once while
//!   the copy runs, so the probe turns amber and the copy's probe throttle pauses it, then
//!   releases it when the spike is over;
//! - once the backfill has copied every row, three late writes land on the source (an order
//!   changed, one deleted, one placed), so the recon finds one changed, one extra and one
//!   missing row, and the coordinator's approved fix makes the target match again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

/// The load the service reports when it is quiet, and during its one busy spell.
const QUIET: f64 = 0.3;
const BUSY: f64 = 0.85;
/// How long the busy spell lasts.
const SPIKE: Duration = Duration::from_secs(8);
/// How often the service looks at how far the copy got.
const POLL: Duration = Duration::from_millis(500);

/// Runs the service until its story is told (or a database fails, which it logs).
pub async fn run(dir: PathBuf, rows: u32) {
    if let Err(e) = play(&dir, rows).await {
        tracing::warn!(error = %e, "the demo's orders service stopped");
    }
}

async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
}

async fn target_rows(target: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(target)
        .await
}

async fn set_load(source: &SqlitePool, busy: f64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE service_load SET busy = ?")
        .bind(busy)
        .execute(source)
        .await
        .map(|_| ())
}

async fn play(dir: &Path, rows: u32) -> Result<(), sqlx::Error> {
    let source = open(&dir.join("source.db")).await?;
    let target = open(&dir.join("target.db")).await?;
    let all = i64::from(rows);
    // A busy spell once a quarter of the rows are across.
    while target_rows(&target).await? < all / 4 {
        tokio::time::sleep(POLL).await;
    }
    set_load(&source, BUSY).await?;
    tokio::time::sleep(SPIKE).await;
    set_load(&source, QUIET).await?;
    // Late writes once the backfill has copied everything.
    while target_rows(&target).await? < all {
        tokio::time::sleep(POLL).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    late_writes(&source, rows).await
}

/// One order changed, one deleted, one placed: what a live service does to rows that were
/// already copied, and what recon is there to catch.
async fn late_writes(source: &SqlitePool, rows: u32) -> Result<(), sqlx::Error> {
    let mut tx = source.begin().await?;
    sqlx::query(
        "UPDATE orders SET status = 'refunded', note = 'refunded after the backfill' WHERE id = 17",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM orders WHERE id = 42")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO orders (id, customer_id, amount, currency, status, created_at, note) \
         VALUES (?, 4242, '99.90', 'EUR', 'pending', '2026-12-01 09:30:00.000000', 'placed during the drill')",
    )
    .bind(i64::from(rows) + 1)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
