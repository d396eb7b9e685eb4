//! `create_target = true` against the real servers: the target table made from the source's
//! columns by the type mapping keeps every value both ways, gets the source's secondary
//! indexes after the load, leaves an existing table alone, and refuses a column it would
//! lose data in, naming it, before anything is created.

mod copy_common;
mod support;

use copy_common::matrix::maria_source;
use copy_common::*;
use support::servers;
use warroom::copy::{CopyError, CopyOptions, CopyState};
use warroom::db::rows::{execute, fetch_text};
use warroom::db::DbPool;

fn creating(name: &str, source: &str, target: &str) -> warroom::runbook::CopySpec {
    let mut s = spec(name, source, target, &["id"]);
    s.create_target = true;
    s.chunk_rows = 2;
    s
}

async fn pg_indexes(pg: &DbPool, schema: &str, table: &str) -> Vec<String> {
    fetch_text(
        pg,
        &format!(
            "SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' \
             AND tablename = '{table}' ORDER BY indexname"
        ),
    )
    .await
    .expect("pg_indexes")
    .into_iter()
    .filter_map(|r| r.into_iter().next().flatten())
    .collect()
}

async fn table_exists(pool: &DbPool, table: &str) -> bool {
    fetch_text(pool, &format!("SELECT 1 FROM {table} WHERE 1 = 0"))
        .await
        .is_ok()
}

#[tokio::test]
async fn maria_to_postgres_and_back_through_created_tables_keeps_every_value() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    execute(
        &src,
        "CREATE INDEX idx_dtm ON types (dtm); CREATE UNIQUE INDEX uq_t ON types (t)",
    )
    .await
    .expect("source indexes");
    let (pg, schema) = pg_schema(&pgu, "create").await;
    let pg_table = format!("{schema}.types");

    let s = creating("types_create_pg", "types", &pg_table);
    let (res, _) = run_copy(&s, &src, &pg, CopyOptions::default()).await;
    let summary = res.expect("copy into a created table");
    assert_eq!(summary.state, CopyState::Done);
    assert!(summary.created_target);
    assert_eq!(summary.rows, 4);
    assert!(summary.describe().contains("created the target table"));
    let want = dump(&src, "types", "id").await;
    assert_eq!(dump(&pg, &pg_table, "id").await, want);
    // Secondary indexes come after the load, named per table (PostgreSQL's are per schema).
    assert_eq!(
        summary.indexes_created,
        vec!["types_idx_dtm".to_string(), "types_uq_t".to_string()]
    );
    assert_eq!(
        pg_indexes(&pg, &schema, "types").await,
        vec!["types_idx_dtm", "types_pkey", "types_uq_t"]
    );

    // A second run finds the table: nothing created, no index twice.
    let (res, _) = run_copy(&s, &src, &pg, CopyOptions::default()).await;
    let again = res.expect("second run");
    assert!(!again.created_target);
    assert!(again.indexes_created.is_empty());

    // And back: PostgreSQL to a MariaDB table warroom creates from the PostgreSQL one.
    let (back, _, _) = mysql_db(&my, "cback").await;
    let s = creating("types_create_back", &pg_table, "types_back");
    let (res, _) = run_copy(&s, &pg, &back, CopyOptions::default()).await;
    let summary = res.expect("copy back into a created table");
    assert!(summary.created_target);
    assert_eq!(dump(&back, "types_back", "id").await, want);
}

#[tokio::test]
async fn text_keys_from_postgres_stay_distinct_in_a_created_mariadb_table() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "ckeys").await;
    execute(
        &pg,
        &format!(
            "CREATE TABLE {schema}.codes (id varchar(10) PRIMARY KEY, n integer); \
             INSERT INTO {schema}.codes VALUES ('a', 1), ('A', 2), ('a ', 3), ('ä', 4)"
        ),
    )
    .await
    .expect("codes");
    let (dst, _, _) = mysql_db(&my, "ckeys").await;
    let s = creating("codes_create", &format!("{schema}.codes"), "codes");
    let (res, _) = run_copy(&s, &pg, &dst, CopyOptions::default()).await;
    res.expect("copy codes");
    // A case-insensitive or PAD SPACE collation would have folded these into fewer keys.
    assert_eq!(count(&dst, "codes").await, 4);
    assert_eq!(
        dump(&dst, "codes", "n").await,
        dump(&pg, &format!("{schema}.codes"), "n").await
    );
}

