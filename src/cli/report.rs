//! `warroom report JOURNAL [--format md|html|json] [-o FILE]`: the drill report, from the
//! journal alone. Exit 0 when made from an intact journal, 1 when made from the readable
//! prefix of a damaged one (it says so at the top), 2 when no report could be made.
//! `--compare A.db B.db ...` sets several drills side by side instead; `--history DIR`
//! does the same with every drill of one runbook in a folder.

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
    /// --compare, two or more journals, in the order to show them. With --history, an
    /// optional journal naming the runbook to pick.
    #[arg(required_unless_present = "history", value_name = "JOURNAL")]
    pub journals: Vec<PathBuf>,
    /// Compare drills: per-step actual durations across the journals, their median, the
    /// steps that overran in most drills, and each drill's total.
    #[arg(long)]
    pub compare: bool,
    /// Compare every drill in this folder of the same runbook (matched by name: the
    /// JOURNAL's runbook if one is given, else the most recent drill's), oldest first, with
    /// runbook changes between drills noted. Other runbooks' journals are left out (named
    /// on standard error).
    #[arg(long, value_name = "DIR", conflicts_with = "compare")]
    pub history: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --compare or --history: for each step whose plan the drills contradict, the `planned` value
    /// their 80th percentile supports, as a patch of the last journal's runbook
    /// (`patch RUNBOOK < FILE`); the reasons go to standard error.
    #[arg(long)]
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
    if args.suggest_plan && !args.compare && args.history.is_none() {
        anyhow::bail!(
            "--suggest-plan works on several drills: add --compare JOURNALS or --history DIR"
        );
    }
    if let Some(dir) = &args.history {
        return history(args, dir).await;
    }
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
    let last = args.journals.last().map(PathBuf::as_path);
    let text = if args.suggest_plan {
        suggested_plan(&reports, last).await?
    } else if args.compare {
        render_comparison(&report::compare::compare(&reports), args.format)?
    } else {
        reports
            .first()
            .map(|r| render(r, args.format))
            .transpose()?
            .unwrap_or_default()
    };
    emit(args, &text)?;
    Ok(damage_code(&reports))
}

/// `--history DIR`: the drills of one runbook in the folder, compared.
async fn history(args: &ReportArgs, dir: &Path) -> anyhow::Result<i32> {
    if args.journals.len() > 1 {
        anyhow::bail!("with --history, give at most one journal (it names the runbook to pick)");
    }
    let name = match args.journals.first() {
        Some(journal) => Some(
            report::Source::read(journal)
                .await?
                .runbook
                .meta
                .name
                .clone(),
        ),
        None => None,
    };
    let now = chrono::Utc::now();
    let found = report::history::load(dir, name.as_deref(), None, now).await?;
    if let Some(out) = &args.output {
        for r in &found.reports {
            refuse_overwriting_journal(Path::new(&r.journal.path), out)?;
        }
    }
    for (file, why) in &found.skipped {
        super::output::note(format!("left out {}: {why}", file.display()));
    }
    if found.reports.is_empty() {
        anyhow::bail!(
            "no drill of `{}` in {}: nothing to compare",
            found.runbook,
            dir.display()
        );
    }
    super::output::note(format!(
        "{} drill(s) of `{}` in {}, oldest first",
        found.reports.len(),
        found.runbook,
        dir.display()
    ));
    let last = found.reports.last().map(|r| PathBuf::from(&r.journal.path));
    let text = if args.suggest_plan {
        suggested_plan(&found.reports, last.as_deref()).await?
    } else {
        render_comparison(&report::compare::compare(&found.reports), args.format)?
    };
    emit(args, &text)?;
    Ok(damage_code(&found.reports))
}

/// Writes the text to `-o FILE` or standard output.
fn emit(args: &ReportArgs, text: &str) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        write_file(path, text)?;
    } else {
        let mut out = super::output::stdout();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write the report to standard output")?;
    }
    Ok(())
}

/// Warns of each damaged journal; the exit code says whether any was.
fn damage_code(reports: &[Report]) -> i32 {
    let mut damaged = false;
    for r in reports {
        if let Some(line) = r.damage_line() {
            super::output::note(format!("warning: {}: {line}", r.journal.path));
            for d in &r.journal.damage {
                super::output::note(format!("  {d}"));
            }
            damaged = true;
        }
    }
    if damaged {
        EXIT_DAMAGED
    } else {
        0
    }
}

/// The patch `--suggest-plan` prints, against the runbook the last journal holds.
async fn suggested_plan(reports: &[Report], last: Option<&Path>) -> anyhow::Result<String> {
    let comparison = report::compare::compare(reports);
    let suggestions = report::suggest::suggest(&comparison);
    let last = last.context("--suggest-plan needs the journals to compare")?;
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
/// in place of an earlier one. A path that is not a regular file (`/dev/null`, a FIFO, a
/// terminal) is written to as it is: renaming over it would replace the device.
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display()));
    }
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
