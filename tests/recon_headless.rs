#![allow(clippy::unwrap_used)]
//! `warroom recon` without the console: exit 0 clean, 1 with mismatches (listed, or as a
//! JSON report), 2 on error; `--fix-sql` writes statements that make the target match.

mod copy_common;
mod support;

use std::process::Command;

use copy_common::*;
use support::recon::apply_with_client;
use support::servers;
use warroom::db::rows::{execute, fetch_text};
use warroom::db::sql::{literal, LiteralStyle};
use warroom::db::value::Value;
use warroom::db::{DbPool, Dialect};

fn runbook(src_url: &str, dst_url: &str) -> String {
    format!(
        r#"
[runbook]
name = "recon headless"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.src]
url = "{src_url}"
[connections.dst]
url = "{dst_url}"

[[recon]]
name = "accounts"
source = "src"
source_table = "accounts"
target = "dst"
target_table = "accounts"
key = ["id"]
chunk_rows = 10

[[recon.check]]
name = "balance-by-region"
source_sql = "SELECT region, COUNT(*), SUM(balance) FROM accounts GROUP BY region ORDER BY region"
target_sql = "SELECT region, COUNT(*), SUM(balance) FROM accounts GROUP BY region ORDER BY region"

[[phase]]
name = "verify"
[[phase.step]]
id = "recon"
title = "Recon accounts"
dri = "casey"
reviewer = "casey"
planned = "5m"
action = {{ recon = "accounts" }}
"#
    )
}

