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
use warroom::db::rows::{execute, fetch_text};
use warroom::db::types::Kind;
use warroom::db::{DbPool, Dialect};
use warroom::drill::telemetry::recon::MismatchKind;
use warroom::recon::canon;
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
        key: key.iter().map(ToString::to_string).collect(),
        columns: None,
        filter: None,
        chunk_rows,
        concurrency: 3,
        float_tolerance: None,
        watch: None,
        active: None,
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

/// Single-precision values at the edges: around 2^24 (where a FLOAT stops holding every
/// integer), one ulp above 1, pi, the smallest and largest subnormals, the smallest normal,
/// the largest float, 0.1 (not a short decimal in binary), negatives, zero.
fn singles() -> Vec<f32> {
    vec![
        16_777_216.0,
        16_777_218.0,
        1.0 + f32::EPSILON,
        std::f32::consts::PI,
        f32::from_bits(1),
        f32::from_bits(0x007f_ffff),
        f32::MIN_POSITIVE,
        f32::MAX,
        0.1,
        16_777_215.0,
        0.0,
        -16_777_216.0,
        -std::f32::consts::PI,
        -f32::from_bits(1),
        f32::MIN,
        -0.1,
        1.0,
    ]
}

/// Doubles whose shortest texts MariaDB and PostgreSQL spell differently (fixed against
/// exponent notation, 16 against 17 digits), and the extremes.
// Shortest round-trip texts, written as the databases print them.
#[allow(clippy::unreadable_literal)]
fn doubles() -> Vec<f64> {
    vec![
        1e23,
        3.598600411231027e16,
        1.3009813029730478e-15,
        -1e-5,
        9.999999747378752e-5,
        f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MAX,
        -0.1,
        1.2345678901234568e20,
        0.3,
    ]
}

/// A FLOAT/`real` as a SQL literal that means exactly it (its exact double text; a
/// `real` parses a numeric literal by rounding it once, to the same float).
fn single_lit(d: Dialect, f: f32) -> String {
    match (d, f == 0.0 && f.is_sign_negative()) {
        // MariaDB turns a -0 it is given into 0; a negative number too small for a FLOAT
        // is stored as -0.
        (Dialect::MySql, true) => "-1e-50".into(),
        (Dialect::Postgres, true) => "'-0'::real".into(),
        _ => format!("{:?}", f64::from(f)),
    }
}

/// A fresh table `floats (id, f single, d double)` on a fresh database (MariaDB) or
/// schema (PostgreSQL); returns the pool and the table's name.
async fn floats_table(url: &str, tag: &str) -> (DbPool, String) {
    let (pool, table) = if url.starts_with("postgres") {
        let (pool, schema) = pg_schema(url, tag).await;
        (pool, format!("{schema}.floats"))
    } else {
        let (pool, _, _) = mysql_db(url, tag).await;
        (pool, "floats".to_string())
    };
    let ddl = match pool.dialect() {
        Dialect::Postgres => "(id int PRIMARY KEY, f real NULL, d double precision NULL)",
        _ => "(id INT PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL)",
    };
    execute(&pool, &format!("CREATE TABLE {table} {ddl}"))
        .await
        .expect("floats ddl");
    (pool, table)
}

/// Rows 1.. hold [`singles`] (and [`doubles`], cycled), row 99 NULLs, rows 100 and 101 a
/// FLOAT zero, negative where `zero_signs` says so.
async fn fill_floats(pool: &DbPool, table: &str, zero_signs: [bool; 2]) {
    let d = pool.dialect();
    let dbl = doubles();
    let mut rows: Vec<String> = singles()
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            format!(
                "({}, {}, {:?})",
                i + 1,
                single_lit(d, f),
                dbl[i % dbl.len()]
            )
        })
        .collect();
    rows.push("(99, NULL, NULL)".into());
    for (i, negative) in zero_signs.into_iter().enumerate() {
        let zero = if negative { -0.0 } else { 0.0 };
        rows.push(format!("({}, {}, 0)", 100 + i, single_lit(d, zero)));
    }
    execute(
        pool,
        &format!("INSERT INTO {table} VALUES {}", rows.join(", ")),
    )
    .await
    .expect("float rows");
}

/// Moves the FLOAT of each given row one ulp (flips its last bit) on `pool`.
async fn bump_one_ulp(pool: &DbPool, table: &str, ids: &[usize]) -> Vec<(usize, f32, f32)> {
    let values = singles();
    let mut moved = Vec::new();
    for &id in ids {
        let was = values[id - 1];
        let now = f32::from_bits(was.to_bits() ^ 1);
        execute(
            pool,
            &format!(
                "UPDATE {table} SET f = {} WHERE id = {id}",
                single_lit(pool.dialect(), now)
            ),
        )
        .await
        .expect("bump");
        moved.push((id, was, now));
    }
    moved
}

