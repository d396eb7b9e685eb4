#![allow(clippy::unwrap_used)]
//! Recon edge cases against real servers: the copy's reverse mapping (PostgreSQL ->
//! MariaDB: timestamptz -> DATETIME(6), uuid -> CHAR(36), boolean -> TINYINT(1), numeric ->
//! DECIMAL(65,30)), wider BIT and SET columns, TINYINT(1) values other than 0/1, text keys
//! under a case-insensitive collation, and latin1 text. Identical data must give zero
//! mismatches; a real difference must be found and classified.

mod copy_common;
mod support;

use std::collections::BTreeSet;

use copy_common::*;
use support::recon::{found, recon};
use support::servers;
use tokio::sync::{mpsc, watch};
use warroom::copy::CopyOptions;
use warroom::db::rows::execute;
use warroom::db::DbPool;
use warroom::drill::telemetry::recon::MismatchKind;
use warroom::recon::fix::fix_sql;
use warroom::recon::{ReconJob, ReconOutcome};
use warroom::runbook::ReconSpec;

fn recon_spec(source_table: &str, target_table: &str, key: &[&str], chunk_rows: u64) -> ReconSpec {
    ReconSpec {
        name: "edge".into(),
        source: "src".into(),
        source_table: source_table.into(),
        target: "dst".into(),
        target_table: target_table.into(),
        key: key.iter().map(ToString::to_string).collect(),
        columns: None,
        filter: None,
        chunk_rows,
        concurrency: 2,
        float_tolerance: None,
        watch: None,
        active: None,
        checks: Vec::new(),
    }
}

async fn apply_fix(job: &ReconJob, out: &ReconOutcome, target: &DbPool) {
    for s in fix_sql(&job.src, &job.tgt, &out.findings).expect("fix sql") {
        execute(target, &s)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

fn changed(key: &str, col: &str) -> (MismatchKind, String, Vec<String>) {
    (
        MismatchKind::Changed,
        key.to_string(),
        vec![col.to_string()],
    )
}

#[tokio::test]
async fn postgres_to_mariadb_mapping_hashes_alike_and_differences_are_found() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "redge_pg").await;
    let table = format!("{schema}.things");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {table} (
               id bigint PRIMARY KEY, at timestamptz(6), u uuid, ok boolean, n numeric,
               j jsonb, t text, b bytea, f float8, d date, tm time(6));
             INSERT INTO {table} VALUES
               (1, '2024-02-29 12:34:56.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true,
                12.5, '{{\"b\": 1, \"a\": [1, 2.5]}}', 'Zürich ✓', '\\x00ff', 1e-7, '2024-02-29', '23:59:59.999999'),
               (2, '1970-01-01 00:00:01+00', '00000000-0000-0000-0000-000000000000', false,
                -0.000000000000000000000000000001, '[]', '', '\\x', 1.7976931348623157e308, '1000-01-01', '00:00:00'),
               (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
               (4, '2038-01-19 03:14:07.999999+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff', true,
                123456789012345678901234567890.5, '{{\"x\": null}}', 'trailing ', '\\x20', 0.1, '9999-12-31', '12:00:00.000001')"
        ),
    )
    .await
    .expect("pg source");
    let (my_dst, _, _) = mysql_db(&my, "redge_my").await;
    execute(
        &my_dst,
        "CREATE TABLE things (id BIGINT PRIMARY KEY, at DATETIME(6), u CHAR(36), ok TINYINT(1),
           n DECIMAL(65,30), j JSON, t TEXT, b BLOB, f DOUBLE, d DATE, tm TIME(6))",
    )
    .await
    .expect("maria target");
    let (res, _) = run_copy(
        &spec("c", &table, "things", &["id"]),
        &pg,
        &my_dst,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy PostgreSQL -> MariaDB");
    let s = recon_spec(&table, "things", &["id"], 2);
    let (_, out) = recon(&s, &pg, &my_dst).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    execute(
        &my_dst,
        "UPDATE things SET at = at + INTERVAL 1 MICROSECOND WHERE id = 1;
         UPDATE things SET u = UPPER(u) WHERE id = 4;
         UPDATE things SET ok = 0 WHERE id = 4;
         UPDATE things SET t = 'trailing' WHERE id = 4",
    )
    .await
    .expect("inject");
    let (job, out) = recon(&s, &pg, &my_dst).await;
    let mut want = BTreeSet::from([changed("id=1", "at")]);
    want.insert((
        MismatchKind::Changed,
        "id=4".into(),
        vec!["u".into(), "ok".into(), "t".into()],
    ));
    assert_eq!(found(&out), want, "{:?}", out.findings);
    apply_fix(&job, &out, &my_dst).await;
    let (_, after) = recon(&s, &pg, &my_dst).await;
    assert_eq!(found(&after), BTreeSet::new());
}

