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
        round_unix_secs: None,
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

    // The documented shape (docs/report.md): renaming or dropping a field breaks this.
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(
        keys(&r),
        [
            "copies",
            "events",
            "gates",
            "health_incidents",
            "journal",
            "notes",
            "recons",
            "rollback",
            "runbook",
            "steps",
            "summary",
            "version"
        ]
    );
    assert_eq!(
        keys(&r["summary"]),
        [
            "actual_secs",
            "as_of",
            "drill_number",
            "ended_at",
            "live",
            "outcome",
            "overrides",
            "planned_secs",
            "started_at",
            "steps_done",
            "steps_failed",
            "steps_overrun",
            "steps_skipped",
            "steps_total"
        ]
    );
    assert_eq!(
        keys(&r["steps"][0]),
        [
            "actual_end_at_secs",
            "actual_secs",
            "actual_start_at_secs",
            "done_at",
            "done_by",
            "dri",
            "evidence",
            "failed_at",
            "failure",
            "gate",
            "id",
            "irreversible",
            "notes",
            "overrides",
            "overrun_secs",
            "phase",
            "planned_end_at_secs",
            "planned_secs",
            "planned_start_at_secs",
            "reviewer",
            "signed_off_at",
            "signed_off_by",
            "skip_reason",
            "skipped_at",
            "started_at",
            "started_by",
            "status",
            "title"
        ]
    );
    assert_eq!(
        keys(&r["events"][0]),
        ["at", "by", "ignored", "kind", "line", "seq"]
    );

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

