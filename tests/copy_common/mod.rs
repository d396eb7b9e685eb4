//! Helpers shared by the copy tests: throwaway databases/schemas per test, copy specs,
//! and reading a table back as comparable values.
#![allow(dead_code)]

pub mod matrix;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use warroom::copy::{self, CopyControl, CopyOptions, CopyProgress, CopySummary};
use warroom::db::introspect;
use warroom::db::rows::{execute, fetch_values};
use warroom::db::sql::{exact_read, quote_ident, TableRef};
use warroom::db::value::Value;
use warroom::db::{DbPool, Dialect, SecretUrl};
use warroom::runbook::{CopyEngine, CopySpec};

static N: AtomicU32 = AtomicU32::new(0);

pub fn unique(tag: &str) -> String {
    format!(
        "wr_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub async fn pool(url: &str, max: u32) -> DbPool {
    let url = SecretUrl::expand("test", url, |_| None).expect("url");
    DbPool::connect(&url, max, Duration::from_secs(10))
        .await
        .expect("connect")
}

/// A fresh MariaDB database; returns (pool on it, its URL, its name).
pub async fn mysql_db(base: &str, tag: &str) -> (DbPool, String, String) {
    let name = unique(tag);
    let admin = pool(base, 1).await;
    execute(&admin, &format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        .await
        .expect("create db");
    admin.close().await;
    let url = format!("{}/{name}", base.rsplit_once('/').expect("db in url").0);
    (pool(&url, 8).await, url, name)
}

/// A fresh PostgreSQL schema in the test database; returns (pool, schema name).
pub async fn pg_schema(base: &str, tag: &str) -> (DbPool, String) {
    let name = unique(tag);
    let p = pool(base, 8).await;
    execute(
        &p,
        &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
    )
    .await
    .expect("create schema");
    (p, name)
}

pub async fn sqlite_db(dir: &std::path::Path, tag: &str) -> (DbPool, String) {
    let url = format!(
        "sqlite://{}",
        dir.join(format!("{}.db", unique(tag))).display()
    );
    (pool(&url, 4).await, url)
}

pub fn spec(name: &str, source_table: &str, target_table: &str, key: &[&str]) -> CopySpec {
    CopySpec {
        name: name.to_string(),
        engine: CopyEngine::Native,
        source: "src".into(),
        source_table: source_table.into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: key.iter().map(ToString::to_string).collect(),
        columns: None,
        rename: BTreeMap::new(),
        filter: None,
        workers: 2,
        chunk_rows: 7,
        chunk_target: Duration::ZERO,
        max_rows_per_sec: None,
        throttle: Vec::new(),
        progress: None,
        create_target: false,
        finished: warroom::runbook::Finished::ReachesTotal,
        stalled_after: None,
        exclusive: None,
    }
}

/// Runs a copy to its end, collecting every progress snapshot.
pub async fn run_copy(
    spec: &CopySpec,
    source: &DbPool,
    target: &DbPool,
    opts: CopyOptions,
) -> (Result<CopySummary, copy::CopyError>, Vec<CopyProgress>) {
    let (_ctl, ctl_rx) = mpsc::channel::<CopyControl>(4);
    let (tx, mut rx) = mpsc::channel(1024);
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(p) = rx.recv().await {
            all.push(p);
        }
        all
    });
    let res = copy::run(spec, source.clone(), target.clone(), opts, ctl_rx, tx).await;
    (res, collector.await.expect("collector"))
}

/// Every row of a table, ordered by `order`, each value normalised so that the same data
/// read from different dialects compares equal (numbers as canonical text, JSON parsed,
/// instants as naive UTC, booleans as 0/1).
pub async fn dump(pool: &DbPool, table: &str, order: &str) -> Vec<Vec<String>> {
    let t = TableRef::parse(table);
    let d = pool.dialect();
    let cols = introspect::columns(pool, &t).await.expect("columns");
    // Read the way the copy reads: every bit of every value (MariaDB FLOAT widened).
    let list: Vec<String> = cols
        .iter()
        .map(|c| exact_read(d, &quote_ident(d, &c.name), &c.kind))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}.{}",
        list.join(", "),
        t.quoted(d),
        t.quoted(d),
        quote_ident(d, order)
    );
    let kinds: Vec<_> = cols.iter().map(|c| c.kind.clone()).collect();
    let rows = fetch_values(pool, &sql, &kinds, &[]).await.expect("dump");
    rows.into_iter()
        .map(|r| r.into_iter().map(normalise).collect())
        .collect()
}

pub fn normalise(v: Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => u8::from(b).to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Decimal(s) => {
            // 5 and 5.000 are the same number; keep sign and digits otherwise.
            let s = if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            };
            if s == "-0" {
                "0".into()
            } else {
                s
            }
        }
        Value::Float(f) => format!("{f:?}"),
        Value::Text(s) => format!("'{s}'"),
        Value::Bytes(b) => format!("{b:?}"),
        Value::Json(s) => serde_json::from_str::<serde_json::Value>(&s)
            .map(|j| j.to_string())
            .unwrap_or(s),
        Value::Timestamp(ts) => format!("{:?}", ts.naive_utc()),
        Value::DateTime(dt) => format!("{dt:?}"),
        Value::Date(d) => format!("{d:?}"),
        Value::Time(t) => format!("{t:?}"),
    }
}

pub async fn count(pool: &DbPool, table: &str) -> i64 {
    let t = TableRef::parse(table);
    let sql = format!("SELECT COUNT(*) FROM {}", t.quoted(pool.dialect()));
    let sql = if pool.dialect() == Dialect::Postgres {
        format!("SELECT COUNT(*)::text FROM {}", t.quoted(Dialect::Postgres))
    } else {
        sql
    };
    let rows = warroom::db::rows::fetch_text(pool, &sql)
        .await
        .expect("count");
    rows[0][0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .expect("number")
}
