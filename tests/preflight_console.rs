#![allow(clippy::unwrap_used)]
//! The preflight panel in the real binary (tmux, SQLite files): `P` lists the scan's
//! blockers and warnings; a blocker cannot be accepted, a warning can, by the coordinator
//! with a note that lands in the journal, shows under it and in the report's evidence
//! detail. And no side door: the
//! coordinator cannot accept preflight evidence that a blocker fails.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::tmux::{self, Tmux};
use warroom::drill::{Actor, Command, CommandKind, Drill};
use warroom::runbook::Evidence;

const WAIT: Duration = Duration::from_secs(20);

/// A source without a key (a blocker) copied into a target with a trigger (a warning).
fn setup(dir: &std::path::Path) -> std::path::PathBuf {
    let (src, dst) = (dir.join("src.db"), dir.join("dst.db"));
    for (db, sql) in [
        (
            &src,
            "CREATE TABLE items (id INTEGER NOT NULL, name TEXT); INSERT INTO items VALUES (1, 'a');",
        ),
        (
            &dst,
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); \
             CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN SELECT 1; END;",
        ),
    ] {
        let status = std::process::Command::new("sqlite3")
            .arg(db)
            .arg(sql)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            exec_sqlx(db, sql);
        }
    }
    let rb = dir.join("rb.toml");
    std::fs::write(
        &rb,
        format!(
            r#"
[runbook]
name = "preflight-console"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"

[connections.src]
url = "sqlite://{}"
[connections.dst]
url = "sqlite://{}"

[[copy]]
name = "items"
source = "src"
source_table = "items"
target = "dst"
target_table = "items"
key = ["id"]

[[phase]]
name = "pre"

[[phase.step]]
id = "preflight"
title = "Preflight"
dri = "casey"
reviewer = "dana"
planned = "5m"
action = {{ check = "preflight" }}

[[phase.step]]
id = "go"
title = "GO for the copy"
dri = "casey"
reviewer = "dana"
planned = "1m"
gate = true
requires = ["preflight"]
"#,
            src.display(),
            dst.display()
        ),
    )
    .unwrap();
    rb
}

fn exec_sqlx(db: &std::path::Path, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
            .await
            .unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    });
}

#[test]
fn the_panel_lists_findings_refuses_a_blocker_and_notes_an_accepted_warning() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rb = setup(dir.path());
    let journal = dir.path().join("j.db");
    let command = format!(
        "{} --log-file {} run {} --as casey --journal {}",
        env!("CARGO_BIN_EXE_warroom"),
        dir.path().join("warroom.log").display(),
        rb.display(),
        journal.display()
    );
    let tmux = Tmux::start("preflight", dir.path(), 160, 45, &command);
    tmux.wait_for("preflight", WAIT);
    tmux.keys(&["s"]);
    tmux.wait_for("Start `preflight`", WAIT);
    tmux.keys(&["y"]);
    // The header turns red with the counts; the panel lists the findings by severity.
    tmux.wait_for("PREFLIGHT: 1 blocker", WAIT);
    tmux.keys(&["P"]);
    let panel = tmux.wait_for("BLOCKER no_key @ src items", WAIT);
    assert!(panel.contains("WARNING trigger @ dst items"), "{panel}");
    assert!(
        panel.find("BLOCKER no_key").unwrap() < panel.find("WARNING trigger").unwrap(),
        "{panel}"
    );
    // The selected blocker cannot be accepted.
    tmux.keys(&["a"]);
    tmux.wait_for("a blocker cannot be accepted", WAIT);
    // Down to the trigger's warning: accepted with a note, confirmed.
    let screen = tmux.screen();
    let warnings_before = screen
        .lines()
        .filter(|l| l.contains("WARNING "))
        .take_while(|l| !l.contains("WARNING trigger"))
        .count();
    for _ in 0..=warnings_before {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["a"]);
    tmux.wait_for("Why accept preflight `WARNING trigger @ dst items`", WAIT);
    tmux.type_text("audit trigger disabled for the load");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "Accept preflight `WARNING trigger @ dst items` as casey",
        WAIT,
    );
    tmux.keys(&["y"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux.keys(&["P"]);
    tmux.wait_for(
        "accepted by casey: audit trigger disabled for the load",
        WAIT,
    );
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("Quit this console?", WAIT);
    tmux.keys(&["y"]);
    let start = std::time::Instant::now();
    while tmux.alive() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    let events = tmux::journal_events(&journal);
    assert!(
        events.contains(
            "casey: note on `preflight`: accepted preflight warning WARNING trigger @ dst items: audit trigger disabled for the load"
        ),
        "{events}"
    );
    // The report's evidence detail for preflight lists the accepted warning with who.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("report.log"))
        .arg("report")
        .arg(&journal)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(
            "accepted preflight warning WARNING trigger @ dst items: audit trigger disabled for the load by casey"
        ),
        "{report}"
    );
}

#[test]
fn preflight_evidence_that_a_blocker_fails_cannot_be_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let rb = warroom::runbook::load(&setup(dir.path())).unwrap().runbook;
    let mut d = Drill::new(Arc::new(rb));
    let now = chrono::Utc::now();
    let run = |d: &mut Drill, by: Actor, kind: CommandKind| d.execute(&Command { by, kind }, now);
    run(
        &mut d,
        Actor::System,
        CommandKind::RecordEvidence {
            evidence: Evidence::Preflight,
            holds: false,
            detail: "1 blocker, 0 warnings, 0 info".into(),
        },
    )
    .unwrap();
    let refused = run(
        &mut d,
        Actor::Person("casey".into()),
        CommandKind::AcceptEvidence {
            evidence: Evidence::Preflight,
            note: "we know".into(),
        },
    )
    .unwrap_err();
    assert!(
        refused
            .reason
            .contains("a preflight blocker cannot be accepted"),
        "{}",
        refused.reason
    );
    assert!(!d.state().evidence[&Evidence::Preflight].holds);
}
