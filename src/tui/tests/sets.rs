//! Jobs over many tables in the copy and recon panels: a line per job, then one per table
//! (the journaled list, or the declared list before the step starts); a pattern's tables
//! are shown once resolved. The header's badge carries the run's number.

use std::sync::Arc;

use super::*;
use crate::runbook::Evidence;
use crate::tui::panel_kind::PanelKind;

fn sets() -> Arc<Runbook> {
    let text = include_str!("../../../tests/fixtures/runbooks/tables-list-and-pattern.toml");
    match crate::runbook::parse_str("tables.toml", text) {
        Ok(loaded) => Arc::new(loaded.runbook),
        Err(d) => panic!("{d:?}"),
    }
}

fn events(rb: &Arc<Runbook>) -> Vec<Event> {
    let mut d = Drill::new(rb.clone());
    let mut out = Vec::new();
    for kind in [
        CommandKind::NumberDrill { number: 3 },
        CommandKind::ResolveTables {
            job: Evidence::CopyDone("shop".into()),
            tables: vec!["shop_a".into(), "shop_b".into()],
        },
        CommandKind::RecordEvidence {
            evidence: Evidence::CopyDone("shop/shop_a".into()),
            holds: true,
            detail: "30 rows".into(),
        },
    ] {
        let cmd = Command {
            by: Actor::System,
            kind,
        };
        match d.execute(&cmd, t0()) {
            Ok(evs) => out.extend(evs),
            Err(e) => panic!("{cmd:?}: {e}"),
        }
    }
    out
}

#[test]
fn the_copy_panel_lists_each_table_of_a_job_and_the_header_its_run_number() {
    let rb = sets();
    let mut app = App::new(rb.clone(), &events(&rb), who("ann"), true);
    app.theme = Theme::COLOR;
    app.local_offset = chrono::FixedOffset::east_opt(0).expect("utc");
    let screen = text(&draw(&app, t0(), 200, 60));
    assert!(screen.contains(" DRILL #3 "), "{screen}");
    let panel = |render: fn(&App, DateTime<Utc>, Rect, &mut Buffer)| {
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        render(&app, t0(), area, &mut buf);
        text(&buf)
    };
    let screen =
        panel(crate::tui::panels::copy::render) + &panel(crate::tui::panels::recon::render);
    for line in [
        "listed  0 of 2 tables copied",
        "listed/orders  orders→orders  waiting for its step to start",
        "listed/customers",
        "shop  1 of 2 tables copied",
        "shop/shop_b  shop_b→shop_b  waiting",
    ] {
        assert!(screen.contains(line), "no `{line}` in:\n{screen}");
    }
    // Before its step starts, a pattern's tables are not known: the panel says so.
    assert!(
        screen.contains("shop-check  pattern `shop_%`: its tables are found when its step starts"),
        "{screen}"
    );
    // The job keys act on the selected row: the job as a whole, or one of its tables.
    app.focus = PanelKind::Copy;
    let rows: Vec<String> = app
        .copy_rows()
        .iter()
        .map(|r| r.job().to_string())
        .collect();
    assert_eq!(
        rows,
        [
            "listed",
            "listed/orders",
            "listed/customers",
            "shop",
            "shop/shop_a",
            "shop/shop_b"
        ]
    );
    app.copy_selected = 3;
    assert_eq!(app.selected_copy().as_deref(), Some("shop"));
    app.copy_selected = 5;
    assert_eq!(app.selected_copy().as_deref(), Some("shop/shop_b"));
}
