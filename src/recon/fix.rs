//! Fix SQL: statements in the target's dialect that make its rows match the source's.
//! Source values are fitted to the target's column types first (as the copy does), so a
//! value the target cannot hold is an error naming the key and column, not a bad statement.

use crate::db::sql::{push_literal, quote_ident};
use crate::db::types::fit;
use crate::db::value::Value;
use crate::db::Dialect;
use crate::drill::telemetry::recon::MismatchKind;

use super::diff::Finding;
use super::side::Side;

/// One statement per finding: deletes first, then updates, then inserts (so that a row
/// the target holds under a key its collation calls equal is gone before the insert).
pub fn fix_sql(src: &Side, tgt: &Side, findings: &[Finding]) -> Result<Vec<String>, String> {
    let d = tgt.pool.dialect();
    let table = tgt.table.quoted(d);
    let fitted = |row: &[Value], i: usize| -> Result<String, String> {
        let v = fit(row[i].clone(), &tgt.cols[i], d).map_err(|why| {
            format!(
                "{}: column `{}`: {why}",
                src.key_idx
                    .iter()
                    .map(|&k| format!("{}={}", src.cols[k].name, row[k].display()))
                    .collect::<Vec<_>>()
                    .join(", "),
                tgt.cols[i].name
            )
        })?;
        let mut s = String::new();
        push_literal(&mut s, tgt.style, &v);
        Ok(s)
    };
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let key = f.key(src, tgt);
        let stmt = match (f.mismatch.kind, &f.source) {
            (MismatchKind::MissingInTarget, Some(row)) => {
                let cols: Vec<String> = tgt.cols.iter().map(|c| quote_ident(d, &c.name)).collect();
                let vals = (0..row.len())
                    .map(|i| fitted(row, i))
                    .collect::<Result<Vec<_>, _>>()?;
                format!(
                    "INSERT INTO {table} ({}) VALUES ({});",
                    cols.join(", "),
                    vals.join(", ")
                )
            }
            (MismatchKind::ExtraInTarget, _) => {
                format!("DELETE FROM {table} WHERE {};", tgt.key_eq(&key))
            }
            (MismatchKind::Changed, Some(row)) => {
                let sets = f
                    .mismatch
                    .columns
                    .iter()
                    .filter_map(|c| src.cols.iter().position(|s| s.name == c.column))
                    .map(|i| {
                        Ok(format!(
                            "{} = {}",
                            quote_ident(d, &tgt.cols[i].name),
                            fitted(row, i)?
                        ))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                format!(
                    "UPDATE {table} SET {} WHERE {};",
                    sets.join(", "),
                    tgt.key_eq(&key)
                )
            }
            _ => continue,
        };
        let rank = match f.mismatch.kind {
            MismatchKind::ExtraInTarget => 0,
            MismatchKind::Changed => 1,
            MismatchKind::MissingInTarget => 2,
        };
        out.push((rank, stmt));
    }
    out.sort_by_key(|(rank, _)| *rank);
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// The fix statements as a file for the target's own client (`psql`, `mariadb`,
/// `sqlite3`): the session set up the way the statements were written for (UTF-8, UTC for
/// MariaDB's TIMESTAMP literals, the backslash rule of its string literals), then all of
/// them in one transaction, so that a statement that fails leaves nothing applied.
pub fn fix_script(job: &str, tgt: &Side, statements: &[String]) -> String {
    let (apply, setup, begin): (&str, Vec<&str>, &str) = match tgt.pool.dialect() {
        Dialect::Postgres => (
            // A failed statement aborts the transaction; its COMMIT then rolls back.
            "psql -v ON_ERROR_STOP=1 -f FILE URL",
            vec![
                "SET client_encoding = 'UTF8';",
                "SET standard_conforming_strings = on;",
            ],
            "BEGIN;",
        ),
        Dialect::MySql => (
            // The client stops at the first error and the open transaction is rolled back
            // as it disconnects; `--force` would go on and commit the rest.
            "mariadb DATABASE < FILE (never with --force)",
            vec![
                "SET NAMES utf8mb4;",
                "SET time_zone = '+00:00';",
                if tgt.style.backslash_escapes {
                    "SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '');"
                } else {
                    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');"
                },
            ],
            "START TRANSACTION;",
        ),
        Dialect::Sqlite => ("sqlite3 -bail DB < FILE", Vec::new(), "BEGIN;"),
    };
    let mut text = format!(
        "-- warroom recon `{job}`: {} statement(s) that make the target match the source, \
         in one transaction.\n-- Apply with: {apply}\n",
        statements.len()
    );
    for line in setup.iter().chain([&begin]) {
        text.push_str(line);
        text.push('\n');
    }
    for s in statements {
        text.push_str(s);
        text.push('\n');
    }
    text.push_str("COMMIT;\n");
    text
}

/// Runs the fix statements on the target in one transaction: all of them or none.
pub async fn apply(target: &crate::db::DbPool, statements: &[String]) -> Result<(), sqlx::Error> {
    use crate::db::DbPool;
    use sqlx::Executor;
    macro_rules! in_tx {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await?;
            for s in statements {
                tx.as_mut().execute(s.as_str()).await?;
            }
            tx.commit().await
        }};
    }
    match target {
        DbPool::MySql(p) => in_tx!(p),
        DbPool::Postgres(p) => in_tx!(p),
        DbPool::Sqlite(p) => in_tx!(p),
    }
}
