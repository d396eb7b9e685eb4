//! Runs the console against an in-process stand-in hub, for trying the TUI by hand:
//! `cargo run --example tui_demo -- [HANDLE] [--observe]` (default handle: the coordinator).
//! The real hub and CLI live in `warroom run`; this is only a harness for the console.

use std::sync::Arc;

use warroom::drill::testkit::RunbookBuilder;
use warroom::drill::{Actor, Clock, CommandSink, Drill, ReplyError, SystemClock, Update};
use warroom::tui::{run_console, ConsoleOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let observe = args.iter().any(|a| a == "--observe");
    let handle = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "carol".into());
    let rb = Arc::new(
        RunbookBuilder::new("orders-db cutover rehearsal")
            .coordinator("carol")
            .person("alice", "DBA")
            .person("bob", "SRE")
            .step("freeze", "alice", "bob", "1m")
            .rollback("unfreeze writes")
            .step("schema", "bob", "alice", "2m")
            .rollback("drop the new schema")
            .step("go-live", "bob", "alice", "1m")
            .gate()
            .irreversible()
            .step("verify", "alice", "bob", "2m")
            .build(),
    );
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (tx, rx) = tokio::sync::broadcast::channel(256);
    let (sink, mut requests) = CommandSink::channel(16);
    let _keep_feed_open = tx.clone(); // an observer has no sink, the feed stays up anyway
    let hub_rb = rb.clone();
    let hub_clock = clock.clone();
    tokio::spawn(async move {
        let mut drill = Drill::new(hub_rb);
        while let Some(req) = requests.recv().await {
            let reply = drill
                .execute(&req.command, hub_clock.now())
                .map_err(ReplyError::Rejected);
            if let Ok(events) = &reply {
                for e in events {
                    let _ = tx.send(Update::Event(e.clone()));
                }
            }
            let _ = req.reply.send(reply);
        }
    });
    run_console(ConsoleOptions {
        runbook: rb,
        operator: Actor::Person(handle),
        initial_events: Vec::new(),
        updates: rx.into(),
        sink: (!observe).then_some(sink),
        clock,
        layout: "coordinator".into(),
        layouts_dir: None,
        keymap_path: None,
        title: None,
        connection: "demo (in-process)".into(),
        link: None,
    })
    .await
}