fn warroom(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
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
async fn exit_codes_report_and_fix_sql() {
    let Some(my) = servers::mysql() else { return };
    let ddl = "CREATE TABLE accounts (id INT PRIMARY KEY, region VARCHAR(10), balance DECIMAL(12,2));
               INSERT INTO accounts SELECT seq, ELT(1 + seq % 3, 'eu', 'us', 'apac'), seq * 10.5 FROM seq_1_to_100";
    let (src, src_url, _) = mysql_db(&my, "hsrc").await;
    let (dst, dst_url, _) = mysql_db(&my, "hdst").await;
    execute(&src, ddl).await.unwrap();
    execute(&dst, ddl).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recon.toml");
    std::fs::write(&file, runbook(&src_url, &dst_url)).unwrap();
    let rb = file.to_str().unwrap();

    let (code, out, err) = warroom(&["recon", rb, "--job", "accounts"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("recon accounts: 100 rows in source, 100 in target"),
        "{out}"
    );

    execute(&dst, "UPDATE accounts SET balance = balance + 1 WHERE id = 42; DELETE FROM accounts WHERE id = 7")
        .await
        .unwrap();
    let fix = dir.path().join("fix.sql");
    let (code, out, _) = warroom(&[
        "recon",
        rb,
        "--job",
        "accounts",
        "--fix-sql",
        fix.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing in target: id=7"), "{out}");
    assert!(
        out.contains("changed id=42: balance '441' → '442'"),
        "{out}"
    );
    assert!(
        out.contains("check balance-by-region: us: source 34 | 18028.5, target 33 | 17955"),
        "{out}"
    );
    assert!(!out.contains("apac"), "{out}");

    let (code, out, _) = warroom(&["recon", rb, "--job", "accounts", "--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["counts"]["missing"], 1);
    assert_eq!(report["counts"]["changed"], 1);
    assert_eq!(report["mismatches"].as_array().map(Vec::len), Some(2));

    let Some(applied) = apply_with_client(&dst_url, &fix, true) else {
        return;
    };
    assert!(applied.status.success(), "{applied:?}");
    let (code, out, err) = warroom(&["recon", rb, "--job", "accounts"]);
    assert_eq!(code, 0, "after the fix: {out}{err}");

    let (code, _, err) = warroom(&["recon", rb, "--job", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no [[recon]] named `nope`"), "{err}");
}

/// A runbook with one recon job `items` over `table` (key `id`), many small chunks checked
/// many at a time, so that they finish in no fixed order.
fn items_runbook(src_url: &str, dst_url: &str, table: &str) -> String {
    support::runbooks::items_job(
        "recon items",
        src_url,
        dst_url,
        "recon",
        table,
        "chunk_rows = 7\nconcurrency = 8",
    )
}

#[tokio::test]
async fn plain_output_quotes_values_and_lists_mismatches_in_key_order() {
    let Some(my) = servers::mysql() else { return };
    let ddl = "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, note VARCHAR(20) NULL) \
               DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
               INSERT INTO items SELECT seq, CONCAT('Name', seq), IF(seq % 10 = 0, NULL, 'ok') FROM seq_1_to_200";
    let (src, src_url, _) = mysql_db(&my, "osrc").await;
    let (dst, dst_url, _) = mysql_db(&my, "odst").await;
    execute(&src, ddl).await.unwrap();
    execute(&dst, ddl).await.unwrap();
    // Keys whose text order differs from their order (-5, 3, 9, 10, 100 ...), spread over
    // many chunks; values that differ only in what an unquoted line would hide.
    execute(
        &dst,
        "INSERT INTO items VALUES (-5, 'before', NULL), (201, 'after', 'x');
         UPDATE items SET name = '' WHERE id = 3;
         UPDATE items SET name = 'Name9 ' WHERE id = 9;
         UPDATE items SET note = 'NULL' WHERE id = 10;
         UPDATE items SET note = NULL WHERE id = 11;
         UPDATE items SET name = 'O''Brien', note = 'a\\nb' WHERE id = 150;
         DELETE FROM items WHERE id IN (1, 100)",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recon.toml");
    std::fs::write(&file, items_runbook(&src_url, &dst_url, "items")).unwrap();
    let want = [
        "extra in target: id=-5",
        "missing in target: id=1",
        "changed id=3: name 'Name3' → ''",
        "changed id=9: name 'Name9' → 'Name9 '",
        "changed id=10: note NULL → 'NULL'",
        "changed id=11: note 'ok' → NULL",
        "missing in target: id=100",
        "changed id=150: name 'Name150' → 'O''Brien'; note NULL → 'a\\nb'",
        "extra in target: id=201",
    ];
    for run in 0..3 {
        let (code, out, err) = warroom(&["recon", file.to_str().unwrap(), "--job", "items"]);
        assert_eq!(code, 1, "{out}{err}");
        let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("recon ")).collect();
        assert_eq!(lines, want, "run {run}:\n{out}");
    }
}

/// Rows that only survive exact quoting: a quote, a backslash, a newline, a trailing space,
/// '' and NULL, emoji, an instant with microseconds; and 30 plain ones.
fn tricky_rows(d: Dialect) -> String {
    let text = |s: &str| literal(LiteralStyle::new(d), &Value::Text(s.into()));
    let tricky = [
        (1, "O'Brien", Some("back\\slash")),
        (2, "trailing ", None),
        (3, "", Some("emoji 🎉 and 中文")),
        (4, "new\nline", Some("")),
        (5, "tab\there", Some("NULL")),
    ];
    let mut rows: Vec<String> = tricky
        .iter()
        .map(|(id, name, note)| {
            format!(
                "({id}, {}, {}, '2026-03-29 01:30:00.{id:06}+00', {id}.25, {id})",
                text(name),
                note.map_or("NULL".to_string(), text)
            )
        })
        .collect();
    rows.extend((6..=35).map(|i| format!("({i}, 'name {i}', NULL, NULL, {i}.50, {i})")));
    rows.join(", ")
}

/// Every row of `table` as text, in key order.
async fn dump_items(pool: &DbPool, table: &str) -> Vec<Vec<Option<String>>> {
    let sql = match pool.dialect() {
        Dialect::Postgres => format!(
            "SELECT id::text AS k, name, note, extract(epoch from ts)::text, amount::text, \"order\"::text \
             FROM {table} ORDER BY id"
        ),
        _ => format!(
            "SELECT id, name, note, UNIX_TIMESTAMP(ts), amount, `order` FROM {table} ORDER BY id"
        ),
    };
    fetch_text(pool, &sql).await.unwrap()
}

#[tokio::test]
async fn fix_sql_file_runs_in_one_transaction_with_the_targets_own_client() {
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, src_url, _) = mysql_db(&my, "fxsrc").await;
    let maria_ddl = "(id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, note TEXT NULL, \
                     ts TIMESTAMP(6) NULL DEFAULT NULL, amount DECIMAL(12,2) NOT NULL, `order` INT NOT NULL) \
                     DEFAULT CHARSET=utf8mb4";
    execute(&src, &format!("CREATE TABLE items {maria_ddl}"))
        .await
        .unwrap();
    // The source's session is UTC (warroom's connections are), so `+00` is a no-op here.
    let maria_rows = tricky_rows(Dialect::MySql).replace("+00'", "'");
    execute(&src, &format!("INSERT INTO items VALUES {maria_rows}"))
        .await
        .unwrap();
    let (my_dst, my_dst_url, _) = mysql_db(&my, "fxdst").await;
    execute(&my_dst, &format!("CREATE TABLE items {maria_ddl}"))
        .await
        .unwrap();
    let (pg, schema) = pg_schema(&pgu, "fxdst").await;
    let pg_table = format!("{schema}.items");
    execute(
        &pg,
        &format!(
            "CREATE TABLE {pg_table} (id int PRIMARY KEY, name varchar(40) NOT NULL, note text NULL, \
             ts timestamptz(6) NULL, amount numeric(12,2) NOT NULL, \"order\" int NOT NULL)"
        ),
    )
    .await
    .unwrap();
    let targets = [
        (
            &pg,
            pgu.clone(),
            pg_table.clone(),
            tricky_rows(Dialect::Postgres),
        ),
        (
            &my_dst,
            my_dst_url.clone(),
            "items".to_string(),
            maria_rows.clone(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (dst, dst_url, table, rows) in targets {
        let what = format!("{:?}", dst.dialect());
        execute(dst, &format!("INSERT INTO {table} VALUES {rows}"))
            .await
            .unwrap();
        // Every tricky row goes wrong in the target: gone, changed, or in its place another.
        execute(
            dst,
            &format!(
                "DELETE FROM {table} WHERE id IN (1, 3);
                 UPDATE {table} SET name = 'trailing' WHERE id = 2;
                 UPDATE {table} SET name = 'new line', note = NULL WHERE id = 4;
                 UPDATE {table} SET ts = NULL, amount = 0 WHERE id = 5;
                 UPDATE {table} SET ts = '2026-03-29 01:30:00.000009+00' WHERE id = 9;
                 INSERT INTO {table} VALUES (100, 'extra', NULL, NULL, 1, 1)"
            )
            .replace(
                "+00'",
                if dst.dialect() == Dialect::MySql {
                    "'"
                } else {
                    "+00'"
                },
            ),
        )
        .await
        .unwrap();
        let file = dir.path().join(format!("recon-{what}.toml"));
        std::fs::write(&file, items_runbook(&src_url, &dst_url, &table)).unwrap();
        let rb = file.to_str().unwrap();
        let fix = dir.path().join(format!("fix-{what}.sql"));
        let (code, out, err) = warroom(&[
            "recon",
            rb,
            "--job",
            "items",
            "--fix-sql",
            fix.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{what}: {out}{err}");
        assert!(
            out.contains("2 missing, 1 extra, 4 changed"),
            "{what}: {out}"
        );
        let sql = std::fs::read_to_string(&fix).unwrap();
        let (begin, quote) = match dst.dialect() {
            Dialect::Postgres => ("BEGIN;", "\"order\""),
            _ => ("START TRANSACTION;", "`order`"),
        };
        assert!(
            sql.contains(begin) && sql.trim_end().ends_with("COMMIT;"),
            "{what}: {sql}"
        );
        assert!(sql.contains(quote), "{what}: {sql}");

        // Midway through, a statement fails (a row the fix inserts is back in the target):
        // nothing of the file is applied, the deletes and updates before it included.
        execute(
            dst,
            &format!("INSERT INTO {table} VALUES (3, 'meanwhile', NULL, NULL, 0, 0)"),
        )
        .await
        .unwrap();
        let before = dump_items(dst, &table).await;
        for stop_on_error in [false, true] {
            let Some(failed) = apply_with_client(&dst_url, &fix, stop_on_error) else {
                return;
            };
            if stop_on_error || dst.dialect() == Dialect::MySql {
                assert!(!failed.status.success(), "{what}: {failed:?}");
            }
            assert_eq!(
                dump_items(dst, &table).await,
                before,
                "{what}: half applied"
            );
        }
        execute(dst, &format!("DELETE FROM {table} WHERE id = 3"))
            .await
            .unwrap();

        // Applied whole with the target's own client, the fix makes the target match.
        let Some(applied) = apply_with_client(&dst_url, &fix, true) else {
            return;
        };
        assert!(applied.status.success(), "{what}: {applied:?}\n{sql}");
        let (code, out, err) = warroom(&["recon", rb, "--job", "items"]);
        assert_eq!(code, 0, "{what} after the fix: {out}{err}\n{sql}");
        assert_eq!(
            dump_items(dst, &table).await,
            dump_items(&src, "items").await,
            "{what}"
        );
    }
}

/// `warroom recon ... | head -1`: a reader that goes away ends the recon quietly.
#[tokio::test]
async fn a_closed_output_pipe_ends_the_recon_quietly() {
    let Some(my) = servers::mysql() else { return };
    let (src, src_url, _) = mysql_db(&my, "psrc").await;
    let (dst, dst_url, _) = mysql_db(&my, "pdst").await;
    let ddl =
        "CREATE TABLE accounts (id INT PRIMARY KEY, region VARCHAR(10), balance DECIMAL(12,2))";
    execute(&src, ddl).await.unwrap();
    execute(&dst, ddl).await.unwrap();
    // Every row missing in the target: far more output than a pipe holds.
    execute(
        &src,
        "INSERT INTO accounts SELECT seq, 'eu', seq FROM seq_1_to_20000",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recon.toml");
    std::fs::write(
        &file,
        runbook(&src_url, &dst_url).replace("chunk_rows = 10", "chunk_rows = 5000"),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_warroom"));
    command.args(["recon", file.to_str().unwrap(), "--job", "accounts"]);
    let (first, stderr, status) = support::pipe::first_line_then_close(command);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(141), "{first}{stderr}");
}
