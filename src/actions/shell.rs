//! `shell = "..."`: a command run with `sh -c` when the console was started with
//! `--allow-shell`. Its exit status is the evidence; the tail of its output is the detail.
//! With `result = { json = "/pointer" }` or `{ last_line = true }` a value is read from its
//! standard output into the detail and, with an `expect`, must meet it as a check's would.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::check::{judge_row, CheckOutcome};
use crate::runbook::{ResultSource, ShellAction, ShellResult};

/// How long a step's command may run before it is killed and reported as failed.
pub const SHELL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How much of the output is kept in the evidence detail.
const TAIL: usize = 300;

/// Runs `command` to its end (or `timeout`) and reports its outcome.
pub async fn run_shell(command: &str, timeout: Duration) -> CheckOutcome {
    match run(command, timeout).await {
        Err(outcome) => outcome,
        Ok(done) => CheckOutcome {
            holds: done.success,
            detail: done.with_tail(),
        },
    }
}

/// Runs a step's shell action: its exit status, and with a `result` the value read from
/// its standard output (compared when the result has an `expect`), and its `report`.
pub async fn run_shell_action(action: &ShellAction, timeout: Duration) -> CheckOutcome {
    let mut outcome = match run(&action.command, timeout).await {
        Err(outcome) => outcome,
        Ok(done) if !done.success => CheckOutcome {
            holds: false,
            detail: done.with_tail(),
        },
        Ok(done) => match &action.result {
            None => CheckOutcome {
                holds: true,
                detail: done.with_tail(),
            },
            Some(result) => judge_result(&done, result),
        },
    };
    if let Some(report) = &action.report {
        outcome.detail = format!("{}; report: {report}", outcome.detail);
    }
    outcome
}

fn judge_result(done: &Finished, result: &ShellResult) -> CheckOutcome {
    let stdout = done.stdout.trim();
    let (name, row) = match &result.from {
        ResultSource::LastLine => {
            let line = stdout.lines().map(str::trim).rfind(|l| !l.is_empty());
            match line {
                Some(l) => ("last line".to_string(), vec![Some(l.to_string())]),
                None => {
                    return CheckOutcome::fail(format!(
                        "{}, but it printed nothing to read a result from",
                        done.status
                    ))
                }
            }
        }
        ResultSource::Json(pointer) => {
            let doc: serde_json::Value = match serde_json::from_str(stdout) {
                Ok(doc) => doc,
                Err(e) => {
                    return CheckOutcome::fail(format!(
                        "{}, but its output is not JSON ({e}): {}",
                        done.status,
                        tail(stdout)
                    ))
                }
            };
            match doc.pointer(pointer) {
                Some(value) => (pointer.clone(), json_row(value)),
                None => {
                    return CheckOutcome::fail(format!(
                        "{}, but its JSON has nothing at `{pointer}`: {}",
                        done.status,
                        tail(stdout)
                    ))
                }
            }
        }
    };
    match &result.expect {
        None => CheckOutcome {
            holds: true,
            detail: format!("{}: {name} = {}", done.status, show_row(&row)),
        },
        Some(cond) => {
            let judged = judge_row(Some(&row), Some(cond));
            CheckOutcome {
                holds: judged.holds,
                detail: format!("{}: {name}: {}", done.status, judged.detail),
            }
        }
    }
}

/// A JSON value as cells: an array gives one cell per element (so `[passed, total]` is a
/// pass rate), anything else one cell.
fn json_row(value: &serde_json::Value) -> Vec<Option<String>> {
    fn cell(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
    match value {
        serde_json::Value::Array(items) => items.iter().map(cell).collect(),
        other => vec![cell(other)],
    }
}

fn show_row(row: &[Option<String>]) -> String {
    row.iter()
        .map(|c| c.as_deref().unwrap_or("null"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A command that ran to its end.
struct Finished {
    success: bool,
    /// "exit 0", "killed by a signal".
    status: String,
    stdout: String,
    /// Standard output, then standard error.
    output: String,
}

impl Finished {
    fn with_tail(&self) -> String {
        let tail = tail(self.output.trim());
        if tail.is_empty() {
            self.status.clone()
        } else {
            format!("{}: {tail}", self.status)
        }
    }
}

/// Runs `command` with `sh -c`; `Err` is the outcome when it could not run to its end.
async fn run(command: &str, timeout: Duration) -> Result<Finished, CheckOutcome> {
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Err(CheckOutcome {
                holds: false,
                detail: format!("could not start `sh -c`: {e}"),
            })
        }
    };
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let collect = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let read_out = async {
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut out).await;
            }
        };
        let read_err = async {
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut err).await;
            }
        };
        tokio::join!(read_out, read_err);
        (out, err)
    };
    let finished = tokio::time::timeout(timeout, async {
        let output = collect.await;
        (child.wait().await, output)
    })
    .await;
    match finished {
        Err(_) => Err(CheckOutcome {
            holds: false,
            detail: format!("killed after {} s", timeout.as_secs()),
        }),
        Ok((Err(e), _)) => Err(CheckOutcome {
            holds: false,
            detail: format!("the command could not be waited for: {e}"),
        }),
        Ok((Ok(status), (out, err))) => {
            let stdout = String::from_utf8_lossy(&out).into_owned();
            let mut output = stdout.clone();
            output.push_str(&String::from_utf8_lossy(&err));
            Ok(Finished {
                success: status.success(),
                status: match status.code() {
                    Some(code) => format!("exit {code}"),
                    None => "killed by a signal".to_string(),
                },
                stdout,
                output,
            })
        }
    }
}

