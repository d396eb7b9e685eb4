//! Drill over drill: per-step actual durations across several drills' reports, their
//! median, the steps that overran in most drills, and each drill's total. Steps added or
//! removed between runbook versions are kept, marked as such.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Outcome, Report};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// [`super::REPORT_VERSION`].
    pub version: u32,
    /// In the order given.
    pub drills: Vec<DrillColumn>,
    /// Every step of any of the runbooks, in runbook order (a step only some versions
    /// have sits after the step it follows in them).
    pub steps: Vec<StepRow>,
    /// The steps that overran in the most drills (ties all listed; empty when none overran).
    pub most_overrun: Vec<String>,
    /// How many drills those steps overran in.
    pub most_overrun_count: usize,
    /// Where a drill ran a different runbook than the drill before it (its digest differs):
    /// "drill 2 ran a changed runbook (digest 1a2b3c4d → 5e6f7a8b)".
    pub runbook_changes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillColumn {
    pub journal: String,
    pub runbook: String,
    pub digest: String,
    pub started_at: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    pub planned_secs: f64,
    /// The drill clock.
    pub actual_secs: Option<f64>,
    /// The journal was damaged: the figures are of its readable prefix.
    pub damaged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow {
    pub id: String,
    pub title: String,
    /// Per drill: whether its runbook has the step.
    pub present: Vec<bool>,
    /// Per drill: the planned duration, when its runbook has the step.
    pub planned_secs: Vec<Option<f64>>,
    /// Per drill: the actual duration, when the step ran.
    pub actual_secs: Vec<Option<f64>>,
    /// Median of the actual durations of the drills it ran in.
    pub median_secs: Option<f64>,
    /// In how many drills it overran its plan.
    pub overran_in: usize,
    /// "added in drill 2", "removed in drill 3", or empty when every runbook has it.
    pub change: String,
}

pub fn compare(reports: &[Report]) -> Comparison {
    let ids = merged_order(reports);
    let steps: Vec<StepRow> = ids.iter().map(|id| row(id, reports)).collect();
    let most = steps.iter().map(|s| s.overran_in).max().unwrap_or(0);
    Comparison {
        version: super::REPORT_VERSION,
        drills: reports.iter().map(column).collect(),
        most_overrun: steps
            .iter()
            .filter(|s| most > 0 && s.overran_in == most)
            .map(|s| s.id.clone())
            .collect(),
        most_overrun_count: most,
        runbook_changes: runbook_changes(reports),
        steps,
    }
}

/// One line per drill whose runbook digest differs from the drill before it.
fn runbook_changes(reports: &[Report]) -> Vec<String> {
    let short = |d: &str| d.chars().take(8).collect::<String>();
    reports
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0].runbook.digest != w[1].runbook.digest)
        .map(|(i, w)| {
            format!(
                "drill {} ran a changed runbook (digest {} → {})",
                i + 2,
                short(&w[0].runbook.digest),
                short(&w[1].runbook.digest)
            )
        })
        .collect()
}

/// Step ids of every runbook, each inserted after its predecessor in the first runbook
/// that has it.
fn merged_order(reports: &[Report]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in reports {
        let mut after: Option<usize> = None;
        for s in &r.steps {
            if let Some(i) = ids.iter().position(|id| *id == s.id) {
                after = Some(i);
            } else {
                let at = after.map_or(0, |i| i + 1);
                ids.insert(at, s.id.clone());
                after = Some(at);
            }
        }
    }
    ids
}

fn row(id: &str, reports: &[Report]) -> StepRow {
    let found: Vec<Option<&super::model::StepReport>> = reports
        .iter()
        .map(|r| r.steps.iter().find(|s| s.id == id))
        .collect();
    let present: Vec<bool> = found.iter().map(Option::is_some).collect();
    let actual: Vec<Option<f64>> = found
        .iter()
        .map(|s| s.and_then(|s| s.actual_secs))
        .collect();
    let title = found
        .iter()
        .rev()
        .flatten()
        .next()
        .map(|s| s.title.clone())
        .unwrap_or_default();
    StepRow {
        id: id.to_string(),
        title,
        planned_secs: found.iter().map(|s| s.map(|s| s.planned_secs)).collect(),
        median_secs: median(actual.iter().flatten().copied().collect()),
        overran_in: found
            .iter()
            .filter(|s| s.is_some_and(|s| s.overrun_secs.is_some()))
            .count(),
        change: change(&present),
        present,
        actual_secs: actual,
    }
}

fn change(present: &[bool]) -> String {
    let first = present.iter().position(|p| *p);
    let last = present.iter().rposition(|p| *p);
    let mut words = Vec::new();
    if let Some(f) = first.filter(|f| *f > 0) {
        words.push(format!("added in drill {}", f + 1));
    }
    if let Some(l) = last.filter(|l| l + 1 < present.len()) {
        words.push(format!("removed in drill {}", l + 2));
    }
    words.join(", ")
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        f64::midpoint(values[mid - 1], values[mid])
    } else {
        values[mid]
    })
}

fn column(r: &Report) -> DrillColumn {
    DrillColumn {
        journal: r.journal.path.clone(),
        runbook: r.runbook.name.clone(),
        digest: r.runbook.digest.clone(),
        started_at: r.summary.started_at,
        outcome: r.summary.outcome,
        planned_secs: r.summary.planned_secs,
        actual_secs: r.summary.actual_secs,
        damaged: r.journal.unreadable_from_seq.is_some() || !r.journal.damage.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(vec![720.0, 540.0, 660.0]), Some(660.0));
        assert_eq!(median(vec![360.0, 300.0]), Some(330.0));
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn added_and_removed_steps_are_named_by_drill() {
        assert_eq!(change(&[true, true, true]), "");
        assert_eq!(change(&[false, true, true]), "added in drill 2");
        assert_eq!(change(&[true, true, false]), "removed in drill 3");
        assert_eq!(
            change(&[false, true, false]),
            "added in drill 2, removed in drill 3"
        );
    }
}
