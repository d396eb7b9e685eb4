use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::tui::app::AppEffect;
use crate::tui::keymap::Action;
use crate::tui::modal::Modal;

fn sends(effects: &[AppEffect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| {
            if let AppEffect::Send(c) = e {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn reviewer_signs_off_through_a_named_confirmation() {
    let rb = runbook();
    let mut a = app(&review_events(&rb), "alice", true);
    let now = min(21);
    a.follow_current();
    assert!(a.offered(Action::SignOff, now));
    assert!(!a.offered(Action::Start, now));
    assert!(a.handle_key(key('o'), now).is_empty());
    match a.modals.last() {
        Some(Modal::Confirm { question, .. }) => {
            assert_eq!(question, "Sign off `schema` as alice (reviewer)?");
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    let fx = a.handle_key(key('y'), now);
    assert_eq!(
        sends(&fx),
        [&Command {
            by: who("alice"),
            kind: CommandKind::SignOff {
                target: Target::Step("schema".into())
            }
        }]
    );
}

#[test]
fn no_is_the_default_answer() {
    let rb = runbook();
    let mut a = app(&review_events(&rb), "alice", true);
    a.follow_current();
    a.handle_key(key('o'), min(21));
    assert!(a.handle_key(code(KeyCode::Enter), min(21)).is_empty());
    assert!(a.modals.is_empty());
}

#[test]
fn coordinator_starts_the_first_step() {
    let mut a = app(&[], "carol", true);
    let now = min(0);
    a.handle_key(key('s'), now);
    match a.modals.last() {
        Some(Modal::Confirm { question, .. }) => assert!(
            question.starts_with("Start `freeze` as carol"),
            "{question}"
        ),
        other => panic!("{other:?}"),
    }
    let fx = a.handle_key(key('y'), now);
    assert_eq!(sends(&fx).len(), 1);
}

#[test]
fn fail_asks_for_a_reason_then_confirms() {
    let rb = runbook();
    let mut a = app(&overrun_events(&rb), "bob", true);
    a.follow_current();
    let now = min(30);
    a.handle_key(key('f'), now);
    assert!(matches!(a.modals.last(), Some(Modal::Reason { .. })));
    assert!(
        a.handle_key(code(KeyCode::Enter), now).is_empty(),
        "an empty reason is not accepted"
    );
    for c in "lock timeout".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    let fx = a.handle_key(key('y'), now);
    assert_eq!(
        sends(&fx)[0].kind,
        CommandKind::Fail {
            target: Target::Step("schema".into()),
            reason: "lock timeout".into()
        }
    );
}

#[test]
fn participant_is_not_offered_coordinator_actions() {
    let rb = runbook();
    let mut a = app(&overrun_events(&rb), "alice", true);
    a.follow_current();
    let now = min(30);
    assert!(!a.offered(Action::Skip, now));
    assert!(!a.offered(Action::Rollback, now));
    a.handle_key(key('x'), now);
    a.handle_key(key('R'), now);
    assert!(a.modals.is_empty());
}

#[test]
fn observer_app_emits_and_offers_nothing_that_changes_the_drill() {
    let rb = runbook();
    for events in [
        overrun_events(&rb),
        review_events(&rb),
        gate_events(&rb),
        failed_events(&rb),
    ] {
        // Even the coordinator's handle is read-only without a sink.
        for operator in ["olga", "carol"] {
            let mut a = app(&events, operator, false);
            let now = min(40);
            for row in 0..a.rows().len() {
                a.selected = row;
                for act in Action::ALL.into_iter().filter(|x| x.changes_drill()) {
                    assert!(!a.offered(act, now), "{operator} offered {act:?}");
                }
                let hints = crate::tui::panels::keys::hints(&a, now);
                assert!(
                    hints.iter().all(|(_, l)| ![
                        "start", "done", "sign off", "fail", "skip", "GO", "NO-GO", "note",
                        "rollback"
                    ]
                    .contains(l)),
                    "{hints:?}"
                );
                for c in "sdofxynNRy\n".chars() {
                    let fx = a.handle_key(key(c), now);
                    assert!(sends(&fx).is_empty());
                    a.modals.clear();
                }
            }
        }
    }
}

#[test]
fn rebinding_cannot_skip_confirmation() {
    let rb = runbook();
    let mut a = app(&review_events(&rb), "alice", true);
    a.keymap = crate::tui::keymap::KeyMap::with_overrides("k", "[keys]\nsign_off = \"<Enter>\"\n")
        .expect("parses");
    a.follow_current();
    let fx = a.handle_key(code(KeyCode::Enter), min(21));
    assert!(fx.is_empty());
    assert!(matches!(a.modals.last(), Some(Modal::Confirm { .. })));
}

#[test]
fn gate_votes_go_and_no_go() {
    let rb = runbook();
    let mut events = gate_events(&rb);
    events.truncate(events.len() - 1); // bob has not voted yet
    let mut a = app(&events, "bob", true);
    a.follow_current();
    let now = min(53);
    let gate = a
        .rows()
        .iter()
        .position(|r| matches!(r, crate::tui::app::Row::Step(3)))
        .expect("gate row");
    a.selected = gate;
    assert!(a.offered(Action::Go, now));
    a.handle_key(key('n'), now);
    for c in "lag".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    match a.modals.last() {
        Some(Modal::Confirm { question, .. }) => {
            assert_eq!(question, "Say NO-GO at `go-live` as bob (approver)?");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rollback_needs_the_step_id_typed() {
    let rb = runbook();
    let mut a = app(&failed_events(&rb), "carol", true);
    let now = min(31);
    a.selected = 1; // schema
    assert!(a.offered(Action::Rollback, now));
    a.handle_key(key('R'), now);
    for c in "lock".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    match a.modals.last() {
        Some(Modal::Rollback { plan, .. }) => assert!(plan.is_ok(), "{plan:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        a.handle_key(code(KeyCode::Enter), now).is_empty(),
        "not typed yet"
    );
    for c in "schema".chars() {
        a.handle_key(key(c), now);
    }
    let fx = a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        sends(&fx)[0].kind,
        CommandKind::CallRollback {
            from: "schema".into(),
            reason: "lock".into()
        }
    );
}

#[test]
fn command_line_switches_layout_and_reports_unknown() {
    let mut a = app(&[], "carol", true);
    let now = min(0);
    for c in ":layout wallboard".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(a.layout.name, "wallboard");
    a.handle_key(key('L'), now);
    assert_eq!(a.layout.name, "coordinator");
    for c in ":layout nope".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(a.layout.name, "coordinator");
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("no layout `nope`")));
}

#[test]
fn quit_asks_while_live() {
    let rb = runbook();
    let mut a = app(&overrun_events(&rb), "carol", true);
    assert!(a.handle_key(key('q'), min(10)).is_empty());
    assert_eq!(a.handle_key(key('y'), min(10)), [AppEffect::Quit]);
    let mut o = app(&overrun_events(&rb), "olga", false);
    assert_eq!(o.handle_key(key('q'), min(10)), [AppEffect::Quit]);
}

#[test]
fn replica_waits_for_a_snapshot_after_a_gap() {
    use crate::drill::Update;
    let rb = runbook();
    let events = overrun_events(&rb);
    let mut a = app(&events[..1], "olga", false);
    assert!(a.apply_update(&Update::Event(events[2].clone())));
    assert!(a.replica.out_of_sync);
    assert!(!a.apply_update(&Update::Event(events[1].clone())));
    assert!(a.apply_update(&Update::Snapshot {
        events: events.clone()
    }));
    assert!(!a.replica.out_of_sync);
    assert_eq!(a.replica.drill.state().last_seq, events.len() as u64);
}

#[test]
fn selection_follows_the_current_step_until_moved() {
    use crate::drill::Update;
    let rb = runbook();
    let events = review_events(&rb);
    let mut more = events.clone();
    more.extend(run_more(
        &rb,
        &events,
        &[
            (
                "alice",
                CommandKind::SignOff {
                    target: Target::Step("schema".into()),
                },
                21,
            ),
            (
                "alice",
                CommandKind::Start {
                    target: Target::Step("copy".into()),
                },
                22,
            ),
        ],
    ));
    let mut a = app(&events, "olga", false);
    for e in &more[events.len()..] {
        a.apply_update(&Update::Event(e.clone()));
    }
    assert_eq!(
        a.selected_row(),
        Some(crate::tui::app::Row::Step(2)),
        "follows copy"
    );
    a.handle_key(key('k'), min(22));
    assert!(!a.follow);
    assert_eq!(a.selected_row(), Some(crate::tui::app::Row::Step(1)));
}

#[test]
fn filter_narrows_steps_and_goto_selects_one() {
    let mut a = app(&[], "carol", true);
    let now = min(0);
    for c in "/ver".chars() {
        a.handle_key(key(c), now);
    }
    assert_eq!(a.rows(), [crate::tui::app::Row::Step(4)]);
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(a.filter, "ver");
    a.handle_key(code(KeyCode::Esc), now);
    assert!(a.filter.is_empty());
    for c in ":goto copy".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(a.selected_row(), Some(crate::tui::app::Row::Step(2)));
    for c in ":goto nope".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert!(a.flash.as_ref().is_some_and(|f| f.text == "no step `nope`"));
}

#[test]
fn a_gate_override_is_its_own_action_with_a_reason_and_the_gate_typed() {
    let rb = runbook();
    let events = gate_events(&rb); // bob said NO-GO at go-live
    let now = min(54);
    // Skip is no way around the gate: not offered on it.
    let mut a = app(&events, "carol", true);
    a.selected = a
        .rows()
        .iter()
        .position(|r| matches!(r, crate::tui::app::Row::Step(3)))
        .expect("gate row");
    assert!(!a.offered(Action::Skip, now));
    assert!(a.offered(Action::OverrideGate, now));
    // Only the coordinator is offered it.
    let mut b = app(&events, "bob", true);
    b.selected = a.selected;
    assert!(!b.offered(Action::OverrideGate, now));
    a.handle_key(key('O'), now);
    for c in "VP accepts".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert!(matches!(a.modals.last(), Some(Modal::Override { .. })));
    assert!(
        a.handle_key(code(KeyCode::Enter), now).is_empty(),
        "the gate's id is not typed yet"
    );
    for c in "go-live".chars() {
        a.handle_key(key(c), now);
    }
    let fx = a.handle_key(code(KeyCode::Enter), now);
    let sent = sends(&fx);
    assert_eq!(
        sent[0].kind,
        CommandKind::OverrideGate {
            step: "go-live".into(),
            reason: "VP accepts".into()
        }
    );
    // Once journaled, the header says so in red for the rest of the drill.
    let mut d = Drill::replay(rb.clone(), &events);
    let evs = d.execute(sent[0], now).expect("override accepted");
    let mut all = events.clone();
    all.extend(evs);
    let a = app(&all, "olga", false);
    let (tone, why) = crate::tui::panels::header::alarm(&a, min(60));
    assert_eq!(tone, crate::tui::theme::Tone::Bad);
    assert_eq!(why.as_deref(), Some("GATE OVERRIDDEN: go-live"));
}

/// Past a point of no return with a contingency: the header says roll forward and names it,
/// K asks for a reason and a confirmation naming the phase, and sends the call.
#[test]
fn past_a_point_of_no_return_k_calls_the_contingency() {
    use crate::drill::testkit::RunbookBuilder;
    use std::sync::Arc;
    let rb = Arc::new(
        RunbookBuilder::new("failback")
            .coordinator("carol")
            .person("alice", "DBA")
            .person("bob", "SRE")
            .step("switch", "bob", "alice", "5m")
            .contingency("fail-back")
            .step("reverse-repl", "alice", "bob", "20m")
            .phase("after")
            .step("verify", "alice", "bob", "15m")
            .build(),
    );
    let script = [
        (
            "bob",
            CommandKind::Start {
                target: Target::Step("switch".into()),
            },
            0,
        ),
        (
            "bob",
            CommandKind::Done {
                target: Target::Step("switch".into()),
            },
            4,
        ),
        (
            "alice",
            CommandKind::SignOff {
                target: Target::Step("switch".into()),
            },
            5,
        ),
        (
            "alice",
            CommandKind::Start {
                target: Target::Step("verify".into()),
            },
            6,
        ),
        (
            "alice",
            CommandKind::Fail {
                target: Target::Step("verify".into()),
                reason: "5xx".into(),
            },
            7,
        ),
    ];
    let events = super::run(&rb, &script);
    let mut a = App::new(rb, &events, who("carol"), true);
    let now = min(8);
    let screen = super::text(&super::draw(&a, now, 160, 40));
    assert!(
        screen.contains("past PNR `switch`: roll forward (contingency `fail-back`)"),
        "{screen}"
    );
    assert!(
        screen.contains("fail-back (contingency of `switch`"),
        "{screen}"
    );
    a.selected = a
        .rows()
        .iter()
        .position(|r| matches!(r, crate::tui::app::Row::Step(i) if *i == 2))
        .expect("verify row");
    assert!(a.offered(Action::Contingency, now));
    a.handle_key(key('K'), now);
    for c in "orders fail".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    match a.modals.last() {
        Some(Modal::Confirm { question, .. }) => {
            assert!(
                question.contains("contingency of `switch` (phase `fail-back`)"),
                "{question}"
            );
        }
        other => panic!("{other:?}"),
    }
    let fx = a.handle_key(key('y'), now);
    assert_eq!(
        sends(&fx)[0].kind,
        CommandKind::CallContingency {
            from: "verify".into(),
            reason: "orders fail".into()
        }
    );
}

/// A preflight that found a blocker turns the header red with its counts and first
/// blocker; the step detail shows each evidence's last report.
#[test]
fn a_preflight_blocker_shows_in_the_header() {
    use crate::drill::{Command, Drill};
    use crate::runbook::Evidence;
    let rb = runbook();
    let mut d = Drill::new(rb.clone());
    let events = d
        .execute(
            &Command {
                by: crate::drill::Actor::System,
                kind: CommandKind::RecordEvidence {
                    evidence: Evidence::Preflight,
                    holds: false,
                    detail: "1 blocker, 0 warnings, 2 info; first blocker: src.orders.id — key is NULL-able"
                        .into(),
                },
            },
            min(0),
        )
        .expect("recorded");
    let a = app(&events, "carol", true);
    let screen = super::text(&super::draw(&a, min(1), 200, 40));
    assert!(
        screen.contains("⚠ PREFLIGHT: 1 blocker, 0 warnings, 2 info; first blocker: src.orders.id"),
        "{screen}"
    );
}
