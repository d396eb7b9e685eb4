#![allow(clippy::unwrap_used)]
//! Handover and deputies through the real binary in line mode: the coordinator hands the
//! role over mid-drill, the old one can no longer act as coordinator, deputies act for
//! their people, and the journal and the report say who acted for whom.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn warroom(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.join("warroom.log"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn line_mode_hands_the_coordinator_role_over_and_deputies_act_for_their_people() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let journal = d.join("j.db");
    let runbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/runbooks/deputies.toml"
    );
    // ann coordinates; bo is the DRI of `a`, cy reviews it; cy deputizes bo, and bo and
    // ann deputize cy.
    let script = "\
handover coordinator bo
as bo
accept handover
as ann
skip a too late
handover coordinator cy
as cy
start a
as bo
done a
as cy
signoff a
as ann
signoff a
status
quit
";
    let out = warroom(
        d,
        &[
            "run",
            runbook,
            "--line",
            "--journal",
            &journal.to_string_lossy(),
        ],
        script,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let has = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no line with {needle:?} in:\n{text}"
        );
    };
    has("ok ");
    has("ann: offered the coordinator role to `bo`");
    has("bo: `bo` took over the coordinator role from `ann`");
    // ann is no longer the coordinator: her coordinator acts are refused.
    has("error: refused (not allowed): only the coordinator `bo` can skip a step: ask them");
    has("error: refused (not allowed): `ann` cannot hand over the coordinator role: only the coordinator `bo` can");
    // cy, bo's deputy, starts bo's step for bo.
    has("cy (for bo): started `a`");
    // cy started the work, so cy cannot review it even in her own reviewer seat...
    has("error: refused (not allowed): `cy` worked on `a`");
    // ...but cy's deputy ann, who did none of it, signs off for her.
    has("ann (for cy): signed off `a`");
    // `status` says who coordinates now.
    has("coordinator bo since ");

    let out = warroom(
        d,
        &["report", &journal.to_string_lossy(), "--format", "json"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = report["steps"].as_array().unwrap();
    let a = steps.iter().find(|s| s["id"] == "a").unwrap();
    assert_eq!(a["started_by"], "cy (for bo)");
    assert_eq!(a["done_by"], "bo");
    assert_eq!(a["signed_off_by"], "ann (for cy)");

    // The journal keeps `acting_for`: `events` shows it again.
    let out = warroom(d, &["events", &journal.to_string_lossy()], "");
    let events = String::from_utf8_lossy(&out.stdout);
    assert!(events.contains("ann (for cy): signed off `a`"), "{events}");
}
