//! SQL checks of steps: `check = { sql = "...", connection = "...", expect = ... }` compares
//! the first row with a condition (equal text, at least, at most, between, a pass rate);
//! `check = { compare = {...} }` compares a value from one connection with one from
//! another within a tolerance. A [`CheckPoller`] runs either again and again and adds
//! `ready` (the job reports finished) and `holds_for` (so many runs in a row).

use std::time::Duration;

use crate::db::rows::fetch_text;
use crate::db::{DbPool, SecretUrl};
use crate::runbook::{Check, CheckWhen, CompareCheck, Condition, Runbook, SqlCheck, Tolerance};

/// The outcome of one run of a SQL check: whether it holds, and what to tell people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub holds: bool,
    pub detail: String,
}

impl CheckOutcome {
    pub(crate) fn fail(detail: String) -> Self {
        CheckOutcome {
            holds: false,
            detail,
        }
    }
}

/// A row as text cells (`None` = NULL).
pub type Row = Vec<Option<String>>;

/// Runs the check once. Never errors: a failure to connect or query is an outcome that
/// does not hold, with the reason.
pub async fn run_sql_check(
    runbook: &Runbook,
    connection: &str,
    query: &str,
    expect: Option<&str>,
) -> CheckOutcome {
    match first_row(runbook, connection, query).await {
        Ok(row) => judge(row.map(|r| r.into_iter().next().flatten()), expect),
        Err(e) => CheckOutcome::fail(e),
    }
}