fn report_text(dir: &Path, journal: &Path, format: &str) -> String {
    let out = warroom(
        dir,
        &["report", &journal.to_string_lossy(), "--format", format],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// The position of `needle` in `text`, failing with the text when absent.
fn pos(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not found in:\n{text}"))
}

#[tokio::test]
async fn markdown_tells_the_drill_in_order() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let md = report_text(dir.path(), &journal, "md");

    assert!(
        md.starts_with("# Drill report: payments rehearsal\n"),
        "{md}"
    );
    assert!(md.contains("**Result: ROLLED BACK**"));
    assert!(md.contains("| Planned (critical path) | 40m00s |"));
    assert!(md.contains("| Actual (drill clock) | 37m00s (-3m00s) |"));
    assert!(md.contains("| Started | 2026-03-01 22:00:00 UTC |"));
    assert!(
        md.contains("| Steps | 1 of 6 done, 1 skipped, 0 failed, 1 overran |"),
        "{md}"
    );
    // Sections in their order.
    let sections = [
        "## Timeline",
        "## Steps",
        "## Gates",
        "## Rollback",
        "## Copy",
        "## Recon",
        "## Health incidents",
        "## Event log",
    ];
    let at: Vec<usize> = sections.iter().map(|s| pos(&md, s)).collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {at:?}"
    );

    // The text chart: one column is 40 s (a 40-minute axis over 60 columns); backfill ran
    // from 4m (column 6) on plan for 10m (to column 21), then 4m over (to column 27).
    let act = format!(
        "{:<22}{:<4}|{}{}{}",
        "",
        "act",
        " ".repeat(6),
        "#".repeat(15),
        "+".repeat(6)
    );
    let backfill_plan = pos(&md, "backfill              plan|");
    let next_line = &md[backfill_plan..].lines().nth(1).unwrap_or_default();
    assert!(
        next_line.starts_with(act.as_str()),
        "backfill's actual row: `{next_line}`\nexpected `{act}`"
    );
    let row = |label: &str, kind: &str, body: String| format!("{label:<22}{kind:<4}|{body}");
    let chart = &md[pos(&md, "## Timeline")..pos(&md, "## Steps")];
    // vacuum was skipped at 18m (column 27); switch ran 23m..26m (columns 35..39) and
    // failed; the rollback was called at 27m (column 41); undoing switch took 28m..31m.
    for expected in [
        row("", "act", format!("{}s", " ".repeat(27))),
        row("", "act", format!("{}####x", " ".repeat(35))),
        row(
            "ROLLBACK from switch",
            "call",
            format!("{}^", " ".repeat(41)),
        ),
        row("  undo switch", "act", format!("{}<<<<<", " ".repeat(42))),
    ] {
        assert!(
            chart
                .lines()
                .any(|l| l.starts_with(&expected) && l[expected.len()..].starts_with(' ')),
            "no chart row `{expected}` in:\n{chart}"
        );
    }
    assert!(md.contains("go-no-go [gate]"));
    assert!(md.contains("decommission [PNR]"));
    assert!(md.contains("ROLLBACK from switch"));

    assert!(
        md.contains("| 2 | `backfill` | dana | sam | 10m00s | 14m00s | +4m00s | rolled back |"),
        "{md}"
    );
    assert!(md.contains("| 3 | `vacuum` | dana | sam | 5m00s | - | - | skipped |"));
    assert!(
        md.contains("### `backfill`: Copy orders \\<all of them> (rolled back)"),
        "{md}"
    );
    assert!(md.contains("| Signed off | 22:18:00Z by casey |"));
    assert!(md.contains("| Coordinator override (sign-off) | 22:18:00Z by casey: signed off instead of the reviewer |"));
    assert!(
        md.contains("| Note | 22:18:00Z dana: \\<script>alert(1)\\</script> |"),
        "{md}"
    );
    assert!(md.contains("| Skipped | 22:18:00Z: not needed on SQLite |"));
    assert!(md.contains("| Failed | 22:26:00Z: 5xx from the orders API |"));

    let votes = [
        "| 12 | 22:20:00Z | omar | NO-GO | replica lag 40s |",
        "| 14 | 22:22:00Z | omar | GO |  |",
        "| 15 | 22:23:00Z | casey | GO |  |",
    ];
    let at: Vec<usize> = votes.iter().map(|v| pos(&md, v)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "votes out of order");
    assert!(md.contains("### `go-no-go`: passed at 22:23:00Z by casey"));

    assert!(md.contains("Called at 22:27:00Z by casey from `switch`: 5xx after the switch. Completed at 22:36:00Z (took 9m00s)."));
    let tasks = [
        "| 1 | `switch` | Point the app back at the source. | done | 22:28:00Z by omar | 22:31:00Z by dana | 3m00s |",
        "| 2 | `backfill` | Truncate the target. | done | 22:31:00Z by dana | 22:34:00Z by casey (coordinator override) | 3m00s |",
        "| 3 | `announce` | Post that the drill is cancelled. | done | 22:34:00Z by casey | 22:36:00Z by sam | 2m00s |",
    ];
    let at: Vec<usize> = tasks.iter().map(|t| pos(&md, t)).collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "rollback tasks out of order"
    );

    assert!(md.contains("| `orders` | done | 1200 | 1200 |"));
    assert!(md.contains("| 22:10:00Z | 10m00s | 900 | 250 rows/s |"));
    assert!(md.contains(
        "| `orders` | done | 12/12 | 1200 / 1199 | 2 | 1 | 3 | 0 | 22:21:00Z by casey |"
    ));
    assert!(md.contains("| `lag` | critical | 22:12:00Z | 22:16:00Z | 4m00s |"));
    assert!(md.contains("| `pending` | no data | 22:14:00Z | still at the end | 2m00s | no data for 1m00s (connection refused) |"), "{md}");

    let log = &md[pos(&md, "## Event log")..];
    let lines: Vec<&str> = log.lines().filter(|l| l.starts_with("22:")).collect();
    assert_eq!(lines.len(), 30);
    assert_eq!(lines[0], "22:00:00Z #1 casey: started the drill");
    assert_eq!(
        lines[8],
        "22:18:00Z #9 dana: note on `backfill`: <script>alert(1)</script>"
    );
    assert_eq!(lines[29], "22:37:00Z #30 casey: ended the drill");
}

