//! Handover across shifts (the coordinator role, a person's steps) and deputies.

use super::*;
use crate::drill::handover::Duty;

/// alice (DBA) and bob (SRE) work; carol takes a later shift; dave is bob's deputy and
/// erin is alice's; olga observes. `copy` is alice's with bob reviewing; gate `go` needs
/// alice and bob.
fn rb() -> Runbook {
    cast()
        .person("carol", "DBA")
        .person("dave", "SRE")
        .person("erin", "DBA")
        .deputies("bob", &["dave"])
        .deputies("alice", &["erin", "bob"])
        .step("copy", "alice", "bob", "20h")
        .step("go", "coord", "carol", "10m")
        .after(&["copy"])
        .gate()
        .approvers(&["alice", "bob"])
        .step("switch", "bob", "alice", "5m")
        .after(&["go"])
        .build()
}

fn offer(duty: Duty, to: &str) -> CommandKind {
    CommandKind::OfferHandover {
        duty,
        to: to.to_string(),
    }
}

fn accept(duty: Duty) -> CommandKind {
    CommandKind::AcceptHandover { duty }
}

fn steps_of(p: &str) -> Duty {
    Duty::Steps(p.to_string())
}

fn no_go(id: &str, reason: &str) -> CommandKind {
    CommandKind::NoGo {
        step: id.to_string(),
        reason: reason.to_string(),
    }
}

/// The `acting_for` of the last event.
fn last_for(h: &H) -> Option<String> {
    h.drill
        .state()
        .log
        .last()
        .and_then(|e| e.event.acting_for.clone())
}