#[tokio::test]
async fn a_column_the_mapping_would_lose_is_refused_before_anything_is_created() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "clossy").await;
    execute(
        &pg,
        &format!(
            "CREATE TABLE {schema}.ledger (id integer PRIMARY KEY, total numeric); \
             INSERT INTO {schema}.ledger VALUES (1, 1e40)"
        ),
    )
    .await
    .expect("ledger");
    let (dst, _, _) = mysql_db(&my, "clossy").await;
    let s = creating("ledger_create", &format!("{schema}.ledger"), "ledger");
    let (res, _) = run_copy(&s, &pg, &dst, CopyOptions::default()).await;
    let err = res.expect_err("an unbounded numeric cannot become a DECIMAL");
    assert!(matches!(err, CopyError::CreateTarget { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("column `total` (numeric)"), "{msg}");
    assert!(msg.contains("create ledger by hand"), "{msg}");
    assert!(!table_exists(&dst, "ledger").await);
    assert!(!table_exists(&dst, "_warroom_created_tables").await);
}

#[tokio::test]
async fn an_existing_target_is_used_as_it_is() {
    let Some(my) = servers::mysql() else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    execute(&src, "CREATE INDEX idx_dtm ON types (dtm)")
        .await
        .expect("index");
    let (dst, _, _) = mysql_db(&my, "cexist").await;
    execute(
        &dst,
        &format!("CREATE TABLE types {}", copy_common::matrix::MARIA_DDL),
    )
    .await
    .expect("target by hand");
    let s = creating("types_exist", "types", "types");
    let (res, _) = run_copy(
        &s,
        &src,
        &dst,
        CopyOptions {
            same_server: false,
            ..CopyOptions::default()
        },
    )
    .await;
    let summary = res.expect("copy");
    assert!(!summary.created_target);
    // warroom did not make it, so it adds no index to it.
    assert!(summary.indexes_created.is_empty());
    let idx = fetch_text(&dst, "SHOW INDEX FROM types WHERE Key_name = 'idx_dtm'")
        .await
        .expect("show index");
    assert!(idx.is_empty());
    assert_eq!(count(&dst, "types").await, 4);
}

#[tokio::test]
async fn maria_to_sqlite_through_a_created_table_keeps_every_value() {
    let Some(my) = servers::mysql() else {
        return;
    };
    let (src, _) = maria_source(&my).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (lite, _) = sqlite_db(dir.path(), "create").await;
    let s = creating("types_create_sqlite", "types", "types");
    let (res, _) = run_copy(&s, &src, &lite, CopyOptions::default()).await;
    assert!(res.expect("copy to SQLite").created_target);
    // SQLite keeps numbers that no native type holds as text: read them back through a
    // MariaDB table of the source's own types, every value as it was.
    let (back, _, _) = mysql_db(&my, "clite").await;
    execute(
        &back,
        &format!("CREATE TABLE types {}", copy_common::matrix::MARIA_DDL),
    )
    .await
    .expect("table by hand");
    let s = spec("types_from_sqlite", "types", "types", &["id"]);
    let (res, _) = run_copy(&s, &lite, &back, CopyOptions::default()).await;
    res.expect("copy back from SQLite");
    assert_eq!(
        dump(&back, "types", "id").await,
        dump(&src, "types", "id").await
    );
}

/// Preflight derives the DDL as the copy will: a missing target the copy can create is
/// information, one it would refuse is a blocker naming the column (exit 1).
#[tokio::test]
async fn preflight_says_before_the_night_whether_the_copy_can_create_its_target() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (pg, schema) = pg_schema(&pgu, "cpre").await;
    execute(
        &pg,
        &format!(
            "CREATE TABLE {schema}.ledger (id integer PRIMARY KEY, total numeric); \
             CREATE TABLE {schema}.fine (id integer PRIMARY KEY, total numeric(12,2))"
        ),
    )
    .await
    .expect("tables");
    let (_dst, dst_url, _) = mysql_db(&my, "cpre").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let runbook = dir.path().join("create.toml");
    let job = |name: &str| {
        format!(
            "[[copy]]\nname = \"{name}\"\nsource = \"src\"\nsource_table = \"{schema}.{name}\"\n\
             target = \"dst\"\ntarget_table = \"{name}\"\nkey = [\"id\"]\ncreate_target = true\n"
        )
    };
    std::fs::write(
        &runbook,
        format!(
            "[runbook]\nname = \"create\"\nkind = \"drill\"\ncoordinator = \"ann\"\n\n\
             [people.ann]\nname = \"Ann\"\nrole = \"coordinator\"\n\n\
             [connections.src]\nurl = \"{pgu}\"\n\n[connections.dst]\nurl = \"{dst_url}\"\n\n{}\n{}\n\
             [[phase]]\nname = \"only\"\n\n[[phase.step]]\nid = \"a\"\ntitle = \"Copy\"\n\
             dri = \"ann\"\nreviewer = \"ann\"\nplanned = \"5m\"\naction = {{ copy = \"ledger\" }}\n",
            job("ledger"),
            job("fine")
        ),
    )
    .expect("runbook");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--log-file", "/dev/null", "preflight", "--json"])
        .arg(&runbook)
        .output()
        .expect("preflight");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let created: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["hazard"] == "target_created")
        .map(|f| {
            (
                f["table"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["column"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        created,
        vec![
            (
                "ledger".to_string(),
                "blocker".to_string(),
                "total".to_string()
            ),
            ("fine".to_string(), "info".to_string(), String::new()),
        ],
        "{report}"
    );
}
