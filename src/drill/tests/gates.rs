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
    // The probe turning green is the last condition: the gate passes by itself.
    assert_eq!(
        h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true)),
        vec![
            EventKind::EvidenceRecorded {
                evidence: Evidence::ProbeGreen("lag".into()),
                holds: true,
                detail: String::new(),
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
    assert_eq!(
        r.reason,
        "step `go-live` is a gate: it passes by itself once every approver (coord, alice) says \
         GO and its evidence holds; it still waits for GO from `coord` (no vote yet); GO from \
         `alice` (no vote yet); evidence `probe:lag` to hold (not reported yet)"
    );
    assert!(h
        .no("coord", sign("go-live"))
        .reason
        .contains("it still waits for GO from `coord`"));
    let r = h.no("alice", go("prep"));
    assert!(r.reason.contains("not a gate"));
}

/// prep -> gate -> mid -> switch (point of no return) -> after
fn guarded() -> Runbook {
    cast()
        .step("prep", "alice", "bob", "5m")
        .step("gate", "coord", "bob", "10m")
        .after(&["prep"])
        .approvers(&["coord", "alice"])
        .step("mid", "bob", "alice", "5m")
        .after(&["gate"])
        .step("switch", "bob", "alice", "5m")
        .after(&["mid"])
        .irreversible()
        .step("after", "alice", "bob", "5m")
        .after(&["switch"])
        .build()
}

fn skip(id: &str) -> CommandKind {
    CommandKind::Skip {
        step: id.to_string(),
        reason: "not needed tonight".to_string(),
    }
}

fn override_gate(id: &str, reason: &str) -> CommandKind {
    CommandKind::OverrideGate {
        step: id.to_string(),
        reason: reason.to_string(),
    }
}

#[test]
fn a_no_go_cannot_be_walked_around_by_skipping() {
    let mut h = H::new(guarded());
    h.finish("prep");
    h.ok("coord", start("gate"));
    h.ok("alice", no_go("gate", "replica lag 40s"));
    // The step between the gate and the point of no return cannot be skipped...
    let r = h.no("coord", skip("mid"));
    assert_eq!(
        r.reason,
        "step `mid` is waiting for `gate` (running): a step can be skipped once its \
         dependencies are done, so that skipping it never lets what follows walk past them"
    );
    // ...nor the gate itself, nor the point of no return.
    assert!(h
        .no("coord", skip("gate"))
        .reason
        .contains("cannot be skipped"));
    assert!(h
        .no("coord", skip("switch"))
        .reason
        .contains("point of no return and cannot be skipped"));
    let r = h.no("bob", start("switch"));
    assert!(r.reason.contains("waiting for `mid` (pending)"), "{r}");
    assert_eq!(h.status("switch"), StepStatus::Pending);
}

#[test]
fn a_skip_recorded_past_a_gate_frees_nothing_beyond_it() {
    // A journal written under the old rules, where the step after a NO-GO gate was
    // skipped: replayed today, the point of no return stays pending.
    let rb = Arc::new(guarded());
    let mut d = Drill::new(rb.clone());
    let by = Actor::Person("coord".into());
    let mut seq = 0;
    let mut ev = |kind: EventKind| {
        seq += 1;
        Event {
            seq,
            at: t0(),
            by: by.clone(),
            kind,
            acting_for: None,
        }
    };
    for kind in [
        EventKind::Started {
            target: step("prep"),
        },
        EventKind::Done {
            target: step("prep"),
        },
        EventKind::SignedOff {
            target: step("prep"),
            override_by_coordinator: true,
        },
        EventKind::Started {
            target: step("gate"),
        },
        EventKind::GateNoGo {
            step: "gate".into(),
            reason: "lag".into(),
        },
        EventKind::Skipped {
            step: "mid".into(),
            reason: "old rules".into(),
        },
    ] {
        d.apply(&ev(kind));
    }
    let idx = |id: &str| rb.step_index(id).unwrap();
    assert_eq!(d.state().status(idx("switch")), StepStatus::Pending);
    assert!(d
        .decide(
            &Command {
                by: Actor::Person("bob".into()),
                kind: start("switch"),
            },
            t0()
        )
        .is_err());
}

#[test]
fn a_skip_of_a_ready_step_frees_its_dependents() {
    let mut h = H::new(guarded());
    h.finish("prep");
    h.ok("coord", start("gate"));
    h.ok("coord", go("gate"));
    h.ok("alice", go("gate"));
    assert_eq!(h.status("gate"), StepStatus::Done);
    assert_eq!(h.status("mid"), StepStatus::Ready);
    h.ok("coord", skip("mid"));
    assert_eq!(h.status("switch"), StepStatus::Ready);
}

#[test]
fn a_gate_passes_by_itself_when_its_evidence_comes_last() {
    let mut h = H::new(rb());
    h.finish("prep");
    h.ok("coord", start("go-live"));
    h.ok("coord", go("go-live"));
    h.ok("alice", go("go-live"));
    assert_eq!(h.status("go-live"), StepStatus::Running);
    let waits = gate_waits(h.drill.runbook(), h.drill.state(), 1);
    assert_eq!(
        waits,
        vec![GateWait::Evidence {
            evidence: Evidence::ProbeGreen("lag".into()),
            detail: None,
        }]
    );
    // Revoked evidence keeps it waiting, and says why.
    h.ok(
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::ProbeGreen("lag".into()),
            holds: false,
            detail: "lag 45s".into(),
        },
    );
    let r = h.no("coord", done("go-live"));
    assert!(
        r.reason
            .ends_with("it still waits for evidence `probe:lag` to hold (last report: lag 45s)"),
        "{r}"
    );
    // The coordinator accepting the evidence is the last condition: the gate passes.
    let evs = h.ok(
        "coord",
        CommandKind::AcceptEvidence {
            evidence: Evidence::ProbeGreen("lag".into()),
            note: "lag is the batch job, known".into(),
        },
    );
    assert_eq!(
        evs.last(),
        Some(&EventKind::GatePassed {
            step: "go-live".into()
        })
    );
    assert_eq!(h.status("go-live"), StepStatus::Done);
    assert_eq!(h.status("after"), StepStatus::Ready);
    assert!(gate_waits(h.drill.runbook(), h.drill.state(), 1).is_empty());
}