#[tokio::test]
async fn mariadb_bit_set_and_tinyint_values_compare_exactly() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "redge_bit").await;
    let ddl = "(id INT PRIMARY KEY, flags BIT(8), tags SET('a','b','c'), small TINYINT(1))";
    execute(
        &src,
        &format!(
            "CREATE TABLE t {ddl};
             INSERT INTO t VALUES (1, b'10100101', 'a,c', 1), (2, b'0', '', 0), (3, NULL, NULL, NULL), (4, b'1', 'b', 2)"
        ),
    )
    .await
    .expect("source");
    // MariaDB -> MariaDB: TINYINT(1) holds 2, and 2 is not 1.
    let (dst, _, _) = mysql_db(&my, "redge_bitdst").await;
    execute(&dst, &format!("CREATE TABLE t {ddl}"))
        .await
        .expect("ddl");
    let (res, _) = run_copy(
        &spec("c", "t", "t", &["id"]),
        &src,
        &dst,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    let s = recon_spec("t", "t", &["id"], 2);
    let (_, out) = recon(&s, &src, &dst).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    execute(
        &dst,
        "UPDATE t SET small = 1 WHERE id = 4; UPDATE t SET flags = b'10100100' WHERE id = 1;
                   UPDATE t SET flags = b'01001110' WHERE id = 3",
    )
    .await
    .expect("inject");
    let (_, out) = recon(&s, &src, &dst).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([
            changed("id=1", "flags"),
            // 78 is the byte `N`: it must not read as NULL.
            changed("id=3", "flags"),
            changed("id=4", "small"),
        ]),
        "{:?}",
        out.findings
    );
    // MariaDB -> PostgreSQL: BIT(8) -> bigint, SET -> text.
    let (pg, schema) = pg_schema(&pgu, "redge_bitpg").await;
    let table = format!("{schema}.t");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, flags bigint, tags text, small smallint)"
        ),
    )
    .await
    .expect("pg ddl");
    let (res, _) = run_copy(
        &spec("c", "t", &table, &["id"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy to PostgreSQL");
    let s = recon_spec("t", &table, &["id"], 2);
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    assert_eq!(out.progress.chunks_bisected, 0, "{:?}", out.progress);
    execute(&pg, &format!("UPDATE {table} SET flags = 164 WHERE id = 1"))
        .await
        .expect("inject");
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(found(&out), BTreeSet::from([changed("id=1", "flags")]));
}

#[tokio::test]
async fn text_keys_under_a_case_insensitive_collation() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "redge_ci").await;
    execute(
        &src,
        "CREATE TABLE k (code VARCHAR(20) PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
         INSERT INTO k VALUES ('a', 1), ('B', 2), ('c', 3), ('Ö', 4), ('_x', 5), ('Z', 6), ('b1', 7),
           ('é', 8), ('F', 9), ('10', 10), ('9', 11), ('a b', 12), ('ab', 13)",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "redge_cipg").await;
    let table = format!("{schema}.k");
    execute(
        &pg,
        &format!("CREATE TABLE {table} (code varchar(20) PRIMARY KEY, v int)"),
    )
    .await
    .expect("pg ddl");
    let (res, _) = run_copy(
        &spec("c", "k", &table, &["code"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    for chunk in [1, 3, 100] {
        let s = recon_spec("k", &table, &["code"], chunk);
        let (_, out) = recon(&s, &src, &pg).await;
        assert_eq!(
            found(&out),
            BTreeSet::new(),
            "chunk {chunk}: {:?}",
            out.findings
        );
        assert_eq!(out.progress.rows_source, 13);
        assert_eq!(out.progress.rows_target, 13, "each key counted once");
        if chunk == 1 {
            assert!(out.progress.chunks_total > 5, "{:?}", out.progress.chunks);
        }
    }
    execute(
        &pg,
        &format!("UPDATE {table} SET code = 'b' WHERE code = 'B'; UPDATE {table} SET v = 0 WHERE code = 'Ö'"),
    )
    .await
    .expect("inject");
    let s = recon_spec("k", &table, &["code"], 3);
    let (job, out) = recon(&s, &src, &pg).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([
            (
                MismatchKind::MissingInTarget,
                "code='B'".to_string(),
                Vec::new()
            ),
            (
                MismatchKind::ExtraInTarget,
                "code='b'".to_string(),
                Vec::new()
            ),
            changed("code='Ö'", "v"),
        ]),
        "{:?}",
        out.findings
    );
    assert!(
        job.src.byte_order && job.tgt.byte_order,
        "MariaDB vs PostgreSQL text key"
    );
    apply_fix(&job, &out, &pg).await;
    let (_, after) = recon(&s, &src, &pg).await;
    assert_eq!(found(&after), BTreeSet::new());
    // MariaDB vs MariaDB with the same collation: the native order (and the index) serves.
    let (dst, _, _) = mysql_db(&my, "redge_cimy").await;
    execute(
        &dst,
        "CREATE TABLE k (code VARCHAR(20) PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    )
    .await
    .expect("ddl");
    let (res, _) = run_copy(
        &spec("c", "k", "k", &["code"]),
        &src,
        &dst,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    execute(
        &dst,
        "UPDATE k SET code = 'b' WHERE code = 'B'; UPDATE k SET code = 'ab ' WHERE code = 'ab'",
    )
    .await
    .expect("inject");
    let s = recon_spec("k", "k", &["code"], 2);
    let (job, out) = recon(&s, &src, &dst).await;
    assert!(!job.src.byte_order, "same collation on both sides");
    assert_eq!(
        found(&out),
        BTreeSet::from([
            (
                MismatchKind::MissingInTarget,
                "code='B'".to_string(),
                Vec::new()
            ),
            (
                MismatchKind::ExtraInTarget,
                "code='b'".to_string(),
                Vec::new()
            ),
            (
                MismatchKind::MissingInTarget,
                "code='ab'".to_string(),
                Vec::new()
            ),
            (
                MismatchKind::ExtraInTarget,
                "code='ab '".to_string(),
                Vec::new()
            ),
        ]),
        "{:?}",
        out.findings
    );
    apply_fix(&job, &out, &dst).await;
    let (_, after) = recon(&s, &src, &dst).await;
    assert_eq!(found(&after), BTreeSet::new());
}

#[tokio::test]
async fn latin1_text_hashes_as_its_characters() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "redge_l1").await;
    execute(
        &src,
        "CREATE TABLE l (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1, c CHAR(5) CHARACTER SET latin1,
            d DATETIME(6));
         INSERT INTO l VALUES (1, 'café', 'né', '2026-11-29 23:00:00.5'), (2, 'plain', 'x', NULL),
                              (3, 'Ärger ', NULL, '2026-01-01 00:00:00')",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "redge_l1pg").await;
    let table = format!("{schema}.l");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, name varchar(20), c char(5), d timestamp(6))"
        ),
    )
    .await
    .expect("pg ddl");
    let (res, _) = run_copy(
        &spec("c", "l", &table, &["id"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    let s = recon_spec("l", &table, &["id"], 10);
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    // Hashed alike, not merely found equal by the row diff.
    assert_eq!(out.progress.chunks_bisected, 0);
    execute(
        &pg,
        &format!("UPDATE {table} SET name = 'cafe' WHERE id = 1"),
    )
    .await
    .expect("inject");
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(found(&out), BTreeSet::from([changed("id=1", "name")]));
}

/// A NOT NULL column hashes without its NULL marker; the same column nullable on the other
/// side must still hash alike, and a NULL there must still be found. Date-times of every
/// precision and of early years hash alike as numbers on both engines.
#[tokio::test]
async fn not_null_against_nullable_and_date_times_of_every_precision() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "redge_nn").await;
    execute(
        &src,
        "CREATE TABLE n (id INT PRIMARY KEY, t VARCHAR(20) NOT NULL, a DECIMAL(9,2) NOT NULL,
            d0 DATETIME NOT NULL, d3 DATETIME(3) NOT NULL, d6 DATETIME(6) NOT NULL);
         INSERT INTO n VALUES
           (1, '', 0.00, '1000-01-01 00:00:00', '0999-12-31 23:59:59.999', '0001-01-01 00:00:00.000001'),
           (2, 'N', -1.50, '2026-11-29 20:10:00', '2026-11-29 20:10:00.100', '2026-11-29 20:10:00.000000'),
           (3, 'x|y', 12.00, '9999-12-31 23:59:59', '2000-02-29 12:00:00.000', '1970-01-01 00:00:00.5')",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "redge_nnpg").await;
    let table = format!("{schema}.n");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, t varchar(20), a numeric(9,2),
                d0 timestamp(0), d3 timestamp(3), d6 timestamp(6))"
        ),
    )
    .await
    .expect("pg ddl");
    let (res, _) = run_copy(
        &spec("c", "n", &table, &["id"]),
        &src,
        &pg,
        CopyOptions::default(),
    )
    .await;
    res.expect("copy");
    let s = recon_spec("n", &table, &["id"], 10);
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    execute(
        &pg,
        &format!(
            "UPDATE {table} SET t = NULL WHERE id = 1;
             UPDATE {table} SET d6 = d6 + interval '1 microsecond' WHERE id = 2;
             UPDATE {table} SET d3 = d3 + interval '1 millisecond' WHERE id = 3"
        ),
    )
    .await
    .expect("inject");
    let (_, out) = recon(&s, &src, &pg).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([
            changed("id=1", "t"),
            changed("id=2", "d6"),
            changed("id=3", "d3")
        ])
    );
}

