//! Text, JSON and floats: collations that compare case-insensitively or with PAD SPACE
//! on one side only, character sets the target cannot hold (latin1, utf8mb3) or bytes that
//! are not UTF-8, JSON against `jsonb`, and FLOAT columns and what recon does with them.

use crate::db::facts::ColumnFacts;
use crate::db::types::Kind;
use crate::db::Dialect;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;
use super::side::Side;

/// How a text column compares values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// `a` = `A`.
    pub case_insensitive: bool,
    /// `a` = `a ` (trailing spaces ignored).
    pub pad_space: bool,
}

impl Comparison {
    fn words(self) -> String {
        match (self.case_insensitive, self.pad_space) {
            (true, true) => "case-insensitively, ignoring trailing spaces".into(),
            (true, false) => "case-insensitively".into(),
            (false, true) => "ignoring trailing spaces (PAD SPACE)".into(),
            (false, false) => "by exact characters".into(),
        }
    }
}

/// How `c` compares, for text-like columns.
pub fn comparison(d: Dialect, c: &ColumnFacts) -> Option<Comparison> {
    if !matches!(c.column.kind, Kind::Text { .. } | Kind::Enum { .. }) {
        return None;
    }
    let coll = c
        .collation
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(match d {
        Dialect::MySql => Comparison {
            case_insensitive: coll.ends_with("_ci") || coll.contains("_ci_"),
            // MariaDB: every collation but the _nopad_ ones pads; MySQL 8: the 0900 ones
            // do not; `binary` never does.
            pad_space: !(coll.contains("nopad") || coll.contains("0900") || coll == "binary"),
        },
        Dialect::Postgres => Comparison {
            case_insensitive: c.column.declared.starts_with("citext"),
            pad_space: c.column.declared.starts_with("character(")
                || c.column.declared == "character",
        },
        Dialect::Sqlite => Comparison {
            case_insensitive: coll == "nocase",
            pad_space: coll == "rtrim",
        },
    })
}

/// `c` with what the looser side ignores taken out.
fn normalized(side: &Side<'_>, q: &str, loose: Comparison) -> String {
    let mut e = q.to_string();
    if loose.pad_space {
        e = match side.dialect() {
            Dialect::MySql => format!("TRIM(TRAILING ' ' FROM {e})"),
            _ => format!("rtrim({e}, ' ')"),
        };
    }
    if loose.case_insensitive {
        e = format!("lower({e})");
    }
    e
}

pub async fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut behave_differently = Vec::new();
    for (sc, tc) in &p.cols {
        out.extend(collation(p, sc, tc, &mut behave_differently).await);
        out.extend(charset(p, sc, tc).await);
        out.extend(json(p, sc, tc));
        out.extend(float(p, sc, tc));
    }
    if !behave_differently.is_empty() {
        out.push(p.tgt.at().finding(
            Severity::Info,
            Hazard::Collation,
            None,
            format!("these columns compare differently on the two sides: {}", behave_differently.join("; ")),
            "copy and recon compare bytes and are not affected, but the application's WHERE, GROUP BY, DISTINCT and ORDER BY on them return other rows after cutover",
            "test the application's queries on these columns against the target, or give the target a matching collation",
        ));
    }
    out
}

async fn collation(
    p: &Pair<'_>,
    sc: &ColumnFacts,
    tc: &ColumnFacts,
    differently: &mut Vec<String>,
) -> Option<Finding> {
    let (Some(s), Some(t)) = (
        comparison(p.src.dialect(), sc),
        comparison(p.tgt.dialect(), tc),
    ) else {
        return None;
    };
    if s == t {
        return None;
    }
    let name = tc.column.name.as_str();
    let tighter_target =
        (s.case_insensitive && !t.case_insensitive) || (s.pad_space && !t.pad_space);
    let looser = Comparison {
        case_insensitive: t.case_insensitive && !s.case_insensitive,
        pad_space: t.pad_space && !s.pad_space,
    };
    let unique = p
        .tgt
        .facts
        .indexes
        .iter()
        .find(|i| i.unique && i.columns.iter().any(|c| c == name));
    let is_key = p.key_tgt.iter().any(|k| k == name);
    if let (Some(ix), true) = (unique, looser.case_insensitive || looser.pad_space) {
        // Values distinct on the source that the target's unique index calls equal.
        let collide = if p.src.scannable() {
            let group: Vec<String> = ix
                .columns
                .iter()
                .map(|c| {
                    let src_col = p
                        .cols
                        .iter()
                        .find(|(_, t)| &t.column.name == c)
                        .map_or(c.as_str(), |(s, _)| s.column.name.as_str());
                    let q = p.src.q(src_col);
                    if c == name {
                        normalized(&p.src, &q, looser)
                    } else {
                        q
                    }
                })
                .collect();
            p.src
                .query(&format!(
                    "SELECT 1 FROM {} GROUP BY {} HAVING COUNT(*) > 1 LIMIT 1",
                    p.src.quoted_table(),
                    group.join(", ")
                ))
                .await
                .map(|r| !r.is_empty())
                .ok()
        } else {
            None
        };
        return Some(p.tgt.at().finding(
            if collide == Some(true) { Severity::Blocker } else { Severity::Warning },
            Hazard::Collation,
            Some(name),
            format!(
                "`{name}` is in unique index {} and compares {} on the target ({}), {} on the source{}",
                ix.name,
                t.words(),
                tc.collation.as_deref().unwrap_or("its type"),
                s.words(),
                match collide {
                    Some(true) => ": some source values that differ only so collide",
                    Some(false) => " (no source values collide today)",
                    None => " (not scanned for collisions: table too large)",
                }
            ),
            "values the source keeps apart ('a' and 'A', 'x' and 'x ') are one key on the target: the copy's upsert merges them into one row, and recon reports the other as missing",
            format!("give `{name}` a case- and space-sensitive collation on the target (MariaDB: utf8mb4_bin or a _nopad_bin one), or clean the duplicates on the source first"),
        ));
    }
    if is_key && tighter_target {
        return Some(p.src.at().finding(
            Severity::Info,
            Hazard::KeyOrder,
            Some(&sc.column.name),
            format!(
                "key `{}` compares {} on the source, {} on the target",
                sc.column.name,
                s.words(),
                t.words()
            ),
            "the two sides sort the key differently: recon compares and orders it by UTF-8 bytes on both sides, which its index cannot serve, so its chunk queries sort (slower on big tables)",
            "nothing to fix; expect recon on this table to be slower than on integer keys",
        ));
    }
    differently.push(format!("{name} ({} vs {})", s.words(), t.words()));
    None
}

