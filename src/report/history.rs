//! A drills folder as history: every journal in it of one runbook (matched by the name
//! its journal records), oldest drill first, for `warroom report --history DIR` and for
//! the console's per-step medians and predicted-end range ([`Baseline`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::compare;
use super::error::ReportError;
use super::{build, Report, Source};

/// The journals of one runbook found in a folder.
#[derive(Debug)]
pub struct History {
    /// The runbook's name.
    pub runbook: String,
    /// Oldest drill first.
    pub reports: Vec<Report>,
    /// Files left out, with why: another runbook's journal, or not a readable journal.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Reads every `*.db` in `dir` and keeps the journals of runbook `name`; with no name, the
/// runbook of the most recently started drill there. `except`: a journal to leave out
/// (the console's own, on resume).
pub async fn load(
    dir: &Path,
    name: Option<&str>,
    except: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<History, ReportError> {
    let mut files = journal_files(dir)?;
    let except = except.and_then(|p| p.canonicalize().ok());
    files.retain(|f| except.is_none() || f.canonicalize().ok() != except);
    let mut skipped = Vec::new();
    let mut found: Vec<(DateTime<Utc>, Report)> = Vec::new();
    for file in files {
        match Source::read(&file).await {
            Ok(source) => {
                let report = build(&source, now);
                let when = report.summary.started_at.unwrap_or(source.meta.created_at);
                found.push((when, report));
            }
            Err(e) => skipped.push((file, e.to_string())),
        }
    }
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.journal.path.cmp(&b.1.journal.path))
    });
    let runbook = match name {
        Some(n) => n.to_string(),
        None => found
            .last()
            .map(|(_, r)| r.runbook.name.clone())
            .ok_or_else(|| ReportError::NoHistory {
                dir: dir.to_path_buf(),
            })?,
    };
    let mut reports = Vec::new();
    for (_, r) in found {
        if r.runbook.name == runbook {
            reports.push(r);
        } else {
            skipped.push((
                PathBuf::from(&r.journal.path),
                format!("a drill of another runbook (`{}`)", r.runbook.name),
            ));
        }
    }
    Ok(History {
        runbook,
        reports,
        skipped,
    })
}

/// The `*.db` files directly in `dir`, sorted by name (`*.db.partial` and the like left out).
fn journal_files(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let unreadable = |e: std::io::Error| ReportError::Folder {
        dir: dir.to_path_buf(),
        why: e.to_string(),
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "db"))
        .collect();
    out.sort();
    Ok(out)
}

/// What earlier drills say of each step: the median and the 90th percentile of its actual
/// durations, from the comparison's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    /// How many drills it is made of.
    pub drills: usize,
    pub steps: HashMap<String, StepBaseline>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepBaseline {
    pub median_secs: f64,
    pub p90_secs: f64,
    /// In how many drills the step ran.
    pub runs: usize,
}

impl Baseline {
    /// `None` when no drill ran any step.
    pub fn of(reports: &[Report]) -> Option<Baseline> {
        let c = compare::compare(reports);
        let steps: HashMap<String, StepBaseline> = c
            .steps
            .iter()
            .filter_map(|row| {
                let ran: Vec<f64> = row.actual_secs.iter().flatten().copied().collect();
                Some((
                    row.id.clone(),
                    StepBaseline {
                        median_secs: row.median_secs?,
                        p90_secs: percentile(ran.clone(), 0.9)?,
                        runs: ran.len(),
                    },
                ))
            })
            .collect();
        (!steps.is_empty()).then_some(Baseline {
            drills: reports.len(),
            steps,
        })
    }

    pub fn step(&self, id: &str) -> Option<&StepBaseline> {
        self.steps.get(id)
    }
}

/// The `p`-th percentile (0..=1), interpolated between the nearest ranks.
pub fn percentile(mut values: Vec<f64>, p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    // A handful of drills: the rank fits any float exactly.
    #[allow(clippy::cast_precision_loss)]
    let rank = p.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    #[allow(clippy::cast_precision_loss)]
    let frac = rank - lo as f64;
    Some(values[lo] + (values[hi] - values[lo]) * frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(vec![], 0.9), None);
        assert_eq!(percentile(vec![300.0], 0.9), Some(300.0));
        // Ranks 0..2, 0.9 * 2 = 1.8: 600 + 0.8 * (720 - 600).
        let p = percentile(vec![720.0, 540.0, 600.0], 0.9).expect("some");
        assert!((p - 696.0).abs() < 1e-9, "{p}");
        assert_eq!(percentile(vec![1.0, 2.0], 0.5), Some(1.5));
    }
}
