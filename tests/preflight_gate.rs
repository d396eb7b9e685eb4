#![allow(clippy::unwrap_used)]
//! `check = "preflight"` in a drill: the step scans when it starts and records `preflight`
//! evidence; a gate that requires it does not pass while a blocker stands, and passes
//! once the scan is clean. Also the binary's exit codes and JSON shape, and an unreachable
//! connection as a finding of its own (SQLite only: no server needed).

use std::process::Command as Process;
use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use warroom::cli::session::open_session;
use warroom::drill::{Actor, Command, CommandKind, CommandSink, EventKind, Target, Update};
use warroom::preflight::{Hazard as H, Severity as S};
use warroom::runbook::Evidence;

/// A SQLite source and target; `keyed` gives the source table a primary key.
fn setup(dir: &std::path::Path, keyed: bool) -> String {
    let src = dir.join("src.db");
    let dst = dir.join("dst.db");
    let key = if keyed { " PRIMARY KEY" } else { "" };
    for (db, sql) in [
        (&src, format!("CREATE TABLE items (id INTEGER NOT NULL{key}, name TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b');")),
        (&dst, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);".to_string()),
    ] {
        let conn = rusqlite_free_exec(db, &sql);
        assert!(conn, "setup {}", db.display());
    }
    format!(
        r#"
[runbook]
name = "preflight-gate"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"

[connections.src]
url = "sqlite://{src}"
[connections.dst]
url = "sqlite://{dst}"

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
dri = "dana"
reviewer = "casey"
planned = "5m"
action = {{ check = "preflight" }}

[[phase.step]]
id = "go"
title = "GO for the copy"
dri = "casey"
reviewer = "dana"
planned = "1m"
after = []
gate = true
requires = ["preflight"]
"#,
        src = src.display(),
        dst = dst.display()
    )
}

/// Runs SQL on a SQLite file through sqlx, on a thread of its own (callers may be inside
/// a runtime already).
fn rusqlite_free_exec(db: &std::path::Path, sql: &str) -> bool {
    let (db, sql) = (db.to_path_buf(), sql.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
                .await
                .unwrap();
            sqlx::raw_sql(&sql).execute(&pool).await.is_ok()
        })
    })
    .join()
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

async fn next_preflight(updates: &mut Receiver<Update>) -> (bool, String) {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::EvidenceRecorded {
                    evidence: Evidence::Preflight,
                    holds,
                    detail,
                } = e.kind
                {
                    return (holds, detail);
                }
            }
        }
    })
    .await
    .expect("preflight evidence within 60 s")
}

async fn gate_passes(updates: &mut Receiver<Update>, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::GatePassed { step } = e.kind {
                    if step == "go" {
                        return;
                    }
                }
            }
        }
    })
    .await
    .is_ok()
}

async fn drill(keyed: bool) -> (bool, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let text = setup(dir.path(), keyed);
    let runbook = warroom::runbook::parse_str("gate.toml", &text)
        .unwrap()
        .runbook;
    let s = open_session(runbook, None, None, Some(&dir.path().join("j.db")), false)
        .await
        .unwrap();
    let (_, mut updates) = warroom::hub::follow(&s.hub).await.unwrap();
    let sink = s.hub.sink();
    send(
        &sink,
        CommandKind::Start {
            target: Target::Step("go".into()),
        },
    )
    .await
    .unwrap();
    send(&sink, CommandKind::Go { step: "go".into() })
        .await
        .unwrap();
    send(
        &sink,
        CommandKind::Start {
            target: Target::Step("preflight".into()),
        },
    )
    .await
    .unwrap();
    let (holds, detail) = next_preflight(&mut updates).await;
    let passed = gate_passes(&mut updates, Duration::from_secs(3)).await;
    (holds, detail, passed)
}

#[tokio::test]
async fn a_blocker_keeps_the_gate_red_and_a_clean_scan_lets_it_pass() {
    let (holds, detail, passed) = drill(false).await;
    assert!(!holds, "{detail}");
    assert!(detail.contains("1 blocker"), "{detail}");
    assert!(detail.contains("no primary key"), "{detail}");
    assert!(!passed, "the gate passed with a preflight blocker standing");

    let (holds, detail, passed) = drill(true).await;
    assert!(holds, "{detail}");
    assert!(detail.starts_with("0 blockers"), "{detail}");
    assert!(
        passed,
        "the gate did not pass on a clean preflight and a GO"
    );
}

