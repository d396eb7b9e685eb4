//! ID headroom of the runbook's `[[id_generator]]`s: ids an application makes (a snowflake
//! service, a counter table) that no catalog knows. Each is read through its SQL query:
//! the current value, and the values per day when the query or the runbook says. A
//! snowflake id runs out when its timestamp outgrows its bits, one millisecond a
//! millisecond, whatever the insert rate: its days left come from its layout alone.

use std::collections::HashMap;

use crate::db::rows::fetch_text;
use crate::db::DbPool;
use crate::runbook::{IdGeneratorSpec, Runbook};

use super::finding::{Finding, Hazard, Severity};
use super::{Headroom, Options};

const MS_PER_DAY: f64 = 86_400_000.0;

/// Reads every generator on a reached connection.
pub(super) async fn check(
    runbook: &Runbook,
    pools: &HashMap<String, DbPool>,
    opts: &Options,
) -> (Vec<Headroom>, Vec<Finding>) {
    let mut rows = Vec::new();
    let mut findings = Vec::new();
    for g in &runbook.id_generators {
        // An unreachable connection is a finding of its own already.
        let Some(pool) = pools.get(&g.connection) else {
            continue;
        };
        match read(pool, g, opts).await {
            Ok((current, per_day)) => {
                let h = headroom(g, current, per_day);
                findings.extend(judge(g, &h, opts.headroom_days));
                rows.push(h);
            }
            Err(e) => {
                let mut f = Finding::new(Severity::Warning, Hazard::IdHeadroom);
                f.connection = Some(g.connection.clone());
                f.table = Some(g.name.clone());
                f.what = format!("cannot read id generator `{}`: {e}", g.name);
                f.why = "its headroom is unknown: ids that run out fail every insert".into();
                f.fix = "fix its `query` (one row: the current value, optionally values per day) or the login's privileges".into();
                findings.push(f);
            }
        }
    }
    (rows, findings)
}

/// The query's current value and, when its second cell says, values per day.
async fn read(
    pool: &DbPool,
    g: &IdGeneratorSpec,
    opts: &Options,
) -> Result<(i128, Option<f64>), String> {
    let rows = match tokio::time::timeout(opts.query_timeout, fetch_text(pool, &g.query)).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            return Err(format!(
                "no answer within {} s",
                opts.query_timeout.as_secs()
            ))
        }
    };
    let row = rows.into_iter().next().ok_or("the query returned no row")?;
    let cell = |i: usize| row.get(i).cloned().flatten();
    let text = cell(0).ok_or("the query's first cell is NULL")?;
    let current = text
        .trim()
        .parse::<i128>()
        .or_else(|_| {
            // A NUMERIC or DOUBLE current value: its integer part.
            text.trim()
                .split('.')
                .next()
                .unwrap_or_default()
                .parse::<i128>()
        })
        .map_err(|_| format!("the query's first cell `{text}` is not an integer"))?;
    let per_day = cell(1)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|r| *r > 0.0);
    Ok((current, per_day))
}

/// The generator's figures: for a snowflake its ceiling and growth come from its layout,
/// else from the runbook's `max` and the query's (or the runbook's) rate.
// Ids and their ceilings are far below f64's exact range for what a percentage shows.
#[allow(clippy::cast_precision_loss)]
pub fn headroom(g: &IdGeneratorSpec, current: i128, per_day: Option<f64>) -> Headroom {
    let (max, bound_by, per_day) = match g.snowflake {
        Some(l) => (
            (1_i128 << (l.timestamp_bits + l.low_bits)) - 1,
            format!(
                "snowflake: {} timestamp bits over {} low bits",
                l.timestamp_bits, l.low_bits
            ),
            Some(MS_PER_DAY * (1_i128 << l.low_bits) as f64),
        ),
        None => (
            g.max.unwrap_or(i128::from(i64::MAX)),
            "the runbook's max".to_string(),
            per_day.or(g.per_day),
        ),
    };
    let left = (max - current).max(0);
    let days_left = per_day.map(|r| left as f64 / r);
    let used = if max > 0 {
        current.max(0) as f64 * 100.0 / max as f64
    } else {
        100.0
    };
    Headroom {
        connection: g.connection.clone(),
        table: g.name.clone(),
        column: String::new(),
        counter: format!("id_generator {}", g.name),
        current,
        max,
        bound_by,
        used_percent: used,
        per_day,
        days_left,
    }
}

