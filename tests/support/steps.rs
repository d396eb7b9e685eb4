//! Driving demo steps through the hub the way the crew would.

use std::time::Duration;

use warroom::drill::{Actor, Command, CommandKind, CommandSink, Target};

/// Starts, completes and signs off each step as `by`. Sign-off waits (up to 30 s) for the
/// step's evidence, which the engines (probes, checks) report on their own.
pub async fn finish_steps(sink: &CommandSink, by: &str, steps: &[&str]) {
    let by = Actor::Person(by.to_string());
    for step in steps {
        let target = || Target::Step(step.to_string());
        for kind in [
            CommandKind::Start { target: target() },
            CommandKind::Done { target: target() },
        ] {
            sink.send(Command {
                by: by.clone(),
                kind,
            })
            .await
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let signed = sink
                .send(Command {
                    by: by.clone(),
                    kind: CommandKind::SignOff { target: target() },
                })
                .await;
            match signed {
                Ok(_) => break,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    panic!("`{step}` could not be signed off in 30 s: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

/// A demo drill on fresh SQLite databases with `rows` orders, its hub running (journal in
/// the same temporary directory). Each test binary sets `WARROOM_DEMO_DIR` once.
pub async fn demo_session(rows: u32) -> (tempfile::TempDir, warroom::cli::session::Session) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    warroom::demo::data::create(dir.path(), rows)
        .await
        .unwrap_or_else(|e| panic!("demo data: {e}"));
    std::env::set_var("WARROOM_DEMO_DIR", dir.path());
    let text = std::fs::read_to_string("runbooks/demo.toml")
        .unwrap_or_else(|e| panic!("runbooks/demo.toml: {e}"));
    let mut runbook = match warroom::runbook::parse_str("demo.toml", &text) {
        Ok(loaded) => loaded.runbook,
        Err(d) => panic!("{d:?}"),
    };
    // The demo's copy is slowed down for people to watch; tests need no audience.
    for copy in &mut runbook.copies {
        copy.max_rows_per_sec = None;
    }
    let journal = dir.path().join("j.db");
    let session = warroom::cli::session::open_session(runbook, None, None, Some(&journal), false)
        .await
        .unwrap_or_else(|e| panic!("session: {e:#}"));
    (dir, session)
}
