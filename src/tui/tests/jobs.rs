//! The coordinator's job keys: pause/resume and rate-limit a copy, accept evidence that
//! does not hold, approve a recon's fix. Each ends in a named confirmation and one command.

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::drill::CopyCommand;
use crate::runbook::Evidence;
use crate::tui::app::AppEffect;
use crate::tui::keymap::Action;
use crate::tui::modal::Modal;
use crate::tui::panel_kind::PanelKind;

fn demo() -> Arc<Runbook> {
    let text = include_str!("../../../runbooks/demo.toml");
    match crate::runbook::parse_str("demo.toml", text) {
        Ok(loaded) => Arc::new(loaded.runbook),
        Err(d) => panic!("{d:?}"),
    }
}

/// The demo drill up to its recon step, running, with the recon reporting mismatches.
fn at_recon_with_mismatches(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut d = Drill::new(rb.clone());
    let mut out = Vec::new();
    let mut exec = |by: Actor, kind: CommandKind| {
        let cmd = Command { by, kind };
        match d.execute(&cmd, t0()) {
            Ok(evs) => out.extend(evs),
            Err(e) => panic!("{cmd:?}: {e}"),
        }
    };
    let t = |id: &str| Target::Step(id.to_string());
    for id in [
        "announce",
        "source-healthy",
        "target-empty",
        "preflight",
        "backfill",
    ] {
        exec(who("casey"), CommandKind::Start { target: t(id) });
        exec(who("casey"), CommandKind::Done { target: t(id) });
        // The engines report each step's evidence (copy done, probe green, check held).
        for evidence in rb.step(id).map(|s| s.requires.clone()).unwrap_or_default() {
            exec(
                Actor::System,
                CommandKind::RecordEvidence {
                    evidence,
                    holds: true,
                    detail: String::new(),
                },
            );
        }
        exec(who("casey"), CommandKind::SignOff { target: t(id) });
    }
    exec(who("casey"), CommandKind::Start { target: t("recon") });
    exec(
        Actor::System,
        CommandKind::RecordEvidence {
            evidence: Evidence::ReconClean("orders".into()),
            holds: false,
            detail: "3 mismatches".into(),
        },
    );
    out
}

fn demo_app(events: &[Event], operator: &str, can_send: bool) -> App {
    let mut app = App::new(demo(), events, who(operator), can_send);
    app.theme = crate::tui::theme::Theme::COLOR;
    app
}

fn sent(effects: &[AppEffect]) -> Vec<CommandKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            AppEffect::Send(c) => Some(c.kind.clone()),
            AppEffect::Quit => None,
        })
        .collect()
}

fn question(app: &App) -> String {
    match app.modals.last() {
        Some(Modal::Confirm { question, .. }) => question.clone(),
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(key(c), t0());
    }
}

#[test]
fn coordinator_pauses_then_resumes_the_selected_copy() {
    let rb = demo();
    let mut a = demo_app(&[], "casey", true);
    a.focus = PanelKind::Copy;
    assert!(a.offered(Action::PauseCopy, t0()));
    a.handle_key(key('p'), t0());
    assert_eq!(question(&a), "Pause copy `orders` as casey (coordinator)?");
    let fx = a.handle_key(key('y'), t0());
    let pause = CommandKind::CopyControl {
        job: "orders".into(),
        control: CopyCommand::Pause,
    };
    assert_eq!(sent(&fx), std::slice::from_ref(&pause));
    // The hub journals it; the console learns of it and now offers Resume.
    let events = run(&rb, &[]);
    let mut d = Drill::replay(rb.clone(), &events);
    let ev = d
        .execute(
            &Command {
                by: who("casey"),
                kind: pause,
            },
            t0(),
        )
        .unwrap_or_default();
    for e in &ev {
        a.apply_update(&crate::drill::Update::Event(e.clone()));
    }
    a.handle_key(key('p'), t0());
    assert_eq!(question(&a), "Resume copy `orders` as casey (coordinator)?");
    a.handle_key(key('n'), t0());
    // The panel says who paused it and draws the throughput history.
    for rate in [1000.0, 4000.0, 0.0] {
        a.apply_update(&crate::drill::Update::Telemetry(
            crate::drill::telemetry::Telemetry::Copy(progress(rate)),
        ));
    }
    let screen = text(&draw(&a, t0(), 160, 50));
    assert!(screen.contains("▸ orders paused"), "{screen}");
    assert!(
        screen.contains("PAUSED by the coordinator (p resumes)"),
        "{screen}"
    );
    assert!(screen.contains("▃█▁"), "{screen}");
}