/// Blocker under the margin (or at 99% without a rate), warning under three margins (or
/// at 80%).
fn judge(g: &IdGeneratorSpec, h: &Headroom, margin_days: f64) -> Option<Finding> {
    let severity = match h.days_left {
        Some(d) if d < margin_days => Severity::Blocker,
        Some(d) if d < 3.0 * margin_days => Severity::Warning,
        None if h.used_percent >= 99.0 => Severity::Blocker,
        None if h.used_percent >= 80.0 => Severity::Warning,
        _ => return None,
    };
    let mut f = Finding::new(severity, Hazard::IdHeadroom);
    f.connection = Some(g.connection.clone());
    f.table = Some(g.name.clone());
    f.what = format!(
        "id generator `{}` is at {} of {} ({}): {:.1}% used{}",
        g.name,
        h.current,
        h.max,
        h.bound_by,
        h.used_percent,
        h.days_left
            .map_or(String::new(), |d| format!(", {d:.1} days left"))
    );
    f.why = format!(
        "when it runs out every insert fails: one team ran out of snowflake ids 36 hours before go-live; preflight's margin is {margin_days:.0} days"
    );
    f.fix = if g.snowflake.is_some() {
        "move the generator's epoch forward or give the timestamp more bits (the ids' consumers must accept the new layout), before the migration".into()
    } else {
        "widen the ids (BIGINT on every side) or plan the id change before the migration, not during it".into()
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::SnowflakeLayout;

    fn gen(snowflake: Option<SnowflakeLayout>, max: Option<i128>) -> IdGeneratorSpec {
        IdGeneratorSpec {
            name: "ids".into(),
            connection: "db".into(),
            query: "SELECT 1".into(),
            max,
            per_day: None,
            snowflake,
        }
    }

    #[test]
    fn a_snowflake_runs_out_with_its_timestamp_whatever_the_insert_rate() {
        let layout = SnowflakeLayout {
            timestamp_bits: 41,
            low_bits: 22,
        };
        let g = gen(Some(layout), None);
        // Ten days of milliseconds before the 41-bit ceiling, worker 3, sequence 7.
        let ts: i128 = (1 << 41) - 1 - 10 * 86_400_000;
        let h = headroom(&g, (ts << 22) | (3 << 12) | 7, None);
        let days = h.days_left.unwrap();
        assert!((days - 10.0).abs() < 0.001, "{h:?}");
        assert_eq!(judge(&g, &h, 30.0).unwrap().severity, Severity::Blocker);
        assert_eq!(judge(&g, &h, 4.0).unwrap().severity, Severity::Warning);
        assert!(judge(&g, &h, 1.0).is_none());
    }

    #[test]
    fn a_counter_without_a_rate_is_judged_by_the_share_used() {
        let g = gen(None, Some(1000));
        assert_eq!(
            judge(&g, &headroom(&g, 995, None), 30.0).unwrap().severity,
            Severity::Blocker
        );
        assert_eq!(
            judge(&g, &headroom(&g, 850, None), 30.0).unwrap().severity,
            Severity::Warning
        );
        assert!(judge(&g, &headroom(&g, 100, None), 30.0).is_none());
        // With a rate from the query: 100 left at 10 a day is 10 days.
        let h = headroom(&g, 900, Some(10.0));
        assert_eq!(h.days_left, Some(10.0));
    }
}
