use super::*;

fn rb() -> Runbook {
    cast()
        .step("prep", "alice", "bob", "5m")
        .step("go-live", "coord", "bob", "10m")
        .approvers(&["coord", "alice"])
        .requires(Evidence::ProbeGreen("lag".into()))
        .step("after", "bob", "alice", "5m")
        .build()
}

fn no_go(id: &str, reason: &str) -> CommandKind {
    CommandKind::NoGo {
        step: id.to_string(),
        reason: reason.to_string(),
    }
}

#[test]
fn gate_passes_only_when_every_approver_says_go_and_evidence_holds() {
    let mut h = H::new(rb());
    h.finish("prep");
    let r = h.no("coord", go("go-live"));
    assert!(r.reason.contains("ready but not started"), "{r}");
    h.ok("coord", start("go-live"));
    // Not an approver.
    let r = h.no("bob", go("go-live"));
    assert_eq!(
        r.reason,
        "`bob` is not an approver of gate `go-live` (approvers: coord, alice): add a note instead"
    );
    assert_eq!(
        h.ok("coord", go("go-live")),
        vec![EventKind::GateGo {
            step: "go-live".into()
        }]
    );
    assert_eq!(h.status("go-live"), StepStatus::Running);
    // All GO but the probe is not green: the gate holds.
    assert_eq!(h.ok("alice", go("go-live")).len(), 1);
    assert_eq!(h.status("go-live"), StepStatus::Running);
    h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true));
    // A re-affirmed GO passes it.
    assert_eq!(
        h.ok("alice", go("go-live")),
        vec![
            EventKind::GateGo {
                step: "go-live".into()
            },
            EventKind::GatePassed {
                step: "go-live".into()
            }
        ]
    );
    assert_eq!(h.status("go-live"), StepStatus::Done);
    assert_eq!(h.status("after"), StepStatus::Ready);
}

#[test]
fn no_go_holds_then_go_passes() {
    let mut h = H::new(rb());
    h.finish("prep");
    h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true));
    h.ok("coord", start("go-live"));
    h.ok("coord", go("go-live"));
    assert_eq!(
        h.no("alice", no_go("go-live", "")).kind,
        RejectionKind::Invalid
    );
    h.ok("alice", no_go("go-live", "p99 latency 800ms"));
    let votes = &h.drill.state().step("go-live").unwrap().votes;
    assert_eq!(
        votes["alice"].vote,
        Vote::NoGo {
            reason: "p99 latency 800ms".into()
        }
    );
    assert_eq!(votes["coord"].vote, Vote::Go);
    // coord's GO again does not pass: alice's latest vote is NO-GO.
    assert_eq!(h.ok("coord", go("go-live")).len(), 1);
    assert_eq!(h.status("go-live"), StepStatus::Running);
    h.mins(3);
    let evs = h.ok("alice", go("go-live"));
    assert_eq!(
        evs.last(),
        Some(&EventKind::GatePassed {
            step: "go-live".into()
        })
    );
    let s = h.drill.state().step("go-live").unwrap();
    assert_eq!(s.signed_off_by, Some(Actor::Person("alice".into())));
}

#[test]
fn done_and_sign_off_on_a_gate_point_to_go() {
    let mut h = H::new(rb());
    h.finish("prep");
    h.ok("coord", start("go-live"));
    let r = h.no("coord", done("go-live"));
    assert!(r.reason.contains("vote GO instead"), "{r}");
    assert!(h
        .no("coord", sign("go-live"))
        .reason
        .contains("vote GO instead"));
    let r = h.no("alice", go("prep"));
    assert!(r.reason.contains("not a gate"));
}
