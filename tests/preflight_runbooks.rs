#![allow(clippy::unwrap_used)]
//! The shipped example runbooks each run preflight in a step, before what it protects (the
//! first copy, or the gate that requires it); the demo's scan of its own fresh SQLite data
//! is clean (an INTEGER PRIMARY KEY is a key, not a NULL-able column), and an external
//! copy's tables are the external tool's to check.

use warroom::preflight::{scan, Options, Severity};
use warroom::runbook::{Action, Check, Evidence, Runbook};

fn load(file: &str) -> Runbook {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    warroom::runbook::load(&path)
        .unwrap_or_else(|e| panic!("{file}: {e:?}"))
        .runbook
}

/// Whether step `later` waits, directly or through other steps, for step `first`.
fn waits_for(rb: &Runbook, later: usize, first: &str) -> bool {
    let mut todo = vec![later];
    let mut seen = Vec::new();
    while let Some(i) = todo.pop() {
        for a in &rb.steps[i].after {
            if a == first {
                return true;
            }
            if let Some(j) = rb.step_index(a) {
                if !seen.contains(&j) {
                    seen.push(j);
                    todo.push(j);
                }
            }
        }
    }
    false
}

#[test]
fn each_shipped_runbook_runs_preflight_before_what_it_protects() {
    for file in [
        "runbooks/demo.toml",
        "runbooks/dr-failover-drill.toml",
        "runbooks/mysql-to-postgres-cutover.toml",
        "runbooks/cassandra-to-scylla.toml",
    ] {
        let rb = load(file);
        let scan_at = rb
            .steps
            .iter()
            .position(|s| s.action == Some(Action::Check(Check::Preflight)))
            .unwrap_or_else(|| panic!("{file} runs no preflight"));
        let id = rb.steps[scan_at].id.clone();
        let copies: Vec<usize> = (0..rb.steps.len())
            .filter(|&i| matches!(rb.steps[i].action, Some(Action::Copy(_))))
            .collect();
        let gates: Vec<usize> = (0..rb.steps.len())
            .filter(|&i| i != scan_at && rb.steps[i].requires.contains(&Evidence::Preflight))
            .collect();
        assert!(
            !copies.is_empty() || !gates.is_empty(),
            "{file}: preflight protects nothing"
        );
        for i in copies.iter().chain(&gates) {
            assert!(
                waits_for(&rb, *i, &id),
                "{file}: `{}` does not wait for preflight",
                rb.steps[*i].id
            );
        }
    }
}

#[tokio::test]
async fn the_demo_scans_its_own_data_clean_and_an_external_copy_is_no_pair() {
    let dir = tempfile::tempdir().unwrap();
    warroom::demo::data::create(dir.path(), 500).await.unwrap();
    std::env::set_var("WARROOM_DEMO_DIR", dir.path());
    let report = scan(&load("runbooks/demo.toml"), &Options::default()).await;
    assert_eq!(report.pairs, 1);
    assert_eq!(
        report.counts.blocker, 0,
        "the demo's own scan has blockers: {:#?}",
        report.findings
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Warning),
        "{:#?}",
        report.findings
    );
    assert_eq!(report.estimates.len(), 1, "the orders copy has an estimate");
    assert_eq!(report.estimates[0].rows, Some(500));

    // The Scylla migrator's tables are Cassandra's: preflight reaches the ops database its
    // progress query reads, and scans no table pair for the external copy.
    let plan = warroom::preflight::plan::plan(&load("runbooks/cassandra-to-scylla.toml"));
    assert!(plan.pairs.is_empty(), "{:?}", plan.pairs);
    assert_eq!(plan.connections, vec!["ops".to_string()]);
}
