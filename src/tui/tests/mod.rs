//! Console tests: headless key handling to commands, snapshots of every layout in
//! interesting drill states, and colour of the cells that must be unmissable.

mod announce;
mod feed;
mod handover;
mod jobs;
mod keys;
mod scope;
mod sets;
mod snapshots;
mod watch;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::app::App;
use super::theme::Theme;
use crate::drill::testkit::RunbookBuilder;
use crate::drill::{Actor, Command, CommandKind, Drill, Event, Target};
use crate::runbook::Runbook;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 22, 0, 0)
        .single()
        .expect("valid time")
}

pub fn min(m: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(m)
}

pub fn runbook() -> Arc<Runbook> {
    Arc::new(
        RunbookBuilder::new("orders-db cutover rehearsal")
            .coordinator("carol")
            .person("alice", "DBA")
            .person("bob", "SRE")
            .person("olga", "observer")
            .window(min(-30), "4h")
            .step("freeze", "alice", "bob", "5m")
            .rollback("unfreeze writes")
            .step("schema", "bob", "alice", "20m")
            .rollback("drop the new schema")
            .step("copy", "alice", "bob", "30m")
            .rollback("truncate target")
            .step("go-live", "bob", "alice", "10m")
            .gate()
            .approvers(&["carol", "bob"])
            .irreversible()
            .step("verify", "alice", "bob", "15m")
            .build(),
    )
}

pub fn who(h: &str) -> Actor {
    Actor::Person(h.to_string())
}

fn step(id: &str) -> Target {
    Target::Step(id.to_string())
}

/// Drives the real engine through `script` (actor, command, minute) and returns the events.
pub fn run(rb: &Arc<Runbook>, script: &[(&str, CommandKind, i64)]) -> Vec<Event> {
    let mut d = Drill::new(rb.clone());
    let mut out = Vec::new();
    for (by, kind, m) in script {
        let cmd = Command {
            by: who(by),
            kind: kind.clone(),
        };
        let evs = d
            .execute(&cmd, min(*m))
            .unwrap_or_else(|e| panic!("{cmd:?} at +{m}m refused: {e:?}"));
        out.extend(evs);
    }
    out
}

fn start(id: &str) -> CommandKind {
    CommandKind::Start { target: step(id) }
}
fn done(id: &str) -> CommandKind {
    CommandKind::Done { target: step(id) }
}
fn sign(id: &str) -> CommandKind {
    CommandKind::SignOff { target: step(id) }
}

/// Freeze done and signed; schema running since +6m (plan 20m).
pub fn overrun_events(rb: &Arc<Runbook>) -> Vec<Event> {
    run(
        rb,
        &[
            ("carol", start("freeze"), 0),
            ("alice", done("freeze"), 4),
            ("bob", sign("freeze"), 5),
            ("bob", start("schema"), 6),
        ],
    )
}

/// Schema awaiting alice's review.
pub fn review_events(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut s = overrun_events(rb);
    s.extend(run_more(rb, &s, &[("bob", done("schema"), 20)]));
    s
}

/// Continues a drill from `events`.
pub fn run_more(
    rb: &Arc<Runbook>,
    events: &[Event],
    script: &[(&str, CommandKind, i64)],
) -> Vec<Event> {
    let mut d = Drill::replay(rb.clone(), events);
    let mut out = Vec::new();
    for (by, kind, m) in script {
        let cmd = Command {
            by: who(by),
            kind: kind.clone(),
        };
        out.extend(
            d.execute(&cmd, min(*m))
                .unwrap_or_else(|e| panic!("{cmd:?} refused: {e:?}")),
        );
    }
    out
}

/// Schema failed at +30m.
pub fn failed_events(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut s = overrun_events(rb);
    s.extend(run_more(
        rb,
        &s,
        &[(
            "bob",
            CommandKind::Fail {
                target: step("schema"),
                reason: "lock timeout on orders".into(),
            },
            30,
        )],
    ));
    s
}

/// Rollback called from the failed schema step.
pub fn rollback_events(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut s = failed_events(rb);
    s.extend(run_more(
        rb,
        &s,
        &[(
            "carol",
            CommandKind::CallRollback {
                from: "schema".into(),
                reason: "schema lock timeout".into(),
            },
            32,
        )],
    ));
    s
}

/// Up to the gate: carol says GO, bob says NO-GO.
pub fn gate_events(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut s = overrun_events(rb);
    s.extend(run_more(
        rb,
        &s,
        &[
            ("bob", done("schema"), 20),
            ("alice", sign("schema"), 21),
            ("alice", start("copy"), 22),
            ("alice", done("copy"), 50),
            ("bob", sign("copy"), 51),
            ("bob", start("go-live"), 52),
            (
                "carol",
                CommandKind::Go {
                    step: "go-live".into(),
                },
                52,
            ),
            (
                "bob",
                CommandKind::NoGo {
                    step: "go-live".into(),
                    reason: "replica lag 40s".into(),
                },
                53,
            ),
        ],
    ));
    s
}

pub fn app(events: &[Event], operator: &str, can_send: bool) -> App {
    let mut app = App::new(runbook(), events, who(operator), can_send);
    app.theme = Theme::COLOR;
    app.local_offset = chrono::FixedOffset::east_opt(0).expect("utc");
    app
}

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

pub fn draw(app: &App, now: DateTime<Utc>, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    super::render::render_buffer(app, now, area, &mut buf);
    buf
}

/// The buffer as text, one line per row (trailing spaces trimmed).
pub fn text(buf: &Buffer) -> String {
    let a = buf.area;
    let mut out = String::new();
    for y in a.top()..a.bottom() {
        let mut line = String::new();
        for x in a.left()..a.right() {
            line.push_str(buf.cell((x, y)).map_or(" ", |c| c.symbol()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Position of the first occurrence of `needle` in the buffer's text.
// A column on the test terminal, well below u16::MAX.
#[allow(clippy::cast_possible_truncation)]
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let a = buf.area;
    for y in a.top()..a.bottom() {
        let cells: Vec<&str> = (a.left()..a.right())
            .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
            .collect();
        for x in 0..cells.len() {
            let mut s = String::new();
            for c in &cells[x..] {
                s.push_str(c);
                if s.len() >= needle.len() {
                    break;
                }
            }
            if s.starts_with(needle) {
                return Some((a.left() + x as u16, y));
            }
        }
    }
    None
}
