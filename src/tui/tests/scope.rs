//! A probe outside its `active` scope is dimmed in the health panel and counts for nothing
//! in the header's health; inside it, it counts like any other.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::*;
use crate::drill::telemetry::health::{HealthSnapshot, ProbeState, ProbeStatus};
use crate::drill::telemetry::Telemetry;
use crate::drill::Update;
use crate::runbook::ProbeKind;

const RUNBOOK: &str = r#"
[runbook]
name = "scoped"
kind = "drill"
coordinator = "carol"

[people.carol]
name = "Carol"
role = "coordinator"

[people.bob]
name = "Bob"
role = "SRE"

[connections.src]
url = "sqlite:///tmp/warroom-scope-tui.db"

[[probe]]
name = "lag"
kind = "sql"
connection = "src"
query = "SELECT 1"

[[probe]]
name = "writes-frozen"
kind = "sql"
connection = "src"
query = "SELECT 0"
active = { phases = ["switch"] }

[[phase]]
name = "prepare"
[[phase.step]]
id = "prep"
title = "Prep"
dri = "carol"
reviewer = "bob"
planned = "1m"

[[phase]]
name = "switch"
[[phase.step]]
id = "freeze"
title = "Freeze"
dri = "carol"
reviewer = "bob"
planned = "1m"
"#;

fn probe(name: &str, status: ProbeStatus) -> ProbeState {
    ProbeState {
        name: name.into(),
        kind: ProbeKind::Sql,
        unit: None,
        rollback_path: false,
        latest: None,
        last_value: None,
        stale_for: Some(Duration::from_secs(30)),
        status,
        history: VecDeque::new(),
    }
}

fn screen(app: &App) -> String {
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    crate::tui::render::render_buffer(app, t0(), area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_probe_counts_for_the_header_only_while_its_scope_is_under_way() {
    let rb = match crate::runbook::parse_str("scoped.toml", RUNBOOK) {
        Ok(l) => Arc::new(l.runbook),
        Err(d) => panic!("{d:?}"),
    };
    let snapshot = Update::Telemetry(Telemetry::Health(HealthSnapshot {
        at: t0(),
        probes: vec![
            probe("lag", ProbeStatus::Ok),
            probe("writes-frozen", ProbeStatus::Critical),
        ],
        worst: ProbeStatus::Critical,
    }));
    let mut a = App::new(rb.clone(), &[], who("carol"), true);
    a.apply_update(&snapshot);
    let before = screen(&a);
    assert!(before.contains("health: OK"), "{before}");
    assert!(before.contains("not now"), "{before}");
    // Once the switch phase is under way, the frozen-writes probe counts.
    let events = run(
        &rb,
        &[
            (
                "carol",
                CommandKind::Start {
                    target: step("prep"),
                },
                0,
            ),
            (
                "carol",
                CommandKind::Done {
                    target: step("prep"),
                },
                1,
            ),
            (
                "bob",
                CommandKind::SignOff {
                    target: step("prep"),
                },
                1,
            ),
            (
                "carol",
                CommandKind::Start {
                    target: step("freeze"),
                },
                2,
            ),
        ],
    );
    let mut a = App::new(rb, &events, who("carol"), true);
    a.apply_update(&snapshot);
    let during = screen(&a);
    assert!(during.contains("health: CRITICAL"), "{during}");
    assert!(!during.contains("not now"), "{during}");
}
