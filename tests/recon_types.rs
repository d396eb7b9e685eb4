//! Recon against real servers: zero false positives on identical data across the type
//! matrix, every injected difference found and classified exactly, the fix SQL makes a
//! second recon clean, composite keys, and the headless command's exit codes.

mod copy_common;
mod support;

use std::collections::BTreeSet;

use copy_common::matrix::*;
use copy_common::*;
use support::recon::{found, recon};
use support::servers;
use warroom::copy::CopyOptions;
use warroom::db::rows::execute;
use warroom::db::DbPool;
use warroom::drill::telemetry::recon::MismatchKind;
use warroom::recon::fix::fix_sql;
use warroom::recon::{ReconJob, ReconOutcome};
use warroom::runbook::ReconSpec;

fn recon_spec(source_table: &str, target_table: &str, key: &[&str], chunk_rows: u64) -> ReconSpec {
    ReconSpec {
        name: "t".into(),
        source: "src".into(),
        source_table: source_table.into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: key.iter().map(|k| k.to_string()).collect(),
        columns: None,
        filter: None,
        chunk_rows,
        concurrency: 3,
        float_tolerance: None,
        watch: None,
        checks: Vec::new(),
    }
}

#[tokio::test]
async fn identical_data_has_no_mismatch_across_the_type_matrix() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    // MariaDB -> PostgreSQL (jsonb, timestamptz, numeric, bytea, enum).
    let (pg, schema) = pg_schema(&pgu, "rtypes").await;
    let pg_table = pg_target(&pg, &schema).await;
    let (res, _) = run_copy(
        &spec("c1", "types", &pg_table, &["id"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy to PostgreSQL");
    // MariaDB -> MariaDB.
    let (dst, _, _) = mysql_db(&my, "rtdst").await;
    execute(&dst, &format!("CREATE TABLE types {MARIA_DDL}"))
        .await
        .expect("ddl");
    let (res, _) = run_copy(
        &spec("c2", "types", "types", &["id"]),
        &src,
        &dst,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy to MariaDB");
    for chunk_rows in [1, 1000] {
        let (_, out) = recon(
            &recon_spec("types", &pg_table, &["id"], chunk_rows),
            &src,
            &pg,
        )
        .await;
        assert_eq!(found(&out), BTreeSet::new(), "MariaDB vs PostgreSQL");
        assert_eq!(out.progress.rows_source, 4);
        assert_eq!(out.progress.rows_target, 4);
        // Equal data hashes equal inside both engines, jsonb (hashed in Rust) included.
        assert_eq!(out.progress.chunks_bisected, 0, "{:?}", out.progress);
        let (_, out) = recon(
            &recon_spec("types", "types", &["id"], chunk_rows),
            &src,
            &dst,
        )
        .await;
        assert_eq!(found(&out), BTreeSet::new(), "MariaDB vs MariaDB");
        assert_eq!(
            out.progress.chunks_bisected, 0,
            "MariaDB vs MariaDB hash alike"
        );
    }
    // A real difference in a jsonb document (compared in Rust) is still found.
    execute(
        &pg,
        &format!("UPDATE {pg_table} SET j = '{{\"a\": 2}}' WHERE id = 3"),
    )
    .await
    .expect("update");
    let (_, out) = recon(&recon_spec("types", &pg_table, &["id"], 1000), &src, &pg).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([(
            MismatchKind::Changed,
            "id=3".to_string(),
            vec!["j".to_string()]
        )])
    );
}

#[tokio::test]
async fn sqlite_recon_matches_and_finds_differences() {
    let Some(my) = servers::mysql() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (src, _) = maria_source(&my).await;
    let (lite, _) = sqlite_db(dir.path(), "rlite").await;
    execute(&lite, &format!("CREATE TABLE types {SQLITE_DDL}"))
        .await
        .expect("ddl");
    let (res, _) = run_copy(
        &spec("c3", "types", "types", &["id"]),
        &src,
        &lite,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy to SQLite");
    // SQLite keeps the unsigned id as text: compare the columns it holds exactly.
    let mut s = recon_spec("types", "types", &["id"], 2);
    s.columns = Some(
        ["id", "t", "tx", "b", "dtm", "j", "d"]
            .map(String::from)
            .to_vec(),
    );
    let (_, out) = recon(&s, &src, &lite).await;
    assert_eq!(found(&out), BTreeSet::new());
    execute(&lite, "UPDATE types SET t = 'Plain' WHERE id = '1'")
        .await
        .expect("update");
    let (_, out) = recon(&s, &src, &lite).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([(
            MismatchKind::Changed,
            "id=1".to_string(),
            vec!["t".to_string()]
        )])
    );
}

const PAYMENTS_MARIA: &str = "(
  id BIGINT NOT NULL PRIMARY KEY,
  amount DECIMAL(18,2) NOT NULL,
  ts DATETIME(6) NOT NULL,
  name VARCHAR(50) NOT NULL,
  note VARCHAR(50) NULL
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

const PAYMENTS_PG: &str = "(
  id bigint NOT NULL PRIMARY KEY,
  amount numeric(18,2) NOT NULL,
  ts timestamp(6) NOT NULL,
  name varchar(50) NOT NULL,
  note varchar(50) NULL
)";

/// 1..=1000; every 50th note is NULL.
const PAYMENTS_ROWS: &str = "INSERT INTO payments
  SELECT seq, seq * 1.25, TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq SECOND + INTERVAL 123456 MICROSECOND,
         CONCAT('Name', seq), IF(seq % 50 = 0, NULL, CONCAT('note ', seq))
  FROM seq_1_to_1000";

/// The injected differences and what recon must report for them.
async fn inject(target: &DbPool, table: &str) -> BTreeSet<(MismatchKind, String, Vec<String>)> {
    let pg = target.dialect() == warroom::db::Dialect::Postgres;
    let micro = if pg {
        "ts + interval '1 microsecond'"
    } else {
        "ts + INTERVAL 1 MICROSECOND"
    };
    for sql in [
        format!("UPDATE {table} SET amount = amount + 0.01 WHERE id = 10"),
        format!("UPDATE {table} SET ts = {micro} WHERE id = 20"),
        format!("UPDATE {table} SET name = 'name30' WHERE id = 30"),
        format!("UPDATE {table} SET name = 'Name40 ' WHERE id = 40"),
        format!("UPDATE {table} SET note = '' WHERE id = 50"),
        format!("DELETE FROM {table} WHERE id IN (1, 500, 1000)"),
        format!("INSERT INTO {table} VALUES (0, 0.00, '2026-01-01 00:00:00', 'before', NULL)"),
        format!("INSERT INTO {table} VALUES (2000, 1.00, '2026-01-01 00:00:00', 'after', 'x')"),
    ] {
        execute(target, &sql).await.expect("inject");
    }
    let changed = |id: &str, col: &str| {
        (
            MismatchKind::Changed,
            format!("id={id}"),
            vec![col.to_string()],
        )
    };
    let gone = |kind, id: &str| (kind, format!("id={id}"), Vec::new());
    BTreeSet::from([
        changed("10", "amount"),
        changed("20", "ts"),
        changed("30", "name"),
        changed("40", "name"),
        changed("50", "note"),
        gone(MismatchKind::MissingInTarget, "1"),
        gone(MismatchKind::MissingInTarget, "500"),
        gone(MismatchKind::MissingInTarget, "1000"),
        gone(MismatchKind::ExtraInTarget, "0"),
        gone(MismatchKind::ExtraInTarget, "2000"),
    ])
}

async fn apply_fix(job: &ReconJob, out: &ReconOutcome, target: &DbPool) {
    let statements = fix_sql(&job.src, &job.tgt, &out.findings).expect("fix sql");
    assert_eq!(statements.len(), out.findings.len());
    for s in statements {
        execute(target, &s)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

#[tokio::test]
async fn injected_differences_are_found_classified_and_fixed() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "rpay").await;
    execute(&src, &format!("CREATE TABLE payments {PAYMENTS_MARIA}"))
        .await
        .expect("ddl");
    execute(&src, PAYMENTS_ROWS).await.expect("rows");
    let (pg, schema) = pg_schema(&pgu, "rpay").await;
    let pg_table = format!("{schema}.payments");
    execute(&pg, &format!("CREATE TABLE {pg_table} {PAYMENTS_PG}"))
        .await
        .expect("pg ddl");
    let (my_dst, _, _) = mysql_db(&my, "rpaydst").await;
    execute(&my_dst, &format!("CREATE TABLE payments {PAYMENTS_MARIA}"))
        .await
        .expect("ddl");
    for (target, table) in [(&pg, pg_table.as_str()), (&my_dst, "payments")] {
        let (res, _) = run_copy(
            &spec("p", "payments", table, &["id"]),
            &src,
            target,
            CopyOptions::default(),
        )
        .await;
        res.expect("copy");
        let s = recon_spec("payments", table, &["id"], 250);
        let (_, clean) = recon(&s, &src, target).await;
        assert_eq!(found(&clean), BTreeSet::new(), "{table} before injection");
        // Equal data hashes equal inside both databases: no chunk needed a closer look.
        assert_eq!(
            clean.progress.chunks_bisected, 0,
            "{table}: {:?}",
            clean.progress
        );
        let want = inject(target, table).await;
        let (job, out) = recon(&s, &src, target).await;
        assert_eq!(found(&out), want, "{table}");
        assert_eq!(out.progress.counts.total(), 10);
        assert!(out.progress.chunks_bisected > 0);
        // The values travel with the finding: the changed amount shows both sides.
        let amount = out
            .findings
            .iter()
            .find(|f| f.mismatch.key == ["id=10"])
            .map(|f| f.mismatch.columns[0].clone())
            .expect("id=10");
        assert_eq!(
            (amount.source.as_deref(), amount.target.as_deref()),
            (Some("12.5"), Some("12.51"))
        );
        apply_fix(&job, &out, target).await;
        let (_, after) = recon(&s, &src, target).await;
        assert_eq!(found(&after), BTreeSet::new(), "{table} after the fix");
    }
}

#[tokio::test]
async fn composite_keys_are_chunked_bisected_and_fixed() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "rcomp").await;
    execute(
        &src,
        "CREATE TABLE order_lines (tenant INT NOT NULL, code VARCHAR(20) NOT NULL, qty INT, PRIMARY KEY (tenant, code));
         INSERT INTO order_lines SELECT seq % 7, CONCAT('c', seq), seq FROM seq_1_to_700",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "rcomp").await;
    let table = format!("{schema}.order_lines");
    execute(&pg, &format!("CREATE TABLE {table} (tenant int NOT NULL, code varchar(20) NOT NULL, qty int, PRIMARY KEY (tenant, code))"))
        .await
        .expect("target");
    let (res, _) = run_copy(
        &spec("l", "order_lines", &table, &["tenant", "code"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    execute(
        &pg,
        &format!(
            "UPDATE {table} SET qty = -1 WHERE tenant = 3 AND code = 'c3';
        DELETE FROM {table} WHERE tenant = 6 AND code = 'c699';
        INSERT INTO {table} VALUES (9, 'zz', 1)"
        ),
    )
    .await
    .expect("inject");
    let s = recon_spec("order_lines", &table, &["tenant", "code"], 50);
    let (job, out) = recon(&s, &src, &pg).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([
            (
                MismatchKind::Changed,
                "tenant=3,code='c3'".to_string(),
                vec!["qty".to_string()]
            ),
            (
                MismatchKind::MissingInTarget,
                "tenant=6,code='c699'".to_string(),
                Vec::new()
            ),
            (
                MismatchKind::ExtraInTarget,
                "tenant=9,code='zz'".to_string(),
                Vec::new()
            ),
        ])
    );
    apply_fix(&job, &out, &pg).await;
    let (_, after) = recon(&s, &src, &pg).await;
    assert_eq!(found(&after), BTreeSet::new());
}
