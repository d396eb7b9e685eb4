use ratatui::style::Color;

use super::*;

fn scenarios() -> Vec<(&'static str, Vec<Event>, DateTime<Utc>)> {
    let rb = runbook();
    vec![
        ("overrun", overrun_events(&rb), min(41)),
        ("gate", gate_events(&rb), min(54)),
        ("failed", failed_events(&rb), min(31)),
        ("rollback", rollback_events(&rb), min(33)),
    ]
}

#[test]
fn every_layout_in_every_state_at_two_sizes() {
    for (name, events, now) in scenarios() {
        for layout in ["coordinator", "observer", "wallboard"] {
            for (w, h) in [(80, 24), (160, 48)] {
                let mut a = app(&events, "carol", true);
                assert!(a.set_layout(layout, now));
                let buf = draw(&a, now, w, h);
                insta::assert_snapshot!(format!("{layout}_{name}_{w}x{h}"), text(&buf));
            }
        }
    }
}

#[test]
fn observer_console_at_80x24() {
    let rb = runbook();
    let a = app(&gate_events(&rb), "olga", false);
    insta::assert_snapshot!(text(&draw(&a, min(54), 80, 24)));
}

#[test]
fn panels_alone() {
    use crate::tui::panels::{draw as draw_panel, PanelKind};
    let rb = runbook();
    let a = app(&rollback_events(&rb), "carol", true);
    for kind in PanelKind::ALL {
        let area = Rect::new(0, 0, 60, 12);
        let mut buf = Buffer::empty(area);
        draw_panel(kind, &a, min(33), area, &mut buf);
        insta::assert_snapshot!(format!("panel_{kind}"), text(&buf));
    }
}

#[test]
fn overrun_beyond_half_the_plan_is_red() {
    let rb = runbook();
    let a = app(&overrun_events(&rb), "carol", true);
    // schema: plan 20m, running since +6m; at +41m it has run 35m (> 30m).
    let buf = draw(&a, min(41), 160, 48);
    let (x, y) = find(&buf, "35:00/20:00").expect("elapsed shown");
    assert_eq!(buf.cell((x, y)).map(|c| c.fg), Some(Color::Red));
    // At +30m it has run 24m: amber.
    let buf = draw(&a, min(30), 160, 48);
    let (x, y) = find(&buf, "24:00/20:00").expect("elapsed shown");
    assert_eq!(buf.cell((x, y)).map(|c| c.fg), Some(Color::Yellow));
    // The header turns amber for an overrun.
    assert_eq!(buf.cell((0, 1)).map(|c| c.bg), Some(Color::Yellow));
}

#[test]
fn failed_step_and_point_of_no_return_are_red() {
    let rb = runbook();
    let a = app(&failed_events(&rb), "carol", true);
    let buf = draw(&a, min(31), 160, 48);
    let (x, y) = find(&buf, "✘ schema").expect("failed row");
    assert_eq!(buf.cell((x, y)).map(|c| c.fg), Some(Color::Red));
    let (x, y) = find(&buf, "⚠PNR").expect("pnr mark");
    assert_eq!(buf.cell((x, y)).map(|c| c.fg), Some(Color::Red));
    // A failed step turns the header red.
    assert_eq!(buf.cell((0, 1)).map(|c| c.bg), Some(Color::Red));
}

