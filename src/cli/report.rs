//! `warroom report JOURNAL [--format md|html|json] [-o FILE]`: the drill report, from the
//! journal alone. Exit 0 when made from an intact journal, 1 when made from the readable
//! prefix of a damaged one (it says so at the top), 2 when no report could be made.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::report::{self, Report};

pub const EXIT_DAMAGED: i32 = 1;
pub const EXIT_REFUSED: i32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, with a text timeline.
    Md,
    /// One self-contained HTML file with an SVG timeline (prints on A4).
    Html,
    /// The report's figures as JSON (a stable, documented shape).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The drill's journal (drills/*.db); a live drill's journal may be read too.
    pub journal: PathBuf,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(args: &ReportArgs) -> i32 {
    match make(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_REFUSED
        }
    }
}

async fn make(args: &ReportArgs) -> anyhow::Result<i32> {
    if let Some(out) = &args.output {
        refuse_overwriting_journal(&args.journal, out)?;
    }
    let report = report::load(&args.journal, chrono::Utc::now()).await?;
    let text = render(&report, args.format)?;
    match &args.output {
        Some(path) => write_file(path, &text)?,
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the report to standard output")?;
        }
    }
    if let Some(line) = report::markdown::damage_line(&report) {
        eprintln!("warning: {line}");
        for d in &report.journal.damage {
            eprintln!("  {d}");
        }
        return Ok(EXIT_DAMAGED);
    }
    Ok(0)
}

fn render(report: &Report, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Md => report::markdown::render(report),
        Format::Html => report::html::render(report),
        Format::Json => report::json::render(report).context("cannot encode the report as JSON")?,
    })
}

/// `-o` naming the journal itself would destroy the record the report is made from.
fn refuse_overwriting_journal(journal: &Path, out: &Path) -> anyhow::Result<()> {
    let same = match (journal.canonicalize(), out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        anyhow::bail!(
            "-o {} names the journal itself; choose another file for the report",
            out.display()
        );
    }
    Ok(())
}

/// Writes beside the target and renames, so a failed write never leaves half a report
/// in place of an earlier one.
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| {
            let _ = std::fs::remove_file(&tmp);
            format!(
                "cannot write the report to {}; check the directory exists and is writable",
                path.display()
            )
        })
}
