//! `warroom events JOURNAL`: what a journal holds, for people and for scripts.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::journal::Journal;

pub async fn run(path: &Path, json: bool) -> anyhow::Result<()> {
    let contents = Journal::read(path).await?;
    let mut out = super::output::stdout();
    for event in &contents.events {
        if json {
            let line = serde_json::to_string(event).context("cannot encode an event as JSON")?;
            writeln!(out, "{line}")?;
        } else {
            writeln!(out, "{event}")?;
        }
    }
    Ok(())
}
