#![allow(clippy::unwrap_used)]
//! SQL checks and shell commands of steps run when the step starts and report `action:STEP`
//! evidence: a check that does not hold is re-run until it does; a command runs only with
//! --allow-shell; the step cannot be signed off before its evidence holds.

use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use warroom::cli::session::{open_session, Session};
use warroom::drill::{Actor, Command, CommandKind, CommandSink, EventKind, Target, Update};
use warroom::runbook::Evidence;

fn runbook(dir: &std::path::Path) -> warroom::runbook::Runbook {
    let text = format!(
        r#"
[runbook]
name = "actions"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"

[connections.target]
url = "sqlite://{db}"

[[phase]]
name = "checks"

[[phase.step]]
id = "target-empty"
title = "Target is empty"
dri = "dana"
reviewer = "casey"
planned = "1m"
action = {{ check = {{ sql = "SELECT COUNT(*) FROM orders", connection = "target", expect = "0" }} }}

[[phase.step]]
id = "script"
title = "Run the script"
dri = "dana"
reviewer = "casey"
planned = "1m"
action = {{ shell = "echo ran in $PWD >&2; test -f {marker}" }}
"#,
        db = dir.join("target.db").display(),
        marker = dir.join("marker").display(),
    );
    warroom::runbook::parse_str("actions.toml", &text)
        .unwrap()
        .runbook
}

async fn session(dir: &std::path::Path, allow_shell: bool) -> Session {
    open_session(
        runbook(dir),
        None,
        None,
        Some(&dir.join(format!("j-{allow_shell}.db"))),
        allow_shell,
    )
    .await
    .unwrap()
}

async fn send(sink: &CommandSink, kind: CommandKind) -> Result<(), String> {
    sink.send(Command {
        by: Actor::Person("casey".into()),
        kind,
    })
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

fn step(id: &str) -> Target {
    Target::Step(id.into())
}

/// The next evidence recorded for `action:STEP`.
async fn next_evidence(updates: &mut Receiver<Update>, id: &str) -> (bool, String) {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::EvidenceRecorded {
                    evidence: Evidence::Action(s),
                    holds,
                    detail,
                } = e.kind
                {
                    assert_eq!(e.by, Actor::System);
                    if s == id {
                        return (holds, detail);
                    }
                }
            }
        }
    })
    .await
    .expect("evidence within 30 s")
}

#[tokio::test]
async fn a_sql_check_that_fails_is_rerun_until_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("target.db").display()
    ))
    .await
    .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1), (2);",
    )
    .execute(&db)
    .await
    .unwrap();
    let s = session(dir.path(), false).await;
    let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
    let sink = s.hub.sink();
    send(
        &sink,
        CommandKind::Start {
            target: step("target-empty"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "target-empty").await;
    assert!(!holds);
    assert_eq!(detail, "got 2, expected 0");
    send(
        &sink,
        CommandKind::Done {
            target: step("target-empty"),
        },
    )
    .await
    .unwrap();
    let refused = send(
        &sink,
        CommandKind::SignOff {
            target: step("target-empty"),
        },
    )
    .await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("action:target-empty")),
        "{refused:?}"
    );
    sqlx::query("DELETE FROM orders")
        .execute(&db)
        .await
        .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "target-empty").await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "got 0 as expected");
    send(
        &sink,
        CommandKind::SignOff {
            target: step("target-empty"),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_shell_command_runs_only_when_allowed_and_its_exit_status_is_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    for allow in [false, true] {
        let s = session(dir.path(), allow).await;
        let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
        let sink = s.hub.sink();
        // `script` comes after `target-empty`: skip that one.
        send(
            &sink,
            CommandKind::Skip {
                step: "target-empty".into(),
                reason: "not this test".into(),
            },
        )
        .await
        .unwrap();
        send(
            &sink,
            CommandKind::Start {
                target: step("script"),
            },
        )
        .await
        .unwrap();
        let (holds, detail) = next_evidence(&mut updates, "script").await;
        if allow {
            // The marker file is missing: `test -f` exits 1.
            assert!(!holds);
            assert!(detail.starts_with("exit 1: ran in"), "{detail}");
        } else {
            assert!(!holds);
            assert!(detail.contains("--allow-shell"), "{detail}");
        }
    }
    // With the marker in place the command succeeds.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("marker"), "x").unwrap();
    let s = session(dir2.path(), true).await;
    let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
    let sink = s.hub.sink();
    send(
        &sink,
        CommandKind::Skip {
            step: "target-empty".into(),
            reason: "not this test".into(),
        },
    )
    .await
    .unwrap();
    send(
        &sink,
        CommandKind::Start {
            target: step("script"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "script").await;
    assert!(holds, "{detail}");
}
