use super::*;

fn rb() -> Runbook {
    cast()
        .step("a", "alice", "bob", "5m")
        .rollback("undo a")
        .step("b", "bob", "alice", "5m")
        .step("c", "alice", "bob", "5m")
        .rollback("undo c")
        .step("switch", "bob", "alice", "5m")
        .irreversible()
        .rollback("not really")
        .step("d", "alice", "bob", "5m")
        .build()
}

fn call(from: &str) -> CommandKind {
    CommandKind::CallRollback {
        from: from.into(),
        reason: "recon mismatch".into(),
    }
}

fn failed_at_c() -> H {
    let mut h = H::new(rb());
    h.finish("a");
    h.finish("b");
    h.ok("alice", start("c"));
    h.ok(
        "alice",
        CommandKind::Fail {
            target: step("c"),
            reason: "checksum mismatch".into(),
        },
    );
    h
}

#[test]
fn plan_walks_started_steps_backwards_keeping_those_with_rollback() {
    let h = failed_at_c();
    assert_eq!(h.drill.rollback_plan("c").unwrap(), vec!["c", "a"]);
    // Only from the failed or current step.
    let r = h.drill.rollback_plan("a").unwrap_err();
    assert_eq!(r.kind, RejectionKind::WrongState);
}

#[test]
fn refuses_to_cross_a_done_irreversible_step() {
    let mut h = H::new(rb());
    h.finish("a");
    h.finish("b");
    h.finish("c");
    h.mins(14);
    h.finish("switch");
    h.ok("alice", start("d"));
    let r = h.no("coord", call("d"));
    assert_eq!(r.kind, RejectionKind::PointOfNoReturn);
    assert_eq!(
        r.reason,
        "rollback would cross the point of no return `switch` (done at 02:14:00Z): roll forward only"
    );
    assert_eq!(h.drill.rollback_plan("d").unwrap_err(), r);
}

#[test]
fn a_running_irreversible_step_can_still_be_rolled_back() {
    let mut h = H::new(rb());
    h.finish("a");
    h.finish("b");
    h.finish("c");
    h.ok("bob", start("switch"));
    assert_eq!(
        h.drill.rollback_plan("switch").unwrap(),
        vec!["switch", "c", "a"]
    );
}

#[test]
fn tasks_run_in_plan_order_and_complete_the_rollback() {
    let mut h = failed_at_c();
    let evs = h.ok("coord", call("c"));
    assert_eq!(
        evs,
        vec![EventKind::RollbackCalled {
            from: "c".into(),
            reason: "recon mismatch".into(),
            plan: vec!["c".into(), "a".into()]
        }]
    );
    assert!(h.drill.state().rollback_active());
    h.no("coord", call("c"));
    // Forward steps are frozen.
    let r = h.no("coord", start("switch"));
    assert!(r.reason.contains("rollback is under way"), "{r}");
    // Strict order: a waits for c.
    let r = h.no(
        "alice",
        CommandKind::Start {
            target: rb_target("a"),
        },
    );
    assert!(
        r.reason.contains("waits for the rollback of `c` (ready)"),
        "{r}"
    );
    // b has no rollback: no task.
    let r = h.no(
        "bob",
        CommandKind::Start {
            target: rb_target("b"),
        },
    );
    assert_eq!(r.kind, RejectionKind::Unknown);
    // Only the step's DRI (or the coordinator) runs its rollback; only its reviewer signs.
    h.no(
        "bob",
        CommandKind::Start {
            target: rb_target("c"),
        },
    );
    h.ok(
        "alice",
        CommandKind::Start {
            target: rb_target("c"),
        },
    );
    h.ok(
        "alice",
        CommandKind::Done {
            target: rb_target("c"),
        },
    );
    h.no(
        "alice",
        CommandKind::SignOff {
            target: rb_target("c"),
        },
    );
    assert_eq!(
        h.ok(
            "bob",
            CommandKind::SignOff {
                target: rb_target("c")
            }
        ),
        vec![EventKind::SignedOff {
            target: rb_target("c"),
            override_by_coordinator: false
        }]
    );
    assert_eq!(h.status("c"), StepStatus::RolledBack);
    assert_eq!(h.status("a"), StepStatus::Done);
    h.ok(
        "alice",
        CommandKind::Start {
            target: rb_target("a"),
        },
    );
    h.ok(
        "alice",
        CommandKind::Fail {
            target: rb_target("a"),
            reason: "replica lagging".into(),
        },
    );
    // A failed rollback task may be retried.
    h.ok(
        "coord",
        CommandKind::Start {
            target: rb_target("a"),
        },
    );
    h.ok(
        "alice",
        CommandKind::Done {
            target: rb_target("a"),
        },
    );
    assert_eq!(
        h.ok(
            "coord",
            CommandKind::SignOff {
                target: rb_target("a")
            }
        ),
        vec![
            EventKind::SignedOff {
                target: rb_target("a"),
                override_by_coordinator: true
            },
            EventKind::RollbackCompleted
        ]
    );
    assert_eq!(h.status("a"), StepStatus::RolledBack);
    let st = h.drill.state();
    assert!(!st.rollback_active());
    assert!(st.rollback.as_ref().unwrap().completed_at.is_some());
    assert!(h.no("bob", start("switch")).reason.contains("rolled back"));
    h.ok("coord", CommandKind::EndDrill);
}

