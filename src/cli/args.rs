//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  warroom demo                                   a live drill on temporary SQLite databases
  warroom init --source mysql://app:PW@db1/pay --target postgres://app@pg1/pay -o pay.toml
  warroom check runbooks/*.toml                  validate runbooks, list every mistake
  warroom run runbooks/mysql-to-postgres-cutover.toml --as maria
  warroom run runbooks/demo.toml --resume drills/demo-20261122T010203Z.db
  echo 'start pre-checks' | warroom run runbooks/demo.toml --line
  warroom run runbooks/demo.toml --listen 127.0.0.1:7300     serve it (invites beside the journal)
  warroom observe ws://127.0.0.1:7300                        follow it read-only
  warroom join ws://127.0.0.1:7300 --as dev --token TOKEN    a DRI's console
  warroom events drills/demo-20261122T010203Z.db
  warroom report drills/demo-20261122T010203Z.db --format html -o report.html
  warroom replay drills/demo-20261122T010203Z.db  walk through a recorded drill
  warroom announce test runbooks/demo.toml        one test message to each [announce] target";

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "The war room of a live database migration, in one terminal.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Where the log file goes (the terminal belongs to the console).
    #[arg(
        long,
        global = true,
        env = "WARROOM_LOG",
        default_value = "drills/warroom.log"
    )]
    pub log_file: PathBuf,
    #[command(subcommand)]
    pub command: Cmd,
}

// Doc comments here are the `--help` text, which is read in a terminal, not as Markdown.
#[allow(clippy::doc_markdown)]
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Validate runbooks: every mistake with file:line:column, then a summary.
    ///
    /// Checks the file alone: TOML syntax, unknown sections and fields, required fields,
    /// every reference (people, connections, copy/recon jobs, probes, steps, `requires`
    /// evidence), durations, URL schemes and `${VAR}` syntax, check conditions, dependency
    /// cycles, gates and approvers; warns of literal passwords, self-review and points of
    /// no return with no gate before them. It does not read environment variables or
    /// connect to anything: whether `${VAR}`s are set, servers and Prometheus reachable,
    /// SQL valid or tables present is for `warroom probe` and the drill itself.
    /// The format: docs/runbook.md.
    ///
    /// Exit status: 0 every file passed; 1 an error in any file, a file that cannot be
    /// read, or (with --strict) a warning; 2 bad command-line usage; 141 when the output
    /// pipe closed early.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Run a drill or cutover from a runbook.
    Run(RunArgs),
    /// A live drill on temporary SQLite databases: a new user's first minute.
    Demo {
        /// Keep the demo's databases and journal here instead of a temporary directory.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Plain line mode instead of the full-screen console.
        #[arg(long)]
        line: bool,
        /// No simulated teammates: every other person's move is yours to make (`as HANDLE`
        /// in line mode).
        #[arg(long)]
        solo: bool,
        /// Screen layout.
        #[arg(long, default_value = "coordinator")]
        layout: String,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Follow a served drill, read-only: no key changes anything.
    Observe {
        /// The drill's address, as the coordinator's invites give it (ws://HOST:PORT).
        url: String,
        /// The observer token, if the coordinator requires one.
        #[arg(long, env = "WARROOM_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Screen layout.
        #[arg(long, default_value = "observer")]
        layout: String,
    },
    /// A DRI's console on a served drill: sign off your own steps and add notes.
    Join {
        /// The drill's address (ws://HOST:PORT).
        url: String,
        /// Who you are (a handle from the runbook's [people]).
        #[arg(long = "as", value_name = "HANDLE")]
        operator: String,
        /// Your token, from the coordinator's invite.
        #[arg(long, env = "WARROOM_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Screen layout.
        #[arg(long, default_value = "coordinator")]
        layout: String,
    },
    /// Run one `[[recon]]` job without the console: exit 0 with no mismatch, 1 with
    /// mismatches, 2 on error.
    Recon {
        runbook: PathBuf,
        /// The `[[recon]]` job's name.
        #[arg(long)]
        job: String,
        /// A JSON report instead of one line per mismatch.
        #[arg(long)]
        json: bool,
        /// Write SQL that makes the target match the source to this file.
        #[arg(long, value_name = "FILE")]
        fix_sql: Option<PathBuf>,
    },
    /// Run one copy job without the console; resumes from its checkpoint when run again.
    Copy {
        runbook: PathBuf,
        /// The `[[copy]]` job's name.
        #[arg(long)]
        job: String,
        /// A JSON summary instead of plain lines.
        #[arg(long)]
        json: bool,
        /// Forget the job's checkpoint and copy from the start; the target must be empty
        /// (warroom never truncates it).
        #[arg(long)]
        restart: bool,
        /// With --restart: copy over the rows the target holds (same key: the source's
        /// values; other rows stay).
        #[arg(long, requires = "restart")]
        overwrite: bool,
    },
    /// Scan every copy/recon table pair for the hazards that sink migrations.
    ///
    /// Connects to every connection the runbook's jobs, checks and probes use, reads both
    /// catalogs and bounded data queries, and reports each hazard with its severity
    /// (blocker, warning, info), table, column, why it matters and what to do; then every
    /// counter's ID headroom and an estimate per copy job. See docs/preflight.md.
    ///
    /// Exit status: 0 no blocker; 1 a blocker; 2 an error (a runbook that does not load).
    Preflight(PreflightArgs),
    /// Sample a runbook's health probes without the console (exit 0 when all are green).
    Probe {
        runbook: PathBuf,
        /// Sample every probe once and exit.
        #[arg(long)]
        once: bool,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the events a journal holds (one per line, or JSON lines).
    Events {
        journal: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Replay a recorded drill in the console, read-only, with the clock in your hands:
    /// Space play/pause, + and - speed (1x to 60x), . and , step one event, J jump to the
    /// selected step's start, t jump to a time, < and > start and end.
    Replay {
        /// The drill's journal (drills/*.db).
        journal: PathBuf,
        /// Screen layout.
        #[arg(long, default_value = "coordinator")]
        layout: String,
    },
    /// The drill report from a journal alone: Markdown, self-contained HTML or JSON
    /// (exit 0; 1 when made from a damaged journal's readable prefix; 2 when refused).
    Report(super::report::ReportArgs),
    /// Print a shell completion script: `warroom completions bash > ~/.local/share/bash-completion/completions/warroom`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Read a source and a target schema and write a first rehearsal runbook: a copy and a
    /// recon job per table on both sides (keyed by the primary key), the standard phases,
    /// health probes and people to fill in. Passwords in the URLs become ${SRC_PASSWORD} /
    /// ${DST_PASSWORD}; an existing file is kept unless --force.
    Init(super::init::InitArgs),
    /// Announcements: `announce test RUNBOOK` sends one test message to each `[announce]`
    /// target (webhook URLs from the environment) and says what came back.
    Announce(super::announce::AnnounceArgs),
    /// Print the man page (roff): `warroom man > ~/.local/share/man/man1/warroom.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The runbook (TOML).
    pub runbook: PathBuf,
    /// Who is at this console (a handle from [people]); default: the coordinator.
    #[arg(long = "as", value_name = "HANDLE")]
    pub operator: Option<String>,
    /// Continue a drill from its journal.
    #[arg(long, value_name = "JOURNAL", conflicts_with = "journal")]
    pub resume: Option<PathBuf>,
    /// Where to write the new journal (default drills/<runbook>-<UTC time>.db).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Plain line mode: read commands from standard input (for scripts).
    #[arg(long)]
    pub line: bool,
    /// Screen layout: coordinator, observer, wallboard, or a file under layouts/.
    #[arg(long, default_value = "coordinator")]
    pub layout: String,
    /// Allow steps whose action is a shell command to run it.
    #[arg(long)]
    pub allow_shell: bool,
    /// This run's number among the runs of this runbook (default: one more than the
    /// journals of it in the new journal's folder). Journaled; shown in the header and report.
    #[arg(long, value_name = "N", conflicts_with = "resume", value_parser = clap::value_parser!(u32).range(1..))]
    pub drill: Option<u32>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Serving a drill to remote consoles.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Serve the drill to DRIs (`join`) and observers (`observe`) on this address. A bare
    /// port binds 127.0.0.1; binding another interface (0.0.0.0:7300) is your explicit choice.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Whether observers need a token: `open` (anyone who can reach the address may watch)
    /// or `token`.
    #[arg(long, value_enum, default_value = "open")]
    pub observers: crate::net::ObserverPolicy,
}

#[derive(Debug, clap::Args)]
pub struct PreflightArgs {
    pub runbook: PathBuf,
    /// One JSON report instead of text.
    #[arg(long)]
    pub json: bool,
    /// ID headroom under this many days at the recent growth rate is a blocker.
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    pub headroom_days: f64,
    /// Queries that read a whole table run only on tables of at most this many rows.
    #[arg(long, default_value_t = 2_000_000, value_name = "ROWS")]
    pub scan_rows: u64,
    /// Read each copy job's earlier throughput from these drill journals.
    #[arg(long = "journal", value_name = "FILE")]
    pub journals: Vec<PathBuf>,
}
