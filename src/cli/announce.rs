//! `warroom announce test RUNBOOK`: one test message to each `[announce]` target, and what
//! came back from each. Exit 0 when every target took it, 1 otherwise. Webhook URLs come
//! from the environment and are never printed.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;

use super::session::load_runbook;
use crate::drill::outbox::{Announcement, Tone};
use crate::notify::{format, key, Client, Webhook};
use crate::runbook::{AnnounceTarget, MessageKind};

#[derive(Debug, clap::Args)]
pub struct AnnounceArgs {
    #[command(subcommand)]
    pub command: AnnounceCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum AnnounceCmd {
    /// Send one test message to each `[announce]` target and say what came back (exit 0
    /// when every target took it, 1 otherwise).
    Test {
        runbook: PathBuf,
        /// Only this target.
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
    },
}

pub async fn run(args: &AnnounceArgs) -> anyhow::Result<i32> {
    let AnnounceCmd::Test { runbook, target } = &args.command;
    let rb = load_runbook(runbook)?;
    let Some(spec) = rb.announce.as_ref().filter(|a| !a.targets.is_empty()) else {
        bail!(
            "{} has no [announce] targets: add [[announce.target]] with name and url = \"${{VAR}}\" (docs/runbook.md)",
            runbook.display()
        );
    };
    let targets: Vec<&AnnounceTarget> = spec
        .targets
        .iter()
        .filter(|t| target.as_ref().is_none_or(|n| *n == t.name))
        .collect();
    if targets.is_empty() {
        let names: Vec<&str> = spec.targets.iter().map(|t| t.name.as_str()).collect();
        bail!(
            "no [announce] target is named `{}`: the runbook has {}",
            target.as_deref().unwrap_or_default(),
            names.join(", ")
        );
    }
    let client = Client::new(spec.timeout)?;
    let mut all_ok = true;
    for t in targets {
        let hook = Webhook::from_env(t);
        let message = test_message(&rb.meta.name, t);
        let id = format!("test-{}", key::new());
        let body = format::body(t.format, &rb.meta.name, &id, &message);
        let line = match client.send(&hook, &body, &id).await {
            Ok(sent) => format!(
                "{} (${}, {}): delivered: HTTP {} in {} ms{}",
                t.name,
                t.url_env,
                format_name(t),
                sent.status,
                sent.took.as_millis(),
                if sent.body.is_empty() {
                    String::new()
                } else {
                    format!(", it answered: {}", sent.body)
                }
            ),
            Err(e) => {
                all_ok = false;
                format!(
                    "{} (${}, {}): FAILED: {e}",
                    t.name,
                    t.url_env,
                    format_name(t)
                )
            }
        };
        let mut out = super::output::stdout();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(if all_ok { 0 } else { super::EXIT_INVALID })
}

fn format_name(t: &AnnounceTarget) -> &'static str {
    match t.format {
        crate::runbook::AnnounceFormat::Slack => "slack",
        crate::runbook::AnnounceFormat::Json => "json",
    }
}

fn test_message(drill: &str, t: &AnnounceTarget) -> Announcement {
    let kinds: Vec<&str> = t.kinds.iter().map(|k| k.name()).collect();
    Announcement {
        kinds: vec![MessageKind::Test],
        title: format!("Test from warroom: announcements of `{drill}` reach this channel"),
        text: "Sent by `warroom announce test`; nothing happened in the drill.".to_string(),
        fields: vec![
            ("Target".to_string(), t.name.clone()),
            ("Gets".to_string(), kinds.join(", ")),
        ],
        tone: Tone::Info,
        at: chrono::Utc::now(),
        step: None,
    }
}
