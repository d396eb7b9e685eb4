//! `warroom run RUNBOOK`: load and check the plan, open (or resume) the journal, start the
//! hub, then hand the operator a console (full screen, or line mode).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};

use super::args::RunArgs;
use crate::drill::{Actor, Clock, SystemClock};
use crate::health::{self, SamplerHandle};
use crate::hub::{self, HubHandle};
use crate::journal::{self, Journal};
use crate::runbook::{self, LoadError, Runbook};
use crate::tui::{self, ConsoleOptions};

/// A drill that is loaded, journaled and served by its hub.
pub struct Session {
    pub runbook: Arc<Runbook>,
    pub journal_path: PathBuf,
    pub hub: HubHandle,
    pub operator: Actor,
    pub clock: Arc<dyn Clock>,
    /// Probes sample while this lives.
    pub health: Option<SamplerHandle>,
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let (runbook, text) = read_runbook(&args.runbook)?;
    let session = open_session(
        runbook,
        args.operator.as_deref(),
        args.resume.as_deref(),
        args.journal.as_deref(),
        args.allow_shell,
    )
    .await?;
    let file = args.runbook.display().to_string();
    let serving = super::serve::start(
        &session,
        super::serve::runbook_text(&file, &text),
        &args.serve,
    )
    .await?;
    if args.line {
        if let Some(s) = &serving {
            super::output::note(format_args!("warroom: {}", s.describe()));
        }
        super::line_mode::run(&session).await
    } else {
        console(&session, &args.layout, serving.as_ref()).await
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
    let (journal, past, path) = match resume {
        Some(path) => {
            let (journal, events) = Journal::open(path, &runbook)
                .await
                .with_context(|| format!("cannot resume from {}", path.display()))?;
            (journal, events, path.to_path_buf())
        }
        None => {
            let path = journal_path.map(Path::to_path_buf).unwrap_or_else(|| {
                journal::default_path(Path::new(""), &runbook.meta.name, clock.now())
            });
            let journal = Journal::create(&path, &runbook).await?;
            (journal, Vec::new(), path)
        }
    };
    tracing::info!(journal = %path.display(), events = past.len(), "drill opened");
    let hub = hub::spawn(runbook.clone(), journal, past, clock.clone());
    let health = health::feed::start(hub.clone(), clock.clone());
    tokio::spawn(crate::copy::feed::run_actions(hub.clone()));
    tokio::spawn(crate::actions::feed::run_actions(hub.clone(), allow_shell));
    tokio::spawn(crate::recon::feed::run_actions(hub.clone()));
    Ok(Session {
        runbook,
        journal_path: path,
        hub,
        operator,
        clock,
        health,
    })
}

/// The full-screen console for the local operator, fed by the hub.
pub async fn console(
    session: &Session,
    layout: &str,
    serving: Option<&super::serve::Serving>,
) -> anyhow::Result<()> {
    let journal = session.journal_path.file_name().map_or_else(
        || session.journal_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let connection = match serving {
        Some(s) => format!("local · journal {journal} · {}", s.describe()),
        None => format!("local · journal {journal}"),
    };
    let (initial_events, updates) = hub::follow(&session.hub).await?;
    tui::run_console(ConsoleOptions {
        runbook: session.runbook.clone(),
        operator: session.operator.clone(),
        initial_events,
        updates,
        sink: Some(session.hub.sink()),
        clock: session.clock.clone(),
        layout: layout.to_string(),
        layouts_dir: None,
        keymap_path: None,
        title: None,
        connection,
        link: None,
    })
    .await?;
    super::output::note(format_args!(
        "warroom: the journal is safe in {}; resume with --resume {}",
        session.journal_path.display(),
        session.journal_path.display()
    ));
    Ok(())
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
