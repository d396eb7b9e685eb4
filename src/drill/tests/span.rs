//! A spanning watch runs from its `from` step's start until its `until` step is done, the
//! drill ends or a rollback is called; it is no step, so it never runs over.

use super::*;
use crate::drill::span::{span_state, SpanEnd, SpanState};

const RUNBOOK: &str = r#"
[runbook]
name = "span"
kind = "drill"
coordinator = "coord"

[people.coord]
name = "C"
role = "coordinator"

[connections.v1]
url = "sqlite:///tmp/warroom-span-v1.db"
[connections.v2]
url = "sqlite:///tmp/warroom-span-v2.db"

[[recon]]
name = "balances"
source = "v1"
source_table = "balances"
target = "v2"
target_table = "balances"
key = ["id"]
watch = { column = "updated_at", every = "5s", settle = "10s" }
active = { from = "dual-write", until = "switch" }

[[phase]]
name = "migrate"
[[phase.step]]
id = "dual-write"
title = "Dual-write on"
dri = "coord"
reviewer = "coord"
planned = "10m"
rollback = "turn dual-write off"
[[phase.step]]
id = "soak"
title = "Soak"
dri = "coord"
reviewer = "coord"
planned = "1h"
rollback = "nothing to undo"
[[phase.step]]
id = "switch"
title = "Switch reads"
dri = "coord"
reviewer = "coord"
planned = "10m"
requires = ["recon:balances"]
rollback = "reads back to v1"
"#;

fn rb() -> Runbook {
    crate::runbook::parse_str("span.toml", RUNBOOK)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook
}

fn state(h: &H) -> SpanState {
    span_state(h.drill.runbook(), h.drill.state(), "balances").unwrap()
}

#[test]
fn a_spanning_watch_runs_for_days_across_steps_without_a_timer() {
    let mut h = H::new(rb());
    assert_eq!(state(&h), SpanState::Waiting);
    let since = h.clock.now();
    h.finish("dual-write");
    assert_eq!(state(&h), SpanState::Watching { since });
    // Fourteen days later, between steps: the watch still runs, and nothing is overdue or
    // over plan (no step is running, and the watch is no step).
    h.mins(14 * 24 * 60);
    assert_eq!(state(&h), SpanState::Watching { since });
    let t = h.drill.timing();
    let now = h.clock.now();
    assert!(t.overdue_gates(now).is_empty());
    for i in 0..h.drill.runbook().steps.len() {
        assert_eq!(t.overrun(i, now), None, "step {i} runs over");
    }
    h.finish("soak");
    assert_eq!(state(&h), SpanState::Watching { since });
    // Its evidence gates the switch; once the switch is done, the span is over.
    h.ok("coord", start("switch"));
    h.ok("coord", done("switch"));
    h.ok(
        "system",
        evidence(Evidence::ReconClean("balances".into()), true),
    );
    assert_eq!(state(&h), SpanState::Watching { since });
    h.ok("coord", sign("switch"));
    assert_eq!(state(&h), SpanState::Ended(SpanEnd::Scope));
}

#[test]
fn a_rollback_or_the_end_of_the_drill_ends_the_watch() {
    let mut h = H::new(rb());
    h.finish("dual-write");
    h.ok("coord", start("soak"));
    assert!(matches!(state(&h), SpanState::Watching { .. }));
    h.ok(
        "coord",
        CommandKind::CallRollback {
            from: "soak".into(),
            reason: "v2 writes fail".into(),
        },
    );
    assert_eq!(state(&h), SpanState::Ended(SpanEnd::Rollback));

    let mut h = H::new(rb());
    h.finish("dual-write");
    h.ok("coord", CommandKind::EndDrill);
    assert_eq!(state(&h), SpanState::Ended(SpanEnd::Drill));
}

#[test]
fn a_watch_scoped_to_a_phase_watches_from_its_first_start_until_the_phase_is_settled() {
    let text = RUNBOOK.replace(
        r#"active = { from = "dual-write", until = "switch" }"#,
        r#"active = { phases = ["migrate"] }"#,
    );
    let rb = crate::runbook::parse_str("span.toml", &text)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook;
    let mut h = H::new(rb);
    assert_eq!(state(&h), SpanState::Waiting);
    let since = h.clock.now();
    h.ok("coord", start("dual-write"));
    h.mins(90);
    h.ok("coord", done("dual-write"));
    h.ok("coord", sign("dual-write"));
    h.finish("soak");
    assert_eq!(state(&h), SpanState::Watching { since });
    h.ok("coord", start("switch"));
    h.ok("coord", done("switch"));
    h.ok(
        "system",
        evidence(Evidence::ReconClean("balances".into()), true),
    );
    h.ok("coord", sign("switch"));
    assert_eq!(state(&h), SpanState::Ended(SpanEnd::Scope));
}