/// Bisection cuts a PostgreSQL side at keys in key order, not in the order of their text
/// (`10` sorts before `9` as text), and rows come back ordered by key.
#[tokio::test]
async fn postgres_integer_keys_split_and_read_in_numeric_order() {
    let Some(pgu) = servers::postgres() else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "redge_order").await;
    let a = format!("{schema}.a");
    let b = format!("{schema}.b");
    for t in [&a, &b] {
        execute(
            &pg,
            &format!(
                "CREATE TABLE {t} (id bigint PRIMARY KEY, v text);
                 INSERT INTO {t} SELECT g, 'v' || g FROM generate_series(1, 20) g"
            ),
        )
        .await
        .expect("table");
    }
    let s = recon_spec(&a, &b, &["id"], 100);
    let job = ReconJob::prepare(&s, pg.clone(), pg.clone())
        .await
        .expect("prepare");
    let range = warroom::db::keyset::KeyRange::all();
    let third = job.tgt.key_at(&job.r, &range, 2).await.expect("key_at");
    let tenth = job.tgt.key_at(&job.r, &range, 9).await.expect("key_at");
    assert_eq!(
        format!("{third:?} {tenth:?}"),
        format!(
            "{:?} {:?}",
            Some(vec![warroom::db::value::Value::Int(3)]),
            Some(vec![warroom::db::value::Value::Int(10)])
        )
    );
    let rows = job.src.rows(&job.r, &range, None).await.expect("rows");
    let ids: Vec<String> = rows.iter().map(|r| format!("{:?}", r[0])).collect();
    let expected: Vec<String> = (1..=20)
        .map(|i| format!("{:?}", warroom::db::value::Value::Int(i)))
        .collect();
    assert_eq!(ids, expected);
}

