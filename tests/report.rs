//! The drill report end to end: a real journal recorded by the real drill engine (through
//! the journal's own write API, the way the hub records), made into a report by the real
//! binary in every format, the HTML checked in a real headless browser.

mod support;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use support::recorder::{at, parse_runbook, Recorder};
use warroom::drill::telemetry::copy::{CopyProgress, CopyState, Throttle, ThrottleState};
use warroom::drill::telemetry::health::{HealthSnapshot, ProbeSample, ProbeState, ProbeStatus};
use warroom::drill::telemetry::recon::{MismatchCounts, ReconProgress, ReconState};
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{CommandKind, Target};
use warroom::runbook::{Evidence, ProbeKind};

const RUNBOOK: &str = include_str!("fixtures/report-drill.toml");
const NOTE: &str = "<script>alert(1)</script>";

fn step(id: &str) -> Target {
    Target::Step(id.to_string())
}

fn undo(id: &str) -> Target {
    Target::Rollback(id.to_string())
}

fn copy(rows: u64, rate: f64, state: CopyState) -> Telemetry {
    Telemetry::Copy(CopyProgress {
        job: "orders".into(),
        state,
        rows_done: rows,
        rows_estimated: Some(1200),
        rows_per_sec_now: rate,
        rows_per_sec_avg: rows as f64 / 720.0,
        elapsed_secs: 0.0,
        throttled_secs: 0.0,
        throttle: Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        },
        rate_limit: None,
        retries: 1,
        errors: 0,
        last_error: None,
        chunk_size: 100,
        ranges: Vec::new(),
    })
}

/// A probe as the board shows it: `None` value with `NoData` is a stale probe.
fn probe(name: &str, minutes: f64, value: Option<f64>, status: ProbeStatus) -> ProbeState {
    let stale = status == ProbeStatus::NoData;
    ProbeState {
        name: name.into(),
        kind: ProbeKind::Sql,
        unit: None,
        rollback_path: false,
        latest: Some(ProbeSample {
            probe: name.into(),
            at: at(minutes),
            value,
            series: Vec::new(),
            status,
            error: stale.then(|| "connection refused".to_string()),
            latency: Duration::from_millis(5),
        }),
        last_value: None,
        stale_for: stale.then(|| Duration::from_secs(60)),
        status,
        history: VecDeque::new(),
    }
}

fn health(minutes: f64, lag: (f64, ProbeStatus), pending: ProbeStatus) -> Telemetry {
    let pending_value = (pending != ProbeStatus::NoData).then_some(3.0);
    let probes = vec![
        probe("lag", minutes, Some(lag.0), lag.1),
        probe("pending", minutes, pending_value, pending),
    ];
    Telemetry::Health(HealthSnapshot {
        at: at(minutes),
        worst: ProbeStatus::worst(probes.iter().map(|p| p.status)),
        probes,
    })
}

fn recon() -> Telemetry {
    Telemetry::Recon(ReconProgress {
        job: "orders".into(),
        state: ReconState::Done,
        chunks_total: 12,
        chunks_done: 12,
        chunks_bisected: 3,
        rows_source: 1200,
        rows_target: 1199,
        counts: MismatchCounts {
            missing: 2,
            extra: 1,
            changed: 3,
        },
        findings: Vec::new(),
        domain: Vec::new(),
        elapsed_secs: 40.0,
        last_error: None,
        chunks: Vec::new(),
    })
}

