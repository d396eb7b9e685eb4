//! Opening a drill: load and check the runbook, open (or resume) the journal, start the hub
//! and the engines that follow it. `run`, `demo`, `serve` and line mode all start from the
//! [`Session`] this builds.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};

use crate::drill::{Actor, Clock, SystemClock};
use crate::health::SamplerHandle;
use crate::hub::{self, HubHandle};
use crate::journal::{self, Journal};
use crate::runbook::{self, LoadError, Runbook};
use crate::runner::announce::Announcer;

/// A drill that is loaded, journaled and served by its hub.
pub struct Session {
    pub runbook: Arc<Runbook>,
    pub journal_path: PathBuf,
    pub hub: HubHandle,
    pub operator: Actor,
    pub clock: Arc<dyn Clock>,
    /// Probes sample while this lives.
    pub health: Option<SamplerHandle>,
    /// Sends the `[announce]` messages, if the runbook has targets.
    pub announcer: Option<Announcer>,
}

impl Session {
    /// Gives the announcements still queued a few seconds to go out before the console
    /// closes; says how many are left (they go out when the drill is resumed).
    pub async fn flush_announcements(&self) {
        let Some(announcer) = &self.announcer else {
            return;
        };
        if announcer.pending() == 0 {
            return;
        }
        let left = announcer.flush(std::time::Duration::from_secs(5)).await;
        if left > 0 {
            super::output::note(format_args!(
                "warroom: {left} announcement(s) not delivered yet: they go out when this drill is resumed (warroom run --resume {})",
                self.journal_path.display()
            ));
        }
    }
}

/// Loads a runbook, printing its warnings; errors list every problem.
pub fn load_runbook(path: &Path) -> anyhow::Result<Runbook> {
    read_runbook(path).map(|(runbook, _)| runbook)
}

/// [`load_runbook`], also handing back the file's text (which `--listen` serves).
pub fn read_runbook(path: &Path) -> anyhow::Result<(Runbook, String)> {
    match runbook::load(path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                tracing::warn!("{warning}");
            }
            Ok((loaded.runbook, loaded.text))
        }
        Err(LoadError::Invalid(diagnostics)) => {
            let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            bail!(
                "{}\n{} is not a valid runbook: fix the problems above (`warroom check {}` lists them)",
                text.join("\n"),
                path.display(),
                path.display()
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// Opens or resumes the journal and starts the hub.
pub async fn open_session(
    runbook: Runbook,
    operator: Option<&str>,
    resume: Option<&Path>,
    journal_path: Option<&Path>,
    allow_shell: bool,
) -> anyhow::Result<Session> {
    let operator = resolve_operator(&runbook, operator)?;
    let runbook = Arc::new(runbook);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (journal, past, path) = if let Some(path) = resume {
        let (journal, events) = Journal::open(path, &runbook)
            .await
            .with_context(|| format!("cannot resume from {}", path.display()))?;
        (journal, events, path.to_path_buf())
    } else {
        let path = journal_path.map_or_else(
            || journal::default_path(Path::new(""), &runbook.meta.name, clock.now()),
            Path::to_path_buf,
        );
        let journal = Journal::create(&path, &runbook).await?;
        (journal, Vec::new(), path)
    };
    tracing::info!(journal = %path.display(), events = past.len(), "drill opened");
    let hub = hub::spawn(runbook.clone(), journal, past, clock.clone());
    let health = crate::runner::start(&hub, clock.clone(), allow_shell);
    let announcer = crate::runner::announce::start(&hub, clock.clone());
    Ok(Session {
        runbook,
        journal_path: path,
        hub,
        operator,
        clock,
        health,
        announcer,
    })
}

fn resolve_operator(runbook: &Runbook, handle: Option<&str>) -> anyhow::Result<Actor> {
    let handle = handle.unwrap_or(&runbook.meta.coordinator);
    if runbook.person(handle).is_none() {
        let known: Vec<&str> = runbook.people.iter().map(|p| p.handle.as_str()).collect();
        bail!(
            "`{handle}` is not in this runbook's [people]: pass --as with one of {}",
            known.join(", ")
        );
    }
    Ok(Actor::Person(handle.to_string()))
}