#[test]
fn an_empty_plan_completes_at_once() {
    let rb = cast().step("x", "alice", "bob", "5m").build();
    let mut h = H::new(rb);
    h.ok("alice", start("x"));
    let evs = h.ok("coord", call("x"));
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[1], EventKind::RollbackCompleted);
}

/// A copy step whose rollback starts the copy over, and a check step whose rollback runs
/// a SQL check: each rollback task is signed off only on its own action's evidence.
fn with_rollback_actions() -> Runbook {
    use crate::runbook::{Action, Check, SqlCheck};
    cast()
        .step("copy", "alice", "bob", "5m")
        .rollback_action("empty the target", Action::RestartCopy("orders".into()))
        .step("flip", "alice", "bob", "5m")
        .rollback_action(
            "point the app back",
            Action::Check(Check::Sql(SqlCheck {
                connection: "source".into(),
                query: "SELECT 1".into(),
                expect: None,
                when: crate::runbook::CheckWhen::default(),
            })),
        )
        .build()
}

fn task(kind: fn(Target) -> CommandKind, id: &str) -> CommandKind {
    kind(rb_target(id))
}

#[test]
fn a_rollback_task_with_an_action_signs_off_only_on_evidence_from_its_own_run() {
    let mut h = H::new(with_rollback_actions());
    h.finish("copy");
    h.ok("alice", start("flip"));
    h.ok(
        "alice",
        CommandKind::Fail {
            target: step("flip"),
            reason: "app errors".into(),
        },
    );
    h.ok("coord", call("flip"));
    let flip = Evidence::Rollback("flip".into());
    // Reported before the task started: proves nothing of this run.
    h.ok("system", evidence(flip.clone(), true));
    h.ok(
        "alice",
        task(|target| CommandKind::Start { target }, "flip"),
    );
    h.ok("alice", task(|target| CommandKind::Done { target }, "flip"));
    let r = h.no(
        "bob",
        task(|target| CommandKind::SignOff { target }, "flip"),
    );
    assert_eq!(r.kind, RejectionKind::MissingEvidence);
    assert!(
        r.reason.contains("needs evidence `rollback:flip`")
            && r.reason.contains("before this task started"),
        "{r}"
    );
    // This run reports: a failure, then success.
    let work = h.drill.work(&rb_target("flip")).unwrap();
    assert!(!h.drill.work_done(&work));
    h.ok("system", evidence(flip.clone(), false));
    let r = h.no(
        "bob",
        task(|target| CommandKind::SignOff { target }, "flip"),
    );
    assert_eq!(r.kind, RejectionKind::MissingEvidence);
    h.ok("system", evidence(flip, true));
    h.ok(
        "bob",
        task(|target| CommandKind::SignOff { target }, "flip"),
    );

    // The copy's task: its restart evidence, not the forward copy's, is what counts.
    h.ok(
        "alice",
        task(|target| CommandKind::Start { target }, "copy"),
    );
    h.ok(
        "system",
        evidence(Evidence::CopyDone("orders".into()), true),
    );
    h.ok("alice", task(|target| CommandKind::Done { target }, "copy"));
    let r = h.no(
        "bob",
        task(|target| CommandKind::SignOff { target }, "copy"),
    );
    assert!(r.reason.contains("`rollback:copy`"), "{r}");
    h.ok(
        "coord",
        CommandKind::AcceptEvidence {
            evidence: Evidence::Rollback("copy".into()),
            note: "emptied by hand, checkpoint row deleted".into(),
        },
    );
    let evs = h.ok(
        "bob",
        task(|target| CommandKind::SignOff { target }, "copy"),
    );
    assert!(evs.contains(&EventKind::RollbackCompleted), "{evs:?}");
}

#[test]
fn stale_evidence_of_a_running_task_can_be_accepted_by_the_coordinator() {
    let mut h = H::new(with_rollback_actions());
    h.finish("copy");
    h.ok("alice", start("flip"));
    h.ok("coord", call("flip"));
    h.ok("system", evidence(Evidence::Rollback("flip".into()), true));
    h.ok(
        "alice",
        task(|target| CommandKind::Start { target }, "flip"),
    );
    h.ok(
        "coord",
        CommandKind::AcceptEvidence {
            evidence: Evidence::Rollback("flip".into()),
            note: "checked by hand".into(),
        },
    );
    h.ok("alice", task(|target| CommandKind::Done { target }, "flip"));
    h.ok(
        "bob",
        task(|target| CommandKind::SignOff { target }, "flip"),
    );
}
