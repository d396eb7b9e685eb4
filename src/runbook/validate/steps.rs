//! Phases and steps: people, dependencies, actions, gates, evidence; then the graph
//! (cycles, unguarded points of no return).

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::{Deps, JobKind, Validator};
use crate::runbook::graph;
use crate::runbook::model::{
    Action, ActionOwner, Evidence, Handle, Phase, Rollback, RunbookKind, Step, StepId,
};
use crate::runbook::names::did_you_mean;
use crate::runbook::raw::{RawAction, RawPhase, RawStep, SString};

impl Validator<'_, '_> {
    pub(super) fn phases(&mut self, raw: &[RawPhase]) -> (Vec<Phase>, Vec<Step>) {
        if raw.is_empty() {
            self.error(
                0..0,
                "the runbook has no [[phase]]",
                "add at least one [[phase]] with name = \"...\" and its [[phase.step]] tables",
            );
        }
        let mut seen_phases = HashMap::new();
        // Every step id in file order (with the span of the id) to resolve `after`.
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut all: Vec<&Spanned<RawStep>> = Vec::new();
        let mut seen_steps = HashMap::new();
        for phase in raw {
            if let Some(name) = &phase.name {
                self.duplicate(&mut seen_phases, name, "phase");
                if phase.written_steps == 0 {
                    self.error(
                        name.span(),
                        format!("phase `{}` has no steps", name.get_ref()),
                        "add [[phase.step]] tables under it, or remove the phase",
                    );
                }
            }
            for s in &phase.steps {
                let id = &s.get_ref().id;
                self.identifier(id, "step id");
                self.duplicate(&mut seen_steps, id, "step id");
                ids.entry(id.get_ref().as_str()).or_insert(all.len());
                all.push(s);
            }
        }
        self.step_actions = all
            .iter()
            .map(|s| {
                let s = s.get_ref();
                (
                    s.id.get_ref().clone(),
                    s.action.as_ref().map(|a| action_kind(a.get_ref())),
                )
            })
            .collect();
        let broken_steps = &self.broken_steps.clone();
        let contingencies = self.contingencies(raw);
        let mut phases = Vec::new();
        let mut steps = Vec::new();
        // preds[i] with, for each, the span of the `after` entry (None when implicit).
        let mut preds: Vec<Deps> = Vec::new();
        // The default `after`: the previous forward step in the file; in a contingency
        // phase, the previous step of that phase (none for its first).
        let mut last_forward: Option<&Spanned<RawStep>> = None;
        for (p_idx, phase) in raw.iter().enumerate() {
            let name = phase
                .name
                .as_ref()
                .map(|n| n.get_ref().clone())
                .unwrap_or_default();
            let contingency_for = contingencies.get(&name).cloned();
            let mut members = Vec::new();
            let mut last_in_phase: Option<&Spanned<RawStep>> = None;
            for s in &phase.steps {
                let prev = if contingency_for.is_some() {
                    last_in_phase
                } else {
                    last_forward
                };
                let (step, deps) = self.step(s, p_idx, prev, &ids, broken_steps);
                members.push(steps.len());
                steps.push(step);
                preds.push(deps);
                last_in_phase = Some(s);
                if contingency_for.is_none() {
                    last_forward = Some(s);
                }
            }
            let only = phase.only.as_ref().and_then(|o| {
                let what = format!("phase `{name}`");
                self.only(o, &what)
            });
            phases.push(Phase {
                name,
                steps: members,
                contingency_for,
                only,
            });
        }
        self.contingency_edges(&all, &phases, &steps);
        self.graph(&all, &steps, &preds);
        (phases, steps)
    }

