//! Earlier drills of the same runbook, in the console: each step's median actual beside
//! its plan, and the predicted end as a range (the history's median to its 90th
//! percentile for what remains, running steps counting their elapsed time). The figures
//! come from the drill-over-drill comparison ([`crate::report::history::Baseline`]),
//! loaded once when the console starts.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::app::App;
use crate::drill::StepStatus;
use crate::report::history::{Baseline, StepBaseline};
use crate::runbook::duration;

/// The history's figures for step `id`, if earlier drills ran it.
pub fn step(app: &App, id: &str) -> Option<StepBaseline> {
    app.history.as_ref()?.step(id).copied()
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

/// "med 11:00": the runbook panel's mark beside the plan.
pub fn median_mark(app: &App, id: &str) -> Option<String> {
    step(app, id).map(|b| format!("med {}", duration::clock(secs(b.median_secs))))
}

/// "past drills: median 11:00, p90 11:48 (ran in 3 of 3)": the step detail's line.
pub fn detail_line(app: &App, id: &str) -> Option<String> {
    let drills = app.history.as_ref()?.drills;
    let b = step(app, id)?;
    Some(format!(
        "past drills: median {}, p90 {} (ran in {} of {drills})",
        duration::clock(secs(b.median_secs)),
        duration::clock(secs(b.p90_secs)),
        b.runs
    ))
}

/// When the drill will end by its history: (median, 90th percentile). `None` without
/// history, before the start, once ended, and during a rollback (the plan's estimate
/// stands there).
pub fn predicted_range(app: &App, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let history = app.history.as_ref()?;
    let st = app.replica.drill.state();
    if st.started_at.is_none() || st.ended_at.is_some() || st.rollback.is_some() {
        return None;
    }
    let low = now + to_chrono(remaining_path(app, history, now, |b| b.median_secs));
    let high = now + to_chrono(remaining_path(app, history, now, |b| b.p90_secs));
    Some((low, high.max(low)))
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The longest path of remaining work, each step estimated by `figure` of its history (its
/// plan when earlier drills never ran it), less what a running step has already run.
fn remaining_path(
    app: &App,
    history: &Baseline,
    now: DateTime<Utc>,
    figure: impl Fn(&StepBaseline) -> f64,
) -> Duration {
    let rb = &app.runbook;
    let st = app.replica.drill.state();
    let t = app.replica.drill.timing();
    let weight: Vec<Duration> = rb
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if !t.in_plan(i) {
                return Duration::ZERO;
            }
            let estimate = history.step(&s.id).map_or(s.planned, |b| secs(figure(b)));
            match st.status(i) {
                StepStatus::Pending | StepStatus::Ready => estimate,
                StepStatus::Running | StepStatus::AwaitingReview => {
                    estimate.saturating_sub(t.elapsed(i, now).unwrap_or_default())
                }
                _ => Duration::ZERO,
            }
        })
        .collect();
    let index: HashMap<&str, usize> = rb
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let deps: Vec<Vec<usize>> = rb
        .steps
        .iter()
        .map(|s| {
            s.after
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect()
        })
        .collect();
    let mut finish: Vec<Option<Duration>> = vec![None; rb.steps.len()];
    (0..rb.steps.len())
        .map(|i| finish_of(i, &deps, &weight, &mut finish, 0))
        .max()
        .unwrap_or_default()
}

/// When step `i` finishes from now: the latest of its dependencies, plus its own weight.
/// `depth` stops a cycle (which validation forbids) from looping.
fn finish_of(
    i: usize,
    deps: &[Vec<usize>],
    weight: &[Duration],
    finish: &mut [Option<Duration>],
    depth: usize,
) -> Duration {
    if let Some(f) = finish[i] {
        return f;
    }
    if depth > deps.len() {
        return Duration::ZERO;
    }
    let start = deps[i]
        .iter()
        .map(|&d| finish_of(d, deps, weight, finish, depth + 1))
        .max()
        .unwrap_or_default();
    let f = start + weight[i];
    finish[i] = Some(f);
    f
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::tui::tests::{app, draw, min, overrun_events, text};

    fn baseline() -> Baseline {
        let figures = [
            ("freeze", 5.0, 6.0),
            ("schema", 25.0, 30.0),
            ("copy", 40.0, 50.0),
            ("go-live", 10.0, 12.0),
            ("verify", 15.0, 20.0),
        ];
        Baseline {
            drills: 3,
            steps: figures
                .iter()
                .map(|(id, med, p90)| {
                    (
                        (*id).to_string(),
                        StepBaseline {
                            median_secs: med * 60.0,
                            p90_secs: p90 * 60.0,
                            runs: 3,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn the_predicted_end_is_the_historys_range_for_what_remains() {
        // Schema running since +6m; at +16m it has run 10 of its history's 25 (p90 30).
        let mut a = app(
            &overrun_events(&crate::tui::tests::runbook()),
            "carol",
            true,
        );
        assert_eq!(predicted_range(&a, min(16)), None, "no history, no range");
        a.history = Some(Arc::new(baseline()));
        let (low, high) = predicted_range(&a, min(16)).expect("a range");
        // 16 + 15 + 40 + 10 + 15 and 16 + 20 + 50 + 12 + 20.
        assert_eq!(low, min(96));
        assert_eq!(high, min(118));
        // A step past its median counts nothing more for the low end.
        let (low, _) = predicted_range(&a, min(40)).expect("a range");
        assert_eq!(low, min(40 + 40 + 10 + 15));
    }

    #[test]
    fn the_console_shows_the_median_beside_the_plan_and_the_range() {
        let mut a = app(
            &overrun_events(&crate::tui::tests::runbook()),
            "carol",
            true,
        );
        let plain = text(&draw(&a, min(16), 160, 40));
        assert!(!plain.contains("med "), "{plain}");
        assert!(!plain.contains("past drills"), "{plain}");
        a.history = Some(Arc::new(baseline()));
        let screen = text(&draw(&a, min(16), 160, 40));
        let schema = screen
            .lines()
            .find(|l| l.contains("schema ") && l.contains("/20:00"))
            .expect("the schema row");
        assert!(schema.contains("10:00/20:00  med 25:00"), "{schema}");
        assert!(
            screen.contains("predicted 23:36:00–23:58:00 (past drills)"),
            "{screen}"
        );
        // The step detail (schema is selected: it is running).
        assert!(
            screen.contains("past drills: median 25:00, p90 30:00 (ran in 3 of 3)"),
            "{screen}"
        );
    }
}
