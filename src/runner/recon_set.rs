//! A recon over many tables in the drill: its tables resolved (or read back from the
//! journal), then compared one after the other, each as its own job `JOB/TABLE` with its
//! own progress and evidence `recon:JOB/TABLE` (its fix approved and applied on its own).
//! The job's evidence `recon:JOB` is reported once, at the end: it holds only when every
//! table was compared and none has a mismatch. A table that cannot be compared never
//! counts as clean.

use crate::drill::Drill;
use crate::hub::HubHandle;
use crate::runbook::{table_job, Evidence, ReconSet};

use super::recon_run::{recon_spec, verdict, Results};
use super::tables::{earlier_start, resolve, SetJob};

/// What the drill says about a recon over many tables when it starts.
pub struct SetStart {
    pub set: ReconSet,
    /// The tables an earlier start journaled, if any.
    pub journaled: Option<Vec<String>>,
    /// Tables already found clean in this drill: not compared again.
    pub clean: Vec<String>,
}

impl SetStart {
    pub fn from_drill(drill: &Drill, set: &ReconSet) -> SetStart {
        let (journaled, clean) = earlier_start(drill, &set.name, Evidence::ReconClean);
        SetStart {
            set: set.clone(),
            journaled,
            clean,
        }
    }
}

pub async fn run_set(hub: HubHandle, start: SetStart, results: Results) {
    let set = &start.set;
    let evidence = Evidence::ReconClean(set.name.clone());
    let job = SetJob {
        evidence: evidence.clone(),
        source: &set.template.source,
        tables: &set.tables,
        key: &set.template.key,
    };
    let tables = match resolve(&hub, &job, start.journaled.clone()).await {
        Ok(tables) => tables,
        Err(why) => {
            hub.record_evidence(evidence, false, why).await;
            return;
        }
    };
    let n = tables.len();
    let mut unclean: Vec<String> = Vec::new();
    let mut rows = 0u64;
    for table in &tables {
        let name = table_job(&set.name, &table.name);
        if start.clean.contains(&table.name) {
            continue;
        }
        let outcome = match &table.key {
            Err(why) => Err(why.clone()),
            Ok(key) => recon_spec(&hub, &set.for_table(&table.name, key.clone()))
                .await
                .map_err(|e| format!("recon failed: {e:#}")),
        };
        let (holds, detail) = match outcome {
            Ok((recon, progress, findings)) => {
                let problems = progress.problems();
                rows += progress.rows_source;
                let detail = format!(
                    "{} rows checked in {:.1} s: {}",
                    progress.rows_source,
                    progress.elapsed_secs,
                    verdict(&progress.counts, problems)
                );
                results
                    .lock()
                    .await
                    .insert(name.clone(), (recon, progress, findings));
                (problems == 0, detail)
            }
            Err(why) => (false, why),
        };
        if !holds {
            unclean.push(table.name.clone());
        }
        hub.record_evidence(Evidence::ReconClean(name), holds, detail)
            .await;
    }
    let (holds, detail) = if unclean.is_empty() {
        (
            true,
            format!("all {n} table(s) match ({rows} rows checked in this run)"),
        )
    } else {
        (
            false,
            format!(
                "{} of {n} table(s) differ or could not be checked: {} (see the evidence of each table)",
                unclean.len(),
                unclean.join(", ")
            ),
        )
    };
    hub.record_evidence(evidence, holds, detail).await;
}

/// A table of recon `set` was found clean again (its fix applied and re-checked): once the
/// job had finished with differences and every one of its tables is now clean, `recon:JOB`
/// holds. Nothing is said while the job still runs (it reports at its end).
pub async fn after_fix(hub: &HubHandle, drill: &Drill, set: &str) {
    let st = drill.state();
    let evidence = Evidence::ReconClean(set.to_string());
    let (Some(tables), Some(current)) = (st.tables_of(&evidence), st.evidence.get(&evidence))
    else {
        return;
    };
    if current.holds {
        return;
    }
    let all_clean = tables.iter().all(|t| {
        st.evidence
            .get(&Evidence::ReconClean(table_job(set, t)))
            // A difference the coordinator accepted is still a difference.
            .is_some_and(|e| e.holds && !e.accepted)
    });
    if all_clean {
        hub.record_evidence(
            evidence,
            true,
            format!(
                "all {} table(s) match, after the fixes approved",
                tables.len()
            ),
        )
        .await;
    }
}