fn progress(rate: f64) -> crate::drill::telemetry::copy::CopyProgress {
    use crate::drill::telemetry::copy::{CopyProgress, CopyState, Throttle, ThrottleState};
    CopyProgress {
        job: "orders".into(),
        state: CopyState::Paused,
        rows_done: 5_000,
        rows_estimated: Some(20_000),
        rows_per_sec_now: rate,
        rows_per_sec_avg: rate,
        elapsed_secs: 3.0,
        throttled_secs: 0.0,
        throttle: Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        },
        rate_limit: None,
        retries: 0,
        errors: 0,
        last_error: None,
        chunk_size: 500,
        ranges: Vec::new(),
    }
}

#[test]
fn rate_limit_is_typed_checked_and_confirmed() {
    let mut a = demo_app(&[], "casey", true);
    a.focus = PanelKind::Copy;
    a.handle_key(key('r'), t0());
    type_text(&mut a, "fast");
    a.handle_key(code(KeyCode::Enter), t0());
    // Still typing, and told why.
    assert!(matches!(a.modals.last(), Some(Modal::Reason { .. })));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("not a rate")));
    for _ in 0..4 {
        a.handle_key(code(KeyCode::Backspace), t0());
    }
    type_text(&mut a, "5k");
    a.handle_key(code(KeyCode::Enter), t0());
    assert_eq!(
        question(&a),
        "Limit copy `orders` to 5000 rows/s as casey (coordinator)?"
    );
    assert_eq!(
        sent(&a.handle_key(key('y'), t0())),
        [CommandKind::CopyControl {
            job: "orders".into(),
            control: CopyCommand::SetRate {
                rows_per_sec: Some(5000)
            }
        }]
    );
}

#[test]
fn only_the_coordinator_gets_job_keys() {
    let events = at_recon_with_mismatches(&demo());
    for (who, can_send) in [("dana", true), ("val", false), ("casey", false)] {
        let mut a = demo_app(&events, who, can_send);
        for focus in [PanelKind::Copy, PanelKind::Runbook] {
            a.focus = focus;
            for action in [
                Action::PauseCopy,
                Action::CopyRate,
                Action::AcceptEvidence,
                Action::ApplyFix,
            ] {
                assert!(!a.offered(action, t0()), "{who} offered {action:?}");
            }
        }
        for c in ['p', 'r', 'A', 'F'] {
            assert!(sent(&a.handle_key(key(c), t0())).is_empty());
        }
    }
}

#[test]
fn coordinator_accepts_failed_recon_evidence_with_a_note() {
    let events = at_recon_with_mismatches(&demo());
    let mut a = demo_app(&events, "casey", true);
    a.follow_current();
    assert_eq!(
        a.selected_target().map(|(t, _)| t.to_string()),
        Some("recon".to_string())
    );
    assert!(a.offered(Action::AcceptEvidence, t0()));
    a.handle_key(key('A'), t0());
    // An empty note is not accepted.
    a.handle_key(code(KeyCode::Enter), t0());
    assert!(matches!(a.modals.last(), Some(Modal::Reason { .. })));
    type_text(&mut a, "known drift");
    a.handle_key(code(KeyCode::Enter), t0());
    assert!(question(&a).starts_with("Accept evidence recon:orders although it does not hold"));
    assert_eq!(
        sent(&a.handle_key(key('y'), t0())),
        [CommandKind::AcceptEvidence {
            evidence: Evidence::ReconClean("orders".into()),
            note: "known drift".into()
        }]
    );
}

