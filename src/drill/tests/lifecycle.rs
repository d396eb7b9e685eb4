use super::*;

fn three() -> Runbook {
    cast()
        .step("freeze", "alice", "bob", "5m")
        .step("copy", "bob", "alice", "30m")
        .step("verify", "alice", "bob", "10m")
        .build()
}

#[test]
fn happy_path_walks_every_status() {
    let mut h = H::new(three());
    assert_eq!(h.status("freeze"), StepStatus::Ready);
    assert_eq!(h.status("copy"), StepStatus::Pending);
    assert_eq!(
        h.ok("alice", start("freeze")),
        vec![
            EventKind::DrillStarted,
            EventKind::Started {
                target: step("freeze")
            }
        ]
    );
    assert_eq!(h.drill.state().started_at, Some(t0()));
    assert_eq!(h.status("freeze"), StepStatus::Running);
    h.mins(4);
    h.ok("alice", done("freeze"));
    assert_eq!(h.status("freeze"), StepStatus::AwaitingReview);
    assert_eq!(h.status("copy"), StepStatus::Pending);
    h.mins(1);
    assert_eq!(
        h.ok("bob", sign("freeze")),
        vec![EventKind::SignedOff {
            target: step("freeze"),
            override_by_coordinator: false
        }]
    );
    assert_eq!(h.status("freeze"), StepStatus::Done);
    assert_eq!(h.status("copy"), StepStatus::Ready);
    let s = h.drill.state().step("freeze").unwrap();
    assert_eq!(s.signed_off_by, Some(Actor::Person("bob".into())));
    assert_eq!(s.done_at, Some(t0() + chrono::Duration::minutes(4)));
    assert_eq!(s.history, vec![2, 3, 4]);

    // The second start does not restart the drill.
    assert_eq!(h.ok("bob", start("copy")).len(), 1);
    h.ok("bob", done("copy"));
    h.ok("coord", sign("copy"));
    assert!(
        h.drill
            .state()
            .step("copy")
            .unwrap()
            .override_by_coordinator
    );
    h.finish("verify");
    h.ok("coord", CommandKind::EndDrill);
    let st = h.drill.state();
    assert!(st.ended_at.is_some() && !st.is_live());
    assert_eq!(st.last_seq, st.log.len() as u64);
    assert!(st.log.iter().all(|l| l.ignored.is_none()));
}

#[test]
fn skip_frees_dependents_and_fail_records_reason() {
    let mut h = H::new(three());
    h.ok("alice", start("freeze"));
    h.ok(
        "alice",
        CommandKind::Fail {
            target: step("freeze"),
            reason: "lock timeout".into(),
        },
    );
    assert_eq!(
        h.status("freeze"),
        StepStatus::Failed {
            reason: "lock timeout".into()
        }
    );
    h.ok(
        "coord",
        CommandKind::Skip {
            step: "freeze".into(),
            reason: "done by hand".into(),
        },
    );
    assert_eq!(h.status("copy"), StepStatus::Ready);
    assert_eq!(
        h.drill
            .state()
            .step("freeze")
            .unwrap()
            .skip_reason
            .as_deref(),
        Some("done by hand")
    );
}

#[test]
fn notes_and_evidence_are_recorded() {
    let rb = cast()
        .step("recon", "alice", "bob", "5m")
        .requires(Evidence::ReconClean("orders".into()))
        .build();
    let mut h = H::new(rb);
    h.ok(
        "bob",
        CommandKind::Note {
            step: Some("recon".into()),
            text: "replica lag 2s".into(),
        },
    );
    h.ok(
        "alice",
        CommandKind::Note {
            step: None,
            text: "starting soon".into(),
        },
    );
    h.ok(
        "system",
        evidence(Evidence::ReconClean("orders".into()), true),
    );
    let st = h.drill.state();
    assert_eq!(st.notes.len(), 2);
    assert_eq!(st.notes[0].step.as_deref(), Some("recon"));
    assert!(st.steps[0].requires[0].holds);
    assert_eq!(st.steps[0].history, vec![1, 3]);
    // A later report revokes it.
    h.ok(
        "coord",
        evidence(Evidence::ReconClean("orders".into()), false),
    );
    assert!(!h.drill.state().steps[0].requires[0].holds);
    assert!(!h.drill.state().evidence[&Evidence::ReconClean("orders".into())].holds);
}