fn is_utf8(cs: &str) -> bool {
    matches!(cs, "utf8mb4" | "utf8mb3" | "utf8" | "ascii")
}

async fn charset(p: &Pair<'_>, sc: &ColumnFacts, tc: &ColumnFacts) -> Option<Finding> {
    let s = &p.src;
    let name = tc.column.name.as_str();
    let src_name = sc.column.name.as_str();
    let q = s.q(src_name);
    // Bytes that must become text.
    if matches!(sc.column.kind, Kind::Binary { .. }) && matches!(tc.column.kind, Kind::Text { .. })
    {
        let bad = match (s.dialect(), s.scannable()) {
            (Dialect::MySql, true) => s
                .exists(&format!(
                    "{q} <> CAST(CONVERT({q} USING utf8mb4) AS BINARY)"
                ))
                .await
                .ok(),
            _ => None,
        };
        return Some(p.tgt.at().finding(
            if bad == Some(true) { Severity::Blocker } else { Severity::Warning },
            Hazard::Charset,
            Some(name),
            match bad {
                Some(true) => format!("binary `{src_name}` goes into text `{name}`, and some values are not valid UTF-8"),
                _ => format!("binary `{src_name}` goes into text `{name}`"),
            },
            "text columns hold valid UTF-8 only: the copy refuses any value that is not, and stops at its chunk",
            "keep a binary type on the target, or fix (or re-encode) the values on the source first",
        ));
    }
    if !matches!(sc.column.kind, Kind::Text { .. }) || !matches!(tc.column.kind, Kind::Text { .. })
    {
        return None;
    }
    let scs = sc.column.charset.as_deref();
    let tcs = tc.column.charset.as_deref();
    // The target's character set holds less than the source's text.
    let narrower = match tcs {
        Some(t @ ("utf8mb3" | "utf8")) if scs.is_none_or(|s| s == "utf8mb4") => Some((
            t,
            "characters outside the Basic Multilingual Plane (emoji, some CJK)",
        )),
        Some(t) if !is_utf8(t) && t != "binary" && scs.is_none_or(is_utf8) => {
            Some((t, "characters it has no code for"))
        }
        _ => None,
    };
    if let Some((t, what)) = narrower {
        let cond = match (s.dialect(), t) {
            (Dialect::MySql, _) => Some(format!(
                "CAST(CONVERT({q} USING utf8mb4) AS BINARY) <> CAST(CONVERT(CONVERT({q} USING {t}) USING utf8mb4) AS BINARY)"
            )),
            (Dialect::Postgres, "utf8mb3" | "utf8") => Some(format!("{q} ~ '[\\U00010000-\\U0010FFFF]'")),
            (Dialect::Postgres, "latin1") => Some(format!("{q} ~ '[^\\x01-\\xff]'")),
            _ => None,
        };
        let bad = match cond {
            Some(c) if s.scannable() => s.exists(&c).await.ok(),
            _ => None,
        };
        return Some(p.tgt.at().finding(
            if bad == Some(true) { Severity::Blocker } else { Severity::Warning },
            Hazard::Charset,
            Some(name),
            format!(
                "target `{name}` is {t}, which lacks {what}{}",
                match bad {
                    Some(true) => ": some source values have them",
                    Some(false) => " (no source value has them today)",
                    None => " (not scanned)",
                }
            ),
            "the target turns such characters into '?' or refuses the row: text is lost or the copy stops",
            format!("make `{name}` utf8mb4 on the target (ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4)"),
        ));
    }
    if sc.column.not_utf8() {
        return Some(s.at().finding(
            Severity::Warning,
            Hazard::Charset,
            Some(src_name),
            format!("`{src_name}` is stored as {}", scs.unwrap_or("?")),
            "the server converts it to UTF-8 when the copy reads it, which is right for text written in that character set; text an application wrote as UTF-8 bytes into it (double encoding: 'Ã©' for 'é') arrives as that mojibake",
            format!("look at a sample with non-ASCII values (SELECT {src_name}, HEX({src_name}) ... WHERE {src_name} REGEXP '[^ -~]' LIMIT 20) before the drill"),
        ));
    }
    None
}

