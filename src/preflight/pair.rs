//! A copy/recon pair resolved against both catalogs: which columns pair up, by the jobs'
//! `columns` and `rename`, and the key on each side.

use crate::db::facts::ColumnFacts;

use super::finding::{Finding, Hazard, Severity};
use super::plan::PairPlan;
use super::side::Side;

pub struct Pair<'a> {
    pub plan: &'a PairPlan,
    pub src: Side<'a>,
    pub tgt: Side<'a>,
    /// Paired columns: source, target.
    pub cols: Vec<(&'a ColumnFacts, &'a ColumnFacts)>,
    pub key_src: Vec<String>,
    pub key_tgt: Vec<String>,
}

impl<'a> Pair<'a> {
    /// Pairs the columns; a column a job names that one side lacks is a finding (and
    /// left out of the pair).
    pub fn resolve(plan: &'a PairPlan, src: Side<'a>, tgt: Side<'a>) -> (Pair<'a>, Vec<Finding>) {
        let mut findings = Vec::new();
        let explicit = plan.columns.is_some();
        let mut names: Vec<String> = match &plan.columns {
            Some(c) => c.clone(),
            None => src
                .facts
                .columns
                .iter()
                .map(|c| c.column.name.clone())
                .collect(),
        };
        for k in &plan.key {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        let mut cols = Vec::new();
        for name in &names {
            let tname = plan.target_name(name);
            match (src.facts.column(name), tgt.facts.column(tname)) {
                (Some(s), Some(t)) => cols.push((s, t)),
                (None, _) => findings.push(src.at().finding(
                    Severity::Blocker,
                    Hazard::ColumnMissing,
                    Some(name),
                    format!("column `{name}` is not in the source table"),
                    "a job names it: the copy or recon stops when it resolves the tables",
                    "fix `columns`/`key` of the job, or add the column",
                )),
                // Copy with every column: a source column the target lacks stops the copy.
                // A recon of every column compares only the columns both sides have.
                (Some(_), None) => {
                    let copy = plan.copy.is_some();
                    let key = plan.key.contains(name);
                    findings.push(tgt.at().finding(
                        if copy || explicit || key { Severity::Blocker } else { Severity::Warning },
                        Hazard::ColumnMissing,
                        Some(tname),
                        format!("source column `{name}` has no column `{tname}` on the target"),
                        if copy || explicit || key {
                            "the job pairs every named column: it stops when it resolves the tables, and its data has nowhere to go"
                        } else {
                            "recon compares only the columns both sides have: this one is never checked"
                        },
                        "add the column to the target, map it with `rename`, or list the job's `columns` without it",
                    ));
                }
            }
        }
        let key_src = plan.key.clone();
        let key_tgt = plan
            .key
            .iter()
            .map(|k| plan.target_name(k).to_string())
            .collect();
        (
            Pair {
                plan,
                src,
                tgt,
                cols,
                key_src,
                key_tgt,
            },
            findings,
        )
    }

    /// The paired columns that are key columns, in key order.
    pub fn key_cols(&self) -> Vec<(&'a ColumnFacts, &'a ColumnFacts)> {
        self.plan
            .key
            .iter()
            .filter_map(|k| self.cols.iter().find(|(s, _)| &s.column.name == k).copied())
            .collect()
    }

    pub fn is_copy(&self) -> bool {
        self.plan.copy.is_some()
    }

    pub fn is_recon(&self) -> bool {
        self.plan.recon.is_some()
    }
}
