//! ID headroom: every auto-increment column and sequence of the source (and an integer key
//! the application hands out), its current value against the largest value the source
//! type, the sequence and the target column can hold, and the days left at the recent
//! growth rate (read from a creation-time column: the newest row and one some thousand
//! rows older). Under the configured margin it is a blocker.

use serde::Serialize;

use crate::db::types::{parse_text, Kind};
use crate::db::value::Value;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;
use super::side::Count;
use super::values::kind_range;

/// One counter's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headroom {
    pub connection: String,
    pub table: String,
    pub column: String,
    /// The sequence, the table's `AUTO_INCREMENT`, or the column's maximum.
    pub counter: String,
    pub current: i128,
    pub max: i128,
    /// What sets `max`: `bigint`, `sequence max_value`, `target int`...
    pub bound_by: String,
    pub used_percent: f64,
    /// Values handed out per day, recently.
    pub per_day: Option<f64>,
    pub days_left: Option<f64>,
}

/// Column names that say when a row was made.
const CREATED: &[&str] = &[
    "created_at",
    "created",
    "create_time",
    "created_on",
    "creation_date",
    "creation_time",
    "inserted_at",
    "insert_time",
    "ctime",
];

/// How many rows back the growth rate is measured over.
const RATE_ROWS: u64 = 10_000;

// One pair's source and target, read as the SQL reads them (p, s, t: pair, source, target).
#[allow(clippy::many_single_char_names)]
pub async fn check(p: &Pair<'_>, margin_days: f64) -> (Vec<Headroom>, Vec<Finding>) {
    let s = &p.src;
    let mut counters: Vec<(String, String, Option<i128>, Option<i128>)> = s
        .facts
        .counters
        .iter()
        .map(|c| (c.column.clone(), c.name.clone(), c.current, c.max))
        .collect();
    // An integer key with no counter: the application (or a snowflake service) makes ids.
    if counters.is_empty() && p.key_src.len() == 1 {
        let k = &p.key_src[0];
        if s.column(k).is_some_and(|c| c.column.kind.is_integer()) {
            counters.push((k.clone(), format!("max({k})"), None, None));
        }
    }
    let mut rows = Vec::new();
    let mut findings = Vec::new();
    for (column, counter, current, seq_max) in counters {
        let Some(col) = s.column(&column) else {
            continue;
        };
        let Some((_, type_max)) = kind_range(&col.column.kind) else {
            continue;
        };
        let mut max = type_max;
        let mut bound_by = col.column.declared.clone();
        if let Some(m) = seq_max.filter(|m| *m < max) {
            max = m;
            bound_by = "the sequence's max_value".into();
        }
        let target = p
            .cols
            .iter()
            .find(|(sc, _)| sc.column.name == column)
            .map(|(_, tc)| tc);
        if let Some(t) = target {
            if let Some((_, tmax)) = kind_range(&t.column.kind) {
                if tmax < max {
                    max = tmax;
                    bound_by = format!("the target's {}", t.column.declared);
                }
            }
        }
        let q = s.q(&column);
        let current = match current {
            Some(c) => Some(c),
            None => s
                .min_max(&q)
                .await
                .ok()
                .and_then(|(_, m)| m)
                .and_then(|m| m.parse::<i128>().ok()),
        };
        let Some(current) = current else { continue };
        let per_day = growth(p, &column).await;
        let left = (max - current).max(0);
        let days_left = per_day.filter(|r| *r > 0.0).map(|r| left as f64 / r);
        let used = if max > 0 {
            current.max(0) as f64 * 100.0 / max as f64
        } else {
            100.0
        };
        let h = Headroom {
            connection: s.connection.to_string(),
            table: s.facts.table.clone(),
            column: column.clone(),
            counter,
            current,
            max,
            bound_by: bound_by.clone(),
            used_percent: used,
            per_day,
            days_left,
        };
        let severity = if days_left.is_some_and(|d| d < margin_days) || used >= 99.0 {
            Some(Severity::Blocker)
        } else if days_left.is_some_and(|d| d < 3.0 * margin_days) || used >= 80.0 {
            Some(Severity::Warning)
        } else {
            None
        };
        if let Some(severity) = severity {
            findings.push(s.at().finding(
                severity,
                Hazard::IdHeadroom,
                Some(&column),
                format!(
                    "`{column}` is at {current} of {max} ({bound_by}): {used:.1}% used{}",
                    match (per_day, days_left) {
                        (Some(r), Some(d)) => format!(", {r:.0} a day, {d:.0} days left"),
                        _ => String::new(),
                    }
                ),
                format!("when it runs out every insert fails: one team ran out of ids 36 hours before go-live; preflight's margin is {margin_days:.0} days"),
                format!("widen `{column}` (BIGINT, on both sides) or plan the id change before the migration, not during it"),
            ));
        }
        rows.push(h);
    }
    (rows, findings)
}

/// Values per day: the newest row and one `RATE_ROWS` older, by a creation-time column.
async fn growth(p: &Pair<'_>, column: &str) -> Option<f64> {
    let s = &p.src;
    let created = s.facts.columns.iter().find(|c| {
        CREATED.contains(&c.column.name.to_ascii_lowercase().as_str())
            && matches!(
                c.column.kind,
                Kind::Date | Kind::DateTime { .. } | Kind::Timestamp { .. }
            )
    })?;
    let (id, at) = (s.q(column), s.q(&created.column.name));
    let point = |offset: u64| {
        format!(
            "SELECT {}, {} FROM {} WHERE {at} IS NOT NULL ORDER BY {id} DESC LIMIT 1 OFFSET {offset}",
            s.as_text(&id),
            s.as_text(&at),
            s.quoted_table()
        )
    };
    let newest = s.query(&point(0)).await.ok()?.into_iter().next()?;
    // A table of fewer rows than that has no such row: its oldest is read at once.
    let few = matches!(s.count, Count::Exact(n) if n <= RATE_ROWS);
    let older = if few {
        None
    } else {
        s.query(&point(RATE_ROWS)).await.ok()?.into_iter().next()
    };
    let older = match older {
        Some(r) => r,
        None => s
            .query(&format!(
                "SELECT {}, {} FROM {} WHERE {at} IS NOT NULL ORDER BY {id} LIMIT 1",
                s.as_text(&id),
                s.as_text(&at),
                s.quoted_table()
            ))
            .await
            .ok()?
            .into_iter()
            .next()?,
    };
    let read = |r: &[Option<String>]| -> Option<(i128, f64)> {
        let id = r.first()?.as_deref()?.parse::<i128>().ok()?;
        let secs = match parse_text(&created.column.kind, r.get(1)?.as_deref()?).ok()? {
            Value::Date(d) => d.and_hms_opt(0, 0, 0)?.and_utc().timestamp(),
            Value::DateTime(dt) => dt.and_utc().timestamp(),
            Value::Timestamp(ts) => ts.timestamp(),
            _ => return None,
        };
        Some((id, secs as f64))
    };
    let (id1, t1) = read(&newest)?;
    let (id0, t0) = read(&older)?;
    if t1 <= t0 || id1 <= id0 {
        return None;
    }
    Some((id1 - id0) as f64 / ((t1 - t0) / 86_400.0))
}
