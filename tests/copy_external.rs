//! `engine = "external"`: one job another system runs, followed through its own checkpoint
//! table (a writer in the test advances it in the real MariaDB and PostgreSQL), two real
//! Prometheus series, and a real command's JSON; finished by its stated rule, and stalled
//! when its progress does not move.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::{prometheus, servers};
use tokio::sync::mpsc;
use warroom::copy::external::ProgressReader;
use warroom::copy::{follow_external, CopyProgress, CopyState, CopySummary};
use warroom::db::rows::execute;
use warroom::db::DbPool;
use warroom::runbook::{CopyEngine, CopySpec, Finished};

/// An external job with no table of its own.
fn job(name: &str, finished: Finished, stalled_after: Option<Duration>) -> CopySpec {
    let mut s = spec(name, "", "", &[]);
    s.key.clear();
    s.engine = CopyEngine::External;
    s.finished = finished;
    s.stalled_after = stalled_after;
    s
}

type Follow = tokio::task::JoinHandle<Result<CopySummary, warroom::copy::CopyError>>;

fn follow(
    spec: CopySpec,
    reader: ProgressReader,
    every: Duration,
) -> (
    Follow,
    mpsc::Receiver<CopyProgress>,
    mpsc::Sender<warroom::copy::CopyControl>,
) {
    let (ctl, ctl_rx) = mpsc::channel(1);
    let (tx, rx) = mpsc::channel(1024);
    let handle =
        tokio::spawn(async move { follow_external(&spec, reader, every, ctl_rx, tx).await });
    (handle, rx, ctl)
}

/// The next snapshot that satisfies `want`, within `within`.
async fn until(
    rx: &mut mpsc::Receiver<CopyProgress>,
    within: Duration,
    want: impl Fn(&CopyProgress) -> bool,
) -> CopyProgress {
    tokio::time::timeout(within, async {
        loop {
            let p = rx.recv().await.expect("the follower ended early");
            if want(&p) {
                return p;
            }
        }
    })
    .await
    .expect("no such snapshot in time")
}

async fn checkpoint_table(db: &DbPool, table: &str) {
    execute(
        db,
        &format!(
            "CREATE TABLE {table} (job VARCHAR(40), table_name VARCHAR(60), \
             rows_done BIGINT, rows_total BIGINT, status VARCHAR(20))"
        ),
    )
    .await
    .expect("table");
    execute(
        db,
        &format!(
            "INSERT INTO {table} VALUES ('bulk', 'shop_order', 0, 600, 'RUNNING'), \
             ('bulk', 'customer', 0, 400, 'RUNNING')"
        ),
    )
    .await
    .expect("rows");
}

