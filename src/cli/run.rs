//! `warroom run RUNBOOK`: load and check the plan, open (or resume) the journal, start the
//! hub, then hand the operator a console (full screen, or line mode).

use super::args::RunArgs;
use super::session::{open_session, read_runbook};
use super::{console, line_mode, serve};

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
    if args.resume.is_none() {
        super::drill_number::number(&session, args.drill).await;
    }
    let file = args.runbook.display().to_string();
    let serving = serve::start(&session, serve::runbook_text(&file, &text), &args.serve).await?;
    let outcome = if args.line {
        if let Some(s) = &serving {
            super::output::note(format_args!("warroom: {}", s.describe()));
        }
        line_mode::run(&session).await
    } else {
        console::run(&session, &args.layout, serving.as_ref()).await
    };
    session.flush_announcements().await;
    outcome
}