/// The first row of `query` on `connection` (`None`: no row), or why it could not be read.
pub async fn first_row(
    runbook: &Runbook,
    connection: &str,
    query: &str,
) -> Result<Option<Row>, String> {
    let Some(conn) = runbook.connection(connection) else {
        return Err(format!("no connection `{connection}` in the runbook"));
    };
    let url = SecretUrl::from_env(connection, &conn.url_template).map_err(|e| e.to_string())?;
    let pool = DbPool::connect(&url, 1, Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    let rows = fetch_text(&pool, query).await;
    pool.close().await;
    let rows = rows.map_err(|e| format!("the check query failed on `{connection}`: {e}"))?;
    Ok(rows.into_iter().next())
}

/// Compares the first cell with `expect` (trimmed text; `NULL` matches a NULL cell).
// No row and a NULL cell are different answers; `judge` owns the cell it reads.
#[allow(clippy::option_option, clippy::needless_pass_by_value)]
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

/// Judges a row (`None`: no row) by a condition, or by success alone when there is none.
pub fn judge_row(row: Option<&[Option<String>]>, expect: Option<&Condition>) -> CheckOutcome {
    let first = row.map(|r| r.first().cloned().flatten());
    let cond = match expect {
        None => return judge(first, None),
        Some(Condition::Equals(want)) => return judge(first, Some(want)),
        Some(c) => c,
    };
    let Some(row) = row else {
        return CheckOutcome::fail(format!("no row, expected {}", describe(cond)));
    };
    if let Condition::PassRateAtLeast(min) = cond {
        return pass_rate(row, *min);
    }
    let got = match first.flatten() {
        None => return CheckOutcome::fail(format!("got NULL, expected {}", describe(cond))),
        Some(text) => text.trim().to_string(),
    };
    let Some(value) = number(&got) else {
        return CheckOutcome::fail(format!(
            "got `{got}`, not a number (expected {})",
            describe(cond)
        ));
    };
    let holds = match cond {
        Condition::AtLeast(min) => value >= *min,
        Condition::AtMost(max) => value <= *max,
        Condition::Between(lo, hi) => (*lo..=*hi).contains(&value),
        Condition::Equals(_) | Condition::PassRateAtLeast(_) => false,
    };
    CheckOutcome {
        holds,
        detail: if holds {
            format!("got {got} ({})", describe(cond))
        } else {
            format!("got {got}, expected {}", describe(cond))
        },
    }
}

/// (passed, total) in two cells, or in one as "passed/total" or "passed total".
fn pass_rate(row: &[Option<String>], min: f64) -> CheckOutcome {
    let cells: Vec<String> = match row {
        [Some(one)] => one
            .split(|c: char| c == '/' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        _ => row
            .iter()
            .take(2)
            .map(|c| c.as_deref().unwrap_or("NULL").trim().to_string())
            .collect(),
    };
    let (passed, total) = match cells.as_slice() {
        [p, t, ..] => match (number(p), number(t)) {
            (Some(pn), Some(tn)) => ((p, pn), (t, tn)),
            _ => {
                return CheckOutcome::fail(format!(
                    "got `{p}` and `{t}`: a pass rate needs two numbers, passed and total"
                ))
            }
        },
        _ => {
            return CheckOutcome::fail(
                "a pass rate needs two numbers, passed and total: return them as two columns"
                    .to_string(),
            )
        }
    };
    if total.1 <= 0.0 {
        return CheckOutcome::fail(format!(
            "{} of {} passed: no total to take a rate of",
            passed.0, total.0
        ));
    }
    let rate = 100.0 * passed.1 / total.1;
    let holds = rate >= min;
    CheckOutcome {
        holds,
        detail: format!(
            "{} of {} passed ({}%), {}at least {}%",
            passed.0,
            total.0,
            show(rate),
            if holds { "" } else { "expected " },
            show(min)
        ),
    }
}

/// "at least 99.5", "between 1 and 10"...
pub fn describe(cond: &Condition) -> String {
    match cond {
        Condition::Equals(v) => format!("equal to {}", v.trim()),
        Condition::AtLeast(v) => format!("at least {}", show(*v)),
        Condition::AtMost(v) => format!("at most {}", show(*v)),
        Condition::Between(lo, hi) => format!("between {} and {}", show(*lo), show(*hi)),
        Condition::PassRateAtLeast(v) => format!("a pass rate of at least {}%", show(*v)),
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A number without noise: 2, 0.25, 99.95 (at most 4 decimals).
fn show(v: f64) -> String {
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// One run of a compare check: the first cell of each side, within the tolerance.
pub async fn run_compare(runbook: &Runbook, c: &CompareCheck) -> CheckOutcome {
    let (source, target) = tokio::join!(
        side(runbook, &c.source.connection, &c.source.sql),
        side(runbook, &c.target.connection, &c.target.sql)
    );
    let (source, target) = match (source, target) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) => return CheckOutcome::fail(format!("source: {e}")),
        (_, Err(e)) => return CheckOutcome::fail(format!("target: {e}")),
    };
    compare_values(&source, &target, c.tolerance)
}

async fn side(runbook: &Runbook, connection: &str, sql: &str) -> Result<String, String> {
    let row = first_row(runbook, connection, sql).await?;
    match row.and_then(|r| r.into_iter().next()) {
        None => Err(format!("no row from `{connection}`")),
        Some(None) => Ok("NULL".to_string()),
        Some(Some(v)) => Ok(v.trim().to_string()),
    }
}

/// Compares two cells as numbers (exactly when both are integers) within `tolerance`; two
/// cells that are not numbers must be equal text.
pub fn compare_values(source: &str, target: &str, tolerance: Tolerance) -> CheckOutcome {
    let allowed = match tolerance {
        Tolerance::Absolute(t) => show(t),
        Tolerance::Percent(p) => format!("{}%", show(p)),
    };
    let (Some(s), Some(t)) = (number(source), number(target)) else {
        let holds = source == target;
        return CheckOutcome {
            holds,
            detail: if holds {
                format!("source {source}, target {target}: equal")
            } else {
                format!("source {source}, target {target}: differ, and are not numbers to compare within {allowed}")
            },
        };
    };
    // Integers (counts, sums of minor units) are compared exactly, beyond f64's 2^53.
    let diff = match (source.parse::<i128>(), target.parse::<i128>()) {
        (Ok(a), Ok(b)) => (a - b).unsigned_abs() as f64,
        _ => (s - t).abs(),
    };
    let exact_ints = matches!(
        (source.parse::<i128>(), target.parse::<i128>()),
        (Ok(a), Ok(b)) if a == b
    );
    let holds = exact_ints
        || match tolerance {
            Tolerance::Absolute(limit) => diff <= limit,
            Tolerance::Percent(p) => diff * 100.0 <= p * s.abs(),
        };
    let gap = if diff == 0.0 || exact_ints {
        "equal".to_string()
    } else if s != 0.0 {
        format!(
            "differ by {} ({}%)",
            show(diff),
            show(100.0 * diff / s.abs())
        )
    } else {
        format!("differ by {}", show(diff))
    };
    CheckOutcome {
        holds,
        detail: if holds || gap == "equal" {
            format!("source {source}, target {target}: {gap} (tolerance {allowed})")
        } else {
            format!("source {source}, target {target}: {gap}, more than the tolerance {allowed}")
        },
    }
}

/// True for the answers a `ready` query gives when the job is finished.
pub fn is_true(cell: Option<&str>) -> bool {
    matches!(
        cell.map(|c| c.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "t" | "true" | "yes" | "y" | "on")
    )
}

/// Runs a SQL or compare check again and again (the caller waits between runs): it holds
/// only after its `ready` query says the job finished, and `holds_for` runs in a row held.
#[derive(Debug, Clone)]
pub struct CheckPoller {
    check: Check,
    in_a_row: u32,
}

impl CheckPoller {
    pub fn new(check: Check) -> Self {
        CheckPoller { check, in_a_row: 0 }
    }

    /// One run. A probe check never holds here: its evidence is the probe's own.
    pub async fn poll(&mut self, runbook: &Runbook) -> CheckOutcome {
        let (when, outcome) = match &self.check {
            Check::Probe(p) => {
                return CheckOutcome::fail(format!("a probe check follows probe:{p}"));
            }
            Check::Preflight => {
                return CheckOutcome::fail("a preflight check reports preflight evidence".into());
            }
            Check::Sql(c) => (
                &c.when,
                self.ready_then(runbook, &c.when, Run::Sql(c)).await,
            ),
            Check::Compare(c) => (
                &c.when,
                self.ready_then(runbook, &c.when, Run::Compare(c)).await,
            ),
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(waiting) => {
                self.in_a_row = 0;
                waiting
            }
        };
        let holds_for = when.holds_for.max(1);
        let mut outcome = if outcome.holds {
            self.in_a_row = self.in_a_row.saturating_add(1);
            if self.in_a_row < holds_for {
                CheckOutcome::fail(format!(
                    "held {} of {holds_for} runs in a row: {}",
                    self.in_a_row, outcome.detail
                ))
            } else if holds_for > 1 {
                CheckOutcome {
                    holds: true,
                    detail: format!("held {holds_for} runs in a row: {}", outcome.detail),
                }
            } else {
                outcome
            }
        } else {
            self.in_a_row = 0;
            outcome
        };
        if let Some(report) = &when.report {
            outcome.detail = format!("{}; report: {report}", outcome.detail);
        }
        outcome
    }

    /// `Err`: not ready yet (the job has not reported finished), with what it said.
    async fn ready_then(
        &self,
        runbook: &Runbook,
        when: &CheckWhen,
        run: Run<'_>,
    ) -> Result<CheckOutcome, CheckOutcome> {
        if let Some(ready) = &when.ready {
            match first_row(runbook, &ready.connection, &ready.sql).await {
                Err(e) => return Err(CheckOutcome::fail(format!("`ready`: {e}"))),
                Ok(row) => {
                    let cell = row.as_ref().and_then(|r| r.first().cloned().flatten());
                    if !is_true(cell.as_deref()) {
                        let said = cell.unwrap_or_else(|| {
                            if row.is_some() { "NULL" } else { "no row" }.to_string()
                        });
                        return Err(CheckOutcome::fail(format!(
                            "not judged yet: the job has not reported finished (`ready` returned {said})"
                        )));
                    }
                }
            }
        }
        Ok(match run {
            Run::Sql(c) => sql_once(runbook, c).await,
            Run::Compare(c) => run_compare(runbook, c).await,
        })
    }
}

enum Run<'c> {
    Sql(&'c SqlCheck),
    Compare(&'c CompareCheck),
}

async fn sql_once(runbook: &Runbook, c: &SqlCheck) -> CheckOutcome {
    match first_row(runbook, &c.connection, &c.query).await {
        Ok(row) => judge_row(row.as_deref(), c.expect.as_ref()),
        Err(e) => CheckOutcome::fail(e),
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

#[cfg(test)]
mod condition_tests {
    use super::{compare_values, is_true, judge_row};
    use crate::runbook::{Condition, Tolerance};

    fn row(cells: &[&str]) -> Vec<Option<String>> {
        cells.iter().map(|c| Some(c.to_string())).collect()
    }

    #[test]
    fn numeric_conditions_read_the_first_cell_as_a_number() {
        let at_least = Condition::AtLeast(99.5);
        assert!(judge_row(Some(&row(&["99.7"])), Some(&at_least)).holds);
        let low = judge_row(Some(&row(&["98"])), Some(&at_least));
        assert_eq!(
            (low.holds, low.detail.as_str()),
            (false, "got 98, expected at least 99.5")
        );
        assert!(judge_row(Some(&row(&["0"])), Some(&Condition::AtMost(0.0))).holds);
        assert!(!judge_row(Some(&row(&["1"])), Some(&Condition::AtMost(0.0))).holds);
        let between = Condition::Between(1.0, 10.0);
        assert!(judge_row(Some(&row(&["10"])), Some(&between)).holds);
        assert!(!judge_row(Some(&row(&["10.5"])), Some(&between)).holds);
        let text = judge_row(Some(&row(&["abc"])), Some(&at_least));
        assert_eq!(
            text.detail,
            "got `abc`, not a number (expected at least 99.5)"
        );
        assert!(!judge_row(Some(&[None]), Some(&at_least)).holds);
        assert!(!judge_row(None, Some(&at_least)).holds);
        let eq = Condition::Equals("done".into());
        assert!(judge_row(Some(&row(&[" done "])), Some(&eq)).holds);
        assert!(!judge_row(Some(&row(&["running"])), Some(&eq)).holds);
    }

    #[test]
    fn a_pass_rate_is_passed_over_total_in_percent() {
        let rate = Condition::PassRateAtLeast(99.9);
        let ok = judge_row(Some(&row(&["9995", "10000"])), Some(&rate));
        assert_eq!(
            (ok.holds, ok.detail.as_str()),
            (true, "9995 of 10000 passed (99.95%), at least 99.9%")
        );
        let bad = judge_row(Some(&row(&["9980", "10000"])), Some(&rate));
        assert_eq!(
            (bad.holds, bad.detail.as_str()),
            (
                false,
                "9980 of 10000 passed (99.8%), expected at least 99.9%"
            )
        );
        assert!(
            judge_row(
                Some(&row(&["999/1000"])),
                Some(&Condition::PassRateAtLeast(99.9))
            )
            .holds
        );
        assert!(!judge_row(Some(&row(&["0", "0"])), Some(&rate)).holds);
        assert!(!judge_row(Some(&row(&["9995"])), Some(&rate)).holds);
    }

    #[test]
    fn compare_within_an_absolute_or_relative_tolerance() {
        let exact = compare_values("1000", "1000", Tolerance::Absolute(0.0));
        assert_eq!(
            (exact.holds, exact.detail.as_str()),
            (true, "source 1000, target 1000: equal (tolerance 0)")
        );
        let off = compare_values("1000", "998", Tolerance::Absolute(0.0));
        assert_eq!(
            (off.holds, off.detail.as_str()),
            (
                false,
                "source 1000, target 998: differ by 2 (0.2%), more than the tolerance 0"
            )
        );
        assert!(compare_values("1000", "998", Tolerance::Absolute(2.0)).holds);
        assert!(compare_values("1000", "999", Tolerance::Percent(0.1)).holds);
        assert!(!compare_values("1000", "998", Tolerance::Percent(0.1)).holds);
        // Beyond 2^53 an f64 cannot tell these apart; the integers are compared exactly.
        assert!(
            !compare_values(
                "9007199254740993",
                "9007199254740992",
                Tolerance::Absolute(0.0)
            )
            .holds
        );
        assert!(compare_values("x", "x", Tolerance::Absolute(0.0)).holds);
        assert!(!compare_values("x", "y", Tolerance::Absolute(0.0)).holds);
    }

    #[test]
    fn ready_answers() {
        for yes in ["1", "t", "true", "TRUE", "yes"] {
            assert!(is_true(Some(yes)), "{yes}");
        }
        for no in ["0", "f", "false", "running", ""] {
            assert!(!is_true(Some(no)), "{no}");
        }
        assert!(!is_true(None));
    }
}