/// The job's own writer: advances each table's checkpoint by `step` rows every 20 ms.
fn writer(db: DbPool, step: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for _ in 0..2000 {
            let moved = execute(
                &db,
                &format!(
                    "UPDATE job_checkpoint SET rows_done = CASE WHEN rows_done + {step} > rows_total \
                     THEN rows_total ELSE rows_done + {step} END WHERE rows_done < rows_total"
                ),
            )
            .await
            .expect("advance");
            if moved == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

const SUM: &str =
    "SELECT SUM(rows_done), SUM(rows_total), MIN(status) FROM job_checkpoint WHERE job = 'bulk'";

#[tokio::test]
async fn follows_a_checkpoint_table_its_writer_advances_in_mariadb_until_done_reaches_total() {
    let Some(my) = servers::mysql() else { return };
    let (db, _, _) = mysql_db(&my, "ext").await;
    checkpoint_table(&db, "job_checkpoint").await;
    let reader = ProgressReader::Sql {
        pool: db.clone(),
        query: SUM.into(),
    };
    let (handle, mut rx, _ctl) = follow(
        job("bulk", Finished::ReachesTotal, None),
        reader,
        Duration::from_millis(30),
    );
    let first = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!((first.rows_done, first.rows_estimated), (0, Some(1000)));
    assert_eq!(first.state, CopyState::Running);
    let w = writer(db.clone(), 7);
    let mut seen = vec![first.rows_done];
    // The follower drops its sender when it ends: every snapshot is read, then None.
    while let Some(p) = rx.recv().await {
        assert!(
            p.rows_done >= *seen.last().unwrap_or(&0),
            "progress never goes back"
        );
        seen.push(p.rows_done);
    }
    let summary = handle.await.expect("join").expect("followed");
    w.await.expect("writer");
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(summary.rows_total, 1000);
    let middle = seen.iter().filter(|&&d| d > 0 && d < 1000).count();
    assert!(
        middle >= 3,
        "the job is followed live, not only at its end: {seen:?}"
    );
}

#[tokio::test]
async fn on_postgresql_a_status_column_decides_finished_not_the_row_count() {
    let Some(pg) = servers::postgres() else {
        return;
    };
    let (db, schema) = pg_schema(&pg, "ext").await;
    let table = format!("{schema}.job_checkpoint");
    checkpoint_table(&db, &table).await;
    execute(&db, &format!("UPDATE {table} SET rows_done = rows_total"))
        .await
        .expect("all rows");
    let reader = ProgressReader::Sql {
        pool: db.clone(),
        query: SUM.replace("job_checkpoint", &table),
    };
    let (handle, mut rx, _ctl) = follow(
        job("bulk", Finished::Status("COMPLETED".into()), None),
        reader,
        Duration::from_millis(30),
    );
    // Every row is there, but the engine still says RUNNING (say, it builds indexes).
    let p = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!((p.rows_done, p.state), (1000, CopyState::Running));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !handle.is_finished(),
        "all rows is not finished by a status rule"
    );
    execute(&db, &format!("UPDATE {table} SET status = 'COMPLETED'"))
        .await
        .expect("completed");
    let summary = tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("finishes")
        .expect("join")
        .expect("followed");
    assert_eq!(summary.state, CopyState::Done);
    execute(&db, &format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("drop");
}

#[tokio::test]
async fn progress_that_does_not_move_is_stalled_and_moving_again_clears_it() {
    let Some(my) = servers::mysql() else { return };
    let (db, _, _) = mysql_db(&my, "stall").await;
    checkpoint_table(&db, "job_checkpoint").await;
    execute(&db, "UPDATE job_checkpoint SET rows_done = 100")
        .await
        .expect("some rows");
    let reader = ProgressReader::Sql {
        pool: db.clone(),
        query: SUM.into(),
    };
    let (handle, mut rx, _ctl) = follow(
        job(
            "bulk",
            Finished::ReachesTotal,
            Some(Duration::from_millis(400)),
        ),
        reader,
        Duration::from_millis(40),
    );
    let first = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!(first.state, CopyState::Running, "not stalled before 400 ms");
    let stalled = until(&mut rx, Duration::from_secs(10), |p| {
        p.state == CopyState::Stalled
    })
    .await;
    assert!(stalled.elapsed_secs >= 0.4, "{stalled:?}");
    let why = stalled.last_error.clone().unwrap_or_default();
    assert!(
        why.starts_with("stalled: no progress for ")
            && why.ends_with("(stalled_after 400ms) at 200 of 1000 rows"),
        "{why}"
    );
    execute(&db, "UPDATE job_checkpoint SET rows_done = 150")
        .await
        .expect("moves");
    let moving = until(&mut rx, Duration::from_secs(10), |p| p.rows_done == 300).await;
    assert_eq!(moving.state, CopyState::Running);
    assert_eq!(moving.last_error, None);
    execute(&db, "UPDATE job_checkpoint SET rows_done = rows_total")
        .await
        .expect("done");
    let summary = handle.await.expect("join").expect("followed");
    assert_eq!(summary.state, CopyState::Done);
}

#[tokio::test]
async fn a_broken_progress_query_is_shown_and_retried_not_taken_for_progress() {
    let Some(my) = servers::mysql() else { return };
    let (db, _, _) = mysql_db(&my, "extbad").await;
    let reader = ProgressReader::Sql {
        pool: db.clone(),
        query: SUM.into(),
    };
    let (handle, mut rx, ctl) = follow(
        job("bulk", Finished::ReachesTotal, None),
        reader,
        Duration::from_millis(30),
    );
    // The job has not created its checkpoint table yet.
    let p = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!((p.rows_done, p.state), (0, CopyState::Running));
    assert!(
        p.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("progress query: ") && e.contains("job_checkpoint")),
        "{p:?}"
    );
    checkpoint_table(&db, "job_checkpoint").await;
    let p = until(&mut rx, Duration::from_secs(10), |p| {
        p.rows_estimated == Some(1000)
    })
    .await;
    assert_eq!(p.last_error, None, "a reading that works clears the error");
    ctl.send(warroom::copy::CopyControl::Cancel)
        .await
        .expect("cancel");
    assert!(handle.await.expect("join").is_err(), "cancelled");
}

#[tokio::test]
async fn two_prometheus_series_give_done_and_total() {
    let Some(pg) = servers::postgres() else {
        return;
    };
    let Some(prom) = prometheus::shared() else {
        return;
    };
    // A database of its own: postgres_exporter reports its inserted tuples as a series
    // nothing else moves (CI's Prometheus scrapes it every second).
    let name = unique("promprog");
    let admin = pool(&pg, 1).await;
    execute(&admin, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    let url = format!("{}/{name}", pg.rsplit_once('/').expect("db in url").0);
    let db = pool(&url, 2).await;
    execute(&db, "CREATE TABLE moved (id INT)")
        .await
        .expect("table");
    let series = format!("sum(pg_stat_database_tup_inserted{{datname=\"{name}\"}})");
    let probe = ProgressReader::prometheus(&prom, &series, None).expect("reader");
    // Wait until Prometheus has scraped the new database (stats are flushed within ~1 s).
    let base = tokio::time::timeout(Duration::from_secs(30), async {
        let mut last = None;
        loop {
            if let Ok(r) = probe.read().await {
                if last == Some(r.done) {
                    return r.done;
                }
                last = Some(r.done);
            }
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
    })
    .await
    .expect("the series appears");
    let total = format!("vector({})", base + 500);
    let reader = ProgressReader::prometheus(&prom, &series, Some(&total)).expect("reader");
    let (handle, mut rx, _ctl) = follow(
        job("bulk", Finished::ReachesTotal, None),
        reader,
        Duration::from_millis(250),
    );
    let first = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!(first.rows_estimated, Some(base + 500));
    assert_eq!(first.state, CopyState::Running);
    for _ in 0..5 {
        execute(
            &db,
            "INSERT INTO moved SELECT g FROM generate_series(1, 100) AS g",
        )
        .await
        .expect("insert");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let summary = tokio::time::timeout(Duration::from_secs(60), handle)
        .await
        .expect("finishes once Prometheus has seen the rows")
        .expect("join")
        .expect("followed");
    assert_eq!(summary.state, CopyState::Done);
    assert!(summary.rows_total >= base + 500, "{summary:?}");
    db.close().await;
    execute(&admin, &format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop db");
}

#[tokio::test]
async fn a_command_s_json_gives_done_total_and_the_status_that_finishes_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        "{\"done\": 10, \"total\": 40, \"status\": \"RUNNING\"}\n",
    )
    .expect("state");
    let command = format!("echo checking; cat '{}'", state.display());
    let (handle, mut rx, _ctl) = follow(
        job("bulk", Finished::Status("succeeded".into()), None),
        ProgressReader::Command {
            command: command.clone(),
            allowed: true,
        },
        Duration::from_millis(30),
    );
    let p = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!((p.rows_done, p.rows_estimated), (10, Some(40)));
    std::fs::write(
        &state,
        "{\"done\": \"40\", \"total\": 40, \"status\": \"RUNNING\"}",
    )
    .expect("state");
    let p = until(&mut rx, Duration::from_secs(10), |p| p.rows_done == 40).await;
    assert_eq!(p.state, CopyState::Running, "the status rule decides");
    std::fs::write(
        &state,
        "{\"done\": 40, \"total\": 40, \"status\": \"SUCCEEDED\"}",
    )
    .expect("state");
    let summary = handle.await.expect("join").expect("followed");
    assert_eq!((summary.state, summary.rows_total), (CopyState::Done, 40));

    // Without --allow-shell the command never runs, and the panel says why.
    let (handle, mut rx, ctl) = follow(
        job("bulk", Finished::ReachesTotal, None),
        ProgressReader::Command {
            command,
            allowed: false,
        },
        Duration::from_millis(30),
    );
    let p = until(&mut rx, Duration::from_secs(10), |_| true).await;
    assert_eq!(p.rows_done, 0);
    assert!(
        p.last_error
            .as_deref()
            .is_some_and(|e| e.contains("--allow-shell")),
        "{p:?}"
    );
    ctl.send(warroom::copy::CopyControl::Cancel)
        .await
        .expect("cancel");
    assert!(handle.await.expect("join").is_err());
}

/// The drill refuses a step whose job would start while another job of its exclusive
/// group runs, naming that job and its step; once that job's evidence holds it may start.
#[test]
fn a_job_of_an_exclusive_group_waits_for_the_running_one_to_finish() {
    use chrono::{Duration as Minutes, TimeZone, Utc};
    use std::sync::Arc;
    use warroom::drill::{Actor, Command, CommandKind, Drill, Target};
    use warroom::runbook::{load, Evidence};

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks/exclusive-in-parallel.toml");
    let rb = load(&path).expect("loads (a warning only)").runbook;
    let mut drill = Drill::new(Arc::new(rb));
    let mut now = Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).unwrap();
    let exec = |drill: &mut Drill, who: &str, kind: CommandKind, at| {
        let by = if who == "system" {
            Actor::System
        } else {
            Actor::Person(who.into())
        };
        drill
            .execute(&Command { by, kind }, at)
            .map(|_| ())
            .map_err(|r| r.reason)
    };
    let start = |id: &str| CommandKind::Start {
        target: Target::Step(id.into()),
    };
    for kind in [
        start("a"),
        CommandKind::Done {
            target: Target::Step("a".into()),
        },
    ] {
        exec(&mut drill, "bo", kind, now).expect("step a");
    }
    exec(
        &mut drill,
        "ann",
        CommandKind::SignOff {
            target: Target::Step("a".into()),
        },
        now,
    )
    .expect("sign-off a");
    now += Minutes::minutes(5);
    exec(&mut drill, "bo", start("copy-orders"), now).expect("the first job starts");
    now += Minutes::hours(3);
    let refused = exec(&mut drill, "bo", start("copy-events"), now).unwrap_err();
    assert_eq!(
        refused,
        "step `copy-events` would start a copy while copy `orders` of exclusive group \
         `migration-service` runs (step `copy-orders`): jobs of one group never run at once; \
         start it when `orders` is done"
    );
    // Marked done by its DRI, its copy not finished: it still runs.
    exec(
        &mut drill,
        "bo",
        CommandKind::Done {
            target: Target::Step("copy-orders".into()),
        },
        now,
    )
    .expect("done");
    assert!(exec(&mut drill, "bo", start("copy-events"), now).is_err());
    // A stall is not an end: the job still holds the group.
    exec(
        &mut drill,
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::CopyDone("orders".into()),
            holds: false,
            detail: "stalled: no progress for 10m (stalled_after 10m) at 5 of 9 rows".into(),
        },
        now,
    )
    .expect("stall recorded");
    assert!(exec(&mut drill, "bo", start("copy-events"), now).is_err());
    now += Minutes::hours(17);
    exec(
        &mut drill,
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::CopyDone("orders".into()),
            holds: true,
            detail: "copy orders: 9 rows".into(),
        },
        now,
    )
    .expect("finished");
    exec(&mut drill, "bo", start("copy-events"), now).expect("the group is free");
}

