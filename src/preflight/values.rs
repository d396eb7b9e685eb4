//! Type changes that lose data, checked against the data where that is cheap: integers
//! (range, signedness: BIGINT UNSIGNED into a signed BIGINT), decimals (precision, scale),
//! text and binary lengths, floats (double into single), time zones and fractional seconds.

use crate::db::types::Kind;

use super::finding::{Finding, Hazard, Severity};
use super::pair::Pair;
use super::side::Side;

/// The range of an integer type.
pub fn int_range(bytes: u8, unsigned: bool) -> (i128, i128) {
    let bits = u32::from(bytes.clamp(1, 16)) * 8;
    if unsigned {
        (0, (1i128 << bits.min(127)) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

/// The range of an integer column, if it is one.
pub fn kind_range(kind: &Kind) -> Option<(i128, i128)> {
    match kind {
        Kind::Int { bytes, unsigned } => Some(int_range(*bytes, *unsigned)),
        _ => None,
    }
}

pub async fn check(p: &Pair<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (sc, tc) in &p.cols {
        let (sk, tk) = (&sc.column.kind, &tc.column.kind);
        let src_name = sc.column.name.as_str();
        let name = tc.column.name.as_str();
        let (sd, td) = (&sc.column.declared, &tc.column.declared);
        let narrowing = |what: String, why: &str, fix: String| {
            p.tgt.at().finding(
                Severity::Warning,
                Hazard::TypeNarrowing,
                Some(name),
                what,
                why,
                fix,
            )
        };
        match (sk, tk) {
            (Kind::Int { .. }, Kind::Int { .. }) => {
                let (Some((slo, shi)), Some((tlo, thi))) = (kind_range(sk), kind_range(tk)) else {
                    continue;
                };
                if slo >= tlo && shi <= thi {
                    continue;
                }
                out.push(int_fit(&p.src, src_name, name, (tlo, thi), sd, td, p).await);
            }
            (Kind::Decimal { precision: sp, scale: ss }, Kind::Decimal { precision: tp, scale: ts }) => {
                let (ss, ts) = (ss.unwrap_or(0), ts.unwrap_or(0));
                let int_digits = |p: Option<u32>, s: u32| p.map(|p| p.saturating_sub(s));
                let (si, ti) = (int_digits(*sp, ss), int_digits(*tp, ts));
                let fewer_int = match (si, ti) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(a), Some(b)) => b < a,
                };
                if ts < ss && tp.is_some() {
                    let q = p.src.q(src_name);
                    let lost = if p.src.scannable() {
                        p.src.exists(&format!("{q} <> ROUND({q}, {ts})")).await.ok()
                    } else {
                        None
                    };
                    out.push(p.tgt.at().finding(
                        if lost == Some(true) { Severity::Blocker } else { Severity::Warning },
                        Hazard::ValueRange,
                        Some(name),
                        format!("scale shrinks from {sd} to {td}{}", if lost == Some(true) { ": some source values have more decimals" } else { "" }),
                        "the copy refuses a value it would have to round (or, without warroom, the target rounds it silently): amounts change",
                        format!("declare `{name}` with scale {ss} or more on the target"),
                    ));
                }
                if fewer_int {
                    if let Some(ti) = ti {
                        let q = p.src.q(src_name);
                        let limit = format!("1{}", "0".repeat(ti as usize));
                        let over = if p.src.scannable() {
                            p.src.exists(&format!("ABS({q}) >= {limit}")).await.ok()
                        } else {
                            None
                        };
                        out.push(p.tgt.at().finding(
                            if over == Some(true) { Severity::Blocker } else { Severity::Warning },
                            Hazard::ValueRange,
                            Some(name),
                            format!("{td} holds fewer integer digits than {sd}{}", match over {
                                Some(true) => format!(": some source values reach {limit}"),
                                Some(false) => " (every source value fits today)".to_string(),
                                None => " (not scanned: table too large)".to_string(),
                            }),
                            "a value with more integer digits than the target allows is refused and the copy stops",
                            format!("widen `{name}` on the target to the source's precision"),
                        ));
                    }
                }
            }
            (Kind::Text { max_chars: sm }, Kind::Text { max_chars: Some(tm) })
                if sm.is_none_or(|s| s > *tm) =>
            {
                let expr = p.src.char_length(&p.src.q(src_name));
                out.push(length_fit(&p.src, &expr, *tm, name, sd, td, "characters", p).await);
            }
            (Kind::Binary { max_bytes: sm }, Kind::Binary { max_bytes: Some(tm) })
                if sm.is_none_or(|s| s > *tm) =>
            {
                let expr = p.src.byte_length(&p.src.q(src_name));
                out.push(length_fit(&p.src, &expr, *tm, name, sd, td, "bytes", p).await);
            }
            (Kind::Float { double: true }, Kind::Float { double: false }) => out.push(narrowing(
                format!("double precision {sd} becomes single precision {td}"),
                "a single-precision float keeps about 7 significant digits: the copy refuses every value that would change (most of them)",
                format!("declare `{name}` as double precision on the target"),
            )),
            (Kind::Float { .. }, Kind::Decimal { .. }) => out.push(narrowing(
                format!("binary float {sd} becomes decimal {td}"),
                "a float is a binary fraction: most values (0.1 among them) have no exact decimal, so they are rounded or refused",
                "keep a float type on the target, or round the source values on purpose first".to_string(),
            )),
            (Kind::Timestamp { .. }, Kind::DateTime { .. }) => out.push(narrowing(
                format!("instant {sd} becomes a date-time without time zone {td}"),
                "the copy writes instants as UTC date-times: an application that reads them as local time is off by its UTC offset, and the zone is gone",
                format!("use an instant type on the target (PostgreSQL timestamptz, MySQL TIMESTAMP), or make sure every reader of `{name}` treats it as UTC"),
            )),
            (Kind::DateTime { .. }, Kind::Timestamp { .. }) => out.push(narrowing(
                format!("date-time without time zone {sd} becomes an instant {td}"),
                "the source's values carry no zone: the copy takes them as UTC, so if they were local times every instant is shifted by the offset",
                "confirm the source stores UTC, or convert on the way".to_string(),
            )),
            _ => {}
        }
        let fsp = |k: &Kind| match k {
            Kind::Time { fsp } | Kind::DateTime { fsp } | Kind::Timestamp { fsp } => Some(*fsp),
            _ => None,
        };
        if let (Some(a), Some(b)) = (fsp(sk), fsp(tk)) {
            if b < a {
                out.push(narrowing(
                    format!("fractional seconds shrink from {a} to {b} digits ({sd} to {td})"),
                    "the copy refuses a value it would have to round; without warroom the target rounds it (and may move it to the next second)",
                    format!("declare `{name}` with {a} fractional digits on the target"),
                ));
            }
        }
    }
    out
}

async fn int_fit(
    src: &Side<'_>,
    src_name: &str,
    name: &str,
    (tlo, thi): (i128, i128),
    sd: &str,
    td: &str,
    p: &Pair<'_>,
) -> Finding {
    let read = if src.min_max_cheap(src_name) {
        Some(src.min_max(&src.q(src_name)).await)
    } else {
        None
    };
    let parse = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i128>().ok());
    match read {
        Some(Ok((min, max))) => {
            let (min, max) = (parse(&min), parse(&max));
            let out_of = min.is_some_and(|m| m < tlo) || max.is_some_and(|m| m > thi);
            let shown = |v: Option<i128>| v.map_or("none".to_string(), |v| v.to_string());
            p.tgt.at().finding(
                if out_of { Severity::Blocker } else { Severity::Warning },
                if out_of { Hazard::ValueRange } else { Hazard::TypeNarrowing },
                Some(name),
                if out_of {
                    format!("source values do not fit {td}: minimum {}, maximum {} (the target holds {tlo} to {thi})", shown(min), shown(max))
                } else {
                    format!("{sd} becomes {td}: every value fits today (minimum {}, maximum {})", shown(min), shown(max))
                },
                if out_of {
                    "the copy refuses these rows and stops; a tool that casts would wrap or clip them into other ids"
                } else {
                    "the source type allows values the target refuses: a new row past the target's range stops the sync after cutover"
                },
                format!("declare `{name}` on the target with a range that holds {sd} (e.g. a wider or unsigned/numeric type)"),
            )
        }
        Some(Err(e)) => p.tgt.at().finding(
            Severity::Warning,
            Hazard::TypeNarrowing,
            Some(name),
            format!("{sd} becomes {td} (could not read the source's range: {e})"),
            "values past the target's range are refused",
            format!("check SELECT MIN({src_name}), MAX({src_name}) by hand"),
        ),
        None => p.tgt.at().finding(
            Severity::Warning,
            Hazard::TypeNarrowing,
            Some(name),
            format!("{sd} becomes {td} (range not read: no index on it and the table is too large to scan)"),
            "values past the target's range are refused",
            format!("check SELECT MIN({src_name}), MAX({src_name}) by hand"),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
async fn length_fit(
    src: &Side<'_>,
    expr: &str,
    max: u64,
    name: &str,
    sd: &str,
    td: &str,
    unit: &str,
    p: &Pair<'_>,
) -> Finding {
    let longest = if src.scannable() {
        src.scalar(&format!(
            "SELECT {} FROM {}",
            src.as_text(&format!("MAX({expr})")),
            src.quoted_table()
        ))
        .await
        .ok()
        .flatten()
        .and_then(|s| s.parse::<u64>().ok())
    } else {
        None
    };
    let over = longest.is_some_and(|l| l > max);
    p.tgt.at().finding(
        if over { Severity::Blocker } else { Severity::Warning },
        if over { Hazard::ValueRange } else { Hazard::TypeNarrowing },
        Some(name),
        match longest {
            Some(l) if over => format!("the longest source value has {l} {unit}; {td} holds {max}"),
            Some(l) => format!("{sd} becomes {td}: the longest value today has {l} {unit}"),
            None => format!("{sd} becomes {td} (lengths not read: table too large to scan)"),
        },
        "a longer value is refused and the copy stops at its chunk (a tool that truncates loses the end of the text)",
        format!("declare `{name}` on the target at least as long as {sd}"),
    )
}
