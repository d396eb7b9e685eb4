//! Jobs over many tables (`tables = [...]` or a pattern): their tables are found in the
//! source's catalog, as the run will find them when the step starts, and each becomes a
//! pair scanned like any other. A pattern that matches nothing, or a table with no key the
//! job could walk, is a blocker: the job would fail when its step starts.

use std::collections::HashMap;

use crate::db::catalog::{list_tables, RowKey, TableInfo};
use crate::db::DbPool;
use crate::runbook::{Action, Runbook, TableSet};

use super::finding::{Finding, Hazard, Severity};
use super::plan::{add, copy_pair, planned, recon_pair, Plan};

/// Adds the pairs of every job over many tables whose source was reached.
pub(super) async fn expand(
    runbook: &Runbook,
    plan: &mut Plan,
    pools: &HashMap<String, DbPool>,
    findings: &mut Vec<Finding>,
) {
    let mut catalogs: HashMap<String, Vec<TableInfo>> = HashMap::new();
    for set in &runbook.copy_sets {
        let t = &set.template;
        let Some(tables) = tables_of(
            &set.name,
            &set.tables,
            &t.source,
            pools,
            &mut catalogs,
            findings,
        )
        .await
        else {
            continue;
        };
        let when = planned(runbook, &Action::Copy(set.name.clone()));
        for (name, key) in keyed(&set.name, &t.source, &t.key, tables, findings) {
            add(&mut plan.pairs, copy_pair(&set.for_table(&name, key), when));
        }
    }
    for set in &runbook.recon_sets {
        let t = &set.template;
        let Some(tables) = tables_of(
            &set.name,
            &set.tables,
            &t.source,
            pools,
            &mut catalogs,
            findings,
        )
        .await
        else {
            continue;
        };
        for (name, key) in keyed(&set.name, &t.source, &t.key, tables, findings) {
            add(&mut plan.pairs, recon_pair(&set.for_table(&name, key)));
        }
    }
}

/// The set's tables with the catalog's facts of each (`None` when absent), or `None` when
/// the source was not reached (reported already) or its catalog cannot be read.
async fn tables_of(
    job: &str,
    set: &TableSet,
    source: &str,
    pools: &HashMap<String, DbPool>,
    catalogs: &mut HashMap<String, Vec<TableInfo>>,
    findings: &mut Vec<Finding>,
) -> Option<Vec<(String, Option<TableInfo>)>> {
    let pool = pools.get(source)?;
    if !catalogs.contains_key(source) {
        match list_tables(pool).await {
            Ok(list) => {
                catalogs.insert(source.to_string(), list);
            }
            Err(e) => {
                findings.push(blocker(
                    job,
                    source,
                    format!("cannot list the tables of `{source}` for job `{job}`: {e}"),
                    "grant the runbook's login read access to the catalog",
                ));
                return None;
            }
        }
    }
    let catalog = catalogs.get(source)?;
    let names: Vec<String> = match set {
        TableSet::List(list) => list.clone(),
        TableSet::Pattern { .. } => catalog
            .iter()
            .filter(|t| set.admits(&t.name))
            .map(|t| t.name.clone())
            .collect(),
    };
    if names.is_empty() {
        findings.push(blocker(
            job,
            source,
            format!("{} matches no table in `{source}`", set.describe()),
            "fix the pattern or the connection: the job fails at its step's start, and nothing is copied or checked",
        ));
        return None;
    }
    Some(
        names
            .into_iter()
            .map(|n| {
                let info = catalog.iter().find(|t| t.name == n).cloned();
                (n, info)
            })
            .collect(),
    )
}

/// Each table with the key its job walks: the job's `key`, else the table's own. A table
/// without one is a blocker of its own (its job fails; the others go on).
fn keyed(
    job: &str,
    source: &str,
    job_key: &[String],
    tables: Vec<(String, Option<TableInfo>)>,
    findings: &mut Vec<Finding>,
) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (name, info) in tables {
        if !job_key.is_empty() {
            out.push((name, job_key.to_vec()));
            continue;
        }
        let key = info.as_ref().map(TableInfo::row_key);
        match key {
            Some(RowKey::Primary(k) | RowKey::Unique { columns: k, .. }) => out.push((name, k)),
            Some(RowKey::None(why)) => {
                let mut f = blocker(
                    job,
                    source,
                    format!("table `{name}` of job `{job}`: {why}"),
                    "give the job a `key`, or move this table to a job of its own with one",
                );
                f.hazard = Hazard::NoKey;
                f.table = Some(name);
                findings.push(f);
            }
            None => {
                let mut f = blocker(
                    job,
                    source,
                    format!("table `{name}` of job `{job}` is not in `{source}`"),
                    "name it as it is on the source, or remove it from `tables`",
                );
                f.table = Some(name);
                findings.push(f);
            }
        }
    }
    out
}

fn blocker(job: &str, source: &str, what: String, fix: &str) -> Finding {
    let mut f = Finding::new(Severity::Blocker, Hazard::Unreadable);
    f.connection = Some(source.to_string());
    f.jobs = vec![job.to_string()];
    f.what = what;
    f.why =
        "a job over many tables finds its tables when its step starts; this one would fail there"
            .into();
    f.fix = fix.to_string();
    f
}
