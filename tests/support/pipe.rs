//! A reader that goes away: run a command with its output into a pipe, read one line and
//! close the pipe, the way `| head -1` does.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};

/// Runs `command`, reads its first line of output and closes the pipe; returns that line,
/// what it wrote to standard error, and how it ended.
pub fn first_line_then_close(mut command: Command) -> (String, String, ExitStatus) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .unwrap_or_else(|e| panic!("first line: {e}"));
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap_or_else(|| panic!("no stderr"))
        .read_to_string(&mut stderr)
        .unwrap_or_else(|e| panic!("stderr: {e}"));
    let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    (first, stderr, status)
}
