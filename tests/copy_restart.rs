#![allow(clippy::unwrap_used)]
//! The real binary, `warroom copy`: a checkpoint that the target contradicts (the target
//! was truncated, or rows were deleted) is refused with what happened and what to do, and
//! `--restart` copies from the start; it refuses a target that holds rows unless
//! `--overwrite` says to copy over them.

mod copy_common;
mod support;

use std::process::Command;

use copy_common::*;
use support::servers;
use warroom::db::rows::execute;

const ROWS: i64 = 9;

fn runbook(src_url: &str, dst_url: &str, target_table: &str) -> String {
    support::runbooks::items_job(
        "copy restart",
        src_url,
        dst_url,
        "copy",
        target_table,
        "chunk_rows = 4",
    )
}

/// Runs `warroom copy FILE --job items ARGS`: (exit code, stdout, stderr).
fn copy(file: &std::path::Path, log: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(log)
        .arg("copy")
        .arg(file)
        .args(["--job", "items"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_truncated_target_is_refused_and_restart_copies_again() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, src_url, _) = mysql_db(&my, "xsrc").await;
    execute(
        &src,
        &format!(
            "CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); \
             INSERT INTO items SELECT seq, CONCAT('v', seq) FROM seq_1_to_{ROWS}"
        ),
    )
    .await
    .unwrap();
    let (pg, schema) = pg_schema(&pgu, "restart").await;
    let table = format!("{schema}.items");
    execute(
        &pg,
        &format!("CREATE TABLE {table} (id integer PRIMARY KEY, v varchar(20))"),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.toml");
    std::fs::write(&file, runbook(&src_url, &pgu, &table)).unwrap();
    let log = dir.path().join("warroom.log");

    let (code, out, err) = copy(&file, &log, &[]);
    assert_eq!(code, 0, "first copy: {out}{err}");
    assert_eq!(count(&pg, &table).await, ROWS);

    // The runbook's rollback: TRUNCATE the target. Copying again must not say "done".
    execute(&pg, &format!("TRUNCATE {table}")).await.unwrap();
    let (code, out, err) = copy(&file, &log, &[]);
    assert_ne!(
        code, 0,
        "a copy over an emptied target claimed success: {out}"
    );
    let msg = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(
        msg.contains(&format!(
            "the checkpoint says {ROWS} rows of `items` are in {table}, but the table is empty"
        )),
        "{msg}"
    );
    assert!(msg.contains("--job items --restart"), "{msg}");
    assert_eq!(count(&pg, &table).await, 0);

    // Starting over copies everything again (a fresh copy, not a resume).
    let (code, out, err) = copy(&file, &log, &["--restart"]);
    assert_eq!(code, 0, "restart: {out}{err}");
    assert!(
        out.starts_with(&format!("copy items: {ROWS} rows in")),
        "{out}"
    );
    assert!(!out.contains("resumed"), "{out}");
    assert_eq!(count(&pg, &table).await, ROWS);
    assert_eq!(
        dump(&pg, &table, "id").await,
        dump(&src, "items", "id").await
    );

    // Rows deleted from the target (not all): refused too, naming the missing key.
    execute(&pg, &format!("DELETE FROM {table} WHERE id > 5"))
        .await
        .unwrap();
    let (code, _, err) = copy(&file, &log, &[]);
    assert_ne!(code, 0);
    assert!(
        err.contains("is not there (rows were deleted since)"),
        "{err}"
    );

    // --restart never truncates: a target that holds rows needs --overwrite.
    let (code, _, err) = copy(&file, &log, &["--restart"]);
    assert_ne!(code, 0);
    assert!(err.contains(&format!("{table} holds rows")), "{err}");
    assert!(err.contains("--overwrite"), "{err}");
    assert_eq!(count(&pg, &table).await, 5);
    let (code, out, err) = copy(&file, &log, &["--restart", "--overwrite"]);
    assert_eq!(code, 0, "restart --overwrite: {out}{err}");
    assert_eq!(count(&pg, &table).await, ROWS);
    assert_eq!(
        dump(&pg, &table, "id").await,
        dump(&src, "items", "id").await
    );

    // A resume over an intact target still works and says what it added.
    let (code, out, err) = copy(&file, &log, &[]);
    assert_eq!(code, 0, "resume: {out}{err}");
    assert!(
        out.starts_with(&format!(
            "copy items: {ROWS} rows copied in all; resumed: this run added 0 rows"
        )),
        "{out}"
    );
}