#[test]
fn coordinator_approves_the_fix_of_a_recon_with_mismatches() {
    let rb = demo();
    let mut a = demo_app(&[], "casey", true);
    a.focus = PanelKind::Recon;
    // No mismatches reported yet: nothing to fix.
    assert!(!a.offered(Action::ApplyFix, t0()));
    let mut a = demo_app(&at_recon_with_mismatches(&rb), "casey", true);
    a.focus = PanelKind::Recon;
    assert!(a.offered(Action::ApplyFix, t0()));
    a.handle_key(key('F'), t0());
    assert!(
        question(&a).starts_with("Apply the fix SQL of recon `orders` to target.orders as casey"),
        "{}",
        question(&a)
    );
    assert_eq!(
        sent(&a.handle_key(key('y'), t0())),
        [CommandKind::ApproveFix {
            recon: "orders".into()
        }]
    );
}

fn recon_progress() -> crate::drill::telemetry::recon::ReconProgress {
    use crate::drill::telemetry::recon::*;
    let chunk = |state| ReconChunk {
        lo: "-∞".into(),
        hi: "+∞".into(),
        state,
    };
    ReconProgress {
        job: "orders".into(),
        state: ReconState::Done,
        chunks_total: 4,
        chunks_done: 4,
        chunks_bisected: 1,
        rows_source: 20_000,
        rows_target: 19_999,
        counts: MismatchCounts {
            missing: 1,
            extra: 0,
            changed: 1,
        },
        findings: vec![
            Mismatch {
                kind: MismatchKind::MissingInTarget,
                key: vec!["id=1".into()],
                columns: Vec::new(),
            },
            Mismatch {
                kind: MismatchKind::Changed,
                key: vec!["id=7".into()],
                columns: vec![ColumnDiff {
                    column: "amount".into(),
                    source: Some("12.5".into()),
                    target: Some("12.51".into()),
                }],
            },
        ],
        domain: Vec::new(),
        elapsed_secs: 1.5,
        last_error: None,
        chunks: vec![
            chunk(ChunkState::Verified),
            chunk(ChunkState::Mismatched),
            chunk(ChunkState::Verified),
            chunk(ChunkState::Verified),
        ],
        round_unix_secs: None,
    }
}

#[test]
fn recon_panel_lists_mismatches_and_opens_the_selected_one() {
    let mut a = demo_app(&[], "val", false);
    a.apply_update(&crate::drill::Update::Telemetry(
        crate::drill::telemetry::Telemetry::Recon(recon_progress()),
    ));
    let screen = text(&draw(&a, t0(), 200, 50));
    assert!(
        screen.contains("orders MISMATCHES  4/4 chunks  20.0k rows"),
        "{screen}"
    );
    assert!(
        screen.contains("1 missing · 0 extra · 1 changed"),
        "{screen}"
    );
    assert!(screen.contains("chunks █✗██"), "{screen}");
    assert!(screen.contains("changed  id=7  (amount)"), "{screen}");
    // Not focused: no detail. Focused, two rows down: the changed row opens.
    assert!(!screen.contains("source 12.5"), "{screen}");
    a.focus = PanelKind::Recon;
    a.handle_key(key('j'), t0());
    a.handle_key(key('j'), t0());
    let screen = text(&draw(&a, t0(), 200, 50));
    assert!(screen.contains("▸ changed  id=7"), "{screen}");
    assert!(
        screen.contains("amount: source 12.5  │  target 12.51"),
        "{screen}"
    );
    // An observer walks the list but gets no fix key.
    assert!(!a.offered(Action::ApplyFix, t0()));
}
