//! What a valid runbook amounts to: counts, planned time, critical path, gates and points
//! of no return.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::duration::format;
use super::graph;
use super::model::{Runbook, RunbookKind, StepId};

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub name: String,
    pub kind: RunbookKind,
    /// Who approves a gate that names no `approvers`.
    pub coordinator: String,
    pub people: usize,
    pub phases: usize,
    pub steps: usize,
    /// Sum of every step's planned duration (the time if nothing ran in parallel).
    pub planned_total: Duration,
    /// Longest path through the `after` graph by planned duration: the shortest the run
    /// can take if every step takes its plan.
    pub critical_path: Duration,
    /// The steps on the critical path, in execution order.
    pub critical_path_steps: Vec<StepId>,
    /// Irreversible steps, in file order.
    pub points_of_no_return: Vec<StepId>,
    /// Go/no-go steps with their approvers, in file order.
    pub gates: Vec<(StepId, Vec<String>)>,
    /// Continuous recons that run across steps: "balances from `a` until `b`".
    pub watches: Vec<String>,
    pub copies: usize,
    pub recons: usize,
    pub probes: usize,
    /// Whether the runbook's change window (if any) is shorter than the critical path.
    pub exceeds_window: Option<bool>,
    /// Jobs over many tables, in words: `shop (copy): orders, customers` or
    /// `shop (recon): pattern `shop_%`, resolved when its step starts`.
    pub table_sets: Vec<String>,
    /// Steps left out of this kind of run by `only`.
    pub left_out: Vec<StepId>,
}

impl Summary {
    pub fn of(runbook: &Runbook) -> Summary {
        let index: HashMap<&str, usize> = runbook
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let preds: Vec<Vec<usize>> = runbook
            .steps
            .iter()
            .map(|s| {
                s.after
                    .iter()
                    .filter_map(|a| index.get(a.as_str()).copied())
                    .collect()
            })
            .collect();
        let weights: Vec<Duration> = runbook.steps.iter().map(|s| s.planned).collect();
        let (critical_path, path) = graph::critical_path(&preds, &weights);
        Summary {
            name: runbook.meta.name.clone(),
            kind: runbook.meta.kind,
            coordinator: runbook.meta.coordinator.clone(),
            people: runbook.people.len(),
            phases: runbook.phases.len(),
            steps: runbook.steps.len(),
            planned_total: runbook.planned_total(),
            critical_path,
            critical_path_steps: path.iter().map(|&i| runbook.steps[i].id.clone()).collect(),
            points_of_no_return: runbook
                .steps
                .iter()
                .filter(|s| s.irreversible)
                .map(|s| s.id.clone())
                .collect(),
            gates: runbook
                .steps
                .iter()
                .filter(|s| s.gate)
                .map(|s| (s.id.clone(), s.approvers.clone()))
                .collect(),
            watches: runbook
                .recons
                .iter()
                .filter(|r| r.watch.is_some())
                .filter_map(|r| {
                    r.active
                        .as_ref()
                        .map(|a| format!("{} {}", r.name, a.describe()))
                })
                .collect(),
            copies: runbook.copies.len(),
            recons: runbook.recons.len(),
            probes: runbook.probes.len(),
            exceeds_window: runbook
                .meta
                .window
                .as_ref()
                .map(|w| critical_path > w.duration),
            table_sets: table_sets(runbook),
            left_out: runbook.left_out.iter().map(|l| l.id.clone()).collect(),
        }
    }
}

