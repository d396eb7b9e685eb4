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
