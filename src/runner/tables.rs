//! The tables of a copy or recon over many tables, found when its step first starts: a
//! list as written, or the source's tables that match the pattern. The list is journaled
//! (`TablesResolved`) before the first table runs, so a `--resume` and the report see the
//! same tables; each table's key is its own primary key unless the job names one.

use crate::db::catalog::{list_tables, RowKey, TableInfo};
use crate::db::connect_named;
use crate::drill::{Actor, Command, CommandKind};
use crate::hub::HubHandle;
use crate::runbook::{Evidence, TableSet};

/// One table of the job: its name and the key its job walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTable {
    pub name: String,
    /// `Err`: why this table has no key to walk (its job fails, the others go on).
    pub key: Result<Vec<String>, String>,
}

/// What a job over many tables runs on.
pub struct SetJob<'a> {
    /// `copy:JOB` or `recon:JOB`.
    pub evidence: Evidence,
    pub source: &'a str,
    pub tables: &'a TableSet,
    /// The job's `key` (empty: each table's primary key).
    pub key: &'a [String],
}

/// What an earlier start of this drill left of the set `set` whose evidence `evidence`
/// makes: the tables it journaled, and those whose own evidence already holds (not run
/// again).
pub fn earlier_start(
    drill: &crate::drill::Drill,
    set: &str,
    evidence: fn(String) -> Evidence,
) -> (Option<Vec<String>>, Vec<String>) {
    let st = drill.state();
    let journaled = st
        .tables_of(&evidence(set.to_string()))
        .map(<[String]>::to_vec);
    let finished = journaled
        .iter()
        .flatten()
        .filter(|t| {
            st.evidence
                .get(&evidence(crate::runbook::table_job(set, t)))
                .is_some_and(|e| e.holds)
        })
        .cloned()
        .collect();
    (journaled, finished)
}

/// The job's tables: `journaled` (an earlier start of this drill resolved them) or resolved
/// now and journaled. `Err` says why nothing can run (a pattern that matched no table, a
/// source that cannot be read), in words for the evidence.
pub async fn resolve(
    hub: &HubHandle,
    job: &SetJob<'_>,
    journaled: Option<Vec<String>>,
) -> Result<Vec<JobTable>, String> {
    let runbook = hub.runbook().clone();
    let pool = connect_named(&runbook, job.source, 1)
        .await
        .map_err(|e| format!("cannot read the tables of the source `{}`: {e}", job.source))?;
    let catalog = list_tables(&pool)
        .await
        .map_err(|e| format!("cannot read the tables of the source `{}`: {e}", job.source))?;
    pool.close().await;
    let names = if let Some(names) = journaled {
        names
    } else {
        let names = pick(job.tables, &catalog);
        if names.is_empty() {
            return Err(no_match(job, &catalog));
        }
        let command = Command {
            by: Actor::System,
            kind: CommandKind::ResolveTables {
                job: job.evidence.clone(),
                tables: names.clone(),
            },
        };
        hub.sink()
            .send(command)
            .await
            .map_err(|e| format!("the tables of {} could not be journaled: {e}", job.evidence))?;
        names
    };
    Ok(names
        .into_iter()
        .map(|name| {
            let key = key_of(&name, job, &catalog);
            JobTable { name, key }
        })
        .collect())
}

/// A list as written; a pattern's matches among the source's tables, by name.
fn pick(set: &TableSet, catalog: &[TableInfo]) -> Vec<String> {
    match set {
        TableSet::List(list) => list.clone(),
        TableSet::Pattern { .. } => catalog
            .iter()
            .filter(|t| set.admits(&t.name))
            .map(|t| t.name.clone())
            .collect(),
    }
}

fn no_match(job: &SetJob<'_>, catalog: &[TableInfo]) -> String {
    let there: Vec<&str> = catalog.iter().take(8).map(|t| t.name.as_str()).collect();
    let more = if catalog.len() > there.len() {
        format!(", ... ({} in all)", catalog.len())
    } else {
        String::new()
    };
    format!(
        "{} matched no table in the source `{}`, so nothing was copied or checked \
         (its tables: {}{more}); fix the pattern or the connection",
        job.tables.describe(),
        job.source,
        if there.is_empty() {
            "none".to_string()
        } else {
            there.join(", ")
        }
    )
}

fn key_of(name: &str, job: &SetJob<'_>, catalog: &[TableInfo]) -> Result<Vec<String>, String> {
    let info = catalog.iter().find(|t| t.name == name);
    if !job.key.is_empty() {
        return Ok(job.key.to_vec());
    }
    let Some(info) = info else {
        return Err(format!(
            "table `{name}` is not in the source `{}`'s database: name it as it is there \
             (or give the job a `key` for tables of another schema)",
            job.source
        ));
    };
    match info.row_key() {
        RowKey::Primary(k) | RowKey::Unique { columns: k, .. } => Ok(k),
        RowKey::None(why) => Err(format!(
            "table `{name}`: {why}; give the job a `key`, or copy this table as a job of its own"
        )),
    }
}

/// The key of one table of a job over many tables, for running it on its own
/// (`warroom copy --job JOB/TABLE`): the job's `key`, or the table's own key from the
/// source's catalog.
pub async fn one_table_key(
    runbook: &crate::runbook::Runbook,
    job: &SetJob<'_>,
    table: &str,
) -> Result<Vec<String>, String> {
    if !job.key.is_empty() {
        return Ok(job.key.to_vec());
    }
    let pool = connect_named(runbook, job.source, 1)
        .await
        .map_err(|e| format!("cannot read the tables of the source `{}`: {e}", job.source))?;
    let catalog = list_tables(&pool)
        .await
        .map_err(|e| format!("cannot read the tables of the source `{}`: {e}", job.source))?;
    pool.close().await;
    key_of(table, job, &catalog)
}