fn json(p: &Pair<'_>, sc: &ColumnFacts, tc: &ColumnFacts) -> Option<Finding> {
    let name = tc.column.name.as_str();
    let jsonb = |c: &ColumnFacts| c.column.declared == "jsonb";
    match (&sc.column.kind, &tc.column.kind) {
        (Kind::Json, Kind::Json) if jsonb(sc) != jsonb(tc) => Some(p.tgt.at().finding(
            Severity::Warning,
            Hazard::Json,
            Some(name),
            format!("JSON `{}` is {} on the source, {} on the target", sc.column.name, sc.column.declared, tc.column.declared),
            "jsonb stores a parsed document: it reorders keys, drops whitespace and keeps only the last of duplicate keys, so the target's text differs from the source's; recon compares such columns as canonical documents, in warroom (rows are fetched, so slower), and a document with duplicate keys stays a mismatch",
            "nothing, unless the application relies on key order or duplicate keys; expect recon on this table to be slower",
        )),
        (Kind::Json, Kind::Text { .. }) | (Kind::Text { .. }, Kind::Json) => Some(p.tgt.at().finding(
            Severity::Info,
            Hazard::Json,
            Some(name),
            format!("`{}` is {} on the source, {} on the target", sc.column.name, sc.column.declared, tc.column.declared),
            "text into JSON must parse (the copy refuses text that is not JSON); recon compares the two as text",
            "nothing, if every value is valid JSON",
        )),
        _ => None,
    }
}

fn float(p: &Pair<'_>, sc: &ColumnFacts, tc: &ColumnFacts) -> Option<Finding> {
    let single = matches!(sc.column.kind, Kind::Float { double: false });
    if !matches!(sc.column.kind, Kind::Float { .. })
        && !matches!(tc.column.kind, Kind::Float { .. })
    {
        return None;
    }
    let recon = match (p.is_recon(), p.plan.float_tolerance) {
        (true, Some(t)) => format!("recon compares it within float_tolerance = {t}"),
        (true, None) => "recon compares it exactly, by value (a faithful copy matches; a value computed or rounded differently on one side does not: set float_tolerance for that)".to_string(),
        (false, _) => "no recon job compares it".to_string(),
    };
    let src_name = sc.column.name.as_str();
    Some(p.src.at().finding(
        if single { Severity::Warning } else { Severity::Info },
        Hazard::Float,
        Some(src_name),
        format!("`{src_name}` is a binary float ({} on the source, {} on the target)", sc.column.declared, tc.column.declared),
        if single {
            format!("a single-precision FLOAT stores 0.1 as 0.10000000149011612: the copy keeps every bit, but the application's `= 0.1` and text exports differ between the sides; {recon}")
        } else {
            format!("floats are approximations: equality and checksums on their text differ between databases, so warroom compares them by value; {recon}")
        },
        if single {
            "consider DOUBLE or DECIMAL on the target if the values are amounts; otherwise nothing"
        } else {
            "nothing, unless the values are money: then DECIMAL"
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::types::Column;

    fn col(declared: &str, collation: Option<&str>) -> ColumnFacts {
        ColumnFacts {
            column: Column {
                name: "c".into(),
                declared: declared.into(),
                kind: Kind::Text { max_chars: None },
                nullable: true,
                charset: None,
            },
            default: None,
            generated: None,
            invisible: false,
            auto_increment: false,
            identity: None,
            sequence: None,
            collation: collation.map(str::to_string),
        }
    }

    #[test]
    fn collations_classify() {
        let ci = comparison(
            Dialect::MySql,
            &col("varchar(10)", Some("utf8mb4_general_ci")),
        );
        assert_eq!(
            ci,
            Some(Comparison {
                case_insensitive: true,
                pad_space: true
            })
        );
        let nopad = comparison(
            Dialect::MySql,
            &col("varchar(10)", Some("utf8mb4_nopad_bin")),
        );
        assert_eq!(
            nopad,
            Some(Comparison {
                case_insensitive: false,
                pad_space: false
            })
        );
        let pg = comparison(Dialect::Postgres, &col("character(10)", None));
        assert!(pg.is_some_and(|c| c.pad_space && !c.case_insensitive));
    }
}