/// In the console: starting the step follows the job; a stall is recorded on `copy:JOB`
/// (not holding, with the stall's words), moving again says so, and the end holds.
#[tokio::test]
async fn in_the_console_a_stall_and_the_end_are_the_job_s_evidence() {
    use warroom::drill::telemetry::Telemetry;
    use warroom::drill::{Actor, Command, CommandKind, EventKind, Target, Update};
    use warroom::runbook::Evidence;

    let Some(my) = servers::mysql() else { return };
    let (db, url, _) = mysql_db(&my, "extrun").await;
    checkpoint_table(&db, "job_checkpoint").await;
    execute(&db, "UPDATE job_checkpoint SET rows_done = 50")
        .await
        .expect("some rows");
    let text = format!(
        r#"
[runbook]
name = "external"
kind = "drill"
coordinator = "ann"
[people.ann]
name = "Ann"
role = "coordinator"
[connections.service]
url = "{url}"
[[copy]]
name = "bulk"
engine = "external"
source = "service"
target = "service"
stalled_after = "1s"
progress = {{ from = "sql", connection = "service", query = "{SUM}" }}
[[phase]]
name = "copy"
[[phase.step]]
id = "bulk"
title = "Bulk copy by the service"
dri = "ann"
reviewer = "ann"
planned = "1m"
action = {{ copy = "bulk" }}
"#
    );
    let runbook = warroom::runbook::parse_str("external.toml", &text)
        .expect("valid")
        .runbook;
    let dir = tempfile::tempdir().expect("tmp");
    let session = warroom::cli::session::open_session(
        runbook,
        None,
        None,
        Some(&dir.path().join("j.db")),
        false,
    )
    .await
    .expect("session");
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.expect("follow");
    session
        .hub
        .sink()
        .send(Command {
            by: Actor::Person("ann".into()),
            kind: CommandKind::Start {
                target: Target::Step("bulk".into()),
            },
        })
        .await
        .expect("start");
    let mut said: Vec<(bool, String)> = Vec::new();
    let mut saw_stalled_panel = false;
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match updates.recv().await.expect("updates") {
                Update::Telemetry(Telemetry::Copy(p)) if p.state == CopyState::Stalled => {
                    saw_stalled_panel = true;
                }
                Update::Event(e) => {
                    if let EventKind::EvidenceRecorded {
                        evidence: Evidence::CopyDone(job),
                        holds,
                        detail,
                    } = e.kind
                    {
                        assert_eq!(job, "bulk");
                        said.push((holds, detail.clone()));
                        match said.len() {
                            // Stalled: let the job move, then finish.
                            1 => {
                                execute(&db, "UPDATE job_checkpoint SET rows_done = 100")
                                    .await
                                    .expect("moves");
                            }
                            2 => {
                                execute(&db, "UPDATE job_checkpoint SET rows_done = rows_total")
                                    .await
                                    .expect("ends");
                            }
                            _ if holds => return,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no end within a minute: {said:?}"));
    assert!(
        saw_stalled_panel,
        "the copy panel is told the job is stalled"
    );
    assert!(
        !said[0].0 && said[0].1.starts_with("stalled: no progress for "),
        "{said:?}"
    );
    assert!(
        said[0]
            .1
            .ends_with("(stalled_after 1s) at 100 of 1000 rows"),
        "{said:?}"
    );
    assert_eq!(
        said[1],
        (
            false,
            "moving again after a stall: 200 of 1000 rows".to_string()
        )
    );
    let last = said.last().expect("the end");
    assert!(last.0 && last.1.starts_with("1000 rows"), "{said:?}");
}

/// The announcement of a stall says stalled (a warning), not FAILED; the end is "finished".
#[test]
fn a_stall_is_announced_as_a_stall_not_a_failure() {
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;
    use warroom::drill::outbox::Tone;
    use warroom::drill::{Actor, Command, CommandKind, Drill};
    use warroom::notify::message::for_event;
    use warroom::runbook::{load, Evidence};

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks/exclusive-in-parallel.toml");
    let mut drill = Drill::new(Arc::new(load(&path).expect("loads").runbook));
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).unwrap();
    let mut record = |holds: bool, detail: &str| {
        let events = drill
            .execute(
                &Command {
                    by: Actor::System,
                    kind: CommandKind::RecordEvidence {
                        evidence: Evidence::CopyDone("orders".into()),
                        holds,
                        detail: detail.into(),
                    },
                },
                now,
            )
            .expect("recorded");
        events.iter().find_map(|e| for_event(&drill, e))
    };
    let stalled = record(
        false,
        "stalled: no progress for 10m (stalled_after 10m) at 5 of 9 rows",
    )
    .expect("announced");
    assert_eq!(stalled.title, "Copy `orders` stalled");
    assert_eq!(stalled.tone, Tone::Warn);
    assert!(stalled.text.contains("at 5 of 9 rows"), "{stalled:?}");
    assert!(
        record(false, "moving again after a stall: 6 of 9 rows").is_none(),
        "moving again is not a second announcement"
    );
    let done = record(true, "9 rows").expect("announced");
    assert_eq!(done.title, "Copy `orders` finished");
}