#[test]
fn replay_equals_live_and_state_round_trips_json() {
    let mut h = H::new(three());
    let mut events = Vec::new();
    for (who, kind) in [("alice", start("freeze")), ("alice", done("freeze"))] {
        let cmd = Command {
            by: H::actor(who),
            kind,
        };
        events.extend(h.drill.execute(&cmd, h.clock.now()).unwrap());
    }
    h.ok("system", evidence(Evidence::CopyDone("x".into()), true));
    let all: Vec<Event> = h
        .drill
        .state()
        .log
        .iter()
        .map(|l| l.event.clone())
        .collect();
    let replayed = Drill::replay(h.drill.runbook().clone(), &all);
    assert_eq!(&replayed, &h.drill);
    let json = serde_json::to_string(h.drill.state()).unwrap();
    let back: DrillState = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, h.drill.state());
}

#[test]
fn apply_ignores_misfits_without_panicking() {
    let rb = Arc::new(three());
    let ev = |seq, kind| Event {
        seq,
        at: t0(),
        by: Actor::System,
        kind,
        acting_for: None,
    };
    let mut d = Drill::new(rb);
    d.apply(&ev(
        1,
        EventKind::Done {
            target: step("nope"),
        },
    ));
    d.apply(&ev(
        2,
        EventKind::SignedOff {
            target: rb_target("freeze"),
            override_by_coordinator: false,
        },
    ));
    d.apply(&ev(
        3,
        EventKind::GateGo {
            step: "copy".into(),
        },
    ));
    d.apply(&ev(4, EventKind::RollbackCompleted));
    d.apply(&ev(5, EventKind::DrillStarted));
    d.apply(&ev(5, EventKind::DrillStarted));
    d.apply(&ev(6, EventKind::DrillEnded));
    d.apply(&ev(
        7,
        EventKind::Started {
            target: step("freeze"),
        },
    ));
    let ignored: Vec<u64> = d
        .state()
        .log
        .iter()
        .filter(|l| l.ignored.is_some())
        .map(|l| l.event.seq)
        .collect();
    assert_eq!(ignored, vec![1, 2, 3, 4, 5, 7]);
    assert_eq!(d.state().last_seq, 7);
    assert_eq!(d.next_seq(), 8);
    assert_eq!(d.state().status(0), StepStatus::Ready);
    assert_eq!(d.state().started_at, Some(t0()));
}

#[test]
fn roles() {
    let h = H::new(three());
    let role = |who: &str| h.drill.role_of(&H::actor(who));
    assert_eq!(role("coord"), Role::Coordinator);
    assert_eq!(role("alice"), Role::Participant);
    assert_eq!(role("olga"), Role::Observer);
    assert_eq!(role("zed"), Role::Observer);
    assert_eq!(role("system"), Role::System);
}

#[test]
fn events_describe_themselves_for_the_log() {
    let mut h = H::new(three());
    h.mins(3);
    h.ok("alice", start("freeze"));
    let lines: Vec<String> = h
        .drill
        .state()
        .log
        .iter()
        .map(|l| l.event.describe())
        .collect();
    assert_eq!(
        lines,
        vec![
            "02:03:00Z #1 alice: started the drill",
            "02:03:00Z #2 alice: started `freeze`"
        ]
    );
    let k = EventKind::SignedOff {
        target: rb_target("copy"),
        override_by_coordinator: true,
    };
    assert_eq!(
        k.describe(),
        "signed off the rollback of `copy` (coordinator override)"
    );
}