/// A `|` moved across a column boundary, a NULL against the text of the NULL marker, and
/// `''` against NULL: each row in a chunk of its own, so each checksum must see its own
/// difference (MariaDB against PostgreSQL and against MariaDB).
#[tokio::test]
async fn pipes_and_null_markers_in_text_never_hash_alike() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "redge_pipe").await;
    execute(
        &src,
        "CREATE TABLE p (id INT PRIMARY KEY, a VARCHAR(20) NULL, b TEXT NULL);
         INSERT INTO p VALUES (1, 'a|', 'b'), (2, NULL, 'x'), (3, '', NULL), (4, 'p||', ';q'),
                              (5, '|;', '')",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "redge_pipepg").await;
    let pg_table = format!("{schema}.p");
    execute(
        &pg,
        &format!("CREATE TABLE {pg_table} (id int PRIMARY KEY, a varchar(20), b text)"),
    )
    .await
    .expect("pg ddl");
    execute(&src, "CREATE TABLE p2 LIKE p").await.expect("dst");
    for (target, table) in [(&pg, pg_table.as_str()), (&src, "p2")] {
        let (res, _) = run_copy(
            &spec("c", "p", table, &["id"]),
            &src,
            target,
            CopyOptions::default(),
        )
        .await;
        res.expect("copy");
        let s = recon_spec("p", table, &["id"], 1);
        let (_, out) = recon(&s, &src, target).await;
        assert_eq!(found(&out), BTreeSet::new(), "{table}: {:?}", out.findings);
        execute(
            target,
            &format!(
                "UPDATE {table} SET a = 'a', b = '|b' WHERE id = 1;
                 UPDATE {table} SET a = '|0' WHERE id = 2;
                 UPDATE {table} SET a = NULL, b = '' WHERE id = 3;
                 UPDATE {table} SET a = 'p|', b = '|;q' WHERE id = 4;
                 UPDATE {table} SET a = '', b = '|;' WHERE id = 5"
            ),
        )
        .await
        .expect("inject");
        let (_, out) = recon(&s, &src, target).await;
        let both = |key: &str| {
            (
                MismatchKind::Changed,
                key.to_string(),
                vec!["a".to_string(), "b".to_string()],
            )
        };
        assert_eq!(
            found(&out),
            BTreeSet::from([
                both("id=1"),
                changed("id=2", "a"),
                both("id=3"),
                both("id=4"),
                both("id=5")
            ]),
            "{table}"
        );
    }
}

