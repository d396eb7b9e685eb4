//! Coordinator controls: copy pause/rate, accepting evidence, approving a recon fix.

use super::*;

const RUNBOOK: &str = r#"
[runbook]
name = "controls"
coordinator = "coord"
kind = "drill"

[people.coord]
name = "C"
role = "DBA"
[people.alice]
name = "A"
role = "DBA"
[people.bob]
name = "B"
role = "DBA"

[connections.src]
url = "sqlite:///tmp/a.db"
[connections.dst]
url = "sqlite:///tmp/b.db"

[[copy]]
name = "orders"
source = "src"
source_table = "orders"
target = "dst"
target_table = "orders"
key = ["id"]

[[recon]]
name = "orders"
source = "src"
source_table = "orders"
target = "dst"
target_table = "orders"
key = ["id"]

[[phase]]
name = "p"
[[phase.step]]
id = "verify"
title = "Recon"
dri = "alice"
reviewer = "bob"
planned = "5m"
action = { recon = "orders" }
"#;

fn rb() -> Runbook {
    match crate::runbook::parse_str("controls.toml", RUNBOOK) {
        Ok(loaded) => loaded.runbook,
        Err(d) => panic!("{d:?}"),
    }
}

fn control(job: &str, control: CopyCommand) -> CommandKind {
    CommandKind::CopyControl {
        job: job.to_string(),
        control,
    }
}

#[test]
fn only_the_coordinator_controls_a_copy_and_the_state_keeps_the_orders() {
    let mut h = H::new(rb());
    let r = h.no("alice", control("orders", CopyCommand::Pause));
    assert!(r.reason.contains("only the coordinator"), "{r}");
    let r = h.no("coord", control("nope", CopyCommand::Pause));
    assert!(r.reason.contains("no [[copy]] named `nope`"), "{r}");
    let r = h.no(
        "coord",
        control(
            "orders",
            CopyCommand::SetRate {
                rows_per_sec: Some(0),
            },
        ),
    );
    assert!(r.reason.contains("pause it instead"), "{r}");

    h.ok("coord", control("orders", CopyCommand::Pause));
    h.ok(
        "coord",
        control(
            "orders",
            CopyCommand::SetRate {
                rows_per_sec: Some(5000),
            },
        ),
    );
    let c = &h.drill.state().copy_controls["orders"];
    assert!(c.paused);
    assert_eq!(c.rate_limit, Some(Some(5000)));
    h.ok("coord", control("orders", CopyCommand::Resume));
    h.ok(
        "coord",
        control("orders", CopyCommand::SetRate { rows_per_sec: None }),
    );
    let c = &h.drill.state().copy_controls["orders"];
    assert!(!c.paused);
    assert_eq!(c.rate_limit, Some(None));
    let line = h.drill.state().log.last().map(|l| l.event.describe());
    assert!(
        line.is_some_and(|l| l.ends_with("coord: lifted the rate limit of copy `orders`")),
        "{:?}",
        h.drill.state().log.last()
    );
}

#[test]
fn accepted_evidence_lets_the_step_be_signed_off_and_says_who_accepted() {
    let mut h = H::new(rb());
    let recon = Evidence::ReconClean("orders".into());
    h.ok("alice", start("verify"));
    h.ok("system", evidence(recon.clone(), false));
    h.ok("alice", done("verify"));
    // The recon action makes `recon:orders` the step's own evidence.
    let r = h.no("bob", sign("verify"));
    assert!(r.reason.contains("recon:orders"), "{r}");
    let accept = |note: &str| CommandKind::AcceptEvidence {
        evidence: recon.clone(),
        note: note.to_string(),
    };
    let r = h.no("alice", accept("fine"));
    assert!(r.reason.contains("only the coordinator"), "{r}");
    let r = h.no("coord", accept("  "));
    assert!(r.reason.contains("needs a reason"), "{r}");
    h.ok(
        "coord",
        accept("3 rows changed by the live app during the check"),
    );
    let e = &h.drill.state().evidence[&recon];
    assert!(e.holds && e.accepted);
    assert!(
        e.detail.starts_with("accepted by coord: 3 rows"),
        "{}",
        e.detail
    );
    let r = h.no("coord", accept("again"));
    assert!(r.reason.contains("already holds"), "{r}");
    h.ok("bob", sign("verify"));
    assert_eq!(h.status("verify"), StepStatus::Done);
}

#[test]
fn approving_a_fix_names_a_known_recon() {
    let mut h = H::new(rb());
    let r = h.no(
        "coord",
        CommandKind::ApproveFix {
            recon: "other".into(),
        },
    );
    assert!(r.reason.contains("no [[recon]] named `other`"), "{r}");
    let r = h.no(
        "bob",
        CommandKind::ApproveFix {
            recon: "orders".into(),
        },
    );
    assert!(r.reason.contains("only the coordinator"), "{r}");
    assert_eq!(
        h.ok(
            "coord",
            CommandKind::ApproveFix {
                recon: "orders".into()
            }
        ),
        vec![EventKind::FixApproved {
            recon: "orders".into()
        }]
    );
}