#[test]
fn no_color_theme_keeps_symbols_and_drops_colours() {
    let rb = runbook();
    let mut a = app(&failed_events(&rb), "carol", true);
    a.theme = Theme::MONO;
    let buf = draw(&a, min(31), 160, 48);
    assert!(find(&buf, "✘ schema").is_some());
    assert!(buf
        .content()
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

#[test]
fn rollback_modal_shows_the_engine_refusal_past_a_point_of_no_return() {
    use crate::tui::modal::Modal;
    let rb = runbook();
    let mut events = gate_events(&rb);
    events.truncate(events.len() - 1);
    let mut s = events.clone();
    s.extend(run_more(
        &rb,
        &s,
        &[(
            "bob",
            CommandKind::Go {
                step: "go-live".into(),
            },
            53,
        )],
    ));
    let verify_step = || Target::Step("verify".into());
    let fail = CommandKind::Fail {
        target: verify_step(),
        reason: "row counts differ".into(),
    };
    let start = CommandKind::Start {
        target: verify_step(),
    };
    s.extend(run_more(
        &rb,
        &s,
        &[("alice", start, 55), ("alice", fail, 58)],
    ));
    let mut a = app(&s, "carol", true);
    let now = min(60);
    let verify = a
        .rows()
        .iter()
        .position(|r| matches!(r, crate::tui::app::Row::Step(4)))
        .expect("row");
    a.selected = verify;
    let plan = a
        .replica
        .drill
        .rollback_plan("verify")
        .map_err(|r| r.reason);
    a.modals.push(Modal::Rollback {
        from: "verify".into(),
        reason: "bad data".into(),
        plan: plan.clone(),
        typed: String::new(),
    });
    let buf = draw(&a, now, 100, 30);
    insta::assert_snapshot!(text(&buf));
    assert!(
        plan.is_err(),
        "the engine refuses to roll back past go-live: {plan:?}"
    );
    let (x, y) = find(&buf, "REFUSED").expect("refusal shown");
    assert_eq!(buf.cell((x, y)).map(|c| c.fg), Some(Color::Red));
}

#[test]
fn active_rollback_turns_the_header_red_and_lists_tasks() {
    let rb = runbook();
    let a = app(&rollback_events(&rb), "carol", true);
    let buf = draw(&a, min(33), 160, 48);
    assert_eq!(buf.cell((0, 1)).map(|c| c.bg), Some(Color::Red));
    assert!(find(&buf, "ROLLBACK IN PROGRESS").is_some());
    assert!(find(&buf, "↺ schema").is_some());
}

#[test]
fn observer_help_lists_no_changing_keys() {
    use crate::tui::modal::Modal;
    let rb = runbook();
    let mut a = app(&gate_events(&rb), "olga", false);
    a.modals.push(Modal::Help { scroll: 0 });
    let out = text(&draw(&a, min(54), 100, 30));
    // Below the header (which says whether a rollback is still possible).
    let below: String = out.lines().skip(3).collect::<Vec<_>>().join("\n");
    for word in ["sign off", "rollback", "NO-GO", "skip"] {
        assert!(!below.contains(word), "help offers {word}:\n{out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn broken_layout_file_falls_back_with_a_flash() {
    use crate::drill::ManualClock;
    use crate::tui::{build_app, ConsoleOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "[root]\nsplit = \"vertical\"\n[[root.children]]\npanel = \"graph\"\n",
    )
    .expect("write");
    let (_tx, rx) = tokio::sync::broadcast::channel(4);
    let opts = ConsoleOptions {
        runbook: runbook(),
        operator: who("olga"),
        initial_events: Vec::new(),
        updates: rx.into(),
        sink: None,
        clock: Arc::new(ManualClock::new(t0())),
        layout: "mine".into(),
        layouts_dir: Some(dir.path().to_path_buf()),
        keymap_path: None,
        title: None,
        connection: "observing".into(),
        link: None,
    };
    let a = build_app(&opts);
    assert_eq!(a.layout.name, "coordinator");
    let flash = a.flash.expect("flash").text;
    assert!(
        flash.contains("mine.toml:4:9: unknown panel `graph`"),
        "{flash}"
    );
    assert!(!a.can_send);
}

#[test]
fn overdue_gate_turns_the_header_red() {
    let rb = runbook();
    let a = app(&gate_events(&rb), "carol", true);
    // The gate was due at +75m by the plan (5+20+30+10 from the start) and is held.
    let now = min(120);
    let overdue = a.replica.drill.timing().overdue_gates(now);
    assert!(!overdue.is_empty());
    let buf = draw(&a, now, 160, 48);
    assert_eq!(buf.cell((0, 1)).map(|c| c.bg), Some(Color::Red));
    assert!(find(&buf, "GATE OVERDUE: go-live").is_some());
}

#[test]
fn a_panicking_panel_becomes_an_error_box() {
    use crate::tui::panel_kind::PanelKind;
    let a = app(&[], "carol", true);
    let area = Rect::new(0, 0, 50, 5);
    let mut buf = Buffer::empty(area);
    crate::tui::render::draw_guarded(&a, PanelKind::Copy, area, &mut buf, |_| panic!("boom"));
    assert!(text(&buf).contains("the copy panel failed to render"));
    assert!(!crate::tui::render::in_guarded_panel());
}