#[test]
fn evidence_holding_does_not_pass_a_gate_with_a_no_go() {
    let mut h = H::new(rb());
    h.finish("prep");
    h.ok("coord", start("go-live"));
    h.ok("coord", go("go-live"));
    h.ok("alice", no_go("go-live", "p99 800ms"));
    let evs = h.ok("system", evidence(Evidence::ProbeGreen("lag".into()), true));
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert_eq!(h.status("go-live"), StepStatus::Running);
    assert_eq!(
        gate_waits(h.drill.runbook(), h.drill.state(), 1),
        vec![GateWait::Go {
            approver: "alice".into(),
            no_go: Some("p99 800ms".into()),
        }]
    );
}

#[test]
fn only_the_coordinator_overrides_a_gate_explicitly_with_a_reason() {
    let mut h = H::new(guarded());
    h.finish("prep");
    // Not running yet.
    assert!(h
        .no("coord", override_gate("gate", "window closing"))
        .reason
        .contains("only a running gate can be overridden"));
    h.ok("coord", start("gate"));
    h.ok("alice", no_go("gate", "replica lag 40s"));
    assert_eq!(
        h.no("alice", override_gate("gate", "x")).kind,
        RejectionKind::NotAllowed
    );
    assert_eq!(
        h.no("coord", override_gate("gate", " ")).kind,
        RejectionKind::Invalid
    );
    assert!(h
        .no("coord", override_gate("mid", "x"))
        .reason
        .contains("not a gate"));
    let evs = h.ok("coord", override_gate("gate", "VP accepts the lag risk"));
    assert_eq!(
        evs,
        vec![EventKind::GateOverridden {
            step: "gate".into(),
            reason: "VP accepts the lag risk".into(),
            overriding:
                "GO from `coord` (no vote yet); GO from `alice` (said NO-GO: replica lag 40s)"
                    .into(),
        }]
    );
    let s = h.drill.state().step("gate").unwrap();
    assert_eq!(s.status, StepStatus::Done);
    assert_eq!(s.gate_override.as_deref(), Some("VP accepts the lag risk"));
    assert!(s.override_by_coordinator);
    assert_eq!(h.status("mid"), StepStatus::Ready);
}

#[test]
fn the_shipped_cutover_gate_holds_after_a_no_go() {
    let text = include_str!("../../../runbooks/mysql-to-postgres-cutover.toml");
    let rb = match crate::runbook::parse_str("mysql-to-postgres-cutover.toml", text) {
        Ok(l) => l.runbook,
        Err(d) => panic!("{d:?}"),
    };
    let coord = rb.meta.coordinator.clone();
    let mut h = H::new(rb);
    // Walk every step before the gate as the coordinator, evidence accepted as needed.
    let gate_idx = h.drill.runbook().step_index("go-no-go").unwrap();
    for _ in 0..100 {
        if h.status("go-no-go") == StepStatus::Ready {
            break;
        }
        let rb = h.drill.runbook().clone();
        let Some(i) = (0..rb.steps.len())
            .find(|&i| i != gate_idx && h.drill.state().status(i) == StepStatus::Ready)
        else {
            break;
        };
        let id = rb.steps[i].id.clone();
        for e in rb.steps[i].requires.clone() {
            if h.drill.state().evidence.get(&e).is_some_and(|x| x.holds) {
                continue;
            }
            // Preflight's evidence is never accepted: a clean scan reports it.
            let kind = if e == Evidence::Preflight {
                CommandKind::RecordEvidence {
                    evidence: e,
                    holds: true,
                    detail: "0 blockers".into(),
                }
            } else {
                CommandKind::AcceptEvidence {
                    evidence: e,
                    note: "drill".into(),
                }
            };
            let who = if matches!(kind, CommandKind::RecordEvidence { .. }) {
                "system"
            } else {
                coord.as_str()
            };
            h.ok(who, kind);
        }
        h.ok(&coord, start(&id));
        h.ok(&coord, done(&id));
        h.ok(&coord, sign(&id));
    }
    assert_eq!(h.status("go-no-go"), StepStatus::Ready);
    h.ok(&coord, start("go-no-go"));
    h.ok("kofi", no_go("go-no-go", "canary errors"));
    assert!(h
        .no(&coord, skip("go-no-go"))
        .reason
        .contains("cannot be skipped"));
    assert_eq!(h.status("switch-traffic"), StepStatus::Pending);
    assert!(h
        .no("tom", start("switch-traffic"))
        .reason
        .contains("waiting for `go-no-go`"));
}
