//! The type matrix across dialects: every value read back equal, idempotent rewrites, and
//! clear errors for values the target cannot hold.

mod copy_common;
mod support;

use copy_common::matrix::*;
use copy_common::*;
use support::servers;
use warroom::copy::{CopyError, CopyOptions, CopyState};
use warroom::db::rows::execute;

fn opts() -> CopyOptions {
    CopyOptions::default()
}

#[tokio::test]
async fn maria_to_postgres_to_maria_keeps_every_value() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    let (pg, schema) = pg_schema(&pgu, "types").await;
    let pg_table = pg_target(&pg, &schema).await;

    let mut s = spec("types_to_pg", "types", &pg_table, &["id"]);
    s.chunk_rows = 2;
    let (res, progress) = run_copy(&s, &src, &pg, opts()).await;
    let summary = res.expect("copy to PostgreSQL");
    assert_eq!(summary.rows, 4);
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(progress.last().map(|p| p.state), Some(CopyState::Done));
    let want = dump(&src, "types", "id").await;
    assert_eq!(dump(&pg, &pg_table, "id").await, want);

    // Written twice (checkpoint forgotten): still one row per key, same values.
    let (res, _) = run_copy(
        &s,
        &src,
        &pg,
        CopyOptions {
            restart: true,
            overwrite: true,
            ..opts()
        },
    )
    .await;
    res.expect("idempotent rewrite");
    assert_eq!(count(&pg, &pg_table).await, 4);
    assert_eq!(dump(&pg, &pg_table, "id").await, want);

    // And back: PostgreSQL -> a fresh MariaDB table.
    let (back, _, _) = mysql_db(&my, "tback").await;
    execute(&back, &format!("CREATE TABLE types {MARIA_DDL}"))
        .await
        .expect("ddl");
    let s = spec("types_back", &pg_table, "types", &["id"]);
    let (res, _) = run_copy(&s, &pg, &back, opts()).await;
    res.expect("copy back to MariaDB");
    assert_eq!(dump(&back, "types", "id").await, want);
}

#[tokio::test]
async fn maria_to_maria_keeps_every_value_and_rewrites_idempotently() {
    let Some(my) = servers::mysql() else { return };
    let (src, _) = maria_source(&my).await;
    // Over the wire, and inside the server (both databases live on the test server).
    for in_server in [false, true] {
        let (dst, _, _) = mysql_db(&my, "tdst").await;
        execute(&dst, &format!("CREATE TABLE types {MARIA_DDL}"))
            .await
            .expect("ddl");
        let mut s = spec("types_mm", "types", "types", &["id"]);
        s.chunk_rows = 2;
        let mode = CopyOptions {
            same_server: in_server,
            ..opts()
        };
        let (res, _) = run_copy(&s, &src, &dst, mode.clone()).await;
        let summary = res.expect("copy");
        assert_eq!(summary.in_server, in_server);
        assert_eq!(summary.rows, 4);
        let want = dump(&src, "types", "id").await;
        assert_eq!(dump(&dst, "types", "id").await, want);
        // A row already there (changed) is overwritten by the rewrite, not doubled.
        execute(&dst, "UPDATE types SET t = 'stale' WHERE id = (SELECT MIN(id) FROM (SELECT id FROM types) AS x)")
            .await
            .expect("update");
        let (res, _) = run_copy(
            &s,
            &src,
            &dst,
            CopyOptions {
                restart: true,
                overwrite: true,
                ..mode
            },
        )
        .await;
        res.expect("rewrite");
        assert_eq!(count(&dst, "types").await, 4);
        assert_eq!(
            dump(&dst, "types", "id").await,
            want,
            "in_server={in_server}"
        );
    }
}

#[tokio::test]
async fn sqlite_round_trip_with_mariadb_and_postgres() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (src, _) = maria_source(&my).await;
    let (lite, _) = sqlite_db(dir.path(), "lite").await;
    execute(&lite, &format!("CREATE TABLE types {SQLITE_DDL}"))
        .await
        .expect("ddl");
    let s = spec("types_to_sqlite", "types", "types", &["id"]);
    let (res, _) = run_copy(&s, &src, &lite, opts()).await;
    res.expect("MariaDB -> SQLite");
    let want = dump(&src, "types", "id").await;
    // SQLite has no enum and stores the unsigned id as text: compare through PostgreSQL.
    let (pg, schema) = pg_schema(&pgu, "lite").await;
    let pg_table = pg_target(&pg, &schema).await;
    let s = spec("types_sqlite_pg", "types", &pg_table, &["id"]);
    let (res, _) = run_copy(&s, &lite, &pg, opts()).await;
    res.expect("SQLite -> PostgreSQL");
    let mut got = dump(&pg, &pg_table, "id").await;
    // SQLite orders its TEXT ids as text; order both the same way.
    got.sort();
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_value_the_target_cannot_hold_names_table_key_and_column() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    let (pg, schema) = pg_schema(&pgu, "narrow").await;
    execute(
        &pg,
        &format!("CREATE TABLE {schema}.narrow (id bigint PRIMARY KEY, u64 bigint)"),
    )
    .await
    .expect("ddl");
    let mut s = spec("narrow", "types", &format!("{schema}.narrow"), &["id"]);
    s.columns = Some(vec!["id".into(), "u64".into()]);
    let (res, progress) = run_copy(&s, &src, &pg, opts()).await;
    let err = res.expect_err("18446744073709551615 does not fit bigint");
    assert!(matches!(err, CopyError::Value { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("{schema}.narrow")), "{text}");
    assert!(text.contains("id=1"), "{text}");
    assert!(text.contains("`u64`"), "{text}");
    assert!(text.contains("out of range"), "{text}");
    assert_eq!(progress.last().map(|p| p.state), Some(CopyState::Failed));
}