/// Recon reports exactly the moved rows as changed in `f`, with both exact values.
fn assert_changed_exactly(out: &ReconOutcome, moved: &[(usize, f32, f32)], what: &str) {
    let want: BTreeSet<_> = moved
        .iter()
        .map(|(id, _, _)| {
            (
                MismatchKind::Changed,
                format!("id={id}"),
                vec!["f".to_string()],
            )
        })
        .collect();
    assert_eq!(found(out), want, "{what}");
    for (id, was, now) in moved {
        let f = out
            .findings
            .iter()
            .find(|f| f.mismatch.key == [format!("id={id}")])
            .expect("finding");
        let c = &f.mismatch.columns[0];
        assert_eq!(
            (c.source.clone(), c.target.clone()),
            (
                Some(format!("{:?}", f64::from(*was) + 0.0)),
                Some(format!("{:?}", f64::from(*now) + 0.0))
            ),
            "{what}: id={id}"
        );
    }
}

#[tokio::test]
async fn single_precision_floats_reconcile_exactly_in_every_direction() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let n = singles().len();
    let odd: Vec<usize> = (1..=n).filter(|i| i % 2 == 1).collect();
    let even: Vec<usize> = (1..=n).filter(|i| i % 2 == 0).collect();
    for (from, to) in [(&my, &pgu), (&my, &my), (&pgu, &my), (&pgu, &pgu)] {
        let (src, src_table) = floats_table(from, "fsrc").await;
        let (tgt, tgt_table) = floats_table(to, "fdst").await;
        let what = format!("{:?} -> {:?}", src.dialect(), tgt.dialect());
        // +0 against -0 and -0 against +0: one value (docs/recon.md).
        fill_floats(&src, &src_table, [false, true]).await;
        fill_floats(&tgt, &tgt_table, [true, false]).await;
        let s = recon_spec(&src_table, &tgt_table, &["id"], 4);
        let (_, out) = recon(&s, &src, &tgt).await;
        assert_eq!(found(&out), BTreeSet::new(), "{what}: identical");
        // Identical values hash identically inside both databases.
        assert_eq!(
            out.progress.chunks_bisected, 0,
            "{what}: {:?}",
            out.progress
        );
        for ids in [&odd, &even] {
            let moved = bump_one_ulp(&tgt, &tgt_table, ids).await;
            let (job, out) = recon(&s, &src, &tgt).await;
            assert_changed_exactly(&out, &moved, &what);
            apply_fix(&job, &out, &tgt).await;
            let (_, after) = recon(&s, &src, &tgt).await;
            assert_eq!(found(&after), BTreeSet::new(), "{what}: after the fix");
            assert_eq!(after.progress.chunks_bisected, 0, "{what}: after the fix");
        }
        // What a copy through MariaDB's 6-digit text of a FLOAT writes.
        execute(
            &tgt,
            &format!("UPDATE {tgt_table} SET f = 16777200 WHERE id = 1"),
        )
        .await
        .expect("rounded");
        let (job, out) = recon(&s, &src, &tgt).await;
        assert_changed_exactly(&out, &[(1, 16_777_216.0, 16_777_200.0)], &what);
        apply_fix(&job, &out, &tgt).await;
        let (_, after) = recon(&s, &src, &tgt).await;
        assert_eq!(found(&after), BTreeSet::new(), "{what}: after the fix");
    }
}

/// A tiny deterministic generator (xorshift64*), so that no test depends on a seed file.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

// The low 32 random bits are wanted as an f32 bit pattern.
#[allow(clippy::cast_possible_truncation)]
#[tokio::test]
async fn float_canonical_text_is_the_exact_value_in_both_databases() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    // Random bit patterns of both widths (subnormal doubles included), and the edges.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut values: Vec<(f32, f64)> = Vec::new();
    for i in 0..3000 {
        let r = next_random(&mut state);
        let single = f32::from_bits(r as u32);
        let double = if i % 4 == 0 {
            f64::from_bits(r & 0x800f_ffff_ffff_ffff)
        } else {
            f64::from_bits(r)
        };
        let single = if single.is_finite() { single } else { 1.5 };
        let double = if double.is_finite() { double } else { -2.5 };
        values.push((single, double));
    }
    for (&f, &d) in singles().iter().zip(doubles().iter().cycle()) {
        values.push((f, d));
    }
    values.push((f32::from_bits(0x8000_0000), -0.0));
    values.push((2.0 - f32::EPSILON, 2.0 - f64::EPSILON));
    for url in [&my, &pgu] {
        let (pool, table) = floats_table(url, "fcanon").await;
        let d = pool.dialect();
        for (n, batch) in values.chunks(500).enumerate() {
            let rows: Vec<String> = batch
                .iter()
                .enumerate()
                .map(|(i, &(f, x))| format!("({}, {}, {x:?})", n * 500 + i, single_lit(d, f)))
                .collect();
            execute(
                &pool,
                &format!("INSERT INTO {table} VALUES {}", rows.join(", ")),
            )
            .await
            .expect("rows");
        }
        let (single, double) = (Kind::Float { double: false }, Kind::Float { double: true });
        let sql = format!(
            "SELECT {}, {} FROM {table} ORDER BY id",
            canon::text_sql(d, "f", &single),
            canon::text_sql(d, "d", &double)
        );
        let got = fetch_text(&pool, &sql).await.expect("canonical texts");
        assert_eq!(got.len(), values.len());
        for (row, &(f, x)) in got.iter().zip(&values) {
            let want = vec![
                Some(canon::float_text(f64::from(f))),
                Some(canon::float_text(x)),
            ];
            assert_eq!(row, &want, "{d:?}: {f:?} / {x:?}");
        }
    }
}
