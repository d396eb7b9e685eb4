//! Keys of every kind (string, binary, composite with a date), several workers and many
//! small chunks, a PostgreSQL source, the `where` filter and column renames.

mod copy_common;
mod support;

use copy_common::*;
use support::servers;
use warroom::copy::CopyOptions;
use warroom::db::rows::execute;

// Test tables of a few thousand rows.
#[allow(clippy::cast_possible_wrap)]
#[tokio::test]
async fn string_binary_and_date_keys_across_workers() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "ksrc").await;
    execute(
        &src,
        "CREATE TABLE s (k VARCHAR(20) NOT NULL PRIMARY KEY, v INT); \
         INSERT INTO s SELECT CONCAT('key-', seq, IF(seq % 3 = 0, ' ü', '')), seq FROM seq_1_to_1500; \
         CREATE TABLE b (k VARBINARY(16) NOT NULL PRIMARY KEY, v INT); \
         INSERT INTO b SELECT UNHEX(MD5(seq)), seq FROM seq_1_to_1500; \
         INSERT INTO b VALUES (X'00', -1), (X'0000', -2), (X'', -3); \
         CREATE TABLE d (day DATE NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (day, n)); \
         INSERT INTO d SELECT DATE('2024-01-01') + INTERVAL (seq % 40) DAY, seq, seq FROM seq_1_to_1500; \
         ANALYZE TABLE s, b, d",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "keys").await;
    execute(
        &pg,
        &format!(
            "CREATE TABLE {schema}.s (k text PRIMARY KEY, v integer); \
             CREATE TABLE {schema}.b (k bytea PRIMARY KEY, v integer); \
             CREATE TABLE {schema}.d (day date, n integer, v integer, PRIMARY KEY (day, n))"
        ),
    )
    .await
    .expect("target");
    for (table, key, order) in [
        ("s", vec!["k"], "v"),
        ("b", vec!["k"], "v"),
        ("d", vec!["day", "n"], "n"),
    ] {
        let mut s = spec(
            &format!("keys_{table}"),
            table,
            &format!("{schema}.{table}"),
            &key,
        );
        s.workers = 3;
        s.chunk_rows = 37;
        let (res, progress) = run_copy(&s, &src, &pg, CopyOptions::default()).await;
        let summary = res.unwrap_or_else(|e| panic!("copy {table}: {e}"));
        let ranges = progress.last().map_or(0, |p| p.ranges.len());
        assert!(
            ranges > 1,
            "{table}: the key space was split ({ranges} ranges)"
        );
        assert_eq!(summary.rows as i64, count(&src, table).await, "{table}");
        assert_eq!(
            dump(&pg, &format!("{schema}.{table}"), order).await,
            dump(&src, table, order).await,
            "{table}"
        );
    }
}

#[tokio::test]
async fn postgres_source_with_filter_and_renames() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "pgsrc").await;
    execute(
        &pg,
        &format!(
            "CREATE TABLE {schema}.events (id bigint PRIMARY KEY, at timestamptz, body text, amount numeric(10,3)); \
             INSERT INTO {schema}.events SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', \
               'event ' || g, g / 7.0 FROM generate_series(1, 3000) g; ANALYZE {schema}.events"
        ),
    )
    .await
    .expect("source");
    let (dst, _, _) = mysql_db(&my, "pgdst").await;
    execute(
        &dst,
        "CREATE TABLE ev (id BIGINT PRIMARY KEY, happened_at DATETIME(6), body TEXT, amount DECIMAL(10,3))",
    )
    .await
    .expect("target");
    let mut s = spec("pg_events", &format!("{schema}.events"), "ev", &["id"]);
    s.workers = 2;
    s.chunk_rows = 111;
    s.filter = Some("id <= 2500".into());
    s.rename.insert("at".into(), "happened_at".into());
    let (res, _) = run_copy(&s, &pg, &dst, CopyOptions::default()).await;
    let summary = res.expect("copy");
    assert_eq!(summary.rows, 2500);
    let got = dump(&dst, "ev", "id").await;
    let want: Vec<Vec<String>> = dump(&pg, &format!("{schema}.events"), "id")
        .await
        .into_iter()
        .take(2500)
        .collect();
    assert_eq!(got, want);
}
