//! `shell = "..."`: a command run with `sh -c` when the console was started with
//! `--allow-shell`. Its exit status is the evidence; the tail of its output is the detail.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::check::CheckOutcome;

/// How long a step's command may run before it is killed and reported as failed.
pub const SHELL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How much of the output is kept in the evidence detail.
const TAIL: usize = 300;

/// Runs `command` to its end (or `timeout`) and reports its outcome.
pub async fn run_shell(command: &str, timeout: Duration) -> CheckOutcome {
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
            return CheckOutcome {
                holds: false,
                detail: format!("could not start `sh -c`: {e}"),
            }
        }
    };
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let collect = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out).await;
        }
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut err).await;
        }
        out.extend_from_slice(&err);
        out
    };
    let finished = tokio::time::timeout(timeout, async {
        let output = collect.await;
        (child.wait().await, output)
    })
    .await;
    match finished {
        Err(_) => CheckOutcome {
            holds: false,
            detail: format!("killed after {} s", timeout.as_secs()),
        },
        Ok((Err(e), _)) => CheckOutcome {
            holds: false,
            detail: format!("the command could not be waited for: {e}"),
        },
        Ok((Ok(status), output)) => {
            let text = String::from_utf8_lossy(&output);
            let tail = tail(text.trim());
            let holds = status.success();
            let status = match status.code() {
                Some(code) => format!("exit {code}"),
                None => "killed by a signal".to_string(),
            };
            CheckOutcome {
                holds,
                detail: if tail.is_empty() {
                    status
                } else {
                    format!("{status}: {tail}")
                },
            }
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
}
