//! A spanning watch in the console: its own line in the recon panel (since when, its
//! differences, how long ago its last round was, its span), no timer; a withdrawn evidence
//! turns the header red; after its span it says it ended.

use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::*;
use crate::drill::telemetry::recon::{
    Mismatch, MismatchCounts, MismatchKind, ReconProgress, ReconState,
};
use crate::drill::telemetry::Telemetry;
use crate::drill::Update;
use crate::runbook::Evidence;

const RUNBOOK: &str = r#"
[runbook]
name = "watch"
kind = "drill"
coordinator = "carol"

[people.carol]
name = "Carol"
role = "coordinator"

[connections.v1]
url = "sqlite:///tmp/warroom-watch-tui-v1.db"
[connections.v2]
url = "sqlite:///tmp/warroom-watch-tui-v2.db"

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
dri = "carol"
reviewer = "carol"
planned = "5m"
[[phase.step]]
id = "switch"
title = "Switch"
dri = "carol"
reviewer = "carol"
planned = "5m"
requires = ["recon:balances"]
"#;

/// The recon panel alone, wide enough for its lines, and the header's alarm text.
fn screen(app: &App, now: chrono::DateTime<chrono::Utc>) -> String {
    let area = Rect::new(0, 0, 160, 12);
    let mut buf = Buffer::empty(area);
    crate::tui::panels::recon::render(app, now, area, &mut buf);
    let alarm = crate::tui::panels::header::alarm(app, now)
        .1
        .unwrap_or_default();
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .chain(std::iter::once(alarm))
        .collect::<Vec<_>>()
        .join("\n")
}

fn round(at: chrono::DateTime<chrono::Utc>, changed: u64) -> Update {
    Update::Telemetry(Telemetry::Recon(ReconProgress {
        job: "balances".into(),
        state: ReconState::Watching,
        chunks_total: 12,
        chunks_done: 12,
        chunks_bisected: 0,
        rows_source: 0,
        rows_target: 0,
        counts: MismatchCounts {
            missing: 0,
            extra: 0,
            changed,
        },
        findings: (0..changed)
            .map(|_| Mismatch {
                kind: MismatchKind::Changed,
                key: vec!["id=42".into()],
                columns: Vec::new(),
            })
            .collect(),
        domain: Vec::new(),
        elapsed_secs: 60.0,
        last_error: None,
        chunks: Vec::new(),
        round_unix_secs: ReconProgress::round_stamp(at),
    }))
}

/// The real engine through `script` (actor, command, minute); "system" is the engines.
fn run(rb: &Arc<crate::runbook::Runbook>, script: &[(&str, CommandKind, i64)]) -> Vec<Event> {
    let mut d = Drill::new(rb.clone());
    let mut out = Vec::new();
    for (by, kind, m) in script {
        let by = if *by == "system" {
            Actor::System
        } else {
            who(by)
        };
        let cmd = Command {
            by,
            kind: kind.clone(),
        };
        let evs = d
            .execute(&cmd, min(*m))
            .unwrap_or_else(|e| panic!("{cmd:?} at +{m}m refused: {e:?}"));
        out.extend(evs);
    }
    out
}

fn cmd(kind: CommandKind) -> (&'static str, CommandKind, i64) {
    ("carol", kind, 2)
}

#[test]
fn the_recon_panel_shows_a_spanning_watch_and_the_header_its_withdrawn_evidence() {
    let rb = match crate::runbook::parse_str("watch.toml", RUNBOOK) {
        Ok(l) => Arc::new(l.runbook),
        Err(d) => panic!("{d:?}"),
    };
    let mut a = App::new(rb.clone(), &[], who("carol"), true);
    a.local_offset = chrono::FixedOffset::east_opt(0).expect("utc");
    let s = screen(&a, min(1));
    assert!(
        s.contains("balances  watch from `dual-write` until `switch`: not started"),
        "{s}"
    );
    let step = |id: &str| Target::Step(id.into());
    let mut script = vec![
        cmd(CommandKind::Start {
            target: step("dual-write"),
        }),
        cmd(CommandKind::Done {
            target: step("dual-write"),
        }),
        cmd(CommandKind::SignOff {
            target: step("dual-write"),
        }),
    ];
    let events = run(&rb, &script);
    let mut a = App::new(rb.clone(), &events, who("carol"), true);
    a.local_offset = chrono::FixedOffset::east_opt(0).expect("utc");
    a.apply_update(&round(min(30) - chrono::Duration::seconds(5), 0));
    let s = screen(&a, min(30));
    assert!(
        s.contains("balances  watching since 22:02 · 0 differences · last round 5s ago · from `dual-write` until `switch`"),
        "{s}"
    );
    assert!(!s.contains("WATCH `balances`"), "{s}");

    // A settled difference: the evidence is withdrawn, the header says so in red.
    script.push((
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::ReconClean("balances".into()),
            holds: false,
            detail: "watch: differences outlasted the settle delay".into(),
        },
        40,
    ));
    let events = run(&rb, &script);
    let mut a = App::new(rb.clone(), &events, who("carol"), true);
    a.local_offset = chrono::FixedOffset::east_opt(0).expect("utc");
    a.apply_update(&round(min(40), 1));
    let s = screen(&a, min(40));
    assert!(
        s.contains("WATCH `balances`: watch: differences outlasted the settle delay"),
        "{s}"
    );
    assert!(
        s.contains("watching since 22:02 · 1 difference · last round 0s ago")
            && s.contains("recon:balances WITHDRAWN"),
        "{s}"
    );
    assert_eq!(
        crate::tui::panels::header::alarm(&a, min(40)).0,
        crate::tui::theme::Tone::Bad
    );

    // Clean again, and the switch done: the watch has ended.
    script.push((
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::ReconClean("balances".into()),
            holds: true,
            detail: "watch: the differences are gone, clean again".into(),
        },
        50,
    ));
    for kind in [
        CommandKind::Start {
            target: step("switch"),
        },
        CommandKind::Done {
            target: step("switch"),
        },
        CommandKind::SignOff {
            target: step("switch"),
        },
    ] {
        script.push(("carol", kind, 55));
    }
    let events = run(&rb, &script);
    let a = App::new(rb.clone(), &events, who("carol"), true);
    let s = screen(&a, min(60));
    assert!(
        s.contains("balances  watch from `dual-write` until `switch`: ended (its span is over)"),
        "{s}"
    );
    assert!(!s.contains("WATCH `balances`"), "{s}");
}