fn binary(args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env(
            "WARROOM_LOG",
            std::env::temp_dir().join("warroom-preflight-test.log"),
        )
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_binary_exits_1_on_a_blocker_0_when_clear_2_on_error_and_its_json_has_the_findings() {
    for keyed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rb.toml");
        std::fs::write(&path, setup(dir.path(), keyed)).unwrap();
        let (code, out, err) = binary(&["preflight", path.to_str().unwrap()]);
        assert_eq!(code, i32::from(!keyed), "{out}{err}");
        if !keyed {
            assert!(out.contains("BLOCKER  src items"), "{out}");
            assert!(out.contains("why: "), "{out}");
        }
        assert!(out.contains("preflight-gate: "), "{out}");
        let (code, out, err) = binary(&["preflight", path.to_str().unwrap(), "--json"]);
        assert_eq!(code, i32::from(!keyed), "{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["runbook"], "preflight-gate");
        assert_eq!(json["pairs"], 1);
        assert_eq!(json["counts"]["blocker"], i32::from(!keyed));
        assert_eq!(json["connections"].as_array().unwrap().len(), 2);
        assert_eq!(json["estimates"][0]["job"], "items");
        assert_eq!(json["estimates"][0]["rows"], 2);
        if !keyed {
            let f = &json["findings"][0];
            assert_eq!(f["severity"], "blocker");
            assert_eq!(f["hazard"], "no_key");
            assert_eq!(f["connection"], "src");
            assert_eq!(f["table"], "items");
            assert_eq!(f["jobs"][0], "items");
            for field in ["what", "why", "fix"] {
                assert!(f[field].as_str().is_some_and(|s| !s.is_empty()), "{field}");
            }
        }
    }
    let (code, _, err) = binary(&["preflight", "/nonexistent/runbook.toml"]);
    assert_eq!(code, 2, "{err}");
}

#[tokio::test]
async fn an_unreachable_connection_is_a_finding_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let text = setup(dir.path(), true).replace(
        "[[copy]]",
        "[connections.gone]\nurl = \"postgres://nobody@127.0.0.1:1/none\"\n\n[[recon]]\nname = \"gone\"\nsource = \"src\"\nsource_table = \"items\"\ntarget = \"gone\"\ntarget_table = \"items\"\nkey = [\"id\"]\n\n[[copy]]",
    );
    let runbook = warroom::runbook::parse_str("gone.toml", &text)
        .unwrap()
        .runbook;
    let report = warroom::preflight::scan(&runbook, &warroom::preflight::Options::default()).await;
    let gone: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.hazard == warroom::preflight::Hazard::Unreachable)
        .collect();
    assert_eq!(gone.len(), 1, "{:#?}", report.findings);
    assert_eq!(gone[0].severity, warroom::preflight::Severity::Blocker);
    assert_eq!(gone[0].connection.as_deref(), Some("gone"));
    assert!(
        gone[0].what.contains("cannot reach connection `gone`"),
        "{}",
        gone[0].what
    );
    assert_eq!(gone[0].jobs, vec!["gone".to_string()]);
    // The reachable pair was still scanned: its copy has an estimate, and nothing else is wrong.
    assert_eq!(report.estimates.len(), 1);
    assert_eq!(report.counts.blocker, 1, "{:#?}", report.findings);
    // A table that is not there is a finding too.
    let missing = text.replace(
        "target_table = \"items\"\nkey = [\"id\"]\n\n[[phase]]",
        "target_table = \"nope\"\nkey = [\"id\"]\n\n[[phase]]",
    );
    let runbook = warroom::runbook::parse_str("missing.toml", &missing)
        .unwrap()
        .runbook;
    let report = warroom::preflight::scan(&runbook, &warroom::preflight::Options::default()).await;
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.hazard == warroom::preflight::Hazard::Unreadable
                && f.table.as_deref() == Some("nope")
                && f.severity == warroom::preflight::Severity::Blocker),
        "{:#?}",
        report.findings
    );
}

