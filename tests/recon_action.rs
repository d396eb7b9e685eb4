#![allow(clippy::unwrap_used)]
//! A step whose action is a recon runs it when it starts: mismatches reach the console as
//! telemetry, the evidence holds only with zero mismatches, and the coordinator's approved
//! fix repairs the target, re-checks those rows and records the evidence again.

mod support;

use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{Actor, Command, CommandKind, EventKind, Target, Update};
use warroom::runbook::Evidence;

async fn recon_evidence(updates: &mut Receiver<Update>, saw_findings: &mut bool) -> (bool, String) {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match updates.recv().await.unwrap() {
                Update::Telemetry(Telemetry::Recon(p)) if !p.findings.is_empty() => {
                    *saw_findings = true;
                }
                Update::Event(e) => {
                    if let EventKind::EvidenceRecorded {
                        evidence: Evidence::ReconClean(job),
                        holds,
                        detail,
                    } = e.kind
                    {
                        assert_eq!((job.as_str(), &e.by), ("orders", &Actor::System));
                        return (holds, detail);
                    }
                }
                _ => {}
            }
        }
    })
    .await
    .expect("recon evidence within a minute")
}

#[tokio::test]
async fn the_recon_step_finds_mismatches_and_the_approved_fix_clears_them() {
    let (dir, session) = support::steps::demo_session(2_000).await;
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.unwrap();
    let sink = session.hub.sink();
    support::steps::finish_steps(
        &sink,
        "casey",
        &[
            "announce",
            "source-healthy",
            "target-empty",
            "preflight",
            "backfill",
        ],
    )
    .await;
    // Someone touches the target after the copy.
    let target = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("target.db").display()
    ))
    .await
    .unwrap();
    sqlx::raw_sql(
        "DELETE FROM orders WHERE id IN (SELECT MIN(id) FROM orders);
         DELETE FROM orders WHERE id IN (SELECT MAX(id) FROM orders);
         UPDATE orders SET status = 'lost' WHERE id = (SELECT MIN(id) + 7 FROM orders);",
    )
    .execute(&target)
    .await
    .unwrap();
    let casey = Actor::Person("casey".into());
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::Start {
            target: Target::Step("recon".into()),
        },
    })
    .await
    .unwrap();
    let mut saw_findings = false;
    let (holds, detail) = recon_evidence(&mut updates, &mut saw_findings).await;
    assert!(!holds);
    assert!(
        detail.ends_with("2 missing, 0 extra, 1 changed"),
        "{detail}"
    );
    assert!(saw_findings, "the mismatches never reached the console");
    // Until the evidence holds, nobody can sign the step off.
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::Done {
            target: Target::Step("recon".into()),
        },
    })
    .await
    .unwrap();
    let refused = sink
        .send(Command {
            by: casey.clone(),
            kind: CommandKind::SignOff {
                target: Target::Step("recon".into()),
            },
        })
        .await;
    assert!(refused.is_err_and(|e| e.to_string().contains("recon:orders")));

    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::ApproveFix {
            recon: "orders".into(),
        },
    })
    .await
    .unwrap();
    let (holds, detail) = recon_evidence(&mut updates, &mut saw_findings).await;
    assert!(holds, "{detail}");
    assert_eq!(
        detail,
        "fix applied (3 statements); re-check of those rows: no mismatch"
    );
    let lost: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE status = 'lost'")
        .fetch_one(&target)
        .await
        .unwrap();
    assert_eq!(lost, 0);
    sink.send(Command {
        by: casey,
        kind: CommandKind::SignOff {
            target: Target::Step("recon".into()),
        },
    })
    .await
    .unwrap();
}