/// The last `TAIL` characters on one line.
fn tail(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = one_line.chars().collect();
    match chars.len().checked_sub(TAIL) {
        Some(skip) if skip > 0 => format!("…{}", chars[skip..].iter().collect::<String>()),
        _ => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::Condition;

    #[tokio::test]
    async fn exit_status_is_the_evidence_and_output_the_detail() {
        let ok = run_shell("echo copied 20000 rows", Duration::from_secs(10)).await;
        assert!(ok.holds);
        assert_eq!(ok.detail, "exit 0: copied 20000 rows");
        let bad = run_shell("echo nope >&2; exit 3", Duration::from_secs(10)).await;
        assert!(!bad.holds);
        assert_eq!(bad.detail, "exit 3: nope");
        let slow = run_shell("sleep 5", Duration::from_millis(200)).await;
        assert!(!slow.holds && slow.detail.starts_with("killed after"));
    }

    fn action(command: &str, from: ResultSource, expect: Option<Condition>) -> ShellAction {
        ShellAction {
            command: command.into(),
            result: Some(ShellResult { from, expect }),
            report: Some("/tmp/report.html".into()),
        }
    }

    #[tokio::test]
    async fn a_result_read_from_json_or_the_last_line_is_judged_and_the_report_attached() {
        let t = Duration::from_secs(10);
        let json = r#"echo '{"summary": {"differences": 0, "checked": 120}}'"#;
        let ptr = || ResultSource::Json("/summary/differences".into());
        let ok = run_shell_action(&action(json, ptr(), Some(Condition::AtMost(0.0))), t).await;
        assert_eq!(
            (ok.holds, ok.detail.as_str()),
            (
                true,
                "exit 0: /summary/differences: got 0 (at most 0); report: /tmp/report.html"
            )
        );
        let diff = r#"echo '{"summary": {"differences": 3}}'"#;
        let bad = run_shell_action(&action(diff, ptr(), Some(Condition::AtMost(0.0))), t).await;
        assert!(!bad.holds, "{}", bad.detail);
        assert!(
            bad.detail.contains("got 3, expected at most 0"),
            "{}",
            bad.detail
        );
        let missing = run_shell_action(&action("echo '{}'", ptr(), None), t).await;
        assert!(!missing.holds && missing.detail.contains("nothing at `/summary/differences`"));
        let not_json = run_shell_action(&action("echo done", ptr(), None), t).await;
        assert!(!not_json.holds && not_json.detail.contains("not JSON"));
        let shown = run_shell_action(&action(json, ptr(), None), t).await;
        assert!(shown.holds && shown.detail.starts_with("exit 0: /summary/differences = 0"));
        let rate = "echo replaying; echo 9995 10000";
        let last = run_shell_action(
            &action(
                rate,
                ResultSource::LastLine,
                Some(Condition::PassRateAtLeast(99.9)),
            ),
            t,
        )
        .await;
        assert!(last.holds, "{}", last.detail);
        assert!(
            last.detail.contains("9995 of 10000 passed (99.95%)"),
            "{}",
            last.detail
        );
        // A failing command fails whatever it printed.
        let failed = run_shell_action(
            &action(
                "echo '{\"summary\": {\"differences\": 0}}'; exit 2",
                ptr(),
                Some(Condition::AtMost(0.0)),
            ),
            t,
        )
        .await;
        assert!(!failed.holds && failed.detail.starts_with("exit 2"));
    }
}