#[test]
fn the_runbook_says_check_preflight_and_requires_preflight_and_refuses_their_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let text = setup(dir.path(), true);
    let runbook = warroom::runbook::parse_str("ok.toml", &text)
        .unwrap()
        .runbook;
    assert_eq!(
        runbook.step("preflight").unwrap().action,
        Some(warroom::runbook::Action::Check(
            warroom::runbook::Check::Preflight
        ))
    );
    // The step's own evidence, and the gate's.
    assert_eq!(
        runbook.step("preflight").unwrap().requires,
        vec![Evidence::Preflight]
    );
    assert_eq!(
        runbook.step("go").unwrap().requires,
        vec![Evidence::Preflight]
    );
    let messages = |text: &str| -> String {
        let Err(diags) = warroom::runbook::parse_str("bad.toml", text) else {
            panic!("an error was expected");
        };
        diags
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let typo = messages(&text.replace("check = \"preflight\"", "check = \"preflite\""));
    assert!(typo.contains("unknown check `preflite`"), "{typo}");
    let nobody = messages(&text.replace("action = { check = \"preflight\" }", ""));
    assert!(
        nobody.contains("needs `preflight`, but no step runs it"),
        "{nobody}"
    );
}

#[test]
fn the_shipped_migration_runbooks_run_preflight_before_their_first_copy() {
    for file in [
        "runbooks/mysql-to-postgres-cutover.toml",
        "runbooks/monolith-split-services.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let rb = warroom::runbook::parse_str(file, &text).unwrap().runbook;
        let scan = rb
            .steps
            .iter()
            .position(|s| {
                s.action
                    == Some(warroom::runbook::Action::Check(
                        warroom::runbook::Check::Preflight,
                    ))
            })
            .unwrap_or_else(|| panic!("{file} runs no preflight"));
        let first_copy = rb
            .steps
            .iter()
            .position(|s| matches!(s.action, Some(warroom::runbook::Action::Copy(_))))
            .unwrap();
        assert!(scan < first_copy, "{file}: preflight after the first copy");
        assert_eq!(
            rb.steps[scan + 1].after,
            vec![rb.steps[scan].id.clone()],
            "{file}"
        );
    }
}

/// SQLite hazards on the target of a copy (a foreign key, a trigger, a generated column),
/// and a copy estimate that overruns its step's plan at the throughput of earlier drills.
#[tokio::test]
async fn sqlite_targets_report_their_bulk_load_traps_and_an_unrealistic_plan_shows() {
    let dir = tempfile::tempdir().unwrap();
    let text = setup(dir.path(), true);
    assert!(rusqlite_free_exec(
        &dir.path().join("dst.db"),
        "DROP TABLE items; CREATE TABLE owners (id INTEGER PRIMARY KEY); \
         CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT REFERENCES owners (id), \
           loud TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL); \
         CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN SELECT 1; END;"
    ));
    // The copy runs in a step planned for 5 minutes.
    let text = text.replace(
        "[[phase.step]]\nid = \"go\"",
        "[[phase.step]]\nid = \"copy\"\ntitle = \"Copy\"\ndri = \"dana\"\nreviewer = \"casey\"\nplanned = \"5m\"\nafter = []\naction = { copy = \"items\" }\n\n[[phase.step]]\nid = \"go\"",
    );
    let runbook = warroom::runbook::parse_str("sqlite.toml", &text)
        .unwrap()
        .runbook;
    let mut opts = warroom::preflight::Options::default();
    // Earlier drills copied this job at one row every 1000 s: 2 rows take 2000 s.
    opts.history.insert("items".into(), 0.001);
    let report = warroom::preflight::scan(&runbook, &opts).await;
    let has = |h: H, s: S, column: Option<&str>| {
        report.findings.iter().any(|f| {
            f.hazard == h
                && f.severity == s
                && f.connection.as_deref() == Some(if h == H::Estimate { "src" } else { "dst" })
                && f.table.as_deref() == Some("items")
                && (column.is_none() || f.column.as_deref() == column)
        })
    };
    let all = format!("{:#?}", report.findings);
    assert!(has(H::ForeignKey, S::Warning, Some("name")), "{all}");
    assert!(has(H::Trigger, S::Warning, None), "{all}");
    // SQLite hides generated columns from the table's columns: the copy never writes them.
    assert!(!all.contains("loud"), "{all}");
    assert!(has(H::Estimate, S::Warning, None), "{all}");
    let est = &report.estimates[0];
    assert_eq!(est.planned_seconds, Some(300.0));
    assert!(est.basis.contains("earlier drills"), "{est:?}");
    assert!(
        est.seconds.is_some_and(|s| (s - 2000.0).abs() < 1.0),
        "{est:?}"
    );
}