/// MariaDB cuts a `GROUP_CONCAT` at `max_allowed_packet` without an error: a chunk whose
/// rows add up to more than that must not pass as verified when its two copies differ
/// only past the cut.
#[tokio::test]
async fn a_chunk_longer_than_the_concat_limit_is_never_taken_as_verified() {
    let Some(my) = servers::mysql() else {
        return;
    };
    let (db, _, _) = mysql_db(&my, "redge_cut").await;
    let packet: u64 = warroom::db::introspect::max_allowed_packet(&db)
        .await
        .expect("max_allowed_packet");
    if packet > 64 << 20 {
        eprintln!("SKIP: max_allowed_packet is {packet} bytes; this test needs at most 64 MiB");
        return;
    }
    let rows = packet / 1_000_000 + 3;
    execute(
        &db,
        &format!(
            "CREATE TABLE big (id INT PRIMARY KEY, body LONGTEXT NOT NULL);
             INSERT INTO big SELECT seq, REPEAT('x', 1000000) FROM seq_1_to_{rows};
             CREATE TABLE big2 AS SELECT * FROM big;
             ALTER TABLE big2 ADD PRIMARY KEY (id)"
        ),
    )
    .await
    .expect("tables");
    let s = recon_spec("big", "big2", &["id"], 1_000);
    let (_, out) = recon(&s, &db, &db).await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings.len());
    execute(
        &db,
        &format!("UPDATE big2 SET body = CONCAT(LEFT(body, 999999), 'y') WHERE id = {rows}"),
    )
    .await
    .expect("inject");
    let (_, out) = recon(&s, &db, &db).await;
    assert_eq!(
        found(&out),
        BTreeSet::from([changed(&format!("id={rows}"), "body")])
    );
}

/// MariaDB checksums skip the sort when the key is the primary key (rows arrive in its
/// order). Made to trust the primary key's order when the key is another column, a chunk
/// reads out of key order: it only looks changed, its rows compare equal, and the sort is
/// switched back on.
#[tokio::test]
async fn a_chunk_read_out_of_key_order_is_a_false_alarm_that_turns_sorting_on() {
    let Some(my) = servers::mysql() else {
        return;
    };
    let (db, _, _) = mysql_db(&my, "redge_order").await;
    execute(
        &db,
        "CREATE TABLE o (id INT PRIMARY KEY, k INT NOT NULL UNIQUE, v VARCHAR(10));
         INSERT INTO o SELECT seq, 100 - seq, CONCAT('v', seq) FROM seq_1_to_40;
         CREATE TABLE o2 LIKE o;
         INSERT INTO o2 SELECT * FROM o",
    )
    .await
    .expect("tables");
    let by_pk = ReconJob::prepare(
        &recon_spec("o", "o2", &["id"], 1_000),
        db.clone(),
        db.clone(),
    )
    .await
    .expect("prepare");
    assert!(by_pk
        .src
        .scan_in_key_order
        .load(std::sync::atomic::Ordering::Relaxed));
    let mut job = ReconJob::prepare(
        &recon_spec("o", "o2", &["k"], 1_000),
        db.clone(),
        db.clone(),
    )
    .await
    .expect("prepare");
    assert!(!job
        .src
        .scan_in_key_order
        .load(std::sync::atomic::Ordering::Relaxed));
    job.src
        .scan_in_key_order
        .store(true, std::sync::atomic::Ordering::Relaxed);
    job.leaf_rows = 4;
    let (tx, mut rx) = mpsc::channel(1024);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (_stop, stop_rx) = watch::channel(false);
    let out = job.run(tx, stop_rx).await.expect("recon runs");
    let _ = drain.await;
    assert_eq!(found(&out), BTreeSet::new(), "{:?}", out.findings);
    assert_eq!(out.progress.chunks_bisected, 1, "the chunk looked changed");
    assert!(!job
        .src
        .scan_in_key_order
        .load(std::sync::atomic::Ordering::Relaxed));
}
