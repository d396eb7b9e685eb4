//! The binary's edge: parse arguments, set up logging, run a subcommand, turn errors into
//! one clear message and an exit code.

use clap::Parser;
use warroom::cli::{self, Cli, Cmd};

fn main() {
    let cli = Cli::parse();
    let code = match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            cli::output::note(format_args!("error: {e:#}"));
            cli::EXIT_INVALID
        }
    };
    std::process::exit(code);
}

fn real_main(cli: Cli) -> anyhow::Result<i32> {
    if let Cmd::Check { files, strict } = &cli.command {
        // check writes no log file: it is a pure validation of files.
        return Ok(if cli::check::run(files, *strict)? {
            0
        } else {
            cli::EXIT_INVALID
        });
    }
    match &cli.command {
        Cmd::Completions { shell } => return cli::completions::completions(*shell).map(|()| 0),
        Cmd::Man => return cli::completions::man().map(|()| 0),
        _ => {}
    }
    let _log_guard = cli::logging::init(&cli.log_file)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Cmd::Check { .. } | Cmd::Completions { .. } | Cmd::Man => Ok(0),
            Cmd::Run(args) => cli::run::run(args).await.map(|()| 0),
            Cmd::Demo {
                dir,
                line,
                solo,
                layout,
                serve,
            } => cli::demo::run(dir, line, solo, &layout, &serve)
                .await
                .map(|()| 0),
            Cmd::Observe { url, token, layout } => {
                cli::remote::observe(&url, token, &layout).await.map(|()| 0)
            }
            Cmd::Join {
                url,
                operator,
                token,
                layout,
            } => cli::remote::join(&url, &operator, token, &layout)
                .await
                .map(|()| 0),
            Cmd::Copy {
                runbook,
                job,
                json,
                restart,
                overwrite,
            } => {
                let restart = warroom::copy::Restart::from_flags(restart, overwrite);
                cli::copy::run(&runbook, &job, json, restart).await
            }
            Cmd::Recon {
                runbook,
                job,
                json,
                fix_sql,
            } => Ok(cli::recon::run(&runbook, &job, json, fix_sql.as_deref()).await),
            Cmd::Preflight(args) => Ok(cli::preflight::run(&args).await),
            Cmd::Probe {
                runbook,
                once,
                json,
            } => cli::probe::run(&runbook, once, json).await,
            Cmd::Events { journal, json } => cli::events::run(&journal, json).await.map(|()| 0),
            Cmd::Replay { journal, layout } => {
                cli::replay::run(&journal, &layout).await.map(|()| 0)
            }
            Cmd::Report(args) => Ok(cli::report::run(&args).await),
            Cmd::Init(args) => cli::init::run(&args).await,
            Cmd::Announce(args) => cli::announce::run(&args).await,
        }
    })
}
