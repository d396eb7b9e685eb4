//! Line mode: commands from standard input, one per line; answers on standard output.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::session::Session;
use crate::drill::StepStatus;
use crate::drill::{Actor, Command, CommandKind, Drill, SinkError};
use crate::line::{self, LineRequest};

pub async fn run(session: &Session) -> anyhow::Result<()> {
    let sink = session.hub.sink();
    let mut operator = session.operator.clone();
    super::output::note(format_args!(
        "warroom: {} ({} steps) as {operator}; journal {}; type `help`",
        session.runbook.meta.name,
        session.runbook.steps.len(),
        session.journal_path.display()
    ));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(input) = lines.next_line().await? {
        let request = match line::parse(&input) {
            Ok(request) => request,
            Err(why) => {
                say(&format!("error: {why}"))?;
                continue;
            }
        };
        match request {
            LineRequest::Nothing => {}
            LineRequest::Help => say(line::HELP)?,
            LineRequest::Quit => break,
            LineRequest::ActAs(handle) => {
                if session.runbook.person(&handle).is_some() {
                    operator = Actor::Person(handle);
                    say(&format!("acting as {operator}"))?;
                } else {
                    say(&format!(
                        "error: `{handle}` is not in this runbook's [people]"
                    ))?;
                }
            }
            LineRequest::Status | LineRequest::Events => {
                let subscription = session.hub.subscribe().await?;
                if request == LineRequest::Events {
                    for event in &subscription.events {
                        say(&event.to_string())?;
                    }
                } else {
                    let drill = Drill::replay(session.runbook.clone(), &subscription.events);
                    say(&status_table(&drill))?;
                }
            }
            LineRequest::Answer {
                accept,
                duty,
                reason,
            } => {
                let subscription = session.hub.subscribe().await?;
                let drill = Drill::replay(session.runbook.clone(), &subscription.events);
                let kind = match line::answer(&drill, &operator, accept, duty, reason) {
                    Ok(kind) => kind,
                    Err(why) => {
                        say(&format!("error: {why}"))?;
                        continue;
                    }
                };
                send(&sink, &operator, kind).await?;
            }
            LineRequest::Command(kind) => send(&sink, &operator, kind).await?,
        }
    }
    Ok(())
}

async fn send(
    sink: &crate::drill::CommandSink,
    operator: &Actor,
    kind: CommandKind,
) -> std::io::Result<()> {
    let command = Command {
        by: operator.clone(),
        kind,
    };
    match sink.send(command).await {
        Ok(events) => {
            for event in events {
                say(&format!("ok {event}"))?;
            }
            Ok(())
        }
        Err(why) => say(&refusal_line(&why)),
    }
}

/// `error: refused (not allowed): ...` for the rules' refusals, `error: failed (journal
/// failed): ...` for the hub's failures: a script can tell the two apart.
fn refusal_line(why: &SinkError) -> String {
    match why {
        SinkError::Refused(r) => format!("error: refused ({}): {}", r.kind.label(), r.reason),
        SinkError::Failed(f) => format!("error: failed ({}): {}", f.kind.label(), f.reason),
        SinkError::Closed => format!("error: {why}"),
    }
}

fn say(text: &str) -> std::io::Result<()> {
    let mut out = super::output::stdout();
    writeln!(out, "{text}")?;
    out.flush()
}

fn status_table(drill: &Drill) -> String {
    let runbook = drill.runbook();
    let h = &drill.state().handover;
    // Handovers, only once there are any: who coordinates now, whose steps moved, offers.
    let mut tail: Vec<String> = Vec::new();
    if let Some(since) = h.coordinator_since {
        tail.push(format!(
            "coordinator {} since {}",
            h.coordinator,
            since.format("%H:%M:%SZ")
        ));
    }
    for (person, held) in &h.steps {
        tail.push(format!(
            "steps of {person} held by {} since {}",
            held.holder,
            held.since.format("%H:%M:%SZ")
        ));
    }
    for o in &h.offers {
        tail.push(format!("offered: {} to {} (by {})", o.duty, o.to, o.by));
    }
    let table = runbook
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| match drill.state().status(i) {
            StepStatus::Failed { reason } | StepStatus::Skipped { reason } => {
                format!("{:<24} {}: {reason}", step.id, drill.state().status(i))
            }
            status => format!("{:<24} {status}", step.id),
        })
        .collect::<Vec<_>>()
        .join("\n");
    if tail.is_empty() {
        table
    } else {
        format!("{table}\n{}", tail.join("\n"))
    }
}
