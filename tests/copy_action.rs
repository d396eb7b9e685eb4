#![allow(clippy::unwrap_used)]
//! A step whose action is a copy runs that copy when it starts: progress reaches the
//! console as telemetry and the finished copy is journaled as evidence.

mod support;

use std::time::Duration;

use warroom::drill::telemetry::Telemetry;
use warroom::drill::{Actor, Command, CommandKind, EventKind, Target, Update};
use warroom::runbook::Evidence;

#[tokio::test]
async fn starting_the_backfill_step_copies_the_rows_and_records_evidence() {
    let (dir, session) = support::steps::demo_session(3_000).await;
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.unwrap();
    let sink = session.hub.sink();
    let casey = Actor::Person("casey".into());
    support::steps::finish_steps(
        &sink,
        "casey",
        &["announce", "source-healthy", "target-empty", "preflight"],
    )
    .await;
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::Start {
            target: Target::Step("backfill".into()),
        },
    })
    .await
    .unwrap();

    let mut saw_progress = false;
    let evidence = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match updates.recv().await.unwrap() {
                Update::Telemetry(Telemetry::Copy(p)) if p.job == "orders" => saw_progress = true,
                Update::Event(e) => {
                    if let EventKind::EvidenceRecorded {
                        evidence: Evidence::CopyDone(job),
                        holds,
                        detail,
                    } = e.kind
                    {
                        assert_eq!(e.by, Actor::System);
                        return (job, holds, detail);
                    }
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the copy finished within a minute");
    assert_eq!(evidence.0, "orders");
    assert!(evidence.1, "copy failed: {}", evidence.2);
    assert!(evidence.2.starts_with("3000 rows"), "{}", evidence.2);
    assert!(saw_progress, "no copy progress reached the console");

    let target = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("target.db").display()
    ))
    .await
    .unwrap();
    let copied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&target)
        .await
        .unwrap();
    assert_eq!(copied, 3_000);
}
