#![allow(clippy::unwrap_used)]
//! A rollback's action runs when its task starts, like a step's: a shell command (with
//! --allow-shell) reports `rollback:STEP` evidence, and `restart_copy` starts a copy over,
//! clearing its checkpoint only once its target is empty. Each task signs off only on
//! evidence from its own run.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::broadcast::Receiver;
use warroom::cli::session::{open_session, Session};
use warroom::drill::{Actor, Command, CommandKind, CommandSink, EventKind, Target, Update};
use warroom::runbook::Evidence;

fn runbook_text(dir: &Path) -> String {
    format!(
        r#"
[runbook]
name = "rollback-actions"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.source]
url = "sqlite://{src}"
[connections.target]
url = "sqlite://{dst}"

[[copy]]
name = "orders"
source = "source"
source_table = "orders"
target = "target"
target_table = "orders"
key = ["id"]

[[phase]]
name = "move"

[[phase.step]]
id = "backfill"
title = "Copy the orders"
dri = "casey"
reviewer = "casey"
planned = "1m"
action = {{ copy = "orders" }}
rollback = {{ instructions = "DELETE FROM orders on the target; the copy then starts over.", action = {{ restart_copy = "orders" }} }}

[[phase.step]]
id = "switch-reads"
title = "Point reads at the target"
dri = "casey"
reviewer = "casey"
planned = "1m"
rollback = {{ instructions = "Point reads back at the source.", action = {{ shell = "echo reads back > {marker}" }} }}
"#,
        src = dir.join("source.db").display(),
        dst = dir.join("target.db").display(),
        marker = dir.join("reads-back").display(),
    )
}

async fn sqlite(path: &Path, sql: &str) -> SqlitePool {
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool
}

async fn session(dir: &Path) -> Session {
    let runbook = warroom::runbook::parse_str("rollback-actions.toml", &runbook_text(dir))
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook;
    open_session(runbook, None, None, Some(&dir.join("journal.db")), true)
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

/// The next report of `evidence`.
async fn next_report(updates: &mut Receiver<Update>, evidence: &Evidence) -> (bool, String) {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::EvidenceRecorded {
                    evidence: got,
                    holds,
                    detail,
                } = e.kind
                {
                    if &got == evidence {
                        return (holds, detail);
                    }
                }
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no report of {evidence} within 30 s"))
}

fn step(id: &str) -> Target {
    Target::Step(id.into())
}
fn task(id: &str) -> Target {
    Target::Rollback(id.into())
}

async fn checkpoint_rows(target: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _warroom_copy_checkpoints WHERE job = 'orders'")
        .fetch_one(target)
        .await
        .unwrap()
}

#[tokio::test]
async fn rollback_actions_run_with_their_task_and_gate_its_sign_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::from("CREATE TABLE orders (id INTEGER PRIMARY KEY, total TEXT);");
    for i in 1..=300 {
        rows.push_str(&format!("INSERT INTO orders VALUES ({i}, '{i}.50');"));
    }
    sqlite(&dir.path().join("source.db"), &rows).await;
    let target = sqlite(
        &dir.path().join("target.db"),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, total TEXT);",
    )
    .await;
    let s = session(dir.path()).await;
    let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
    let sink = s.hub.sink();

    // Forward: the copy runs and is signed off; the next step fails.
    send(
        &sink,
        CommandKind::Start {
            target: step("backfill"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_report(&mut updates, &Evidence::CopyDone("orders".into())).await;
    assert!(holds, "{detail}");
    send(
        &sink,
        CommandKind::Done {
            target: step("backfill"),
        },
    )
    .await
    .unwrap();
    send(
        &sink,
        CommandKind::SignOff {
            target: step("backfill"),
        },
    )
    .await
    .unwrap();
    assert!(checkpoint_rows(&target).await > 0);
    send(
        &sink,
        CommandKind::Start {
            target: step("switch-reads"),
        },
    )
    .await
    .unwrap();
    send(
        &sink,
        CommandKind::Fail {
            target: step("switch-reads"),
            reason: "5xx from the app".into(),
        },
    )
    .await
    .unwrap();
    send(
        &sink,
        CommandKind::CallRollback {
            from: "switch-reads".into(),
            reason: "the app cannot read the target".into(),
        },
    )
    .await
    .unwrap();

    // The shell rollback runs when its task starts; its exit status is the evidence.
    let marker = dir.path().join("reads-back");
    assert!(!marker.exists());
    send(
        &sink,
        CommandKind::Start {
            target: task("switch-reads"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) =
        next_report(&mut updates, &Evidence::Rollback("switch-reads".into())).await;
    assert!(holds, "{detail}");
    assert!(marker.exists(), "the rollback command did not run");
    send(
        &sink,
        CommandKind::Done {
            target: task("switch-reads"),
        },
    )
    .await
    .unwrap();
    send(
        &sink,
        CommandKind::SignOff {
            target: task("switch-reads"),
        },
    )
    .await
    .unwrap();

    // Starting the copy over waits for an empty target: warroom deletes nothing.
    let restart = Evidence::Rollback("backfill".into());
    send(
        &sink,
        CommandKind::Start {
            target: task("backfill"),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_report(&mut updates, &restart).await;
    assert!(!holds);
    assert!(detail.contains("still holds rows"), "{detail}");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&target)
        .await
        .unwrap();
    assert_eq!(count, 300, "the rollback must not delete rows itself");
    assert!(checkpoint_rows(&target).await > 0);
    send(
        &sink,
        CommandKind::Done {
            target: task("backfill"),
        },
    )
    .await
    .unwrap();
    let refused = send(
        &sink,
        CommandKind::SignOff {
            target: task("backfill"),
        },
    )
    .await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("rollback:backfill")),
        "{refused:?}"
    );

    // The DRI empties the target as the instructions say: the checkpoint is cleared.
    sqlx::query("DELETE FROM orders")
        .execute(&target)
        .await
        .unwrap();
    let (holds, detail) = next_report(&mut updates, &restart).await;
    assert!(holds, "{detail}");
    assert!(
        detail.contains("checkpoint of copy `orders` is cleared"),
        "{detail}"
    );
    assert_eq!(checkpoint_rows(&target).await, 0);
    send(
        &sink,
        CommandKind::SignOff {
            target: task("backfill"),
        },
    )
    .await
    .unwrap();
    let (events, _) = warroom::hub::follow(&s.hub).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::RollbackCompleted),
        "the rollback did not complete"
    );
}
