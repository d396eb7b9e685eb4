//! Past the point of no return: the contingency phase the irreversible step names runs,
//! called by the coordinator after a later step fails, instead of the rest of the plan.

use super::*;

/// prep -> switch (irreversible, contingency "fail-back") -> verify -> done;
/// fail-back: reverse-repl -> repoint.
fn rb() -> Runbook {
    cast()
        .step("prep", "alice", "bob", "5m")
        .rollback("undo prep")
        .step("switch", "bob", "alice", "5m")
        .contingency("fail-back")
        .step("reverse-repl", "alice", "bob", "20m")
        .step("repoint", "bob", "alice", "10m")
        .phase("after")
        .step("verify", "alice", "bob", "15m")
        .step("wrap-up", "bob", "alice", "5m")
        .build()
}

fn call(from: &str) -> CommandKind {
    CommandKind::CallContingency {
        from: from.into(),
        reason: "orders fail on the new cluster".into(),
    }
}

fn verify_failed() -> H {
    let mut h = H::new(rb());
    h.finish("prep");
    h.finish("switch");
    h.ok("alice", start("verify"));
    h.ok(
        "alice",
        CommandKind::Fail {
            target: step("verify"),
            reason: "5xx".into(),
        },
    );
    h
}

#[test]
fn contingency_steps_are_not_in_the_forward_plan() {
    let mut h = H::new(rb());
    // The forward plan's default order skips the contingency phase.
    let verify = h.drill.runbook().step("verify").unwrap().clone();
    assert_eq!(verify.after, vec!["switch".to_string()]);
    let first = h.drill.runbook().step("reverse-repl").unwrap().clone();
    assert!(first.after.is_empty());
    assert_eq!(h.status("reverse-repl"), StepStatus::Pending);
    let r = h.no("alice", start("reverse-repl"));
    assert!(
        r.reason.contains("part of the contingency of `switch`"),
        "{r}"
    );
    // 5 + 5 + 15 + 5: the contingency does not count in the plan.
    assert_eq!(
        h.drill.timing().critical_path(),
        Duration::from_secs(30 * 60)
    );
    h.finish("prep");
    h.finish("switch");
    h.finish("verify");
    h.finish("wrap-up");
}

#[test]
fn before_the_point_of_no_return_a_contingency_is_refused_for_a_rollback() {
    let mut h = H::new(rb());
    h.finish("prep");
    h.ok("bob", start("switch"));
    let r = h.no("coord", call("switch"));
    assert!(
        r.reason.contains("no point of no return has been passed"),
        "{r}"
    );
}

#[test]
fn past_the_point_of_no_return_the_rollback_names_the_contingency_and_it_runs() {
    let mut h = verify_failed();
    let r = h.no(
        "coord",
        CommandKind::CallRollback {
            from: "verify".into(),
            reason: "5xx".into(),
        },
    );
    assert_eq!(r.kind, RejectionKind::PointOfNoReturn);
    assert!(
        r.reason
            .ends_with("roll forward, or call its contingency `fail-back` (K)"),
        "{r}"
    );
    // Only the coordinator calls it, with a reason.
    h.no("alice", call("verify"));
    h.no(
        "coord",
        CommandKind::CallContingency {
            from: "verify".into(),
            reason: " ".into(),
        },
    );
    let evs = h.ok("coord", call("verify"));
    assert_eq!(
        evs,
        vec![EventKind::ContingencyCalled {
            from: "verify".into(),
            reason: "orders fail on the new cluster".into(),
            point: "switch".into(),
            phase: "fail-back".into(),
        }]
    );
    h.no("coord", call("verify"));
    // The rest of the forward plan is frozen; the contingency's steps are ready in order.
    let r = h.no(
        "coord",
        CommandKind::Skip {
            step: "wrap-up".into(),
            reason: "x".into(),
        },
    );
    assert!(
        r.reason.contains("contingency of `switch` is under way"),
        "{r}"
    );
    assert_eq!(h.status("reverse-repl"), StepStatus::Ready);
    assert_eq!(h.status("repoint"), StepStatus::Pending);
    // Timed like any step, and now the plan: 20m + 10m left.
    assert_eq!(
        h.drill.timing().predicted_end(h.clock.now()),
        Some(h.clock.now() + chrono::Duration::minutes(30))
    );
    h.no(
        "coord",
        CommandKind::CallRollback {
            from: "verify".into(),
            reason: "x".into(),
        },
    );
    h.finish("reverse-repl");
    assert!(h
        .drill
        .state()
        .contingency
        .as_ref()
        .unwrap()
        .completed_at
        .is_none());
    h.finish("repoint");
    let c = h.drill.state().contingency.clone().unwrap();
    assert_eq!(c.completed_at, Some(h.clock.now()));
    assert_eq!(c.called_by, H::actor("coord"));
}

#[test]
fn a_point_of_no_return_without_a_contingency_says_roll_forward() {
    let rb = cast()
        .step("switch", "bob", "alice", "5m")
        .irreversible()
        .step("verify", "alice", "bob", "5m")
        .build();
    let mut h = H::new(rb);
    h.finish("switch");
    h.ok("alice", start("verify"));
    let r = h.no("coord", call("verify"));
    assert!(
        r.reason.contains("declares no contingency: roll forward"),
        "{r}"
    );
}
