//! The runbook's clock rules with the manual clock: a fixed start, a minimum hold, a GO
//! deadline and a planned range.

use super::*;
use crate::runbook::StepClock;

fn at(mins: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(mins)
}

fn rb() -> Runbook {
    cast()
        .step("freeze", "alice", "bob", "5m")
        .clock(StepClock {
            not_before: Some(at(30)),
            ..StepClock::default()
        })
        .step("canary", "alice", "bob", "30m")
        .clock(StepClock {
            min_hold: Some(Duration::from_secs(30 * 60)),
            planned_max: Some(Duration::from_secs(45 * 60)),
            ..StepClock::default()
        })
        .step("go", "alice", "bob", "5m")
        .gate()
        .approvers(&["coord", "bob"])
        .requires(Evidence::ProbeGreen("lag".into()))
        .clock(StepClock {
            go_deadline: Some(at(120)),
            ..StepClock::default()
        })
        .build()
}

#[test]
fn a_fixed_start_refuses_an_early_start_and_says_when() {
    let mut h = H::new(rb());
    h.mins(20);
    let r = h.no("alice", start("freeze"));
    assert_eq!(r.kind, RejectionKind::Clock);
    assert_eq!(
        r.reason,
        "step `freeze` may not start before 02:30:00Z (in 10m): the runbook fixes its start"
    );
    h.mins(10);
    h.ok("alice", start("freeze"));
}

#[test]
fn a_minimum_hold_refuses_done_before_it_and_a_range_is_over_plan_only_past_its_end() {
    let mut h = H::new(rb());
    h.mins(30);
    h.finish("freeze");
    h.ok("alice", start("canary"));
    h.mins(29);
    let r = h.no("alice", done("canary"));
    assert_eq!(r.kind, RejectionKind::Clock);
    assert!(r.reason.contains("runs at least 30m"), "{r}");
    assert!(r.reason.contains("done from 03:00:00Z (in 1m)"), "{r}");
    // Failing is never held back by the clock.
    assert!(h.drill.can(
        &H::actor("alice"),
        &CommandKind::Fail {
            target: step("canary"),
            reason: "errors".into()
        },
        h.clock.now()
    ));
    h.mins(11);
    let idx = h.drill.runbook().step_index("canary").unwrap();
    // 40m into a 30m-45m plan: not over plan yet.
    assert_eq!(h.drill.timing().overrun(idx, h.clock.now()), None);
    h.mins(10);
    assert_eq!(
        h.drill.timing().overrun(idx, h.clock.now()),
        Some(Duration::from_secs(5 * 60))
    );
    h.ok("alice", done("canary"));
}

#[test]
fn past_its_go_deadline_a_gate_takes_no_go_and_does_not_pass() {
    let mut h = H::new(rb());
    h.mins(30);
    h.finish("freeze");
    h.ok("alice", start("canary"));
    h.mins(30);
    h.ok("alice", done("canary"));
    h.ok("bob", sign("canary"));
    h.ok("alice", start("go"));
    // Both GO before the deadline, but the evidence is not there yet.
    h.ok("coord", go("go"));
    h.ok("bob", go("go"));
    h.mins(61);
    // Evidence arriving past the deadline does not pass the gate.
    let evs = h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true));
    assert!(
        !evs.iter()
            .any(|e| matches!(e, EventKind::GatePassed { .. })),
        "{evs:?}"
    );
    assert_eq!(h.status("go"), StepStatus::Running);
    let r = h.no("bob", go("go"));
    assert_eq!(r.kind, RejectionKind::Clock);
    assert!(r.reason.contains("takes no GO after 04:00:00Z"), "{r}");
    // NO-GO is still heard.
    h.ok(
        "bob",
        CommandKind::NoGo {
            step: "go".into(),
            reason: "missed the window".into(),
        },
    );
}

#[test]
fn before_its_deadline_the_gate_passes_as_usual() {
    let mut h = H::new(rb());
    h.mins(30);
    h.finish("freeze");
    h.ok("alice", start("canary"));
    h.mins(30);
    h.ok("alice", done("canary"));
    h.ok("bob", sign("canary"));
    h.ok("alice", start("go"));
    h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true));
    h.ok("coord", go("go"));
    let evs = h.ok("bob", go("go"));
    assert!(
        evs.contains(&EventKind::GatePassed { step: "go".into() }),
        "{evs:?}"
    );
}
