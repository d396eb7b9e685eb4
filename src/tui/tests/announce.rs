//! A failing announce target is named in the header with its last error (in amber), and
//! the timeline shows its first failure and its recovery, not the routine outbox traffic.

use super::{app, draw, find, min, overrun_events, text};
use crate::drill::outbox::{Announcement, OutboxRecord, Tone};
use crate::drill::{Actor, Event, EventKind};
use crate::runbook::MessageKind;
use crate::tui::theme::Tone as ScreenTone;

fn outbox(events: &mut Vec<Event>, minute: i64, record: OutboxRecord) {
    let seq = events.last().map_or(0, |e| e.seq) + 1;
    events.push(Event {
        seq,
        at: min(minute),
        by: Actor::System,
        kind: EventKind::Outbox { record },
        acting_for: None,
    });
}

fn queued(id: &str) -> OutboxRecord {
    OutboxRecord::Queued {
        id: id.into(),
        target: "room".into(),
        topic: format!("t-{id}"),
        message: Box::new(Announcement {
            kinds: vec![MessageKind::StepStarted],
            title: "▶ `schema` started".into(),
            text: String::new(),
            fields: Vec::new(),
            tone: Tone::Info,
            at: min(6),
            step: None,
        }),
    }
}

fn failed(id: &str, attempt: u32, streak: u32) -> OutboxRecord {
    OutboxRecord::Failed {
        id: id.into(),
        target: "room".into(),
        attempt,
        error: "HTTP 500: boom".into(),
        streak,
    }
}

#[test]
fn a_failing_target_is_in_the_header_and_its_first_failure_in_the_timeline() {
    let mut events = overrun_events(&super::runbook());
    outbox(&mut events, 6, queued("k1"));
    outbox(&mut events, 6, failed("k1", 1, 1));
    outbox(&mut events, 7, failed("k1", 2, 2));
    let a = app(&events, "carol", true);
    let buf = draw(&a, min(8), 200, 40);
    let screen = text(&buf);
    assert!(
        screen.contains("ANNOUNCE `room` FAILING (2 in a row): HTTP 500: boom"),
        "{screen}"
    );
    let at = find(&buf, "ANNOUNCE `room`").expect("in the header");
    assert!(at.1 < 3, "in the header's lines: {at:?}");
    let cell = buf.cell(at).expect("a cell");
    assert_eq!(Some(cell.fg), a.theme.style(ScreenTone::Warn).fg, "amber");
    // The timeline: the first failure only; nothing of the queueing.
    assert_eq!(
        screen
            .matches("announcement to `room` failed (attempt 1): HTTP 500: boom")
            .count(),
        1,
        "{screen}"
    );
    assert!(!screen.contains("attempt 2"), "{screen}");
    assert!(!screen.contains("queued an announcement"), "{screen}");

    outbox(
        &mut events,
        8,
        OutboxRecord::Delivered {
            id: "k1".into(),
            target: "room".into(),
            attempt: 3,
            status: 200,
            recovered: true,
        },
    );
    let a = app(&events, "carol", true);
    let screen = text(&draw(&a, min(9), 200, 40));
    assert!(!screen.contains("FAILING"), "{screen}");
    assert!(
        screen.contains("announcements to `room` go through again (attempt 3)"),
        "{screen}"
    );
}
