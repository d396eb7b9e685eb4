#![allow(clippy::unwrap_used)]
//! The real binary, killed with messages still undelivered, then resumed: the undelivered
//! go out with the keys they were queued with, the delivered do not go again, and the
//! webhook URLs are nowhere in the journal, the log or the output.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use support::webhook;
use warroom::drill::outbox::{Delivery, Outbox, OutboxRecord};
use warroom::drill::{Drill, EventKind};
use warroom::journal::Journal;

const RUNBOOK: &str = r#"
[runbook]
name = "resume announce"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[people.dana]
name = "Dana"
role = "DBA"

[[phase]]
name = "main"

[[phase.step]]
id = "freeze"
title = "Freeze writes"
dri = "dana"
reviewer = "casey"
planned = "30m"
announce = "Writes are frozen"

[[phase.step]]
id = "copy"
title = "Copy"
dri = "dana"
reviewer = "casey"
planned = "30m"

[announce]
reminders = []
timeout = "500ms"
backoff = "100ms"
max_backoff = "200ms"

[[announce.target]]
name = "room"
url = "${WR_TEST_ROOM_HOOK}"

[[announce.target]]
name = "later"
url = "${WR_TEST_LATER_HOOK}"
format = "json"
"#;

struct Console {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Console {
    fn start(runbook: &Path, args: &[&str], log: &Path, env: &[(&str, &str)]) -> Console {
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["--log-file", log.to_str().unwrap(), "run"])
            .arg(runbook)
            .arg("--line")
            .args(args)
            .envs(env.iter().copied())
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

fn read_outbox(
    rt: &tokio::runtime::Runtime,
    journal: &Path,
    runbook: &warroom::runbook::Runbook,
) -> (Outbox, Vec<OutboxRecord>) {
    let contents = rt.block_on(Journal::read(journal)).unwrap();
    let records = contents
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Outbox { record } => Some(record.clone()),
            _ => None,
        })
        .collect();
    let drill = Drill::replay(std::sync::Arc::new(runbook.clone()), &contents.events);
    (drill.state().outbox.clone(), records)
}

fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn killed_with_undelivered_announcements_then_resumed_sends_those_and_only_those() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let room = rt.block_on(webhook::recorder());
    let down = webhook::free_port();
    let later_url = format!("http://{down}/hook/s3cr3t-later");
    let dir = tempfile::tempdir().unwrap();
    let runbook_path = dir.path().join("resume.toml");
    std::fs::write(&runbook_path, RUNBOOK).unwrap();
    let runbook = warroom::runbook::parse_str("resume.toml", RUNBOOK)
        .unwrap()
        .runbook;
    let journal = dir.path().join("drill.db");
    let log = dir.path().join("warroom.log");
    let room_url = room.url();
    let env = [
        ("WR_TEST_ROOM_HOOK", room_url.as_str()),
        ("WR_TEST_LATER_HOOK", later_url.as_str()),
    ];

    let mut first = Console::start(
        &runbook_path,
        &["--journal", journal.to_str().unwrap()],
        &log,
        &env,
    );
    first.ask("as dana", 1);
    let started = first.ask("start freeze", 2);
    assert!(
        started[1].ends_with("dana: started `freeze`"),
        "{started:?}"
    );
    let done = first.ask("done freeze", 1);
    assert!(done[0].ends_with("marked `freeze` done"), "{done:?}");

    // `room` has all three delivered (journaled), `later` is down and keeps failing.
    eventually(
        Duration::from_secs(15),
        "room delivered, later failing",
        || {
            let (outbox, _) = read_outbox(&rt, &journal, &runbook);
            outbox.targets.get("room").is_some_and(|h| h.delivered == 3)
                && outbox.targets.get("later").is_some_and(|h| h.streak >= 2)
        },
    );
    // kill -9: the console has no chance to flush anything.
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let (outbox, _) = read_outbox(&rt, &journal, &runbook);
    let undelivered: Vec<String> = outbox
        .pending("later")
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(undelivered.len(), 3, "{outbox:#?}");
    assert!(outbox.pending("room").is_empty());
    let room_before = room.keys();
    assert_eq!(room_before.len(), 3);

    // `later` comes back; the drill is resumed (without a new command).
    let later = rt.block_on(webhook::recorder_on(down));
    let mut second = Console::start(
        &runbook_path,
        &["--resume", journal.to_str().unwrap()],
        &log,
        &env,
    );
    eventually(Duration::from_secs(15), "the undelivered delivered", || {
        let (outbox, _) = read_outbox(&rt, &journal, &runbook);
        outbox.pending("later").is_empty()
    });
    std::thread::sleep(Duration::from_millis(500)); // room would have had time to repeat
    assert_eq!(
        later.keys(),
        undelivered,
        "the undelivered, in order, with their keys, once each"
    );
    for r in later.received() {
        assert_eq!(r.body["id"].as_str(), r.key.as_deref());
    }
    assert_eq!(room.keys(), room_before, "nothing delivered went again");
    let (outbox, records) = read_outbox(&rt, &journal, &runbook);
    assert!(outbox
        .entries
        .values()
        .all(|e| matches!(e.delivery, Delivery::Delivered { .. })));
    let queued: BTreeSet<&str> = records
        .iter()
        .filter(|r| matches!(r, OutboxRecord::Queued { .. }))
        .map(OutboxRecord::id)
        .collect();
    assert_eq!(queued.len(), 6, "nothing queued again on resume");

    // The resumed drill announces what comes next, to both.
    let signed = second.ask("signoff freeze", 1);
    assert!(
        signed[0].ends_with("casey: signed off `freeze`"),
        "{signed:?}"
    );
    eventually(Duration::from_secs(10), "the next message", || {
        room.keys().len() == 4 && later.keys().len() == 4
    });
    second.ask("quit", 0);
    assert!(second.child.wait().unwrap().success());

    // The webhook URLs are nowhere: not in the journal, not in the log.
    let secret_paths = ["s3cr3t-path", "s3cr3t-later"];
    for file in [&journal, &log] {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secret_paths {
            assert!(!text.contains(s), "{} holds a webhook URL", file.display());
        }
    }
}
