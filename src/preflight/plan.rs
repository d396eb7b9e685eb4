//! What a runbook asks preflight to scan: every connection its copy jobs, recon jobs,
//! checks, probes, throttles and id generators use, and every table pair its copy and recon jobs move
//! or compare (a copy and a recon of the same two tables are one pair; an external copy's
//! tables are no pair of their own).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::runbook::{
    Action, Check, CopyEngine, CopySpec, ExternalProgress, ProbeKind, ReconSpec, Runbook,
    ThrottleRule,
};

/// One source table and one target table, and the jobs that pair them.
#[derive(Debug, Clone, PartialEq)]
pub struct PairPlan {
    /// Copy jobs first, then recon jobs.
    pub jobs: Vec<String>,
    /// The (first) copy job of this pair, if any: hazards of a bulk load apply.
    pub copy: Option<String>,
    /// The (first) recon job of this pair, if any: hazards of comparing apply.
    pub recon: Option<String>,
    pub source: String,
    pub source_table: String,
    pub target: String,
    pub target_table: String,
    pub key: Vec<String>,
    /// `None`: every source column (copy) or every column both sides have (recon only).
    pub columns: Option<Vec<String>>,
    pub rename: BTreeMap<String, String>,
    pub filter: Option<String>,
    /// The recon job's `float_tolerance`.
    pub float_tolerance: Option<f64>,
    /// The planned duration of the step that runs the copy.
    pub planned: Option<Duration>,
    /// The copy creates a missing target table (`create_target`).
    pub create_target: bool,
}

impl PairPlan {
    /// The target name of a source column.
    pub fn target_name<'a>(&'a self, source: &'a str) -> &'a str {
        self.rename.get(source).map_or(source, String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Every connection to reach, sorted.
    pub connections: Vec<String>,
    pub pairs: Vec<PairPlan>,
}

/// The plan of a runbook.
pub fn plan(runbook: &Runbook) -> Plan {
    let mut connections = BTreeSet::new();
    let mut pairs: Vec<PairPlan> = Vec::new();
    let planned = |action: Action| planned(runbook, &action);
    for c in &runbook.copies {
        connections.insert(c.source.clone());
        connections.insert(c.target.clone());
        for t in &c.throttle {
            if let ThrottleRule::Query { connection, .. } = t {
                connections.insert(connection.clone());
            }
        }
        if let Some(ExternalProgress::Sql { connection, .. }) = &c.progress {
            connections.insert(connection.clone());
        }
        // Another system moves an external copy's rows (often from a store warroom does
        // not read): its tables are that tool's to check, unless a recon pairs them.
        if c.engine == CopyEngine::External {
            continue;
        }
        add(
            &mut pairs,
            copy_pair(c, planned(Action::Copy(c.name.clone()))),
        );
    }
    for r in &runbook.recons {
        connections.insert(r.source.clone());
        connections.insert(r.target.clone());
        add(&mut pairs, recon_pair(r));
    }
    // Jobs over many tables: their connections now, their tables once the source's
    // catalog is read (`sets::expand`).
    for set in &runbook.copy_sets {
        connections.insert(set.template.source.clone());
        connections.insert(set.template.target.clone());
    }
    for set in &runbook.recon_sets {
        connections.insert(set.template.source.clone());
        connections.insert(set.template.target.clone());
    }
    for step in &runbook.steps {
        let actions = step
            .action
            .iter()
            .chain(step.rollback.iter().filter_map(|r| r.action.as_ref()));
        for action in actions {
            if let Action::Check(check) = action {
                check_connections(check, &mut connections);
            }
        }
    }
    for g in &runbook.id_generators {
        connections.insert(g.connection.clone());
    }
    for p in &runbook.probes {
        if p.kind == ProbeKind::Sql {
            connections.extend(p.connection.clone());
        }
    }
    Plan {
        connections: connections.into_iter().collect(),
        pairs,
    }
}

/// The planned duration of the step whose action this is.
pub(super) fn planned(runbook: &Runbook, action: &Action) -> Option<Duration> {
    runbook
        .steps
        .iter()
        .find(|s| s.action.as_ref() == Some(action))
        .map(|s| s.planned)
}

/// The pair a copy job walks.
pub(super) fn copy_pair(c: &CopySpec, planned: Option<Duration>) -> PairPlan {
    PairPlan {
        jobs: vec![c.name.clone()],
        copy: Some(c.name.clone()),
        recon: None,
        source: c.source.clone(),
        source_table: c.source_table.clone(),
        target: c.target.clone(),
        target_table: c.target_table.clone(),
        key: c.key.clone(),
        columns: c.columns.clone(),
        rename: c.rename.clone(),
        filter: c.filter.clone(),
        float_tolerance: None,
        planned,
        create_target: c.create_target,
    }
}

/// The pair a recon job compares.
pub(super) fn recon_pair(r: &ReconSpec) -> PairPlan {
    PairPlan {
        jobs: vec![r.name.clone()],
        copy: None,
        recon: Some(r.name.clone()),
        source: r.source.clone(),
        source_table: r.source_table.clone(),
        target: r.target.clone(),
        target_table: r.target_table.clone(),
        key: r.key.clone(),
        columns: r.columns.clone(),
        rename: BTreeMap::new(),
        filter: r.filter.clone(),
        float_tolerance: r.float_tolerance,
        planned: None,
        create_target: false,
    }
}

/// Adds a pair, or its jobs to the pair of the same tables already there.
pub(super) fn add(pairs: &mut Vec<PairPlan>, pair: PairPlan) {
    let Some(p) = pairs.iter_mut().find(|p| same_tables(p, &pair)) else {
        pairs.push(pair);
        return;
    };
    p.jobs.extend(pair.jobs);
    if p.copy.is_none() {
        p.copy = pair.copy;
        p.planned = pair.planned;
        p.create_target = pair.create_target;
    }
    if p.recon.is_none() && pair.recon.is_some() {
        p.recon = pair.recon;
        p.float_tolerance = pair.float_tolerance;
    }
}

fn same_tables(a: &PairPlan, b: &PairPlan) -> bool {
    a.source == b.source
        && a.source_table == b.source_table
        && a.target == b.target
        && a.target_table == b.target_table
}

fn check_connections(check: &Check, out: &mut BTreeSet<String>) {
    match check {
        Check::Sql(c) => {
            out.insert(c.connection.clone());
            out.extend(c.when.ready.iter().map(|q| q.connection.clone()));
        }
        Check::Compare(c) => {
            out.insert(c.source.connection.clone());
            out.insert(c.target.connection.clone());
            out.extend(c.when.ready.iter().map(|q| q.connection.clone()));
        }
        Check::Probe(_) | Check::Preflight => {}
    }
}
