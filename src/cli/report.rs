//! `warroom report JOURNAL [--format md|html|json] [-o FILE]`: the drill report, from the
//! journal alone. Exit 0 when made from an intact journal, 1 when made from the readable
//! prefix of a damaged one (it says so at the top), 2 when no report could be made.
//! `--compare A.db B.db ...` sets several drills side by side instead.

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
    /// The drill's journal (drills/*.db); a live drill's journal may be read too. With
    /// --compare, two or more journals, in the order to show them.
    #[arg(required = true, value_name = "JOURNAL")]
    pub journals: Vec<PathBuf>,
    /// Compare drills: per-step actual durations across the journals, their median, the
    /// steps that overran in most drills, and each drill's total.
    #[arg(long)]
    pub compare: bool,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --compare: for each step whose plan the drills contradict, the `planned` value
    /// their 80th percentile supports, as a patch of the last journal's runbook
    /// (`patch RUNBOOK < FILE`); the reasons go to standard error.
    #[arg(long, requires = "compare")]
    pub suggest_plan: bool,
}

pub async fn run(args: &ReportArgs) -> i32 {
    match make(args).await {
        Ok(code) => code,
        Err(e) => {
            super::output::note(format!("error: {e:#}"));
            EXIT_REFUSED
        }
    }
}

async fn make(args: &ReportArgs) -> anyhow::Result<i32> {
    match (args.compare, args.journals.as_slice()) {
        (false, [_, _, ..]) => anyhow::bail!(
            "{} journals were given: give one, or add --compare to compare drills",
            args.journals.len()
        ),
        (true, [_]) => anyhow::bail!("--compare needs two or more journals to compare"),
        _ => {}
    }
    if let Some(out) = &args.output {
        for journal in &args.journals {
            refuse_overwriting_journal(journal, out)?;
        }
    }
    let now = chrono::Utc::now();
    let mut reports = Vec::with_capacity(args.journals.len());
    for journal in &args.journals {
        reports.push(report::load(journal, now).await?);
    }
    let text = if args.suggest_plan {
        suggested_plan(&reports, &args.journals).await?
    } else if args.compare {
        render_comparison(&report::compare::compare(&reports), args.format)?
    } else {
        reports
            .first()
            .map(|r| render(r, args.format))
            .transpose()?
            .unwrap_or_default()
    };
    if let Some(path) = &args.output {
        write_file(path, &text)?;
    } else {
        let mut out = super::output::stdout();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write the report to standard output")?;
    }
    let mut damaged = false;
    for r in &reports {
        if let Some(line) = r.damage_line() {
            super::output::note(format!("warning: {}: {line}", r.journal.path));
            for d in &r.journal.damage {
                super::output::note(format!("  {d}"));
            }
            damaged = true;
        }
    }
    Ok(if damaged { EXIT_DAMAGED } else { 0 })
}

/// The patch `--suggest-plan` prints, against the runbook the last journal holds.
async fn suggested_plan(reports: &[Report], journals: &[PathBuf]) -> anyhow::Result<String> {
    let comparison = report::compare::compare(reports);
    let suggestions = report::suggest::suggest(&comparison);
    let last = journals
        .last()
        .context("--suggest-plan needs the journals to compare")?;
    let source = report::Source::read(last).await?;
    for s in &suggestions {
        super::output::note(format!("{}: {}", s.step, s.why));
    }
    if suggestions.is_empty() {
        super::output::note("no step's plan is contradicted by these drills: nothing to change");
    }
    let file = format!("{}.toml", source.runbook.meta.name.replace(' ', "-"));
    Ok(report::suggest::patch(
        &source.runbook.source_text,
        &file,
        &suggestions,
    ))
}

fn render_comparison(c: &report::compare::Comparison, format: Format) -> anyhow::Result<String> {
    use report::compare_render;
    Ok(match format {
        Format::Md => compare_render::markdown(c),
        Format::Html => compare_render::html(c),
        Format::Json => serde_json::to_string_pretty(c)
            .map(|s| s + "\n")
            .context("cannot encode the comparison as JSON")?,
    })
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
