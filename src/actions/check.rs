//! `check = { sql = "...", connection = "...", expect = "0" }`: the first column of the
//! first row must equal `expect` (as text), or, with no `expect`, the query must succeed.

use std::time::Duration;

use crate::db::rows::fetch_text;
use crate::db::{DbPool, SecretUrl};
use crate::runbook::Runbook;

/// The outcome of one run of a SQL check: whether it holds, and what to tell people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub holds: bool,
    pub detail: String,
}

/// Runs the check once. Never errors: a failure to connect or query is an outcome that
/// does not hold, with the reason.
pub async fn run_sql_check(
    runbook: &Runbook,
    connection: &str,
    query: &str,
    expect: Option<&str>,
) -> CheckOutcome {
    let fail = |detail: String| CheckOutcome {
        holds: false,
        detail,
    };
    let Some(conn) = runbook.connection(connection) else {
        return fail(format!("no connection `{connection}` in the runbook"));
    };
    let url = match SecretUrl::from_env(connection, &conn.url_template) {
        Ok(url) => url,
        Err(e) => return fail(e.to_string()),
    };
    let pool = match DbPool::connect(&url, 1, Duration::from_secs(10)).await {
        Ok(pool) => pool,
        Err(e) => return fail(e.to_string()),
    };
    let rows = fetch_text(&pool, query).await;
    pool.close().await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return fail(format!("the check query failed on `{connection}`: {e}")),
    };
    judge(rows.first().and_then(|r| r.first()).cloned(), expect)
}

/// Compares the first cell with `expect` (trimmed text; `NULL` matches a NULL cell).
fn judge(first: Option<Option<String>>, expect: Option<&str>) -> CheckOutcome {
    let got = match &first {
        None => "no row".to_string(),
        Some(None) => "NULL".to_string(),
        Some(Some(v)) => v.trim().to_string(),
    };
    match expect {
        None => CheckOutcome {
            holds: true,
            detail: format!("query ran: {got}"),
        },
        Some(want) => {
            let holds = got == want.trim() && first.is_some();
            CheckOutcome {
                holds,
                detail: if holds {
                    format!("got {got} as expected")
                } else {
                    format!("got {got}, expected {}", want.trim())
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::judge;

    #[test]
    fn compares_the_first_cell_as_trimmed_text() {
        assert!(judge(Some(Some("0".into())), Some("0")).holds);
        assert!(judge(Some(Some(" 0 ".into())), Some("0")).holds);
        let wrong = judge(Some(Some("12".into())), Some("0"));
        assert_eq!(
            (wrong.holds, wrong.detail.as_str()),
            (false, "got 12, expected 0")
        );
        assert!(!judge(None, Some("0")).holds);
        assert!(judge(Some(None), Some("NULL")).holds);
        assert!(judge(None, None).holds);
    }
}
