//! Schema comparison of a pair beyond types: target columns the copy leaves empty,
//! nullability and defaults that differ, primary keys that differ, and indexes the copy's
//! and recon's key-range queries need.

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;

// One pair's source and target (p, s, t: pair, source, target).
#[allow(clippy::many_single_char_names)]
pub async fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let (s, t) = (&p.src, &p.tgt);
    // Target columns nobody writes.
    for c in &t.facts.columns {
        if p.cols.iter().any(|(_, tc)| tc.column.name == c.column.name) {
            continue;
        }
        let filled = c.default.is_some() || c.generated.is_some() || c.auto_increment;
        let blocks = p.is_copy() && !c.column.nullable && !filled;
        out.push(t.at().finding(
            if blocks { Severity::Blocker } else { Severity::Info },
            Hazard::ExtraColumn,
            Some(&c.column.name),
            format!("target column `{}` has no source column", c.column.name),
            if blocks {
                "it is NOT NULL with no default: every row the copy inserts is refused"
            } else {
                "the copy leaves it to its default (or NULL), and recon does not compare it"
            },
            if blocks {
                "give it a default, make it NULL-able for the migration, or map a source column to it with `rename`"
            } else {
                "nothing, if its default is what the application expects for old rows"
            },
        ));
    }
    for (sc, tc) in &p.cols {
        let name = tc.column.name.as_str();
        if sc.column.nullable && !tc.column.nullable {
            let nulls =
                if s.scannable() || s.facts.index_leading(std::slice::from_ref(&sc.column.name)) {
                    s.exists(&format!("{} IS NULL", s.q(&sc.column.name)))
                        .await
                        .ok()
                } else {
                    None
                };
            out.push(t.at().finding(
                if nulls == Some(true) { Severity::Blocker } else { Severity::Warning },
                Hazard::Nullability,
                Some(name),
                match nulls {
                    Some(true) => format!("`{name}` is NOT NULL on the target; the source allows NULL and has NULLs"),
                    Some(false) => format!("`{name}` is NOT NULL on the target; the source allows NULL (none today)"),
                    None => format!("`{name}` is NOT NULL on the target; the source allows NULL (not scanned: table too large)"),
                },
                "a row with NULL there is refused and the copy stops at its chunk; a NULL written after the copy stops the sync",
                format!("fill the NULLs on the source (or give the target a default and map NULLs), or make `{name}` NULL-able on the target"),
            ));
        }
        let (sd, td) = (sc.default.as_deref(), tc.default.as_deref());
        let counter = sc.auto_increment
            || tc.auto_increment
            || sc.generated.is_some()
            || tc.generated.is_some();
        let differs = match (sd, td) {
            (None, None) => false,
            (Some(a), Some(b)) => s.dialect() == t.dialect() && norm(a) != norm(b),
            _ => !counter,
        };
        if differs && !counter {
            out.push(t.at().finding(
                Severity::Info,
                Hazard::DefaultDiffers,
                Some(name),
                format!(
                    "default differs: source {}, target {}",
                    sd.unwrap_or("none"),
                    td.unwrap_or("none")
                ),
                "copied rows carry their values, but rows the application inserts after cutover without this column get another value than before",
                "make the defaults agree, or confirm the application always sets the column",
            ));
        }
    }
    // Primary keys.
    let spk = s.facts.primary_key().map(|i| {
        i.columns
            .iter()
            .map(|c| p.plan.target_name(c).to_string())
            .collect::<Vec<_>>()
    });
    let tpk = t.facts.primary_key().map(|i| i.columns.clone());
    if spk.is_some() && tpk.is_some() && spk != tpk {
        out.push(t.at().finding(
            Severity::Warning,
            Hazard::KeyDiffers,
            None,
            format!(
                "primary key differs: source ({}), target ({})",
                spk.unwrap_or_default().join(", "),
                tpk.unwrap_or_default().join(", ")
            ),
            "rows unique on the source may collide on the target (or the other way round), and the application's lookups by key change",
            "make the keys agree, or make sure the target's key is unique over the source's data",
        ));
    }
    // Key-range queries need an index that starts with the key.
    for (side, key, who) in [
        (
            s,
            &p.key_src,
            if p.is_copy() {
                "the copy reads"
            } else {
                "recon reads"
            },
        ),
        (t, &p.key_tgt, "recon reads"),
    ] {
        if std::ptr::eq(side, t) && !p.is_recon() {
            continue;
        }
        if !side.facts.index_leading(key) {
            out.push(side.at().finding(
                Severity::Warning,
                Hazard::IndexMissing,
                Some(&key.join(", ")),
                format!("no index starts with ({})", key.join(", ")),
                format!("{who} this table chunk by chunk with `WHERE key > last ORDER BY key LIMIT n`: without an index each chunk sorts the whole table, so the job slows to a crawl on a large table and loads the server"),
                format!("create an index on ({}) before the drill", key.join(", ")),
            ));
        }
    }
    out
}

/// Defaults compared without quotes, case and casts (`'0'::integer` is `0`).
fn norm(d: &str) -> String {
    let d = d.split("::").next().unwrap_or(d);
    d.trim_matches(|c| c == '\'' || c == '(' || c == ')')
        .to_ascii_lowercase()
}
