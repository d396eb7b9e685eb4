//! `only = "drill"` / `only = "cutover"`: steps (or whole phases) that exist in one kind of
//! run. The runbook is validated whole, both kinds' steps included, so a cutover-only step
//! is checked in every drill; then the steps of the other kind are left out of the model:
//! they are not started, timed, counted in the plan or in gates, and not in the journal or
//! the report's steps (the report and `check` list them as left out).
//!
//! A step that waits for a step left out waits for what that one waited for, so the chain
//! holds; `action:STEP` or `rollback:STEP` evidence of a step left out is dropped from
//! `requires` (it can never be reported in this run).

use std::collections::{BTreeSet, HashMap};

use super::model::{Evidence, LeftOut, Runbook, StepId};

/// Leaves out the steps of another kind of run than `runbook.meta.kind`. `Err` when no
/// step would be left.
pub fn select(runbook: &mut Runbook) -> Result<(), String> {
    let kind = runbook.meta.kind;
    let out_of_run = |i: usize| {
        let s = &runbook.steps[i];
        let only = s
            .only
            .or_else(|| runbook.phases.get(s.phase).and_then(|p| p.only));
        only.is_some_and(|o| o != kind)
    };
    let gone: Vec<usize> = (0..runbook.steps.len())
        .filter(|&i| out_of_run(i))
        .collect();
    if gone.is_empty() {
        return Ok(());
    }
    if gone.len() == runbook.steps.len() {
        return Err(format!(
            "every step has an `only` for another kind of run than this {kind}: nothing would run"
        ));
    }
    // What each step left out waited for, with steps left out replaced in turn (file order:
    // a step's `after` may only name... anything, so resolve recursively with a guard).
    let gone_ids: BTreeSet<StepId> = gone.iter().map(|&i| runbook.steps[i].id.clone()).collect();
    let after_of: HashMap<StepId, Vec<StepId>> = runbook
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.after.clone()))
        .collect();
    let resolve = |deps: &[StepId]| -> Vec<StepId> {
        let mut out: Vec<StepId> = Vec::new();
        let mut todo: Vec<StepId> = deps.to_vec();
        let mut seen: BTreeSet<StepId> = BTreeSet::new();
        while let Some(d) = todo.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            if gone_ids.contains(&d) {
                todo.extend(after_of.get(&d).cloned().unwrap_or_default());
            } else if !out.contains(&d) {
                out.push(d);
            }
        }
        out.sort_by_key(|d| runbook.step_index(d));
        out
    };
    let new_after: Vec<Vec<StepId>> = runbook.steps.iter().map(|s| resolve(&s.after)).collect();
    runbook.left_out = gone
        .iter()
        .map(|&i| {
            let s = &runbook.steps[i];
            LeftOut {
                id: s.id.clone(),
                title: s.title.clone(),
                only: if kind == super::RunbookKind::Drill {
                    super::RunbookKind::Cutover
                } else {
                    super::RunbookKind::Drill
                },
            }
        })
        .collect();
    let mut kept = Vec::new();
    for (i, (mut step, after)) in std::mem::take(&mut runbook.steps)
        .into_iter()
        .zip(new_after)
        .enumerate()
    {
        if gone.contains(&i) {
            continue;
        }
        step.after = after;
        step.requires.retain(|e| match e {
            Evidence::Action(id) | Evidence::Rollback(id) => !gone_ids.contains(id),
            _ => true,
        });
        kept.push(step);
    }
    // Phases keep their order; a phase with no step left goes, and indexes are renumbered.
    let mut phase_map: HashMap<usize, usize> = HashMap::new();
    let mut phases = Vec::new();
    for (p_idx, mut phase) in std::mem::take(&mut runbook.phases).into_iter().enumerate() {
        if !kept.iter().any(|s| s.phase == p_idx) {
            continue;
        }
        phase_map.insert(p_idx, phases.len());
        phase.steps.clear();
        phases.push(phase);
    }
    for (i, step) in kept.iter_mut().enumerate() {
        step.phase = phase_map[&step.phase];
        phases[step.phase].steps.push(i);
    }
    runbook.steps = kept;
    runbook.phases = phases;
    Ok(())
}