#[test]
fn the_coordinator_role_moves_only_when_the_receiver_accepts() {
    let mut h = H::new(rb());
    h.ok("alice", start("copy"));
    h.mins(600);
    // Only the coordinator offers the role; the receiver must be able to act.
    let r = h.no("alice", offer(Duty::Coordinator, "carol"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert_eq!(
        r.reason,
        "`alice` cannot hand over the coordinator role: only the coordinator `coord` can"
    );
    let r = h.no("coord", offer(Duty::Coordinator, "olga"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("`olga` is an observer"), "{r}");
    let r = h.no("coord", offer(Duty::Coordinator, "zed"));
    assert_eq!(r.kind, RejectionKind::Unknown);
    let r = h.no("coord", offer(Duty::Coordinator, "coord"));
    assert_eq!(r.kind, RejectionKind::Invalid);

    assert_eq!(
        h.ok("coord", offer(Duty::Coordinator, "carol")),
        vec![EventKind::HandoverOffered {
            duty: Duty::Coordinator,
            to: "carol".into()
        }]
    );
    // Offered is not handed over: coord still coordinates, carol cannot act as one yet.
    assert_eq!(h.drill.role_of(&H::actor("coord")), Role::Coordinator);
    let r = h.no("carol", CommandKind::EndDrill);
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    // A second offer waits for the first to be withdrawn; only carol accepts.
    let r = h.no("coord", offer(Duty::Coordinator, "bob"));
    assert_eq!(r.kind, RejectionKind::WrongState);
    let r = h.no("bob", accept(Duty::Coordinator));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("only they can accept it"), "{r}");

    h.mins(5);
    let at = h.clock.now();
    assert_eq!(
        h.ok("carol", accept(Duty::Coordinator)),
        vec![EventKind::HandoverAccepted {
            duty: Duty::Coordinator,
            from: "coord".into(),
            to: "carol".into()
        }]
    );
    let st = h.drill.state();
    assert_eq!(st.handover.coordinator, "carol");
    assert_eq!(st.handover.coordinator_since, Some(at));
    assert!(st.handover.offers.is_empty());
    assert_eq!(h.drill.role_of(&H::actor("carol")), Role::Coordinator);
    assert_eq!(h.drill.role_of(&H::actor("coord")), Role::Participant);

    // The old coordinator can no longer act as one; the new one can, and is recorded.
    let r = h.no(
        "coord",
        CommandKind::Skip {
            step: "copy".into(),
            reason: "late".into(),
        },
    );
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert_eq!(
        r.reason,
        "only the coordinator `carol` can skip a step: ask them"
    );
    h.ok("carol", done("copy"));
    let by = &h.drill.state().log.last().unwrap().event.by;
    assert_eq!(by, &H::actor("carol"));
    // coord, a participant now, may take the role back when offered.
    h.ok("carol", offer(Duty::Coordinator, "coord"));
    h.ok("coord", accept(Duty::Coordinator));
    assert_eq!(h.drill.role_of(&H::actor("coord")), Role::Coordinator);
}

#[test]
fn offers_are_declined_by_the_receiver_and_withdrawn_by_who_offered() {
    let mut h = H::new(rb());
    h.ok("coord", offer(Duty::Coordinator, "carol"));
    let r = h.no(
        "bob",
        CommandKind::DeclineHandover {
            duty: Duty::Coordinator,
            reason: String::new(),
        },
    );
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert_eq!(
        h.ok(
            "carol",
            CommandKind::DeclineHandover {
                duty: Duty::Coordinator,
                reason: " my shift starts at 06:00 ".into(),
            }
        ),
        vec![EventKind::HandoverDeclined {
            duty: Duty::Coordinator,
            to: "carol".into(),
            reason: "my shift starts at 06:00".into()
        }]
    );
    assert!(h.drill.state().handover.offers.is_empty());
    let r = h.no("carol", accept(Duty::Coordinator));
    assert_eq!(r.kind, RejectionKind::WrongState);
    assert_eq!(h.drill.state().handover.coordinator, "coord");

    h.ok("coord", offer(steps_of("bob"), "dave"));
    let withdraw = CommandKind::WithdrawHandover {
        duty: steps_of("bob"),
    };
    let r = h.no("alice", withdraw.clone());
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    // bob holds the steps offered: he may take the offer back too.
    h.ok("bob", withdraw.clone());
    let r = h.no("dave", accept(steps_of("bob")));
    assert_eq!(r.kind, RejectionKind::WrongState);
    assert_eq!(h.no("coord", withdraw).kind, RejectionKind::WrongState);
}

#[test]
fn a_persons_steps_move_to_who_accepts_them() {
    let mut h = H::new(rb());
    h.ok("alice", start("copy"));
    h.mins(600);
    // Their holder (or the coordinator) offers a person's steps.
    let r = h.no("bob", offer(steps_of("alice"), "carol"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("their holder `alice`"), "{r}");
    let r = h.no("alice", offer(steps_of("zed"), "carol"));
    assert_eq!(r.kind, RejectionKind::Unknown);
    h.ok("alice", offer(steps_of("alice"), "carol"));
    h.ok("carol", accept(steps_of("alice")));
    let st = h.drill.state();
    assert_eq!(st.handover.holder("alice"), "carol");
    assert_eq!(
        st.handover.held_by("carol").collect::<Vec<_>>(),
        vec!["alice"]
    );

    // alice (and her deputies) no longer act in her seats; carol does, for alice.
    let r = h.no("alice", done("copy"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert_eq!(
        r.reason,
        "`alice` cannot mark done `copy`: only its DRI `carol` (holding `alice`'s steps) or the coordinator `coord` can"
    );
    assert_eq!(h.no("erin", done("copy")).kind, RejectionKind::NotAllowed);
    h.ok("carol", done("copy"));
    assert_eq!(last_for(&h).as_deref(), Some("alice"));
    assert!(h
        .drill
        .state()
        .log
        .last()
        .unwrap()
        .event
        .describe()
        .contains("carol (for alice)"));
    h.ok("bob", sign("copy"));
    assert_eq!(last_for(&h), None);

    // Her gate seat moved too: alice's GO no longer counts, carol's does.
    h.ok("coord", start("go"));
    assert_eq!(h.no("alice", go("go")).kind, RejectionKind::NotAllowed);
    h.ok("carol", go("go"));
    let votes = &h.drill.state().step("go").unwrap().votes;
    assert_eq!(votes["alice"].cast_by.as_deref(), Some("carol"));

    // Handed back: alice acts again in her own name.
    h.ok("carol", offer(steps_of("alice"), "alice"));
    h.ok("alice", accept(steps_of("alice")));
    assert_eq!(h.drill.state().handover.holder("alice"), "alice");
    assert!(h.drill.state().handover.steps.is_empty());
}

#[test]
fn a_deputy_acts_for_the_person_and_is_recorded_as_such() {
    let mut h = H::new(rb());
    // erin deputizes alice: she starts and finishes alice's step, recorded for alice.
    h.ok("erin", start("copy"));
    assert_eq!(last_for(&h).as_deref(), Some("alice"));
    h.ok("erin", done("copy"));
    assert_eq!(last_for(&h).as_deref(), Some("alice"));
    // dave deputizes bob, the reviewer: he signs off for bob.
    h.ok("dave", sign("copy"));
    assert_eq!(last_for(&h).as_deref(), Some("bob"));
    let e = &h.drill.state().log.last().unwrap().event;
    assert_eq!(
        e.describe(),
        "02:00:00Z #4 dave (for bob): signed off `copy`"
    );
    assert_eq!(
        h.drill
            .capacity(&H::actor("dave"), "switch", &start("switch"))
            .map(|c| c.to_string()),
        Some("DRI, as deputy of bob".to_string())
    );
    // Not a deputy of anyone here: refused.
    let r = h.no("carol", start("switch"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
}

#[test]
fn a_deputy_fills_one_gate_seat_never_twice() {
    let mut h = H::new(rb());
    h.finish("copy");
    h.ok("coord", start("go"));
    // bob votes himself: his deputy dave can no longer vote in bob's seat.
    h.ok("bob", no_go("go", "replica lag 40s"));
    let r = h.no("dave", go("go"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert_eq!(
        r.reason,
        "the seat of `bob` at gate `go` was voted by `bob`: a seat takes one voter, so `dave` \
         cannot vote in it too (`bob` may change that vote)"
    );
    // erin deputizes alice: her GO counts for alice's seat, once.
    h.ok("erin", go("go"));
    assert_eq!(last_for(&h).as_deref(), Some("alice"));
    // alice cannot vote on top of her deputy's vote.
    let r = h.no("alice", go("go"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("voted by `erin`"), "{r}");
    // bob is an approver *and* alice's deputy: he fills one seat only (his own).
    let events = h.ok("bob", go("go"));
    assert_eq!(last_for(&h), None);
    assert_eq!(
        events,
        vec![
            EventKind::GateGo { step: "go".into() },
            EventKind::GatePassed { step: "go".into() }
        ]
    );
    let votes = &h.drill.state().step("go").unwrap().votes;
    assert_eq!(votes.len(), 2);
    assert_eq!(votes["alice"].cast_by.as_deref(), Some("erin"));
    assert_eq!(votes["bob"].cast_by, None);
}

#[test]
fn one_person_never_fills_two_seats_of_a_gate() {
    // bob's steps handed to alice: she holds both approver seats but votes in one.
    let mut h = H::new(rb());
    h.finish("copy");
    h.ok("bob", offer(steps_of("bob"), "alice"));
    h.ok("alice", accept(steps_of("bob")));
    h.ok("coord", start("go"));
    assert_eq!(
        h.ok("alice", go("go")),
        vec![EventKind::GateGo { step: "go".into() }]
    );
    // Her second GO lands in the same seat (her own): the gate still waits for bob's.
    assert_eq!(
        h.ok("alice", go("go")),
        vec![EventKind::GateGo { step: "go".into() }]
    );
    let waits = gate_waits(h.drill.runbook(), h.drill.state(), 1);
    assert_eq!(waits.len(), 1, "{waits:?}");
    // bob's deputy dave does not deputize alice: he cannot fill bob's seat any more.
    assert_eq!(h.no("dave", go("go")).kind, RejectionKind::NotAllowed);
}

#[test]
fn a_dri_cannot_review_their_own_step_through_a_deputy_or_a_handover() {
    let mut h = H::new(rb());
    // alice is the DRI of `copy`; bob reviews it. erin does alice's work for her.
    h.ok("alice", start("copy"));
    h.ok("erin", done("copy"));
    // bob's steps handed to alice: she holds the reviewer seat but is the DRI.
    h.ok("bob", offer(steps_of("bob"), "alice"));
    h.ok("alice", accept(steps_of("bob")));
    let r = h.no("alice", sign("copy"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(
        r.reason
            .contains("is the DRI of `copy` and cannot review their own work"),
        "{r}"
    );
    // Handed on to erin, who did the work as alice's deputy: still not her to review.
    h.ok("alice", offer(steps_of("bob"), "erin"));
    h.ok("erin", accept(steps_of("bob")));
    let r = h.no("erin", sign("copy"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("`erin` worked on `copy`"), "{r}");
    // A reviewer who did none of the work signs off.
    h.ok("erin", offer(steps_of("bob"), "bob"));
    h.ok("bob", accept(steps_of("bob")));
    h.ok("bob", sign("copy"));
}

#[test]
fn bob_as_alices_deputy_cannot_review_the_step_he_reviews_if_he_did_it() {
    // bob is alice's deputy *and* the reviewer of her step `copy`.
    let mut h = H::new(rb());
    h.ok("bob", start("copy"));
    assert_eq!(last_for(&h).as_deref(), Some("alice"));
    h.ok("alice", done("copy"));
    let r = h.no("bob", sign("copy"));
    assert_eq!(r.kind, RejectionKind::NotAllowed);
    assert!(r.reason.contains("not even as a deputy"), "{r}");
    // The coordinator may still sign, recorded as an override.
    assert_eq!(
        h.ok("coord", sign("copy")),
        vec![EventKind::SignedOff {
            target: step("copy"),
            override_by_coordinator: true
        }]
    );
}

#[test]
fn handovers_replay_from_the_journal_to_the_same_state() {
    let mut h = H::new(rb());
    h.ok("coord", offer(Duty::Coordinator, "carol"));
    h.ok("carol", accept(Duty::Coordinator));
    h.ok("carol", offer(steps_of("bob"), "dave"));
    h.ok("dave", accept(steps_of("bob")));
    h.ok("erin", start("copy"));
    let events: Vec<Event> = h
        .drill
        .state()
        .log
        .iter()
        .map(|e| e.event.clone())
        .collect();
    let json = serde_json::to_string(&events).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    let again = Drill::replay(h.drill.runbook().clone(), &back);
    assert_eq!(again.state(), h.drill.state());
    assert_eq!(again.state().handover.coordinator, "carol");
    assert_eq!(again.state().handover.holder("bob"), "dave");
    // An event without `acting_for` (an older journal) reads as acting in one's own name.
    let plain: Event = serde_json::from_str(
        r#"{"seq":1,"at":"2026-03-01T02:00:00Z","by":{"person":"alice"},"kind":{"event":"drill_started"}}"#,
    )
    .unwrap();
    assert_eq!(plain.acting_for, None);
}

#[test]
fn nothing_is_handed_over_after_the_end() {
    let mut h = H::new(rb());
    h.ok("coord", CommandKind::EndDrill);
    let r = h.no("coord", offer(Duty::Coordinator, "carol"));
    assert_eq!(r.kind, RejectionKind::Ended);
    // Observers can never take part in a handover.
    let mut h = H::new(rb());
    h.ok("coord", offer(steps_of("alice"), "carol"));
    assert_eq!(
        h.no("olga", accept(steps_of("alice"))).kind,
        RejectionKind::NotAllowed
    );
}