/// A single-precision float arrives bit for bit in every direction: MariaDB FLOAT and
/// PostgreSQL real, over the wire and inside one server, and through SQLite REAL.
#[tokio::test]
async fn single_precision_floats_copy_bit_exact_in_every_direction() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let want = singles_want();
    let (maria, _, _) = mysql_db(&my, "fsrc").await;
    singles_table(&maria, "floats", true).await;
    assert_eq!(singles_bits(&maria, "floats").await, want, "MariaDB source");
    let (pg, schema) = pg_schema(&pgu, "floats").await;
    let pg_src = format!("{schema}.floats_src");
    singles_table(&pg, &pg_src, true).await;
    assert_eq!(singles_bits(&pg, &pg_src).await, want, "PostgreSQL source");

    let mut s = spec("singles", "floats", "floats", &["id"]);
    s.chunk_rows = 5;
    let wire = CopyOptions {
        same_server: false,
        ..opts()
    };
    let copy = |source: &'static str, target: String| {
        let mut s = s.clone();
        s.name = format!("singles_{}", target.replace('.', "_"));
        s.source_table = source.into();
        s.target_table = target;
        s
    };
    let check = |what: &str, got: Vec<(i64, Option<u32>)>| {
        for ((id, g), (_, w)) in got.iter().zip(&want) {
            assert_eq!(
                g.map(f32::from_bits),
                w.map(f32::from_bits),
                "{what}: id {id} (bits {g:x?} vs {w:x?})"
            );
        }
        assert_eq!(got, want, "{what}");
    };

    // MariaDB -> PostgreSQL.
    let t = format!("{schema}.from_maria");
    singles_table(&pg, &t, false).await;
    run_copy(&copy("floats", t.clone()), &maria, &pg, opts())
        .await
        .0
        .expect("MariaDB -> PostgreSQL");
    check("MariaDB -> PostgreSQL", singles_bits(&pg, &t).await);

    // MariaDB -> MariaDB, over the wire and inside the server.
    for (mode, in_server) in [(wire.clone(), false), (opts(), true)] {
        let (dst, _, _) = mysql_db(&my, "fdst").await;
        singles_table(&dst, "floats", false).await;
        let summary = run_copy(&copy("floats", "floats".into()), &maria, &dst, mode)
            .await
            .0
            .expect("MariaDB -> MariaDB");
        assert_eq!(summary.in_server, in_server);
        check(
            &format!("MariaDB -> MariaDB (in server: {in_server})"),
            singles_bits(&dst, "floats").await,
        );
    }

    // PostgreSQL -> MariaDB and PostgreSQL -> PostgreSQL.
    let (back, _, _) = mysql_db(&my, "fback").await;
    singles_table(&back, "floats", false).await;
    let mut from_pg = copy("floats", "floats".into());
    from_pg.source_table = pg_src.clone();
    run_copy(&from_pg, &pg, &back, opts())
        .await
        .0
        .expect("PostgreSQL -> MariaDB");
    check("PostgreSQL -> MariaDB", singles_bits(&back, "floats").await);
    let t = format!("{schema}.from_pg");
    singles_table(&pg, &t, false).await;
    let mut pg_pg = copy("floats", t.clone());
    pg_pg.source_table = pg_src.clone();
    run_copy(&pg_pg, &pg, &pg, opts())
        .await
        .0
        .expect("PostgreSQL -> PostgreSQL");
    check("PostgreSQL -> PostgreSQL", singles_bits(&pg, &t).await);

    // MariaDB -> SQLite (a double holds every single) -> PostgreSQL.
    let dir = tempfile::tempdir().expect("tempdir");
    let (lite, _) = sqlite_db(dir.path(), "floats").await;
    singles_table(&lite, "floats", false).await;
    run_copy(&copy("floats", "floats".into()), &maria, &lite, opts())
        .await
        .0
        .expect("MariaDB -> SQLite");
    check("MariaDB -> SQLite", singles_bits(&lite, "floats").await);
    let t = format!("{schema}.from_sqlite");
    singles_table(&pg, &t, false).await;
    run_copy(&copy("floats", t.clone()), &lite, &pg, opts())
        .await
        .0
        .expect("SQLite -> PostgreSQL");
    check("SQLite -> PostgreSQL", singles_bits(&pg, &t).await);
}

