//! `--suggest-plan`: for each step whose plan the history of drills contradicts, the
//! `planned` value that history supports (the 80th percentile of its actual durations,
//! rounded up), as a patch against the latest runbook a coordinator can apply.

use std::time::Duration;

use serde::Serialize;

use super::compare::Comparison;
use crate::runbook::duration;

/// Which share of the drills a suggested plan covers.
const PERCENTILE: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub step: String,
    /// The plan in the latest runbook that has the step.
    pub planned_secs: f64,
    /// What the history supports, rounded up to a readable duration.
    pub suggested_secs: f64,
    /// How many drills the step ran in.
    pub drills: usize,
    pub why: String,
}

/// Steps of the latest drill's runbook whose plan its history contradicts: the 80th
/// percentile of at least two actual durations is over the plan, or under half of it.
pub fn suggest(c: &Comparison) -> Vec<Suggestion> {
    let Some(last) = c.drills.len().checked_sub(1) else {
        return Vec::new();
    };
    c.steps
        .iter()
        .filter_map(|s| {
            let planned = s.planned_secs.get(last).copied().flatten()?;
            let mut actual: Vec<f64> = s.actual_secs.iter().flatten().copied().collect();
            if actual.len() < 2 {
                return None;
            }
            actual.sort_by(f64::total_cmp);
            // Positive and clamped to the list's length.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let rank = ((PERCENTILE * actual.len() as f64).ceil() as usize).clamp(1, actual.len());
            let p80 = actual[rank - 1];
            let why = if p80 > planned {
                "overran in most drills"
            } else if p80 < planned / 2.0 {
                "took less than half its plan in most drills"
            } else {
                return None;
            };
            let suggested = round_up(p80);
            // Both are whole rounded seconds: exact comparison is meant.
            #[allow(clippy::float_cmp)]
            let differs = suggested != planned;
            differs.then(|| Suggestion {
                step: s.id.clone(),
                planned_secs: planned,
                suggested_secs: suggested,
                drills: actual.len(),
                why: format!(
                    "{why}: 80% of {} drills took at most {}",
                    actual.len(),
                    duration::format(Duration::from_secs_f64(p80))
                ),
            })
        })
        .collect()
}

/// Up to 10 s under two minutes, to a minute under an hour, to five minutes beyond.
fn round_up(secs: f64) -> f64 {
    let step = if secs <= 120.0 {
        10.0
    } else if secs <= 3600.0 {
        60.0
    } else {
        300.0
    };
    (secs / step).ceil() * step
}

/// The suggestions as a unified diff of `text` (the latest runbook), one hunk per changed
/// `planned = "..."` line; apply with `patch RUNBOOK < FILE`. Steps whose `planned` line
/// cannot be found (written inline, say) are listed as comments instead.
pub fn patch(text: &str, file: &str, suggestions: &[Suggestion]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut hunks: Vec<(usize, String)> = Vec::new();
    let mut unplaced = Vec::new();
    for s in suggestions {
        match planned_line(&lines, &s.step) {
            Some(i) => {
                let new = replace_value(
                    lines[i],
                    &duration::format(Duration::from_secs_f64(s.suggested_secs)),
                );
                hunks.push((
                    i,
                    format!(
                        "@@ -{n},1 +{n},1 @@ {}\n-{}\n+{new}\n",
                        s.step,
                        lines[i],
                        n = i + 1
                    ),
                ));
            }
            None => unplaced.push(s),
        }
    }
    hunks.sort_by_key(|(i, _)| *i);
    let mut out = String::new();
    for s in &unplaced {
        out.push_str(&format!(
            "# {}: set planned = \"{}\" ({})\n",
            s.step,
            duration::format(Duration::from_secs_f64(s.suggested_secs)),
            s.why
        ));
    }
    if !hunks.is_empty() {
        out.push_str(&format!("--- {file}\n+++ {file}\n"));
        for (_, h) in hunks {
            out.push_str(&h);
        }
    }
    out
}

/// The index of the `planned = ...` line in the `[[phase.step]]` table whose id is `step`.
fn planned_line(lines: &[&str], step: &str) -> Option<usize> {
    let start = lines.iter().position(|l| {
        let t = l.trim();
        t.strip_prefix("id")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
            .map(str::trim)
            .is_some_and(|v| v.trim_matches('"') == step && v.starts_with('"'))
    })?;
    // The step's table runs back to its `[[` header and on to the next one.
    let begin = lines[..start]
        .iter()
        .rposition(|l| l.trim_start().starts_with('['))
        .map_or(0, |i| i + 1);
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| start + 1 + i);
    (begin..end).find(|&i| {
        let t = lines[i].trim_start();
        t.strip_prefix("planned")
            .is_some_and(|r| r.trim_start().starts_with('='))
    })
}

/// `planned = "5m"  # note` with its quoted value replaced, the rest kept.
fn replace_value(line: &str, value: &str) -> String {
    match (line.find('"'), line.rfind('"')) {
        (Some(a), Some(b)) if b > a => format!("{}\"{value}\"{}", &line[..a], &line[b + 1..]),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Suggestions are whole rounded seconds: exact comparison is meant.
    #[allow(clippy::float_cmp)]
    #[test]
    fn rounding_and_patch_lines() {
        assert_eq!(round_up(61.0), 70.0);
        assert_eq!(round_up(121.0), 180.0);
        assert_eq!(round_up(3601.0), 3900.0);
        let text = "[[phase.step]]\nid = \"a\"\nplanned = \"10m\"  # keep\n\n[[phase.step]]\nid = \"b\"\ntitle = \"B\"\nplanned = \"5m\"\n";
        let s = |step: &str, secs: f64| Suggestion {
            step: step.into(),
            planned_secs: 0.0,
            suggested_secs: secs,
            drills: 3,
            why: String::new(),
        };
        let p = patch(
            text,
            "r.toml",
            &[s("b", 420.0), s("a", 720.0), s("zz", 60.0)],
        );
        assert_eq!(
            p,
            "# zz: set planned = \"1m\" ()\n--- r.toml\n+++ r.toml\n\
             @@ -3,1 +3,1 @@ a\n-planned = \"10m\"  # keep\n+planned = \"12m\"  # keep\n\
             @@ -8,1 +8,1 @@ b\n-planned = \"5m\"\n+planned = \"7m\"\n"
        );
    }
}
