#![allow(clippy::unwrap_used)]
//! Preflight's copy estimate against a real copy of the benchmark table: 50 000 rows of the
//! payments shape of `../shared/bench/payments-dataset.sh` (the same DDL and generator,
//! in this test's own databases) from MariaDB into PostgreSQL. The estimate's rows must be
//! exact (counted: within 1% if they were the statistics'), and its duration within a
//! factor of [`FACTOR`] of the real copy's (the estimate reads a sample and adds what
//! writing costs; the real copy also pays for connections, checkpoints and the upsert).

mod support;

use warroom::copy::Restart;
use warroom::preflight::{scan, Options};

const ROWS: u64 = 50_000;
/// The estimated duration is within this factor of the real one, either way.
const FACTOR: f64 = 3.0;

const MARIA_DDL: &str = "CREATE TABLE pf_est_payments (
  id          BIGINT        NOT NULL,
  account_id  BIGINT        NOT NULL,
  amount      DECIMAL(18,2) NOT NULL,
  currency    CHAR(3)       NOT NULL,
  status      VARCHAR(16)   NOT NULL,
  created_at  DATETIME(6)   NOT NULL,
  updated_at  DATETIME(6)   NOT NULL,
  memo        VARCHAR(255)  NULL,
  metadata    JSON          NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/// The dataset script's generator for `n` rows (~1% id gaps, five years of `created_at`).
fn maria_insert(n: u64) -> String {
    let upper = n + n / 50 + 1000;
    let step_us = 157_680_000_000_000 / n;
    format!(
        "INSERT INTO pf_est_payments
SELECT g.seq, 1 + (g.h1 % 250000),
  CAST(IF(st = 'refunded', -1, 1) * CAST((g.h2 % 5000000) + 99 AS SIGNED) / 100 AS DECIMAL(18,2)),
  ELT(1 + (g.h1 >> 20) % 10, 'USD','USD','USD','USD','EUR','EUR','EUR','GBP','JPY','CHF'),
  st, ca, ca + INTERVAL (g.h3 % 2592000000000) MICROSECOND,
  CASE
    WHEN g.h3 % 10 < 3 THEN NULL
    WHEN g.h3 % 50 = 7 THEN CONCAT('Überweisung ', g.seq, ' – Café Zürich ✓')
    ELSE CONCAT(ELT(1 + (g.h2 >> 8) % 5, 'Invoice INV-', 'Order #', 'Subscription renewal ',
                    'Payout batch ', 'Refund for order #'),
                LPAD(g.h1 % 100000000, 8, '0'),
                IF(g.h2 % 4 = 0, CONCAT(' / customer ref ', HEX(g.h3)), ''))
  END,
  CASE
    WHEN (g.h2 >> 4) % 5 = 0 THEN NULL
    ELSE JSON_OBJECT(
      'ip',      CONCAT('10.', (g.h1 >> 8) % 256, '.', (g.h2 >> 8) % 256, '.', g.h3 % 256),
      'mcc',     5000 + (g.h1 % 1000),
      'risk',    g.h3 % 100,
      'last4',   LPAD(g.h2 % 10000, 4, '0'),
      'channel', ELT(1 + g.h3 % 4, 'web', 'ios', 'android', 'pos'))
  END
FROM (
  SELECT s.seq,
         CRC32(CONCAT('a', s.seq)) AS h1,
         CRC32(CONCAT('b', s.seq)) AS h2,
         CRC32(CONCAT('c', s.seq)) AS h3,
         ELT(1 + CRC32(CONCAT('d', s.seq)) % 20,
             'settled','settled','settled','settled','settled','settled','settled',
             'settled','settled','settled','settled','settled','settled','settled',
             'pending','pending','failed','refunded','disputed','authorized') AS st,
         TIMESTAMP('2019-01-01 00:00:00') + INTERVAL (s.seq * {step_us} + CRC32(CONCAT('e', s.seq)) % 1000000) MICROSECOND AS ca
  FROM seq_1_to_{upper} s
  WHERE CRC32(CONCAT('gap', s.seq)) % 100 <> 0
  ORDER BY s.seq
  LIMIT {n}
) g"
    )
}

const PG_DDL: &str = "CREATE TABLE pf_est_payments (
  id          bigint        NOT NULL PRIMARY KEY,
  account_id  bigint        NOT NULL,
  amount      numeric(18,2) NOT NULL,
  currency    char(3)       NOT NULL,
  status      varchar(16)   NOT NULL,
  created_at  timestamp(6)  NOT NULL,
  updated_at  timestamp(6)  NOT NULL,
  memo        varchar(255),
  metadata    text
)";

fn runbook(my: &str, pg: &str) -> warroom::runbook::Runbook {
    let text = format!(
        r#"
[runbook]
name = "preflight-estimate"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.my]
url = "{my}"
[connections.pg]
url = "{pg}"

[[copy]]
name = "payments"
source = "my"
source_table = "pf_est_payments"
target = "pg"
target_table = "pf_est_payments"
key = ["id"]

[[phase]]
name = "copy"

[[phase.step]]
id = "copy"
title = "Copy payments"
dri = "casey"
reviewer = "casey"
planned = "30m"
action = {{ copy = "payments" }}
"#
    );
    warroom::runbook::parse_str("estimate.toml", &text)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook
}

#[tokio::test]
async fn the_estimate_is_near_a_real_copy_of_the_payments_table() {
    let (Some(my_url), Some(pg_url)) = (support::servers::mysql(), support::servers::postgres())
    else {
        return;
    };
    let my = sqlx::MySqlPool::connect(&my_url).await.unwrap();
    let pg = sqlx::PgPool::connect(&pg_url).await.unwrap();
    for sql in [
        "DROP TABLE IF EXISTS pf_est_payments",
        MARIA_DDL,
        &maria_insert(ROWS),
        "ANALYZE TABLE pf_est_payments",
    ] {
        sqlx::raw_sql(sql)
            .execute(&my)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for sql in ["DROP TABLE IF EXISTS pf_est_payments", PG_DDL] {
        sqlx::raw_sql(sql).execute(&pg).await.unwrap();
    }
    let rb = runbook(&my_url, &pg_url);

    let report = scan(&rb, &Options::default()).await;
    let est = report
        .estimates
        .iter()
        .find(|e| e.job == "payments")
        .unwrap_or_else(|| panic!("no estimate: {report:#?}"))
        .clone();
    let rows = est.rows.unwrap();
    let off = rows.abs_diff(ROWS) as f64 / ROWS as f64;
    if est.rows_exact {
        assert_eq!(rows, ROWS, "{est:?}");
    }
    assert!(off <= 0.01, "estimated rows {rows} vs {ROWS}: {est:?}");
    let estimated = est.seconds.unwrap();

    let mut sink = Vec::new();
    let summary =
        warroom::cli::copy::run_headless(&rb, "payments", false, Restart::IntoEmpty, &mut sink)
            .await
            .unwrap();
    assert_eq!(summary.rows, ROWS);
    let real = summary.seconds;
    let ratio = estimated / real;
    eprintln!(
        "preflight estimate: {rows} rows (exact: {}), {estimated:.2} s ({}); real copy: {} rows in {real:.2} s; estimate/real = {ratio:.2}",
        est.rows_exact, est.basis, summary.rows
    );
    assert!(
        (1.0 / FACTOR..=FACTOR).contains(&ratio),
        "estimated {estimated:.2} s, real {real:.2} s (ratio {ratio:.2}, allowed 1/{FACTOR}..{FACTOR}): {est:?}"
    );
}
