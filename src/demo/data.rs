//! The demo's databases: `source.db` with an `orders` table of real rows (and the orders
//! service's load gauge), `target.db` with the same table empty.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

const ORDERS_DDL: &str = "CREATE TABLE IF NOT EXISTS orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    amount      NUMERIC NOT NULL,
    currency    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    note        TEXT
)";

/// Finished orders; about 2% stay `pending` (see `create`), under the probe's warn line.
const STATUSES: [&str; 5] = ["settled", "settled", "settled", "refunded", "failed"];
const CURRENCIES: [&str; 4] = ["USD", "EUR", "GBP", "JPY"];

async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
}

/// Creates (or refills) the demo databases in `dir` with `rows` orders in the source.
pub async fn create(dir: &Path, rows: u32) -> Result<(), sqlx::Error> {
    let source = open(&dir.join("source.db")).await?;
    sqlx::query("DROP TABLE IF EXISTS orders")
        .execute(&source)
        .await?;
    sqlx::query(ORDERS_DDL).execute(&source).await?;
    let mut tx = source.begin().await?;
    for id in 1..=rows {
        // Deterministic and varied: a tiny hash of the id picks every column.
        let h = id.wrapping_mul(2_654_435_761);
        let note = match h % 5 {
            0 => None,
            1 => Some(format!("gift wrap – café #{id}")),
            _ => Some(format!("order {id}")),
        };
        sqlx::query(
            "INSERT INTO orders (id, customer_id, amount, currency, status, created_at, note) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(i64::from(id))
        .bind(i64::from(1 + h % 5000))
        .bind(format!("{}.{:02}", 1 + h % 900, h % 100))
        .bind(CURRENCIES[(h % 4) as usize])
        .bind(if h % 50 == 7 {
            "pending"
        } else {
            STATUSES[(h % 5) as usize]
        })
        .bind(format!(
            "2026-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
            1 + h % 12,
            1 + h % 28,
            h % 24,
            h % 60,
            (h / 7) % 60,
            h % 1_000_000
        ))
        .bind(note)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // The orders service's own load gauge, 0 (idle) to 1 (saturated): the demo's
    // `orders-load` probe reads it and the copy throttles on that probe.
    sqlx::query("DROP TABLE IF EXISTS service_load")
        .execute(&source)
        .await?;
    sqlx::query("CREATE TABLE service_load (busy REAL NOT NULL)")
        .execute(&source)
        .await?;
    sqlx::query("INSERT INTO service_load (busy) VALUES (0.3)")
        .execute(&source)
        .await?;
    source.close().await;

    let target = open(&dir.join("target.db")).await?;
    sqlx::query("DROP TABLE IF EXISTS orders")
        .execute(&target)
        .await?;
    sqlx::query(ORDERS_DDL).execute(&target).await?;
    target.close().await;
    Ok(())
}
