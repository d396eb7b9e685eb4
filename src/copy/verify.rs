//! A stored checkpoint is trusted only while the target agrees with it: every range that
//! has rows copied must still hold its last copied row (its high-water key) in the target.
//! Otherwise a truncated or partly deleted target would be reported as copied.
//!
//! One index lookup per range: cheap even for a billion-row table.

use crate::db::sql::{literal, quote_ident};
use crate::db::table::TablePair;
use crate::db::types::fit;
use crate::db::value::Value;

use super::checkpoint::StoredRange;
use super::error::CopyError;
use super::writer::Writer;

/// Refuses a checkpoint whose last copied rows are not in the target.
pub async fn target_agrees(
    r: &TablePair,
    writer: &Writer,
    stored: &[StoredRange],
) -> Result<(), CopyError> {
    let claimed: u64 = stored.iter().map(|s| s.rows).sum();
    for s in stored.iter().filter(|s| s.rows > 0) {
        let Some(key) = &s.high_water else { continue };
        let Some(pred) = key_equals(r, key) else {
            // A key the target column cannot hold never got there: nothing to look up.
            continue;
        };
        if writer.any_row(&pred).await? {
            continue;
        }
        let what = if writer.any_row("1=1").await? {
            format!(
                "the last row copied in range {} ({}) is not there (rows were deleted since)",
                s.range_no,
                r.key_display(key)
            )
        } else {
            "the table is empty (truncated or emptied since)".to_string()
        };
        return Err(CopyError::Contradicted {
            job: r.job.clone(),
            table: r.target_table.to_string(),
            rows: claimed,
            what,
        });
    }
    Ok(())
}

/// `k1 = v1 AND k2 = v2` on the target, each value fitted as the rows were.
fn key_equals(r: &TablePair, key: &[Value]) -> Option<String> {
    let mut parts = Vec::with_capacity(key.len());
    for (v, &i) in key.iter().zip(&r.key_idx) {
        let col = &r.tgt_cols[i];
        let v = fit(v.clone(), col, r.tgt_dialect).ok()?;
        parts.push(format!(
            "{} = {}",
            quote_ident(r.tgt_dialect, &col.name),
            literal(r.tgt_style, &v)
        ));
    }
    Some(parts.join(" AND "))
}

/// The sentence for `--restart` over a target that holds rows.
pub fn restart_needs_empty_target(r: &TablePair) -> CopyError {
    CopyError::Spec {
        job: r.job.clone(),
        msg: format!(
            "--restart copies into an empty target, but {t} holds rows: empty it first \
             (TRUNCATE {t}), or add --overwrite to copy over them (rows with the same key \
             take the source's values, other rows stay)",
            t = r.target_table
        ),
    }
}
