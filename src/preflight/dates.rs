//! Dates the target cannot hold: MariaDB/MySQL zero dates (`0000-00-00`, `2024-00-10`),
//! PostgreSQL `infinity`, years outside MySQL DATETIME (1000-9999), instants outside
//! MySQL TIMESTAMP (1970-2038).

use crate::db::types::Kind;
use crate::db::Dialect;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;

fn is_date(k: &Kind) -> bool {
    matches!(
        k,
        Kind::Date | Kind::DateTime { .. } | Kind::Timestamp { .. }
    )
}

pub async fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let s = &p.src;
    for (sc, tc) in &p.cols {
        if !is_date(&sc.column.kind) {
            continue;
        }
        let src_name = sc.column.name.as_str();
        let q = s.q(src_name);
        if s.dialect() == Dialect::MySql && s.scannable() {
            let zero = s
                .exists(&format!(
                    "{q} IS NOT NULL AND (YEAR({q}) = 0 OR MONTH({q}) = 0 OR DAYOFMONTH({q}) = 0)"
                ))
                .await;
            if zero == Ok(true) {
                out.push(s.at().finding(
                    Severity::Blocker,
                    Hazard::ZeroDate,
                    Some(src_name),
                    format!("`{src_name}` holds zero dates (0000-00-00 or a zero month or day)"),
                    "no other database has such a date, and a strict MariaDB/MySQL target refuses it too: the copy stops at the first one, and recon can never match it",
                    format!("decide what they mean and update them on the source first (to NULL, or a sentinel such as 1970-01-01): UPDATE ... SET {src_name} = NULL WHERE YEAR({src_name}) = 0 OR MONTH({src_name}) = 0 OR DAYOFMONTH({src_name}) = 0"),
                ));
                continue;
            }
        }
        if !is_date(&tc.column.kind) || !s.min_max_cheap(src_name) {
            continue;
        }
        // What the target can hold.
        let (lo, hi, what) = match (p.tgt.dialect(), &tc.column.kind) {
            (Dialect::MySql, Kind::Timestamp { .. }) => (
                "1970-01-01 00:00:01",
                "2038-01-19 03:14:07",
                "MySQL TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC",
            ),
            (Dialect::MySql, _) => (
                "1000-01-01",
                "9999-12-31 23:59:59.999999",
                "MySQL DATE/DATETIME holds years 1000 to 9999",
            ),
            _ => (
                "0001-01-01",
                "9999-12-31 23:59:59.999999",
                "the copy reads years 1 to 9999",
            ),
        };
        let Ok((min, max)) = s.min_max(&q).await else {
            continue;
        };
        if min.as_deref().is_some_and(|m| m.starts_with("0000")) {
            out.push(s.at().finding(
                Severity::Blocker,
                Hazard::ZeroDate,
                Some(src_name),
                format!("`{src_name}` holds zero dates (its minimum is {})", min.as_deref().unwrap_or_default()),
                "no other database has such a date, and a strict MariaDB/MySQL target refuses it too: the copy stops at the first one",
                format!("update them on the source first (to NULL or a sentinel): UPDATE ... SET {src_name} = NULL WHERE {src_name} < '0001-01-01'"),
            ));
            continue;
        }
        let outside = |v: &Option<String>, below: bool| {
            v.as_deref().is_some_and(|v| {
                let v = v.trim();
                v.contains("infinity")
                    || v.contains("BC")
                    || v.starts_with('-')
                    || (v.len() >= 4 && !v[..4].chars().all(|c| c.is_ascii_digit()))
                    || if below {
                        v < lo && !v.starts_with("0000")
                    } else {
                        v > hi
                    }
            })
        };
        if outside(&min, true) || outside(&max, false) {
            out.push(p.tgt.at().finding(
                Severity::Blocker,
                Hazard::DateRange,
                Some(&tc.column.name),
                format!(
                    "source `{src_name}` ranges from {} to {}: {what}",
                    min.as_deref().unwrap_or("NULL"),
                    max.as_deref().unwrap_or("NULL")
                ),
                "the copy refuses these values and stops at their chunk",
                "widen the target type (a DATETIME for a TIMESTAMP, a text column for sentinels such as infinity), or update the outliers on the source first",
            ));
        }
    }
    out
}
