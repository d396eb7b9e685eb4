//! `warroom observe URL` and `warroom join URL --as HANDLE`: the same console, fed from a
//! served drill. An observer's console has no sink: no key that changes the drill exists in
//! it (and the server refuses such frames anyway).

use std::sync::Arc;

use anyhow::bail;

use crate::drill::{Actor, Clock, SystemClock};
use crate::net::{self, Remote};
use crate::tui::{self, ConsoleOptions};

pub async fn observe(url: &str, token: Option<String>, layout: &str) -> anyhow::Result<()> {
    let token = not_empty(
        token,
        "pass the observer token from the coordinator's invite, or leave --token out if the drill lets observers in without one",
    )?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let remote = net::connect(url, token, clock.clone()).await?;
    let who = remote.you.label();
    console(remote, Actor::Person(who), None, layout, clock).await
}

pub async fn join(
    url: &str,
    handle: &str,
    token: Option<String>,
    layout: &str,
) -> anyhow::Result<()> {
    let token = not_empty(
        token,
        &format!("pass your own token from the coordinator's invite: `warroom join {url} --as {handle} --token TOKEN`"),
    )?;
    if token.is_none() {
        bail!("`join` needs your token: pass --token (or set WARROOM_TOKEN) from the coordinator's invite");
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut remote = net::connect(url, token, clock.clone()).await?;
    match remote.you.handle.as_deref() {
        Some(h) if h == handle => {}
        Some(other) => {
            bail!("this token is {other}'s, not {handle}'s: use your own invite (or --as {other})")
        }
        None => bail!("this is an observer token: use `warroom observe {url}` to follow the drill"),
    }
    let sink = remote.sink.take();
    console(
        remote,
        Actor::Person(handle.to_string()),
        sink,
        layout,
        clock,
    )
    .await
}

/// Refuses a token that is there but empty (`--token ''`, `WARROOM_TOKEN=`, an unset
/// variable in `--token "$TOKEN"`): the server takes an empty token for none, so it would
/// come back as something else (an observer's connection, or "a token is required").
fn not_empty(token: Option<String>, what_to_do: &str) -> anyhow::Result<Option<String>> {
    match token {
        Some(t) if t.trim().is_empty() => {
            bail!("the token is empty (--token '' or an empty WARROOM_TOKEN): {what_to_do}")
        }
        other => Ok(other),
    }
}

async fn console(
    remote: Remote,
    operator: Actor,
    sink: Option<crate::drill::CommandSink>,
    layout: &str,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    let title = format!("{} (remote)", remote.runbook.meta.name);
    let connection = remote.link.borrow().text.clone();
    tui::run_console(ConsoleOptions {
        runbook: remote.runbook,
        operator,
        initial_events: remote.events,
        updates: remote.updates.into(),
        sink,
        clock,
        layout: layout.to_string(),
        layouts_dir: None,
        keymap_path: None,
        title: Some(title),
        connection,
        link: Some(remote.link),
    })
    .await
}
