//! The jobs the copy and recon panels list, in order: each single-table job, then each job
//! over many tables as a line of its own followed by its tables (`JOB/TABLE`): the tables
//! its step resolved (journaled), or before that the tables it lists. A pattern's tables
//! are known only once its step starts.

use crate::drill::DrillState;
use crate::runbook::{table_job, Evidence, Runbook, TableSet};

/// One row of a job list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobRow {
    /// A job that runs (a `[[copy]]`/`[[recon]]`, or one table of a job over many).
    Job(String),
    /// The line of a job over many tables: its name and what it runs on, in words.
    Set { name: String, tables: String },
}

impl JobRow {
    /// The job a selection on this row acts on (a set's line: the set as a whole).
    pub fn job(&self) -> &str {
        match self {
            JobRow::Job(n) | JobRow::Set { name: n, .. } => n,
        }
    }
}

#[derive(Clone, Copy)]
pub enum Kind {
    Copy,
    Recon,
}

pub fn rows(rb: &Runbook, st: &DrillState, kind: Kind) -> Vec<JobRow> {
    let (singles, sets): (Vec<&str>, Vec<(&str, &TableSet)>) = match kind {
        Kind::Copy => (
            rb.copies.iter().map(|c| c.name.as_str()).collect(),
            rb.copy_sets
                .iter()
                .map(|s| (s.name.as_str(), &s.tables))
                .collect(),
        ),
        Kind::Recon => (
            rb.recons.iter().map(|c| c.name.as_str()).collect(),
            rb.recon_sets
                .iter()
                .map(|s| (s.name.as_str(), &s.tables))
                .collect(),
        ),
    };
    let mut out: Vec<JobRow> = singles
        .into_iter()
        .map(|n| JobRow::Job(n.to_string()))
        .collect();
    for (name, set) in sets {
        let evidence = match kind {
            Kind::Copy => Evidence::CopyDone(name.to_string()),
            Kind::Recon => Evidence::ReconClean(name.to_string()),
        };
        let resolved = st.tables_of(&evidence);
        let tables: Vec<String> = match (resolved, set) {
            (Some(t), _) => t.to_vec(),
            (None, TableSet::List(list)) => list.clone(),
            (None, TableSet::Pattern { .. }) => Vec::new(),
        };
        let done = tables
            .iter()
            .filter(|t| {
                let ev = match kind {
                    Kind::Copy => Evidence::CopyDone(table_job(name, t)),
                    Kind::Recon => Evidence::ReconClean(table_job(name, t)),
                };
                st.evidence.get(&ev).is_some_and(|e| e.holds)
            })
            .count();
        let verb = match kind {
            Kind::Copy => "copied",
            Kind::Recon => "clean",
        };
        let words = match (resolved, set) {
            (None, TableSet::Pattern { .. }) => format!(
                "{}: its tables are found when its step starts",
                set.describe()
            ),
            _ => format!("{done} of {} tables {verb}", tables.len()),
        };
        out.push(JobRow::Set {
            name: name.to_string(),
            tables: words,
        });
        out.extend(tables.iter().map(|t| JobRow::Job(table_job(name, t))));
    }
    out
}