    /// Phase name -> the irreversible step whose `contingency` names it.
    fn contingencies(&mut self, raw: &[RawPhase]) -> HashMap<String, StepId> {
        let names: Vec<&str> = raw
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| n.get_ref().as_str()))
            .collect();
        let mut out: HashMap<String, StepId> = HashMap::new();
        for phase in raw {
            for s in phase.steps.iter().map(Spanned::get_ref) {
                let Some(c) = &s.contingency else { continue };
                let what = format!("step `{}`", s.id.get_ref());
                let target = c.get_ref();
                if !s.irreversible.as_ref().is_some_and(|i| *i.get_ref()) {
                    self.error(
                        c.span(),
                        format!("{what} has a `contingency` but is not irreversible"),
                        "a contingency is the plan past a point of no return: add irreversible = true, or use `rollback` to undo a reversible step",
                    );
                } else if phase.name.as_ref().is_some_and(|n| n.get_ref() == target) {
                    self.error(
                        c.span(),
                        format!("{what} names its own phase `{target}` as its contingency"),
                        "put the contingency steps in a [[phase]] of their own and name that",
                    );
                } else if !names.contains(&target.as_str()) {
                    let hint = did_you_mean(target, names.iter().copied());
                    self.error(
                        c.span(),
                        format!("{what} names unknown phase `{target}` as its contingency"),
                        format!("declare a [[phase]] with name = \"{target}\" holding the contingency steps{hint}"),
                    );
                } else if let Some(other) = out.get(target) {
                    self.error(
                        c.span(),
                        format!("phase `{target}` is already the contingency of step `{other}`"),
                        "give each point of no return a contingency phase of its own",
                    );
                } else {
                    out.insert(target.clone(), s.id.get_ref().clone());
                }
            }
        }
        out
    }

    /// Contingency steps wait only for steps of their own phase, and no forward step
    /// waits for one: the two plans never join.
    fn contingency_edges(&mut self, all: &[&Spanned<RawStep>], phases: &[Phase], steps: &[Step]) {
        let phase_of: HashMap<&str, usize> =
            steps.iter().map(|s| (s.id.as_str(), s.phase)).collect();
        for (raw, step) in all.iter().zip(steps) {
            let mine = phases
                .get(step.phase)
                .and_then(|p| p.contingency_for.as_ref());
            for dep in &step.after {
                let Some(&dp) = phase_of.get(dep.as_str()) else {
                    continue;
                };
                let theirs = phases.get(dp).and_then(|p| p.contingency_for.as_ref());
                let broken = match (mine, theirs) {
                    (Some(_), _) => dp != step.phase,
                    (None, Some(_)) => true,
                    (None, None) => false,
                };
                if broken {
                    let span = raw
                        .get_ref()
                        .after
                        .iter()
                        .flatten()
                        .find(|a| a.get_ref() == dep)
                        .map_or(raw.get_ref().id.span(), Spanned::span);
                    self.error(
                        span,
                        format!("step `{}` waits for `{dep}` across a contingency phase", step.id),
                        "a contingency phase runs only when called, instead of the rest of the plan: its steps wait only for steps of the same phase, and no forward step waits for one",
                    );
                }
            }
        }
    }

    fn step(
        &mut self,
        raw: &Spanned<RawStep>,
        phase: usize,
        prev: Option<&Spanned<RawStep>>,
        ids: &HashMap<&str, usize>,
        broken_steps: &HashSet<String>,
    ) -> (Step, Deps) {
        let s = raw.get_ref();
        let id = s.id.get_ref();
        let what = format!("step `{id}`");
        self.person(&s.dri, &what, "DRI");
        self.person(&s.reviewer, &what, "reviewer");
        if s.dri.get_ref() == s.reviewer.get_ref() {
            self.warning(
                s.reviewer.span(),
                format!("{what} is reviewed by its own DRI `{}`", s.dri.get_ref()),
                "name a different reviewer: the four-eyes principle needs two people",
            );
        }
        let gate = s.gate.as_ref().is_some_and(|g| *g.get_ref());
        let (planned, clock) = self.step_clock(s, gate, &what);

        // Dependencies.
        let mut deps = Vec::new();
        let mut after = Vec::new();
        match &s.after {
            None => {
                if let Some(p) = prev {
                    let pid = p.get_ref().id.get_ref();
                    if let Some(&i) = ids.get(pid.as_str()) {
                        deps.push((i, None));
                    }
                    after.push(pid.clone());
                }
            }
            Some(list) => {
                for a in list {
                    let name = a.get_ref();
                    if name == id {
                        self.error(
                            a.span(),
                            format!("{what} waits for itself"),
                            "remove its own id from `after`",
                        );
                    } else if let Some(&i) = ids.get(name.as_str()) {
                        if !after.contains(name) {
                            deps.push((i, Some(a.span())));
                            after.push(name.clone());
                        }
                    } else if !broken_steps.contains(name) {
                        let hint = did_you_mean(name, ids.keys().copied());
                        self.error(
                            a.span(),
                            format!("{what} waits for unknown step `{name}`"),
                            format!("fix the id in `after`{hint}, or remove it"),
                        );
                    }
                }
            }
        }

        let action = s
            .action
            .as_ref()
            .and_then(|a| self.action(a, &format!("the action of {what}"), Place::Step));
        let rollback = s.rollback.as_ref().map(|r| {
            let r = r.get_ref();
            let action = r.action.as_ref().and_then(|a| {
                self.action(
                    a,
                    &format!("the rollback action of {what}"),
                    Place::Rollback,
                )
            });
            let requires = action
                .iter()
                .map(|a| a.evidence(ActionOwner::Rollback(id)))
                .collect();
            Rollback {
                instructions: r.instructions.clone(),
                action,
                requires,
            }
        });

        let irreversible = s.irreversible.as_ref().is_some_and(|g| *g.get_ref());
        let approvers = self.approvers(s, gate, &what);
        let mut requires = self.requires(&s.requires, &what);
        // A step's action is its own evidence: it cannot be signed off before its copy
        // finished, while its recon has mismatches, its probe is not green, or its check or
        // command has not succeeded.
        let implied = action.as_ref().map(|a| a.evidence(ActionOwner::Step(id)));
        if let Some(e) = implied.filter(|e| !requires.contains(e)) {
            requires.push(e);
        }
        if gate && requires.is_empty() && action.is_none() {
            if let Some(g) = &s.gate {
                self.warning(
                    g.span(),
                    format!("gate {what} requires no evidence"),
                    "add e.g. requires = [\"recon:NAME\", \"probe:NAME\"] so GO is called on facts, not only on people's word",
                );
            }
        }
        let step = Step {
            id: id.clone(),
            title: s.title.clone(),
            phase,
            dri: s.dri.get_ref().clone(),
            reviewer: s.reviewer.get_ref().clone(),
            planned,
            after,
            instructions: s.instructions.clone(),
            action,
            rollback,
            gate,
            approvers,
            irreversible,
            requires,
            clock,
            contingency: s.contingency.as_ref().map(|c| c.get_ref().clone()),
            announce: s.announce.as_ref().map(|a| a.get_ref().clone()),
            only: s.only.as_ref().and_then(|o| self.only(o, &what)),
        };
        (step, deps)
    }

    /// `only = "drill"` or `"cutover"`.
    fn only(&mut self, o: &SString, what: &str) -> Option<RunbookKind> {
        match o.get_ref().as_str() {
            "drill" => Some(RunbookKind::Drill),
            "cutover" => Some(RunbookKind::Cutover),
            other => {
                self.error(
                    o.span(),
                    format!("{what} has `only = \"{other}\"`, which is not a kind of run"),
                    "write only = \"drill\" (rehearsals only) or only = \"cutover\" (the real cutover only)",
                );
                None
            }
        }
    }

    fn approvers(&mut self, s: &RawStep, gate: bool, what: &str) -> Vec<Handle> {
        match (&s.approvers, gate) {
            (Some(list), false) => {
                self.error(
                    list.span(),
                    format!("{what} has approvers but is not a gate"),
                    "add gate = true to make it a go/no-go step, or remove `approvers`",
                );
                Vec::new()
            }
            (Some(list), true) if list.get_ref().is_empty() => {
                self.error(
                    list.span(),
                    format!("gate {what} has an empty approver list"),
                    "name who says GO, e.g. approvers = [\"<coordinator>\", \"<app owner>\"], or leave it out for the coordinator",
                );
                Vec::new()
            }
            (Some(list), true) => {
                let mut out: Vec<Handle> = Vec::new();
                for a in list.get_ref() {
                    self.person(a, what, "approver");
                    if !out.contains(a.get_ref()) {
                        out.push(a.get_ref().clone());
                    }
                }
                out
            }
            (None, true) => self.coordinator.iter().cloned().collect(),
            (None, false) => Vec::new(),
        }
    }

    fn requires(&mut self, raw: &[SString], what: &str) -> Vec<Evidence> {
        let mut out = Vec::new();
        for r in raw {
            if r.get_ref() == "preflight" {
                self.preflight_evidence(r, what);
                if !out.contains(&Evidence::Preflight) {
                    out.push(Evidence::Preflight);
                }
                continue;
            }
            let evidence = match r.get_ref().split_once(':') {
                Some(("copy", n)) if !n.is_empty() => {
                    Some((JobKind::Copy, Evidence::CopyDone(n.to_string())))
                }
                Some(("recon", n)) if !n.is_empty() => {
                    Some((JobKind::Recon, Evidence::ReconClean(n.to_string())))
                }
                Some(("probe", n)) if !n.is_empty() => {
                    Some((JobKind::Probe, Evidence::ProbeGreen(n.to_string())))
                }
                _ => None,
            };
            if let Some(("action", step)) = r.get_ref().split_once(':') {
                if !step.is_empty() {
                    let e = Evidence::Action(step.to_string());
                    self.action_evidence(r, step, what);
                    if !out.contains(&e) {
                        out.push(e);
                    }
                    continue;
                }
            }
            match evidence {
                Some((kind, e)) => {
                    let name = match &e {
                        Evidence::CopyDone(n)
                        | Evidence::ReconClean(n)
                        | Evidence::ProbeGreen(n)
                        | Evidence::Action(n)
                        | Evidence::Rollback(n) => n,
                        Evidence::Preflight => continue,
                    };
                    self.job(kind, &Spanned::new(r.span(), name.clone()), &format!("`requires` of {what}"));
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
                None => self.error(
                    r.span(),
                    format!("`requires` of {what} has a malformed entry `{}`", r.get_ref()),
                    "write \"copy:NAME\" (copy finished), \"recon:NAME\" (recon clean), \"probe:NAME\" (probe green), \"action:STEP\" (the check or command of STEP succeeded) or \"preflight\" (preflight found no blocker)",
                ),
            }
        }
        out
    }

    /// `preflight`: some step must run it (`check = "preflight"`), else nothing reports it.
    fn preflight_evidence(&mut self, r: &SString, what: &str) {
        let runs = self
            .step_actions
            .values()
            .any(|k| matches!(k, Some(ActionKind::Preflight | ActionKind::Unclear)));
        if !runs {
            self.error(
                r.span(),
                format!("`requires` of {what} needs `preflight`, but no step runs it"),
                "add a step with action = { check = \"preflight\" } before this one",
            );
        }
    }

    /// `action:STEP`: STEP must exist and have a check or shell action, the only actions
    /// that report `action:STEP` evidence.
    fn action_evidence(&mut self, r: &SString, step: &str, what: &str) {
        if self.broken_steps.contains(step) {
            return;
        }
        let owner = format!("`requires` of {what}");
        match self.step_actions.get(step).copied() {
            None => {
                let hint = did_you_mean(step, self.step_actions.keys().map(String::as_str));
                self.error(
                    r.span(),
                    format!("{owner} names unknown step `{step}` in `action:{step}`"),
                    format!("name a step that has a check or shell action{hint}"),
                );
            }
            Some(Some(ActionKind::Check | ActionKind::Shell | ActionKind::Unclear)) => {}
            Some(kind) => {
                let (has, instead) = match kind {
                    Some(ActionKind::Copy) => ("a copy action", "require \"copy:JOB\" instead"),
                    Some(ActionKind::Recon) => ("a recon action", "require \"recon:JOB\" instead"),
                    Some(ActionKind::Probe) => ("a probe check", "require \"probe:NAME\" instead"),
                    Some(ActionKind::Preflight) => {
                        ("a preflight check", "require \"preflight\" instead")
                    }
                    _ => (
                        "no action",
                        "give it a check or shell action, or remove the entry",
                    ),
                };
                self.error(
                    r.span(),
                    format!("{owner}: step `{step}` has {has}, so `action:{step}` is never reported"),
                    format!("only a check (sql) or shell action reports action:STEP evidence; {instead}"),
                );
            }
        }
    }

    fn action(&mut self, a: &Spanned<RawAction>, what: &str, place: Place) -> Option<Action> {
        let r = a.get_ref();
        let given: Vec<&str> = [
            ("copy", r.copy.is_some()),
            ("recon", r.recon.is_some()),
            ("check", r.check.is_some()),
            ("shell", r.shell.is_some()),
            ("restart_copy", r.restart_copy.is_some()),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
        if given.len() != 1 {
            self.error(
                a.span(),
                format!(
                    "{what} must have exactly one of copy, recon, check, shell; it has {}",
                    if given.is_empty() { "none".to_string() } else { given.join(" and ") }
                ),
                "write e.g. action = { copy = \"JOB\" }, { recon = \"JOB\" }, { check = { probe = \"NAME\" } } or { shell = \"CMD\" }; a rollback may also { restart_copy = \"JOB\" } (see docs/runbook.md)",
            );
            return None;
        }
        let kind = given[0];
        if let Some(job) = &r.restart_copy {
            return self.restart_copy(job, r, what, place);
        }
        if let Some(res) = &r.result {
            if kind != "shell" {
                self.not_for(res.span(), "result", kind, what);
            }
        }
        let report = match &r.report {
            Some(rep) if kind == "copy" || kind == "recon" => {
                self.not_for(rep.span(), "report", kind, what);
                None
            }
            Some(rep) => Some(self.report(rep, what)?),
            None => None,
        };
        if let Some(c) = &r.copy {
            self.whole_job(c, "copy", what)?;
            self.job(JobKind::Copy, c, what);
            return Some(Action::Copy(c.get_ref().clone()));
        }
        if let Some(c) = &r.recon {
            self.whole_job(c, "recon", what)?;
            self.job(JobKind::Recon, c, what);
            self.not_spanning(c, what);
            return Some(Action::Recon(c.get_ref().clone()));
        }
        if let Some(c) = &r.shell {
            return self
                .shell(c, r.result.as_ref(), report, what)
                .map(Action::Shell);
        }
        let check = r.check.as_ref()?;
        self.check(check, report, r.report.as_ref().map(Spanned::span), what)
            .map(Action::Check)
    }

    /// An action runs a whole job: `JOB/TABLE` (one table of a job over many) is evidence,
    /// not something a step can run on its own.
    fn whole_job(&mut self, job: &SString, kind: &str, what: &str) -> Option<()> {
        let Some((set, _)) = job.get_ref().split_once('/') else {
            return Some(());
        };
        self.error(
            job.span(),
            format!("{what} runs `{}`, one table of {kind} job `{set}`", job.get_ref()),
            format!("a step runs the whole job: write {kind} = \"{set}\" (its tables run one after the other) and require `{kind}:{}` where one table's result matters; or declare that table as a job of its own", job.get_ref()),
        );
        None
    }

    /// `restart_copy = "JOB"`: a rollback action only, for a copy warroom runs itself.
    fn restart_copy(
        &mut self,
        job: &SString,
        r: &RawAction,
        what: &str,
        place: Place,
    ) -> Option<Action> {
        if place == Place::Step {
            self.error(
                job.span(),
                format!("{what} is `restart_copy`, which only a rollback can do"),
                "move it to the step's rollback: rollback = { instructions = \"...\", action = { restart_copy = \"JOB\" } }; to start a copy over by hand run warroom copy RUNBOOK --job JOB --restart",
            );
            return None;
        }
        for (field, given) in [
            ("result", r.result.as_ref().map(Spanned::span)),
            ("report", r.report.as_ref().map(Spanned::span)),
        ] {
            if let Some(span) = given {
                self.not_for(span, field, "restart_copy", what);
            }
        }
        self.whole_job(job, "copy", what)?;
        self.job(JobKind::Copy, job, what);
        if self.copy_sets.contains_key(job.get_ref()) {
            self.error(
                job.span(),
                format!("{what} restarts copy `{}`, which runs on many tables", job.get_ref()),
                "a rollback cannot start a copy over many tables over: say in its instructions how to empty the target tables and start each over by hand (warroom copy RUNBOOK --job JOB/TABLE --restart), or declare the tables as jobs of their own",
            );
            return None;
        }
        if self.external_copies.contains(job.get_ref()) {
            self.error(
                job.span(),
                format!("{what} restarts copy `{}`, which is external", job.get_ref()),
                "an external copy's engine keeps its own checkpoints: restart it there, and say how in the rollback's instructions (or run a shell action)",
            );
            return None;
        }
        Some(Action::RestartCopy(job.get_ref().clone()))
    }

    /// Cycles (errors) and irreversible steps no gate comes before (warnings).
    fn graph(&mut self, raw: &[&Spanned<RawStep>], steps: &[Step], deps: &[Deps]) {
        let preds: Vec<Vec<usize>> = deps
            .iter()
            .map(|d| d.iter().map(|(i, _)| *i).collect())
            .collect();
        let cycles = graph::find_cycles(&preds);
        for cycle in &cycles {
            let (Some(&first), Some(&last)) = (cycle.first(), cycle.last()) else {
                continue;
            };
            let names: Vec<&str> = cycle
                .iter()
                .chain(std::iter::once(&first))
                .map(|&i| steps[i].id.as_str())
                .collect();
            // Point at the `after` entry of the first step that closes the loop.
            let span = deps[first]
                .iter()
                .find(|(i, _)| *i == last)
                .and_then(|(_, s)| s.clone())
                .unwrap_or_else(|| raw[first].get_ref().id.span());
            self.error(
                span,
                format!("dependency cycle: {}", names.join(" -> ")),
                "each step waits for the one before it in this loop, so none can start; \
                 remove one of these `after` entries",
            );
        }
        if !cycles.is_empty() {
            return;
        }
        self.exclusive_groups(raw, steps, deps);
        for (i, step) in steps.iter().enumerate() {
            if !step.irreversible {
                continue;
            }
            let guarded = graph::ancestors(&preds, i).iter().any(|&a| steps[a].gate);
            if !guarded {
                let span = raw[i]
                    .get_ref()
                    .irreversible
                    .as_ref()
                    .map_or(raw[i].get_ref().id.span(), Spanned::span);
                self.warning(
                    span,
                    format!("step `{}` is irreversible but no gate comes before it", step.id),
                    "put a go/no-go step (gate = true) among the steps it waits for, so someone says GO before the point of no return",
                );
            }
        }
    }
}

/// Where an action is written: a forward step's `action`, or its rollback's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Step,
    Rollback,
}

/// What kind of action a step has, as far as `action:STEP` evidence is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ActionKind {
    Copy,
    Recon,
    /// `check = { probe = ... }`: reports `probe:NAME`, not `action:STEP`.
    Probe,
    /// `check = "preflight"`: reports `preflight`.
    Preflight,
    /// A SQL or compare check.
    Check,
    Shell,
    /// Not exactly one kind (reported where the action is written).
    Unclear,
}

fn action_kind(a: &RawAction) -> ActionKind {
    if a.restart_copy.is_some() {
        return ActionKind::Unclear;
    }
    match (&a.copy, &a.recon, &a.check, &a.shell) {
        (Some(_), None, None, None) => ActionKind::Copy,
        (None, Some(_), None, None) => ActionKind::Recon,
        (None, None, Some(c), None) if c.get_ref().probe.is_some() => ActionKind::Probe,
        (None, None, Some(c), None) if c.get_ref().named.is_some() => ActionKind::Preflight,
        (None, None, Some(_), None) => ActionKind::Check,
        (None, None, None, Some(_)) => ActionKind::Shell,
        _ => ActionKind::Unclear,
    }
}
