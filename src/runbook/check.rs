//! `warroom check FILE...`: validate runbooks, print every diagnostic and, for each valid
//! file, its summary.

use std::io::Write;
use std::path::PathBuf;

use super::diagnostic::Diagnostic;
use super::parse::{load, LoadError};
use super::summary::Summary;

/// Checks each file and writes what it found to `out`. Returns `Ok(true)` when every file
/// passed: no errors, and with `strict` no warnings either.
pub fn check_files(paths: &[PathBuf], strict: bool, out: &mut dyn Write) -> std::io::Result<bool> {
    let mut all_ok = true;
    let (mut errors, mut warnings) = (0usize, 0usize);
    for path in paths {
        let shown = path.display();
        match load(path) {
            Ok(loaded) => {
                print_diagnostics(&loaded.warnings, out)?;
                warnings += loaded.warnings.len();
                let failed = strict && !loaded.warnings.is_empty();
                if failed {
                    all_ok = false;
                    writeln!(
                        out,
                        "FAILED {shown}: {} warning(s), and --strict treats warnings as errors\n",
                        loaded.warnings.len()
                    )?;
                } else {
                    let note = match loaded.warnings.len() {
                        0 => String::new(),
                        n => format!(" ({n} warning(s))"),
                    };
                    writeln!(out, "ok {shown}{note}")?;
                    writeln!(out, "{}\n", Summary::of(&loaded.runbook))?;
                }
            }
            Err(LoadError::Invalid(diags)) => {
                all_ok = false;
                print_diagnostics(&diags, out)?;
                let e = diags.iter().filter(|d| d.is_error()).count();
                errors += e;
                warnings += diags.len() - e;
                writeln!(
                    out,
                    "FAILED {shown}: {e} error(s), {} warning(s)\n",
                    diags.len() - e
                )?;
            }
            Err(unreadable @ LoadError::Unreadable { .. }) => {
                all_ok = false;
                errors += 1;
                writeln!(out, "error: {unreadable}")?;
                writeln!(out, "FAILED {shown}\n")?;
            }
        }
    }
    let verdict = if all_ok { "all passed" } else { "FAILED" };
    writeln!(
        out,
        "{} file(s) checked: {errors} error(s), {warnings} warning(s){}; {verdict}",
        paths.len(),
        if strict { " (strict)" } else { "" }
    )?;
    Ok(all_ok)
}

fn print_diagnostics(diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    for d in diags {
        writeln!(out, "{d}\n")?;
    }
    Ok(())
}
