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

mod support;

/// Outside tools' results gate sign-off: a count compared across MariaDB and PostgreSQL, a
/// sync-diff job's "0 differences" that counts only once the job reports finished, a replay
/// pass rate that must hold twice in a row, and a command's JSON result with its report.
#[tokio::test]
async fn conditions_compares_ready_and_holds_for_against_real_servers() {
    let (Some(my_url), Some(pg_url)) = (support::servers::mysql(), support::servers::postgres())
    else {
        return;
    };
    let my = sqlx::MySqlPool::connect(&my_url).await.unwrap();
    let pg = sqlx::PgPool::connect(&pg_url).await.unwrap();
    for sql in [
        "DROP TABLE IF EXISTS sa_orders",
        "CREATE TABLE sa_orders (id BIGINT PRIMARY KEY, amount BIGINT)",
        "INSERT INTO sa_orders VALUES (1, 100), (2, 250), (3, 75)",
        "DROP TABLE IF EXISTS sa_replay",
        "CREATE TABLE sa_replay (passed BIGINT, total BIGINT)",
        "INSERT INTO sa_replay VALUES (9995, 10000)",
    ] {
        sqlx::raw_sql(sql).execute(&my).await.unwrap();
    }
    for sql in [
        "DROP TABLE IF EXISTS sa_orders",
        "CREATE TABLE sa_orders (id BIGINT PRIMARY KEY, amount BIGINT)",
        "INSERT INTO sa_orders VALUES (1, 100), (2, 250)",
        "DROP TABLE IF EXISTS sa_sync_diff",
        "CREATE TABLE sa_sync_diff (id SERIAL PRIMARY KEY, status TEXT, differences BIGINT)",
        "INSERT INTO sa_sync_diff (status, differences) VALUES ('running', 0)",
    ] {
        sqlx::raw_sql(sql).execute(&pg).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[runbook]
name = "outside tools"
kind = "drill"
coordinator = "casey"
[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"
[connections.src]
url = "{my_url}"
[connections.dst]
url = "{pg_url}"
[[phase]]
name = "verify"
[[phase.step]]
id = "counts"
title = "Row counts match"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ check = {{ compare = {{ source = {{ connection = "src", sql = "SELECT COUNT(*) FROM sa_orders" }}, target = {{ connection = "dst", sql = "SELECT COUNT(*) FROM sa_orders" }}, tolerance = 0 }} }} }}
[[phase.step]]
id = "sync-diff"
title = "sync-diff finished with no differences"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ check = {{ sql = "SELECT differences FROM sa_sync_diff ORDER BY id DESC LIMIT 1", connection = "dst", expect = {{ at_most = 0 }}, ready = {{ sql = "SELECT status = 'finished' FROM sa_sync_diff ORDER BY id DESC LIMIT 1" }} }}, report = "https://ci.example/sync-diff/1" }}
[[phase.step]]
id = "replay"
title = "Query replay pass rate"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ check = {{ sql = "SELECT passed, total FROM sa_replay", connection = "src", expect = {{ pass_rate_at_least = 99.9 }}, holds_for = 2 }} }}
[[phase.step]]
id = "validator"
title = "Validator job"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ shell = "echo '{{\"summary\": {{\"differences\": 0}}}}'", result = {{ json = "/summary/differences", expect = {{ at_most = 0 }} }}, report = "{report}" }}
[[phase.step]]
id = "go"
title = "GO"
dri = "casey"
reviewer = "dana"
planned = "1m"
after = []
gate = true
requires = ["action:counts", "action:sync-diff", "action:replay", "action:validator"]
"#,
        report = dir.path().join("report.html").display(),
    );
    let runbook = warroom::runbook::parse_str("tools.toml", &text)
        .unwrap()
        .runbook;
    let s = open_session(runbook, None, None, Some(&dir.path().join("j.db")), true)
        .await
        .unwrap();
    let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
    let sink = s.hub.sink();

    // The coordinator says GO early: the gate waits for the outside tools' evidence.
    send(&sink, CommandKind::Start { target: step("go") })
        .await
        .unwrap();
    send(&sink, CommandKind::Go { step: "go".into() })
        .await
        .unwrap();

    // A count that differs between the two servers does not hold, and says by how much.
    send(
        &sink,
        CommandKind::Start {
            target: step("counts"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "counts").await;
    assert!(!holds);
    assert_eq!(
        detail,
        "source 3, target 2: differ by 1 (33.3333%), more than the tolerance 0"
    );
    sqlx::raw_sql("INSERT INTO sa_orders VALUES (3, 75)")
        .execute(&pg)
        .await
        .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "counts").await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "source 3, target 3: equal (tolerance 0)");

    // "0 differences so far" while the job runs is not a pass.
    send(
        &sink,
        CommandKind::Start {
            target: step("sync-diff"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "sync-diff").await;
    assert!(!holds, "{detail}");
    assert_eq!(
        detail,
        "not judged yet: the job has not reported finished (`ready` returned f); report: https://ci.example/sync-diff/1"
    );
    sqlx::raw_sql("UPDATE sa_sync_diff SET status = 'finished'")
        .execute(&pg)
        .await
        .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "sync-diff").await;
    assert!(holds, "{detail}");
    assert_eq!(
        detail,
        "got 0 (at most 0); report: https://ci.example/sync-diff/1"
    );

    // A pass rate that must hold twice in a row: the first run is not enough.
    send(
        &sink,
        CommandKind::Start {
            target: step("replay"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "replay").await;
    assert!(!holds);
    assert_eq!(
        detail,
        "held 1 of 2 runs in a row: 9995 of 10000 passed (99.95%), at least 99.9%"
    );
    let (holds, detail) = next_evidence(&mut updates, "replay").await;
    assert!(holds, "{detail}");
    assert_eq!(
        detail,
        "held 2 runs in a row: 9995 of 10000 passed (99.95%), at least 99.9%"
    );

    // A command's JSON result and its report reach the evidence.
    send(
        &sink,
        CommandKind::Start {
            target: step("validator"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_evidence(&mut updates, "validator").await;
    assert!(holds, "{detail}");
    assert_eq!(
        detail,
        format!(
            "exit 0: /summary/differences: got 0 (at most 0); report: {}",
            dir.path().join("report.html").display()
        )
    );
    // The last `action:` evidence the gate requires passes it by itself.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::GatePassed { step } = e.kind {
                    assert_eq!(step, "go");
                    return;
                }
            }
        }
    })
    .await
    .expect("the gate passes once every action:STEP it requires holds");
}
