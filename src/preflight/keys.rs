//! Keys: a table with no primary or unique key, a job key nothing enforces as unique, a
//! target without the unique index the copy's upsert needs, NULL-able keys, keys at zero
//! or below, and how warroom will range composite, text, binary and date keys.

use crate::db::types::Kind;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;

pub async fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let key = p.key_src.join(", ");
    let src = &p.src;
    // No key at all on the source.
    if src.facts.row_keys().next().is_none() {
        out.push(src.at().finding(
            Severity::Blocker,
            Hazard::NoKey,
            None,
            "no primary key and no unique key whose columns are all NOT NULL",
            "rows cannot be matched one to one: a copy resumed after a failure duplicates rows, and recon cannot tell a changed row from a missing one; external tools skip such tables or copy them whole",
            format!("add a primary key (or a NOT NULL unique key) before the migration; the job walks ({key}), which must be unique"),
        ));
    }
    if !src.facts.unique_on(&p.key_src) && src.facts.row_keys().next().is_some() {
        let dup = if src.scannable() {
            let cols: Vec<String> = p.key_src.iter().map(|k| src.q(k)).collect();
            src.query(&format!(
                "SELECT 1 FROM {} GROUP BY {} HAVING COUNT(*) > 1 LIMIT 1",
                src.quoted_table(),
                cols.join(", ")
            ))
            .await
            .map(|r| !r.is_empty())
            .ok()
        } else {
            None
        };
        let keys: Vec<String> = src
            .facts
            .row_keys()
            .map(|i| format!("{} ({})", i.name, i.columns.join(", ")))
            .collect();
        out.push(src.at().finding(
            if dup == Some(true) { Severity::Blocker } else { Severity::Warning },
            Hazard::KeyNotUnique,
            None,
            match dup {
                Some(true) => format!("the job's key ({key}) has duplicate values in the source"),
                Some(false) => format!("the job's key ({key}) is unique today, but no unique index enforces it"),
                None => format!("the job's key ({key}) is not a unique key of the source (table too large to look for duplicates)"),
            },
            "the copy upserts by the key: rows sharing a key collapse into one on the target, and recon reports the others as changed",
            format!("key the job by a unique key: {}", keys.join("; ")),
        ));
    }
    // The copy's upsert (ON CONFLICT / ON DUPLICATE KEY) needs a unique index on the key.
    if !p.tgt.facts.unique_on(&p.key_tgt) {
        let copy = p.is_copy();
        out.push(p.tgt.at().finding(
            if copy { Severity::Blocker } else { Severity::Warning },
            Hazard::KeyDiffers,
            None,
            format!("no unique index on ({}) on the target", p.key_tgt.join(", ")),
            if copy {
                "the copy writes with an upsert on the key: PostgreSQL and SQLite refuse ON CONFLICT without a unique index on it, and MariaDB inserts a second row for every chunk a resumed copy writes again"
            } else {
                "nothing stops the target from holding two rows of one key; recon reports the second as changed"
            },
            format!("create a unique index (or the primary key) on ({}) on the target before the copy", p.key_tgt.join(", ")),
        ));
    }
    let keys = p.key_cols();
    for (s, _) in &keys {
        let name = &s.column.name;
        if !s.column.nullable {
            continue;
        }
        let nulls = src.exists(&format!("{} IS NULL", src.q(name))).await;
        out.push(src.at().finding(
            if nulls == Ok(true) { Severity::Blocker } else { Severity::Warning },
            Hazard::KeyNullable,
            Some(name),
            match &nulls {
                Ok(true) => format!("key column `{name}` allows NULL and some rows have NULL"),
                Ok(false) => format!("key column `{name}` allows NULL (no row has NULL today)"),
                Err(e) => format!("key column `{name}` allows NULL (could not look for NULLs: {e})"),
            },
            "a keyset walk reads `key > last`, which no NULL satisfies: rows with a NULL key are never copied and never compared",
            format!("make `{name}` NOT NULL (fill or delete the NULL rows first)"),
        ));
    }
    if let Some((first, _)) = keys.first() {
        let name = &first.column.name;
        if first.column.kind.is_integer() && src.min_max_cheap(name) {
            if let Ok((Some(min), _)) = src.min_max(&src.q(name)).await {
                if min.parse::<i128>().is_ok_and(|m| m <= 0) {
                    out.push(src.at().finding(
                        Severity::Warning,
                        Hazard::KeyNotPositive,
                        Some(name),
                        format!("key `{name}` has values of zero or below (minimum {min})"),
                        "tools and scripts that start at 1, resume with `WHERE id > 0`, or treat 0 as 'no value' skip these rows silently; warroom ranges from the actual minimum and copies them, but check any other pipeline that touches this table",
                        format!("count them (SELECT COUNT(*) ... WHERE {name} <= 0) and make sure every tool in the migration starts below {min}"),
                    ));
                }
            }
        }
        out.extend(ranging(p, &first.column.kind, name));
    }
    out
}

/// How the keyset planner will split this key, when it is not a plain integer.
fn ranging(p: &Pair<'_>, first: &Kind, name: &str) -> Option<Finding> {
    let key = p.key_src.join(", ");
    let composite = p.key_src.len() > 1;
    let how = match first {
        Kind::Int { .. } if composite => format!(
            "composite key ({key}): ranges split the leading integer `{name}` by arithmetic on its minimum and maximum; chunks walk the whole tuple in order"
        ),
        Kind::Int { .. } => return None,
        Kind::Float { .. } => {
            return Some(p.src.at().finding(
                Severity::Warning,
                Hazard::KeyRanging,
                Some(name),
                format!("key `{name}` is a floating-point column ({})", p.src.column(name).map_or("", |c| c.column.declared.as_str())),
                "floats are approximations: a value converted on the way (single to double, text and back) may no longer equal itself, so rows look missing on one side and extra on the other",
                "key the job by an integer or exact column if the table has one",
            ));
        }
        Kind::Text { .. } | Kind::Enum { .. } | Kind::Uuid | Kind::Other { .. } => format!(
            "{}text-like key `{name}`: ranges come from boundaries sampled along the key (one OFFSET read per range, at planning); recon compares and orders text keys by their UTF-8 bytes when the sides may collate differently",
            if composite { "composite key led by a " } else { "" }
        ),
        Kind::Binary { .. } => format!(
            "{}binary key `{name}`: ranges come from boundaries sampled along the key; bytes compare the same on both sides",
            if composite { "composite key led by a " } else { "" }
        ),
        Kind::Date | Kind::DateTime { .. } | Kind::Timestamp { .. } | Kind::Time { .. } => format!(
            "{}date/time key `{name}`: ranges come from sampled boundaries; many rows may share one instant, so keep the key unique (a time alone rarely is)",
            if composite { "composite key led by a " } else { "" }
        ),
        _ => format!("key `{name}` of an unusual type: ranges come from sampled boundaries"),
    };
    Some(p.src.at().finding(
        Severity::Info,
        Hazard::KeyRanging,
        Some(name),
        how,
        "sampled ranges cost one OFFSET query per range when the job plans, and a skewed key gives uneven ranges",
        "nothing to do; raise `workers` only if the sampled ranges are even",
    ))
}
