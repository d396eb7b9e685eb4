//! Handover from the console: `H` offers, `a` accepts, `D` declines; the header and the
//! people panel say who coordinates and who holds whose steps.

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::drill::{Duty, Role};
use crate::tui::app::AppEffect;
use crate::tui::keymap::Action;
use crate::tui::modal::Modal;

fn sent(effects: &[AppEffect]) -> Vec<CommandKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            AppEffect::Send(c) => Some(c.kind.clone()),
            AppEffect::Quit => None,
        })
        .collect()
}

fn question(a: &App) -> String {
    match a.modals.last() {
        Some(Modal::Confirm { question, .. }) => question.clone(),
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn offered_to_alice(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut s = overrun_events(rb);
    s.extend(run_more(
        rb,
        &s,
        &[(
            "carol",
            CommandKind::OfferHandover {
                duty: Duty::Coordinator,
                to: "alice".into(),
            },
            35,
        )],
    ));
    s
}

#[test]
fn the_coordinator_offers_the_role_by_typing_who_takes_it() {
    let rb = runbook();
    let mut a = app(&overrun_events(&rb), "carol", true);
    let now = min(35);
    assert!(a.offered(Action::Handover, now));
    assert!(!a.offered(Action::AcceptHandover, now));
    a.handle_key(key('H'), now);
    assert!(matches!(a.modals.last(), Some(Modal::Reason { .. })));
    for c in "alice".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        question(&a),
        "Offer the coordinator role to `alice` as carol? Nothing moves until `alice` accepts."
    );
    assert_eq!(
        sent(&a.handle_key(key('y'), now)),
        vec![CommandKind::OfferHandover {
            duty: Duty::Coordinator,
            to: "alice".into()
        }]
    );
    // A participant's `H` offers their own steps.
    let mut b = app(&overrun_events(&rb), "bob", true);
    b.handle_key(key('H'), now);
    for c in "alice".chars() {
        b.handle_key(key(c), now);
    }
    b.handle_key(code(KeyCode::Enter), now);
    assert!(question(&b).starts_with("Offer the steps of `bob` to `alice` as bob?"));
    // An observer has nothing to hand over.
    let olga = app(&overrun_events(&rb), "olga", true);
    assert!(!olga.offered(Action::Handover, now));
}

#[test]
fn the_receiver_sees_the_offer_and_accepts_it_with_a() {
    let rb = runbook();
    let events = offered_to_alice(&rb);
    let now = min(36);
    // bob is not the receiver: nothing to accept.
    let bob = app(&events, "bob", true);
    assert!(!bob.offered(Action::AcceptHandover, now));
    let screen = text(&draw(&bob, now, 160, 48));
    assert!(
        screen.contains("handover of the coordinator role offered to alice"),
        "{screen}"
    );

    let mut alice = app(&events, "alice", true);
    assert!(alice.offered(Action::AcceptHandover, now));
    assert!(alice.offered(Action::DeclineHandover, now));
    let screen = text(&draw(&alice, now, 160, 48));
    assert!(
        screen.contains("offered to you: a accept · D decline"),
        "{screen}"
    );
    assert!(screen.contains("a accept handover"), "hint bar: {screen}");
    alice.handle_key(key('a'), now);
    assert_eq!(
        question(&alice),
        "Take over the coordinator role from `carol` as alice? From now on you act in it and `carol` no longer does."
    );
    assert_eq!(
        sent(&alice.handle_key(key('y'), now)),
        vec![CommandKind::AcceptHandover {
            duty: Duty::Coordinator
        }]
    );
    alice.handle_key(key('D'), now);
    assert!(question(&alice).starts_with("Decline the coordinator role"));
}

#[test]
fn after_the_handover_the_header_and_people_panel_name_the_new_holders() {
    let rb = runbook();
    let mut events = offered_to_alice(&rb);
    events.extend(run_more(
        &rb,
        &events,
        &[
            (
                "alice",
                CommandKind::AcceptHandover {
                    duty: Duty::Coordinator,
                },
                37,
            ),
            (
                "bob",
                CommandKind::OfferHandover {
                    duty: Duty::Steps("bob".into()),
                    to: "alice".into(),
                },
                38,
            ),
            (
                "alice",
                CommandKind::AcceptHandover {
                    duty: Duty::Steps("bob".into()),
                },
                38,
            ),
        ],
    ));
    let now = min(40);
    let alice = app(&events, "alice", true);
    assert_eq!(alice.role(), Role::Coordinator);
    let carol = app(&events, "carol", true);
    assert_eq!(carol.role(), Role::Participant);
    assert!(!carol.offered(Action::Skip, now));
    let screen = text(&draw(&alice, now, 160, 48));
    assert!(screen.contains("coordinator alice since 22:37"), "{screen}");
    assert!(screen.contains("bob      DRI 2 rev 3  → alice"), "{screen}");
    assert!(
        screen.contains("★alice    DRI 3 rev 2  holds bob"),
        "{screen}"
    );
    // The log names who acted for whom.
    assert!(
        screen.contains("`alice` took over the steps of `bob` from `bob`"),
        "{screen}"
    );
}

#[test]
fn the_command_line_speaks_the_line_mode_grammar() {
    let rb = runbook();
    let mut a = app(&overrun_events(&rb), "carol", true);
    let now = min(35);
    a.handle_key(key(':'), now);
    for c in "handover steps alice bob".chars() {
        a.handle_key(key(c), now);
    }
    a.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        question(&a),
        "Hand over the steps of `alice` to `bob` as carol?"
    );
    assert_eq!(
        sent(&a.handle_key(key('y'), now)),
        vec![CommandKind::OfferHandover {
            duty: Duty::Steps("alice".into()),
            to: "bob".into()
        }]
    );
    let mut alice = app(&offered_to_alice(&rb), "alice", true);
    alice.handle_key(key(':'), now);
    for c in "decline handover off shift".chars() {
        alice.handle_key(key(c), now);
    }
    alice.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        sent(&alice.handle_key(key('y'), now)),
        vec![CommandKind::DeclineHandover {
            duty: Duty::Coordinator,
            reason: "off shift".into()
        }]
    );
}