fn table_sets(runbook: &Runbook) -> Vec<String> {
    let words = |name: &str, kind: &str, set: &crate::runbook::TableSet| match set {
        crate::runbook::TableSet::List(list) => {
            format!(
                "{name} ({kind}): {} table(s): {}",
                list.len(),
                list.join(", ")
            )
        }
        crate::runbook::TableSet::Pattern { .. } => format!(
            "{name} ({kind}): {}, resolved against the source when its step starts",
            set.describe()
        ),
    };
    runbook
        .copy_sets
        .iter()
        .map(|s| words(&s.name, "copy", &s.tables))
        .chain(
            runbook
                .recon_sets
                .iter()
                .map(|s| words(&s.name, "recon", &s.tables)),
        )
        .collect()
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            RunbookKind::Drill => "drill",
            RunbookKind::Cutover => "cutover",
        };
        writeln!(
            f,
            "{} ({kind}): {} phases, {} steps, {} people",
            self.name, self.phases, self.steps, self.people
        )?;
        writeln!(
            f,
            "  planned total  {} (every step back to back)",
            format(self.planned_total)
        )?;
        writeln!(
            f,
            "  critical path  {}: {}",
            format(self.critical_path),
            self.critical_path_steps.join(" -> ")
        )?;
        if self.exceeds_window == Some(true) {
            writeln!(
                f,
                "  WINDOW         the critical path is longer than the change window"
            )?;
        }
        let gates: Vec<String> = self
            .gates
            .iter()
            .map(|(id, who)| match who.as_slice() {
                // A gate without `approvers`: said plainly, as nobody else's GO is needed.
                [only] if *only == self.coordinator => {
                    format!("{id} (GO from the coordinator alone: {only})")
                }
                _ => format!("{id} (GO from {})", who.join(", ")),
            })
            .collect();
        writeln!(f, "  gates          {}", list_or_none(&gates))?;
        writeln!(
            f,
            "  no return      {}",
            list_or_none(&self.points_of_no_return)
        )?;
        if !self.watches.is_empty() {
            writeln!(f, "  watches        {}", self.watches.join(", "))?;
        }
        write!(
            f,
            "  jobs           {} copy, {} recon, {} probes",
            self.copies
                + self
                    .table_sets
                    .iter()
                    .filter(|s| s.contains(" (copy): "))
                    .count(),
            self.recons
                + self
                    .table_sets
                    .iter()
                    .filter(|s| s.contains(" (recon): "))
                    .count(),
            self.probes
        )?;
        for s in &self.table_sets {
            write!(f, "\n  many tables    {s}")?;
        }
        if !self.left_out.is_empty() {
            write!(
                f,
                "\n  left out       {} (`only` another kind of run than this {kind})",
                self.left_out.join(", ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::parse::parse_str;

    const TEXT: &str = r#"
[runbook]
name = "t"
kind = "drill"
coordinator = "ann"
window = { start = 2026-11-28T01:00:00Z, duration = "10m" }
[people.ann]
name = "Ann"
role = "coordinator"
[people.bo]
name = "Bo"
role = "DBA"
[[phase]]
name = "one"
[[phase.step]]
id = "a"
title = "A"
dri = "bo"
reviewer = "ann"
planned = "5m"
[[phase.step]]
id = "b"
title = "B"
dri = "bo"
reviewer = "ann"
planned = "1m"
[[phase.step]]
id = "c"
title = "C"
dri = "bo"
reviewer = "ann"
planned = "7m"
after = ["a"]
[[phase]]
name = "two"
[[phase.step]]
id = "go"
title = "GO?"
dri = "ann"
reviewer = "bo"
planned = "1m"
after = ["b", "c"]
gate = true
requires = []
[[phase.step]]
id = "switch"
title = "Switch"
dri = "bo"
reviewer = "ann"
planned = "2m"
irreversible = true
"#;

    #[test]
    fn summarises_a_runbook() {
        let loaded = parse_str("t.toml", TEXT).unwrap();
        let s = Summary::of(&loaded.runbook);
        assert_eq!((s.phases, s.steps, s.people), (2, 5, 2));
        assert_eq!(s.planned_total, Duration::from_secs(16 * 60));
        assert_eq!(s.critical_path, Duration::from_secs(15 * 60));
        assert_eq!(s.critical_path_steps, ["a", "c", "go", "switch"]);
        assert_eq!(s.points_of_no_return, ["switch"]);
        assert_eq!(s.gates, [("go".to_string(), vec!["ann".to_string()])]);
        assert_eq!(s.exceeds_window, Some(true));
        let text = s.to_string();
        assert!(
            text.contains("critical path  15m: a -> c -> go -> switch"),
            "{text}"
        );
        assert!(
            text.contains("gates          go (GO from the coordinator alone: ann)"),
            "{text}"
        );
        assert!(text.contains("no return      switch"), "{text}");
    }
}
