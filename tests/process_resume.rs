#![allow(clippy::unwrap_used)]
//! The real binary in line mode: issue commands, kill -9 it, resume from the journal, and
//! see the same state and events.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const RUNBOOK: &str = "tests/fixtures/small-drill.toml";

struct Console {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Console {
    fn start(args: &[&str], log: &Path) -> Console {
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args([
                "--log-file",
                log.to_str().unwrap(),
                "run",
                RUNBOOK,
                "--line",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start warroom");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Console {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends one line and reads answer lines until one starts with `until`.
    fn ask(&mut self, line: &str, answers: usize) -> Vec<String> {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        (0..answers)
            .map(|_| {
                let mut s = String::new();
                self.stdout.read_line(&mut s).unwrap();
                s.trim_end().to_string()
            })
            .collect()
    }
}

fn strip_time(line: &str) -> String {
    // "02:14:05Z #3 dan: started `x`" -> "#3 dan: started `x`"
    line.split_once(' ')
        .map_or(line, |(_, rest)| rest)
        .to_string()
}

#[test]
fn kill_9_then_resume_gives_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.db");
    let log = dir.path().join("warroom.log");
    let mut first = Console::start(&["--journal", journal.to_str().unwrap()], &log);

    assert_eq!(first.ask("as dan", 1), ["acting as dan"]);
    let started = first.ask("start pre-checks", 2);
    assert!(
        started[0].ends_with("dan: started the drill"),
        "{started:?}"
    );
    assert!(
        started[1].ends_with("dan: started `pre-checks`"),
        "{started:?}"
    );
    assert!(first.ask("done pre-checks", 1)[0].ends_with("marked `pre-checks` done"));
    // The DRI may not sign off their own step: refused, nothing journaled.
    let refused = first.ask("signoff pre-checks", 1);
    assert!(refused[0].starts_with("error: refused"), "{refused:?}");
    first.ask("as rita", 1);
    assert!(first.ask("signoff pre-checks", 1)[0].ends_with("rita: signed off `pre-checks`"));
    first.ask("as dan", 1);
    first.ask("start schema", 1);
    first.ask("note schema applying 42 tables", 1);
    // Seven events: the run's number (journaled when the journal is created), then six.
    let before: Vec<String> = first.ask("events", 7);
    assert!(
        before[0].ends_with("system: this is run #1 of the runbook"),
        "{before:?}"
    );
    let status_before = first.ask("status", 4);

    // kill -9: no chance to flush anything that was not already on disk.
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let mut second = Console::start(&["--resume", journal.to_str().unwrap()], &log);
    let after = second.ask("events", 7);
    assert_eq!(
        before.iter().map(|l| strip_time(l)).collect::<Vec<_>>(),
        after.iter().map(|l| strip_time(l)).collect::<Vec<_>>()
    );
    assert_eq!(second.ask("status", 4), status_before);
    assert!(status_before[1].contains("running"), "{status_before:?}");
    // The resumed drill goes on where it stopped.
    second.ask("as dan", 1);
    let done = second.ask("done schema", 1);
    assert!(
        done[0].starts_with("ok ") && done[0].contains(" #8 dan: marked `schema` done"),
        "{done:?}"
    );
    second.ask("quit", 0);
    assert!(second.child.wait().unwrap().success());
}

#[test]
fn resume_with_a_different_runbook_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.db");
    let log = dir.path().join("warroom.log");
    let mut first = Console::start(&["--journal", journal.to_str().unwrap()], &log);
    first.ask("start pre-checks", 2);
    first.ask("quit", 0);
    first.child.wait().unwrap();

    let changed = dir.path().join("changed.toml");
    let text = std::fs::read_to_string(RUNBOOK)
        .unwrap()
        .replace("\"2m\"", "\"3m\"");
    std::fs::write(&changed, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--log-file", log.to_str().unwrap(), "run"])
        .arg(&changed)
        .args(["--line", "--resume", journal.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("different version of runbook `small drill`")
            && err.contains("start a new drill"),
        "{err}"
    );
}
