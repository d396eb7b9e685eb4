#![allow(clippy::unwrap_used)]
//! The coordinator's orders reach a running copy through the hub: a rate limit set before
//! the step starts is obeyed from the first chunk, a pause stops new chunks, a resume and a
//! lifted limit let it finish. Every order is journaled with who gave it.

mod support;

use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use warroom::drill::telemetry::copy::{CopyProgress, CopyState};
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{
    Actor, Command, CommandKind, CommandSink, CopyCommand, EventKind, Target, Update,
};
use warroom::runbook::Evidence;

async fn send(sink: &CommandSink, kind: CommandKind) {
    sink.send(Command {
        by: Actor::Person("casey".into()),
        kind,
    })
    .await
    .unwrap();
}

fn control(control: CopyCommand) -> CommandKind {
    CommandKind::CopyControl {
        job: "orders".into(),
        control,
    }
}

/// The next copy progress that satisfies `want`.
async fn progress_until(
    updates: &mut Receiver<Update>,
    want: impl Fn(&CopyProgress) -> bool,
) -> CopyProgress {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Update::Telemetry(Telemetry::Copy(p)) = updates.recv().await.unwrap() {
                if want(&p) {
                    return p;
                }
            }
        }
    })
    .await
    .expect("the copy reached the expected state within a minute")
}

#[tokio::test]
async fn coordinator_limits_pauses_and_resumes_a_running_copy() {
    let (dir, session) = support::steps::demo_session(20_000).await;
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.unwrap();
    let sink = session.hub.sink();
    support::steps::finish_steps(
        &sink,
        "casey",
        &["announce", "source-healthy", "target-empty", "preflight"],
    )
    .await;

    // A standing order given before the copy starts.
    send(
        &sink,
        control(CopyCommand::SetRate {
            rows_per_sec: Some(2_000),
        }),
    )
    .await;
    send(
        &sink,
        CommandKind::Start {
            target: Target::Step("backfill".into()),
        },
    )
    .await;
    let limited = progress_until(&mut updates, |p| p.rows_done > 0).await;
    assert_eq!(limited.rate_limit, Some(2_000));

    send(&sink, control(CopyCommand::Pause)).await;
    let paused = progress_until(&mut updates, |p| p.state == CopyState::Paused).await;
    // Chunks in flight may land; after that nothing moves while paused.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let settled = progress_until(&mut updates, |p| p.state == CopyState::Paused).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let later = progress_until(&mut updates, |p| p.state == CopyState::Paused).await;
    assert_eq!(
        later.rows_done, settled.rows_done,
        "rows moved while paused"
    );
    assert!(
        later.rows_done < 20_000,
        "the copy finished before the pause took hold"
    );
    assert!(paused.rows_done <= settled.rows_done);

    send(&sink, control(CopyCommand::SetRate { rows_per_sec: None })).await;
    send(&sink, control(CopyCommand::Resume)).await;
    let evidence = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if let EventKind::EvidenceRecorded {
                    evidence: Evidence::CopyDone(_),
                    holds,
                    detail,
                } = e.kind
                {
                    return (holds, detail);
                }
            }
        }
    })
    .await
    .expect("the resumed copy finished");
    assert!(evidence.0, "{}", evidence.1);

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
    assert_eq!(copied, 20_000);

    // The journal says who gave each order.
    let (events, _) = warroom::hub::follow(&session.hub).await.unwrap();
    let orders: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CopyControlled { control, .. } => Some((e.by.to_string(), *control)),
            _ => None,
        })
        .collect();
    assert_eq!(
        orders,
        [
            (
                "casey".to_string(),
                CopyCommand::SetRate {
                    rows_per_sec: Some(2_000)
                }
            ),
            ("casey".to_string(), CopyCommand::Pause),
            (
                "casey".to_string(),
                CopyCommand::SetRate { rows_per_sec: None }
            ),
            ("casey".to_string(), CopyCommand::Resume),
        ]
    );
}