#[tokio::test]
async fn html_escapes_user_text_and_needs_nothing_else() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let html = report_text(dir.path(), &journal, "html");

    assert!(
        !html.to_lowercase().contains("<script"),
        "an unescaped script tag"
    );
    assert!(html.contains("dana: &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Copy orders &lt;all of them&gt;"));
    for external in ["src=", "href=", "<link", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the HTML refers to something outside it: {external}"
        );
    }
    assert!(html.contains("@page { size: A4;"));
    assert!(html.contains("break-inside: avoid"));
    assert!(html.contains(r#"<svg id="timeline""#));
    assert!(html.contains(r#"<span class="result bad" id="result">Result: ROLLED BACK</span>"#));
}

/// How many times `needle` occurs in `text`.
fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[tokio::test]
async fn html_renders_in_a_real_browser_and_prints_on_a4() {
    let Some(browser) = support::browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let html = dir.path().join("report.html");
    let out = warroom(
        dir.path(),
        &[
            "report",
            &journal.to_string_lossy(),
            "--format",
            "html",
            "-o",
            &html.to_string_lossy(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "-o writes nothing to standard output"
    );

    let dom = support::browser::dump_dom(&browser, dir.path(), &html);
    assert!(
        dom.contains(r#"<svg id="timeline""#),
        "no SVG timeline in the DOM"
    );
    assert_eq!(
        count(&dom, r#"class="step" data-step="#),
        6,
        "a timeline row per step"
    );
    assert_eq!(count(&dom, r#"<rect class="planned""#), 6);
    assert_eq!(
        count(&dom, r#"<rect class="actual""#),
        4,
        "announce, backfill, gate, switch ran"
    );
    assert_eq!(
        count(&dom, r#"<rect class="overrun""#),
        1,
        "backfill overran"
    );
    assert_eq!(count(&dom, r#"<rect class="rollback-task""#), 3);
    assert_eq!(
        count(&dom, r#"<line class="pnr""#),
        1,
        "decommission is the point of no return"
    );
    assert_eq!(
        count(&dom, r#"<section class="step""#),
        6,
        "a table per step"
    );
    let rate = &dom[pos(&dom, r#"<svg class="copy-rate""#)..];
    let rate = &rate[..pos(rate, "</svg>")];
    assert_eq!(
        count(rate, "<circle"),
        3,
        "one point per recorded copy sample"
    );
    assert_eq!(
        count(&dom, "<script"),
        0,
        "the note's script tag must stay text"
    );
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let order: Vec<usize> = [
        "step-announce",
        "step-backfill",
        "step-vacuum",
        "step-go-no-go",
        "step-switch",
        "step-decommission",
    ]
    .iter()
    .map(|id| pos(&dom, &format!("id=\"{id}\"")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "step tables out of order"
    );

    let png = dir.path().join("report.png");
    support::browser::screenshot(&browser, dir.path(), &html, &png);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("screenshot: {e}"));
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    // For looking at it yourself: WARROOM_KEEP_SCREENSHOT=/tmp/report.png (and _HTML, _PDF).
    if let Ok(keep) = std::env::var("WARROOM_KEEP_HTML") {
        let _ = std::fs::copy(&html, keep);
    }
    if let Ok(keep) = std::env::var("WARROOM_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&png, keep);
    }

    let pdf = dir.path().join("report.pdf");
    support::browser::print_to_pdf(&browser, dir.path(), &html, &pdf);
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("pdf: {e}"));
    let text = String::from_utf8_lossy(&bytes);
    // A4 is 595 x 842 points: every page box must be that (within a point).
    let boxes: Vec<Vec<f64>> = text
        .split("/MediaBox [")
        .skip(1)
        .map(|rest| {
            rest.split(']')
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .collect();
    assert!(!boxes.is_empty(), "the PDF has no page box");
    for b in &boxes {
        let a4 = b.len() == 4 && (b[2] - 595.3).abs() < 1.0 && (b[3] - 841.9).abs() < 1.0;
        assert!(a4, "a page of the PDF is not A4: {b:?}");
    }
    if let Ok(keep) = std::env::var("WARROOM_KEEP_PDF") {
        let _ = std::fs::copy(&pdf, keep);
    }
}

/// Changes one event's payload behind the journal's back, as a careless editor (or a torn
/// write) would: the checksum chain breaks there.
// Test sequence numbers are small.
#[allow(clippy::cast_possible_wrap)]
async fn corrupt_event(path: &Path, seq: u64) {
    use sqlx::{ConnectOptions, Connection};
    let mut c = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .unwrap_or_else(|e| panic!("raw connect: {e}"));
    sqlx::query("UPDATE events SET payload = replace(payload, 'casey', 'mallory') WHERE seq = ?")
        .bind(seq as i64)
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("tamper: {e}"));
    c.close().await.unwrap_or_else(|e| panic!("close: {e}"));
}

#[tokio::test]
async fn a_damaged_tail_gives_the_report_of_the_valid_prefix() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    // Event 25 is casey's sign-off of the rollback of `backfill`.
    corrupt_event(&journal, 25).await;
    let j = journal.to_string_lossy().to_string();

    let out = warroom(dir.path(), &["report", &j]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a report of a damaged journal exits 1"
    );
    let md = stdout(&out);
    let warning = "> **WARNING: the journal could not be read from event #25 on; this report covers events #1 to #24 only.**";
    assert!(
        md.lines().nth(2) == Some(warning),
        "the warning is not at the top:\n{md}"
    );
    assert!(md.contains("**Result: ROLLING BACK**"), "{md}");
    assert!(md.contains("22:33:00Z #24 dana: marked the rollback of `backfill` done"));
    assert!(!md.contains("Z #25 "), "nothing from the damaged record on");
    let err = stderr(&out);
    assert!(
        err.contains("event #25") && err.contains("drill.db"),
        "{err}"
    );

    let out = warroom(dir.path(), &["report", &j, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["journal"]["unreadable_from_seq"], 25);
    assert_eq!(r["journal"]["events_read"], 24);
    assert_eq!(r["summary"]["outcome"], "rolling_back");
    assert_eq!(r["rollback"]["tasks"][1]["status"], "awaiting review");
    // What was read before the damage is reported in full.
    assert_eq!(step_of(&r, "backfill")["overrun_secs"], 240.0);

    let out = warroom(dir.path(), &["report", &j, "--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    let html = stdout(&out);
    let damage = pos(
        &html,
        r#"<p class="warning" id="damage">WARNING: the journal could not be read from event #25 on"#,
    );
    assert!(
        damage < pos(&html, "<h2>Timeline"),
        "the warning comes first"
    );
}

#[tokio::test]
async fn a_truncated_file_still_reports_what_it_can_or_refuses_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let len = std::fs::metadata(&journal).map_or(0, |m| m.len());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&journal)
        .unwrap_or_else(|e| panic!("{e}"));
    file.set_len(len - 4096)
        .unwrap_or_else(|e| panic!("truncate: {e}"));
    drop(file);
    let out = warroom(
        dir.path(),
        &["report", &journal.to_string_lossy(), "--format", "json"],
    );
    eprintln!(
        "truncated journal: exit {:?}, {}",
        out.status.code(),
        stderr(&out)
    );
    match out.status.code() {
        // The cut took events: the report is of the prefix, and says where it stops.
        Some(1) => {
            let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
            let read = r["journal"]["events_read"].as_u64().unwrap_or(u64::MAX);
            let events = r["events"].as_array().map_or(0, Vec::len) as u64;
            assert_eq!(events, read);
            assert!(!r["journal"]["damage"].as_array().is_none_or(Vec::is_empty));
        }
        // The cut took the meta record: refused, one sentence naming the file.
        Some(2) => {
            let err = stderr(&out);
            assert!(out.stdout.is_empty());
            assert_eq!(err.trim().lines().count(), 1, "{err}");
            assert!(err.contains("drill.db"), "{err}");
        }
        other => panic!("a truncated journal gave exit {other:?}: {}", stderr(&out)),
    }
}

#[tokio::test]
async fn what_is_not_a_journal_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "this is not a journal\n").unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("missing.db");
    let foreign = dir.path().join("other.db");
    {
        use sqlx::{ConnectOptions, Connection};
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::raw_sql("CREATE TABLE t (x)")
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        c.close().await.unwrap_or_else(|e| panic!("{e}"));
    }
    let cases = [
        (&text, "notes.txt is not a readable warroom journal"),
        (&missing, "missing.db does not exist"),
        (
            &foreign,
            "other.db is a SQLite file but not a warroom journal",
        ),
    ];
    for (path, says) in cases {
        let out_file = dir.path().join("report.md");
        let out = warroom(
            dir.path(),
            &[
                "report",
                &path.to_string_lossy(),
                "-o",
                &out_file.to_string_lossy(),
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(says), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(out.stdout.is_empty());
        assert!(!out_file.exists(), "no report file is left behind");
    }
    assert_eq!(
        std::fs::read_to_string(&text).ok().as_deref(),
        Some("this is not a journal\n"),
        "the input is untouched"
    );
}

#[tokio::test]
async fn the_report_never_overwrites_its_journal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let before = std::fs::read(&journal).unwrap_or_else(|e| panic!("{e}"));
    let j = journal.to_string_lossy().to_string();
    let out = warroom(dir.path(), &["report", &j, "-o", &j]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("names the journal itself"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&journal).ok(), Some(before));
    // And the journal still reports.
    assert!(report_text(dir.path(), &journal, "md").contains("**Result: ROLLED BACK**"));
}

/// `-o` onto something that is not a regular file (a FIFO here; `/dev/null` alike) writes
/// into it: renaming the finished report over it would replace the device with a file.
#[tokio::test]
async fn the_report_writes_into_a_fifo_and_leaves_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = record_drill(dir.path()).await;
    let fifo = dir.path().join("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap_or_default())
    };
    let out = warroom(
        dir.path(),
        &[
            "report",
            &journal.to_string_lossy(),
            "-o",
            &fifo.to_string_lossy(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Checked before the reader is joined: a replaced FIFO never gets a writer.
    let kind = std::fs::symlink_metadata(&fifo)
        .unwrap_or_else(|e| panic!("{e}"))
        .file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    let got = reader.join().unwrap_or_default();
    assert!(got.contains("**Result: ROLLED BACK**"), "{got}");
}

/// The demo in line mode, driven like a script, leaves a live drill's journal: its report
/// says so and holds what was done, by whom, in order.
#[test]
fn a_live_demo_drill_reports_from_its_journal() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = "start announce\nnote announce <b>bold</b> & <script>x</script>\ndone announce\nas sam\nsignoff announce\nas casey\nskip target-empty no target table yet\nquit\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("warroom.log"))
        .args(["demo", "--line", "--solo", "--dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the demo: {e}"));
    child
        .stdin
        .take()
        .map_or_else(
            || panic!("no stdin"),
            |mut stdin| stdin.write_all(script.as_bytes()),
        )
        .unwrap_or_else(|e| panic!("write: {e}"));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("demo: {e}"));
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    let journal = std::fs::read_dir(dir.path().join("drills"))
        .unwrap_or_else(|e| panic!("no drills/: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "db"))
        .unwrap_or_else(|| panic!("the demo left no journal"));

    let out = warroom(
        dir.path(),
        &["report", &journal.to_string_lossy(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["runbook"]["name"], "demo: orders SQLite -> SQLite");
    assert_eq!(r["summary"]["outcome"], "in_progress");
    assert_eq!(r["summary"]["live"], true);
    assert_eq!(
        strs(&r["steps"], "id"),
        [
            "announce",
            "source-healthy",
            "target-empty",
            "preflight",
            "backfill",
            "recon",
            "go-no-go",
            "switch-app",
            "smoke",
            "watch",
            "close"
        ]
    );
    let announce = step_of(&r, "announce");
    assert_eq!(announce["started_by"], "casey");
    assert_eq!(announce["signed_off_by"], "sam");
    assert_eq!(
        announce["notes"][0]["text"],
        "<b>bold</b> & <script>x</script>"
    );
    assert_eq!(
        step_of(&r, "target-empty")["skip_reason"],
        "no target table yet"
    );
    let people: Vec<String> = r["events"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|e| e["by"] != "system")
                .map(|e| {
                    format!(
                        "{} {}",
                        e["by"].as_str().unwrap_or("?"),
                        e["kind"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        people,
        [
            "casey drill_started",
            "casey started",
            "casey note_added",
            "casey done",
            "sam signed_off",
            "casey skipped"
        ]
    );

    let html = report_text(dir.path(), &journal, "html");
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"));
    assert!(html.contains("Result: IN PROGRESS</span> live: figures as of"));
}

/// A runbook of `steps` (id, planned minutes), one after the other, all dana's, reviewed by sam.
fn small_runbook(steps: &[(&str, u32)]) -> String {
    let mut text = String::from(
        "[runbook]\nname = \"rehearsal\"\nkind = \"drill\"\ncoordinator = \"casey\"\n\n[people.casey]\nname = \"Casey\"\nrole = \"coordinator\"\n\n[people.dana]\nname = \"Dana\"\nrole = \"DBA\"\n\n[people.sam]\nname = \"Sam\"\nrole = \"SRE\"\n\n[[phase]]\nname = \"all\"\n",
    );
    for (id, minutes) in steps {
        text.push_str(&format!(
            "\n[[phase.step]]\nid = \"{id}\"\ntitle = \"Step {id}\"\ndri = \"dana\"\nreviewer = \"sam\"\nplanned = \"{minutes}m\"\n"
        ));
    }
    text
}

/// Runs the steps back to back, each taking the given minutes, then ends the drill.
async fn small_drill(path: &Path, plan: &[(&str, u32)], took: &[u32]) -> PathBuf {
    use CommandKind::*;
    let text = small_runbook(plan);
    let mut r = Recorder::create(path, parse_runbook("small.toml", &text)).await;
    let mut now = 0.0;
    for ((id, _), minutes) in plan.iter().zip(took) {
        r.cmd(now, "dana", Start { target: step(id) }).await;
        now += f64::from(*minutes);
        r.cmd(now, "dana", Done { target: step(id) }).await;
        r.cmd(now, "sam", SignOff { target: step(id) }).await;
    }
    r.cmd(now, "casey", EndDrill).await;
    r.close().await
}

/// The three drills of three runbook versions the comparison tests use (v2 adds `d`, v3
/// drops `c`), and the last runbook's plan.
async fn three_small_drills(d: &Path) -> ([PathBuf; 3], [(&'static str, u32); 3]) {
    let one = small_drill(
        &d.join("one.db"),
        &[("a", 10), ("b", 5), ("c", 5)],
        &[12, 4, 6],
    )
    .await;
    let two = small_drill(
        &d.join("two.db"),
        &[("a", 10), ("b", 5), ("d", 5), ("c", 5)],
        &[11, 6, 3, 5],
    )
    .await;
    let last_plan = [("a", 10), ("b", 5), ("d", 5)];
    let three = small_drill(&d.join("three.db"), &last_plan, &[9, 7, 2]).await;
    ([one, two, three], last_plan)
}

/// Three drills of three runbook versions (v2 adds `d`, v3 drops `c`); every figure below
/// was worked out by hand from the minutes given.
#[tokio::test]
async fn compare_sets_three_drills_side_by_side() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let ([one, two, three], _) = three_small_drills(d).await;
    let journals: Vec<String> = [&one, &two, &three]
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let mut args = vec!["report", "--compare"];
    args.extend(journals.iter().map(String::as_str));

    let out = warroom(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    let rows = [
        "| `a` | 12m00s (+2m00s) | 11m00s (+1m00s) | 9m00s | 11m00s | 2 of 3 |  |",
        "| `b` | 4m00s | 6m00s (+1m00s) | 7m00s (+2m00s) | 6m00s | 2 of 3 |  |",
        "| `d` | n/a | 3m00s | 2m00s | 2m30s | 0 of 2 | added in drill 2 |",
        "| `c` | 6m00s (+1m00s) | 5m00s | n/a | 5m30s | 1 of 2 | removed in drill 3 |",
        "| **Total** | 22m00s | 25m00s | 18m00s | | | |",
    ];
    let at: Vec<usize> = rows.iter().map(|r| pos(&md, r)).collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "rows out of order:\n{md}"
    );
    assert!(
        md.contains("Overran in the most drills (2 of 3): `a`, `b`."),
        "{md}"
    );

    args.extend(["--format", "json"]);
    let out = warroom(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strs(&c["steps"], "id"), ["a", "b", "d", "c"]);
    assert_eq!(c["steps"][0]["median_secs"], 660.0);
    assert_eq!(
        c["steps"][2]["actual_secs"],
        serde_json::json!([null, 180.0, 120.0])
    );
    assert_eq!(
        c["steps"][2]["present"],
        serde_json::json!([false, true, true])
    );
    assert_eq!(c["steps"][3]["change"], "removed in drill 3");
    let totals: Vec<f64> = c["drills"]
        .as_array()
        .map(|d| d.iter().filter_map(|d| d["actual_secs"].as_f64()).collect())
        .unwrap_or_default();
    assert_eq!(totals, [1320.0, 1500.0, 1080.0]);
    assert_eq!(c["most_overrun"], serde_json::json!(["a", "b"]));

    let html_args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "json" { "html" } else { *a })
        .collect();
    let out = warroom(d, &html_args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = stdout(&out);
    assert_eq!(
        count(&html, r#"<td class="over">"#),
        5,
        "a twice, b twice, c once"
    );
    assert!(html.contains(r#"<td class="over">12m00s (+2m00s)</td>"#));
    assert!(html.contains("<td>added in drill 2</td>"));

    let out = warroom(d, &["report", &journals[0], &journals[1]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("add --compare"), "{}", stderr(&out));
}

/// A journal whose recorded runbook this build cannot parse is refused, naming the file
/// and the version that wrote it, not half-reported.
#[tokio::test]
async fn a_journal_whose_runbook_does_not_parse_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut runbook = parse_runbook("report-drill.toml", RUNBOOK);
    runbook.source_text = "[runbook]\nname = \"from the future\"\nwarp = 9\n".into();
    let path = dir.path().join("future.db");
    let journal = warroom::journal::Journal::create(&path, &runbook)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    journal.close().await.unwrap_or_else(|e| panic!("{e}"));
    let out = warroom(dir.path(), &["report", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("the runbook recorded in journal") && err.contains("future.db"),
        "{err}"
    );
    assert!(err.contains("use warroom 0.1.0, which wrote it"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `--suggest-plan`: the plan the history supports (80th percentile, rounded up) for each
/// step it contradicts, as a patch that applies to the last drill's runbook. Figures by
/// hand: `a` planned 10m took 12, 11, 9 (p80 12m); `b` planned 5m took 4, 6, 7 (p80 7m);
/// `d` planned 5m took 3, 2 (p80 3m: inside the plan, over half of it: unchanged); `c` is
/// not in the last runbook.
#[tokio::test]
async fn suggest_plan_patches_the_steps_the_history_contradicts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let ([one, two, three], last_plan) = three_small_drills(d).await;
    let journals: Vec<String> = [&one, &two, &three]
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let mut args = vec!["report", "--compare", "--suggest-plan"];
    args.extend(journals.iter().map(String::as_str));
    let out = warroom(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let patch = stdout(&out);
    assert_eq!(
        patch,
        "--- rehearsal.toml\n+++ rehearsal.toml\n\
         @@ -26,1 +26,1 @@ a\n-planned = \"10m\"\n+planned = \"12m\"\n\
         @@ -33,1 +33,1 @@ b\n-planned = \"5m\"\n+planned = \"7m\"\n"
    );
    let why = stderr(&out);
    assert!(
        why.contains("a: overran in most drills: 80% of 3 drills took at most 12m"),
        "{why}"
    );
    // It applies to the runbook as written, and the result is still a valid runbook.
    let runbook = d.join("rehearsal.toml");
    std::fs::write(&runbook, small_runbook(&last_plan)).unwrap_or_else(|e| panic!("{e}"));
    let patch_file = d.join("plan.patch");
    std::fs::write(&patch_file, &patch).unwrap_or_else(|e| panic!("{e}"));
    let applied = Command::new("patch")
        .arg(&runbook)
        .arg(&patch_file)
        .output()
        .unwrap_or_else(|e| panic!("patch: {e}"));
    assert!(applied.status.success(), "{applied:?}");
    let text = std::fs::read_to_string(&runbook).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text, small_runbook(&[("a", 12), ("b", 7), ("d", 5)]));
    let check = warroom(d, &["check", runbook.to_str().unwrap_or_default()]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    // --suggest-plan needs --compare.
    let out = warroom(d, &["report", "--suggest-plan", &journals[0]]);
    assert_eq!(out.status.code(), Some(2));
}