/// The drill every test here reports on (times in minutes after 22:00:00Z), ending in a
/// completed rollback at 22:37. Returns the journal's path.
async fn record_drill(dir: &Path) -> PathBuf {
    use CommandKind::*;
    let mut r = Recorder::create(
        &dir.join("drill.db"),
        parse_runbook("report-drill.toml", RUNBOOK),
    )
    .await;
    r.cmd(
        0.0,
        "casey",
        Start {
            target: step("announce"),
        },
    )
    .await;
    r.cmd(
        4.0,
        "casey",
        Done {
            target: step("announce"),
        },
    )
    .await;
    r.cmd(
        4.0,
        "sam",
        SignOff {
            target: step("announce"),
        },
    )
    .await;
    r.cmd(
        4.0,
        "dana",
        Start {
            target: step("backfill"),
        },
    )
    .await;
    r.telemetry(6.0, copy(300, 150.0, CopyState::Running)).await;
    r.telemetry(10.0, health(10.0, (2.0, ProbeStatus::Ok), ProbeStatus::Ok))
        .await;
    r.telemetry(10.0, copy(900, 250.0, CopyState::Running))
        .await;
    r.telemetry(
        12.0,
        health(12.0, (40.0, ProbeStatus::Critical), ProbeStatus::Ok),
    )
    .await;
    r.telemetry(
        14.0,
        health(14.0, (45.0, ProbeStatus::Critical), ProbeStatus::NoData),
    )
    .await;
    r.telemetry(
        16.0,
        health(16.0, (3.0, ProbeStatus::Ok), ProbeStatus::NoData),
    )
    .await;
    r.telemetry(16.0, copy(1200, 100.0, CopyState::Done)).await;
    let evidence = RecordEvidence {
        evidence: Evidence::CopyDone("orders".into()),
        holds: true,
        detail: "1200 rows".into(),
    };
    r.cmd(17.0, "system", evidence).await;
    r.cmd(
        17.0,
        "dana",
        Done {
            target: step("backfill"),
        },
    )
    .await;
    r.cmd(
        18.0,
        "casey",
        SignOff {
            target: step("backfill"),
        },
    )
    .await;
    let note = Note {
        step: Some("backfill".into()),
        text: NOTE.into(),
    };
    r.cmd(18.0, "dana", note).await;
    let skip = Skip {
        step: "vacuum".into(),
        reason: "not needed on SQLite".into(),
    };
    r.cmd(18.0, "casey", skip).await;
    r.cmd(
        19.0,
        "casey",
        Start {
            target: step("go-no-go"),
        },
    )
    .await;
    let no_go = NoGo {
        step: "go-no-go".into(),
        reason: "replica lag 40s".into(),
    };
    r.cmd(20.0, "omar", no_go).await;
    r.telemetry(21.0, recon()).await;
    r.cmd(
        21.0,
        "casey",
        ApproveFix {
            recon: "orders".into(),
        },
    )
    .await;
    r.cmd(
        22.0,
        "omar",
        Go {
            step: "go-no-go".into(),
        },
    )
    .await;
    r.cmd(
        23.0,
        "casey",
        Go {
            step: "go-no-go".into(),
        },
    )
    .await;
    r.cmd(
        23.0,
        "omar",
        Start {
            target: step("switch"),
        },
    )
    .await;
    let fail = Fail {
        target: step("switch"),
        reason: "5xx from the orders API".into(),
    };
    r.cmd(26.0, "omar", fail).await;
    let rollback = CallRollback {
        from: "switch".into(),
        reason: "5xx after the switch".into(),
    };
    r.cmd(27.0, "casey", rollback).await;
    r.cmd(
        28.0,
        "omar",
        Start {
            target: undo("switch"),
        },
    )
    .await;
    r.cmd(
        30.0,
        "omar",
        Done {
            target: undo("switch"),
        },
    )
    .await;
    r.cmd(
        31.0,
        "dana",
        SignOff {
            target: undo("switch"),
        },
    )
    .await;
    r.cmd(
        31.0,
        "dana",
        Start {
            target: undo("backfill"),
        },
    )
    .await;
    r.cmd(
        33.0,
        "dana",
        Done {
            target: undo("backfill"),
        },
    )
    .await;
    r.cmd(
        34.0,
        "casey",
        SignOff {
            target: undo("backfill"),
        },
    )
    .await;
    r.cmd(
        34.0,
        "casey",
        Start {
            target: undo("announce"),
        },
    )
    .await;
    r.cmd(
        35.0,
        "casey",
        Done {
            target: undo("announce"),
        },
    )
    .await;
    r.cmd(
        36.0,
        "sam",
        SignOff {
            target: undo("announce"),
        },
    )
    .await;
    r.cmd(37.0, "casey", EndDrill).await;
    r.close().await
}