/// A double that a single-precision column would round is refused, not rounded.
#[tokio::test]
async fn a_double_that_real_would_round_is_refused() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _, _) = mysql_db(&my, "dsrc").await;
    execute(
        &src,
        "CREATE TABLE d (id INT PRIMARY KEY, f DOUBLE); INSERT INTO d VALUES (1, 0.5), (2, 0.1)",
    )
    .await
    .expect("source");
    let (pg, schema) = pg_schema(&pgu, "dreal").await;
    let t = format!("{schema}.d");
    execute(
        &pg,
        &format!("CREATE TABLE {t} (id integer PRIMARY KEY, f real)"),
    )
    .await
    .expect("target");
    let (res, _) = run_copy(&spec("d_to_real", "d", &t, &["id"]), &src, &pg, opts()).await;
    let text = res.expect_err("0.1 needs double precision").to_string();
    assert!(text.contains("id=2"), "{text}");
    assert!(text.contains("`f`"), "{text}");
    assert!(text.contains("needs double precision"), "{text}");
}

/// PostgreSQL to PostgreSQL with the same types: the source's COPY text goes to the target
/// unchanged (bytea, jsonb, timestamptz, an enum, NULLs, tabs and backslashes in text), and
/// every value reads back equal; a resumed copy continues from the key of the last line.
#[tokio::test]
async fn postgres_to_postgres_passes_copy_text_through_and_keeps_every_value() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    let (pg, schema) = pg_schema(&pgu, "pgpg").await;
    let pg_table = pg_target(&pg, &schema).await;
    let (res, _) = run_copy(
        &spec("types_pg", "types", &pg_table, &["id"]),
        &src,
        &pg,
        opts(),
    )
    .await;
    res.expect("fill the PostgreSQL source");
    let copy_table = format!("{schema}.types_copy");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {copy_table} {}",
            PG_DDL.replace("SIZE_TYPE", &format!("{schema}.size"))
        ),
    )
    .await
    .expect("ddl");
    let mut s = spec("types_pgpg", &pg_table, &copy_table, &["id"]);
    s.chunk_rows = 1;
    let (res, progress) = run_copy(&s, &pg, &pg, opts()).await;
    let summary = res.expect("PostgreSQL -> PostgreSQL");
    assert_eq!(summary.rows, 4);
    assert!(
        progress.iter().any(|p| p.chunk_size == 1),
        "one row per chunk"
    );
    assert_eq!(
        dump(&pg, &copy_table, "id").await,
        dump(&pg, &pg_table, "id").await
    );
}

/// A NULL the target's column of the same type does not allow is refused, naming the table,
/// the row's key and the column, whether the cells pass through as they came (MariaDB) or
/// as COPY text (PostgreSQL), and nothing is written for that chunk.
#[tokio::test]
async fn a_null_into_not_null_of_the_same_type_names_table_key_and_column() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    let (dst, _, _) = mysql_db(&my, "tnn").await;
    execute(&dst, "CREATE TABLE narrow (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, t VARCHAR(100) NOT NULL) DEFAULT CHARSET=utf8mb4")
        .await
        .expect("ddl");
    let mut s = spec("nn_maria", "types", "narrow", &["id"]);
    s.columns = Some(vec!["id".into(), "t".into()]);
    let (res, _) = run_copy(
        &s,
        &src,
        &dst,
        CopyOptions {
            same_server: false,
            ..opts()
        },
    )
    .await;
    let text = res.expect_err("row 4 has a NULL t").to_string();
    for want in ["narrow", "id=4", "`t`", "NULL cannot go into NOT NULL"] {
        assert!(text.contains(want), "{want}: {text}");
    }

    let (pg, schema) = pg_schema(&pgu, "pgnn").await;
    let pg_table = pg_target(&pg, &schema).await;
    let (res, _) = run_copy(
        &spec("types_pgnn", "types", &pg_table, &["id"]),
        &src,
        &pg,
        opts(),
    )
    .await;
    res.expect("fill the PostgreSQL source");
    let narrow = format!("{schema}.narrow");
    execute(
        &pg,
        &format!("CREATE TABLE {narrow} (id numeric(20,0) PRIMARY KEY, t varchar(100) NOT NULL)"),
    )
    .await
    .expect("ddl");
    let mut s = spec("nn_pg", &pg_table, &narrow, &["id"]);
    s.columns = Some(vec!["id".into(), "t".into()]);
    s.chunk_rows = 1;
    s.workers = 1;
    let (res, _) = run_copy(&s, &pg, &pg, opts()).await;
    let text = res.expect_err("row 4 has a NULL t").to_string();
    for want in [
        narrow.as_str(),
        "id=4",
        "`t`",
        "NULL cannot go into NOT NULL",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert_eq!(
        count(&pg, &narrow).await,
        3,
        "rows before the refused one were copied"
    );
}