fn warroom(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.join("warroom.log"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run warroom: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_report(dir: &Path, journal: &Path) -> Value {
    let out = warroom(
        dir,
        &["report", &journal.to_string_lossy(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("report JSON: {e}"))
}

fn strs(v: &Value, field: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x[field].as_str().unwrap_or("?").to_string())
        .collect()
}

fn step_of<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no step {id} in the report"))
}

#[tokio::test]
async fn json_holds_the_drills_figures() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let r = json_report(dir.path(), &journal);

    let s = &r["summary"];
    assert_eq!(r["version"], 1);
    assert_eq!(r["runbook"]["name"], "payments rehearsal");
    assert_eq!(r["runbook"]["kind"], "drill");
    assert_eq!(s["outcome"], "rolled_back");
    assert_eq!(s["live"], false);
    assert_eq!(
        s["planned_secs"], 2400.0,
        "critical path 5+10+5+5+10+5 minutes"
    );
    assert_eq!(s["actual_secs"], 2220.0, "22:00 to 22:37");
    assert_eq!(s["started_at"], "2026-03-01T22:00:00Z");
    assert_eq!(s["ended_at"], "2026-03-01T22:37:00Z");
    assert_eq!(s["steps_skipped"], 1);
    assert_eq!(s["steps_overrun"], 1);
    assert_eq!(
        s["overrides"], 2,
        "backfill's sign-off and its rollback task's"
    );

    assert_eq!(
        strs(&r["steps"], "id"),
        [
            "announce",
            "backfill",
            "vacuum",
            "go-no-go",
            "switch",
            "decommission"
        ]
    );
    let backfill = step_of(&r, "backfill");
    assert_eq!(backfill["planned_secs"], 600.0);
    assert_eq!(
        backfill["actual_secs"], 840.0,
        "22:04 to the sign-off at 22:18"
    );
    assert_eq!(backfill["overrun_secs"], 240.0);
    assert_eq!(backfill["planned_start_at_secs"], 300.0);
    assert_eq!(backfill["actual_start_at_secs"], 240.0);
    assert_eq!(backfill["started_by"], "dana");
    assert_eq!(backfill["done_by"], "dana");
    assert_eq!(backfill["signed_off_by"], "casey");
    assert_eq!(backfill["signed_off_at"], "2026-03-01T22:18:00Z");
    assert_eq!(strs(&backfill["overrides"], "kind"), ["sign_off"]);
    assert_eq!(backfill["notes"][0]["text"], NOTE);
    assert_eq!(backfill["notes"][0]["by"], "dana");
    assert_eq!(backfill["evidence"][0]["evidence"], "copy:orders");
    assert_eq!(backfill["evidence"][0]["detail"], "1200 rows");
    let announce = step_of(&r, "announce");
    assert_eq!(announce["actual_secs"], 240.0);
    assert_eq!(announce["overrun_secs"], Value::Null);
    assert_eq!(announce["signed_off_by"], "sam");
    let vacuum = step_of(&r, "vacuum");
    assert_eq!(vacuum["status"], "skipped");
    assert_eq!(vacuum["skip_reason"], "not needed on SQLite");
    assert_eq!(vacuum["actual_secs"], Value::Null);
    let switch = step_of(&r, "switch");
    assert_eq!(switch["failure"], "5xx from the orders API");
    assert_eq!(switch["actual_secs"], 180.0);
    let decommission = step_of(&r, "decommission");
    assert_eq!(decommission["irreversible"], true);
    assert_eq!(decommission["started_at"], Value::Null);

    let gate = &r["gates"][0];
    assert_eq!(gate["step"], "go-no-go");
    assert_eq!(gate["outcome"], "passed");
    assert_eq!(gate["decided_at"], "2026-03-01T22:23:00Z");
    assert_eq!(strs(&gate["votes"], "by"), ["omar", "omar", "casey"]);
    assert_eq!(strs(&gate["votes"], "vote"), ["no_go", "go", "go"]);
    assert_eq!(gate["votes"][0]["reason"], "replica lag 40s");
    assert_eq!(gate["votes"][0]["at"], "2026-03-01T22:20:00Z");

    let rb = &r["rollback"];
    assert_eq!(rb["from"], "switch");
    assert_eq!(rb["called_by"], "casey");
    assert_eq!(rb["called_at_secs"], 1620.0);
    assert_eq!(rb["actual_secs"], 540.0, "22:27 to the completion at 22:36");
    assert_eq!(
        strs(&rb["tasks"], "step"),
        ["switch", "backfill", "announce"]
    );
    assert_eq!(
        strs(&rb["tasks"], "signed_off_by"),
        ["dana", "casey", "sam"]
    );
    let took: Vec<f64> = rb["tasks"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["actual_secs"].as_f64()).collect())
        .unwrap_or_default();
    assert_eq!(took, [180.0, 180.0, 120.0]);
    assert_eq!(rb["tasks"][1]["override_by_coordinator"], true);

    let c = &r["copies"][0];
    assert_eq!(c["job"], "orders");
    assert_eq!(c["state"], "done");
    assert_eq!(c["rows_done"], 1200);
    let rates: Vec<(f64, f64)> = c["samples"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| Some((s["at_secs"].as_f64()?, s["rows_per_sec"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(rates, [(360.0, 150.0), (600.0, 250.0), (960.0, 100.0)]);

    let rc = &r["recons"][0];
    assert_eq!(
        (
            rc["missing"].as_u64(),
            rc["extra"].as_u64(),
            rc["changed"].as_u64()
        ),
        (Some(2), Some(1), Some(3))
    );
    assert_eq!(rc["fixes_approved"][0]["by"], "casey");
    assert_eq!(rc["fixes_approved"][0]["at"], "2026-03-01T22:21:00Z");

    let h = &r["health_incidents"];
    assert_eq!(strs(h, "probe"), ["lag", "pending"]);
    assert_eq!(strs(h, "status"), ["critical", "no_data"]);
    assert_eq!(h[0]["from"], "2026-03-01T22:12:00Z");
    assert_eq!(h[0]["to"], "2026-03-01T22:16:00Z");
    assert_eq!(h[0]["secs"], 240.0);
    assert_eq!(
        h[1]["to"],
        Value::Null,
        "still without data at the last sample"
    );

    let events = r["events"].as_array().map(Vec::len);
    assert_eq!(events, Some(30));
    assert_eq!(r["events"][0]["kind"], "drill_started");
    assert_eq!(r["events"][29]["kind"], "drill_ended");
    assert_eq!(
        r["events"][11]["line"],
        "22:20:00Z #12 omar: said NO-GO at `go-no-go`: replica lag 40s"
    );
}
