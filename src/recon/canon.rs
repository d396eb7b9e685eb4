//! Canonical text of values, so that equal data hashes equal on MariaDB/MySQL and
//! PostgreSQL and unequal data never does. The same rules run as SQL inside each database
//! (for chunk checksums) and in Rust (for columns no database can canonicalise the same
//! way, for SQLite, and for the row diff). docs/recon.md states the rules.
//!
//! Inside a database a row's text is its columns' pieces joined by `|;`. A NULL is `|0`; a
//! text-like value is its text with every `|` doubled; any other value is its canonical
//! text, which never holds `|`. Read left to right, `||` is a `|` of the value, `|;` ends a
//! piece and `|0` is a NULL, so no choice of values can make two different rows read the
//! same ('a|' 'b' vs 'a' '|b'; NULL vs ''; NULL vs '|0'), and each value is converted
//! once. A row whose text the database cannot build (MariaDB's zero dates, a row longer
//! than `max_allowed_packet`) reads as `|!` and a random number: it never matches, so its
//! chunk always goes down to the row diff. In Rust every piece is length-prefixed.

use std::fmt::Write as _;

use crate::db::types::{Column, Kind};
use crate::db::value::{push_hex, write_date, write_float, Value};
use crate::db::Dialect;

/// Where a column's canonical text is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside the database, in the chunk checksum query.
    InDatabase,
    /// Inside the database, as the database writes it: decimals of the same scale on both
    /// sides (`12.50` on both) need no trimming.
    InDatabaseAsIs,
    /// In warroom, from the fetched value (JSON that a database stores re-ordered, SQLite).
    InRust,
    /// An instant (MySQL TIMESTAMP, `timestamptz`) on one side and a date-time without a
    /// zone on the other (the copy writes instants as UTC date-times): both as the UTC
    /// date-time text `YYYY-MM-DD HH:MM:SS.ffffff`.
    UtcDateTime,
}

/// Decides where a column pair is canonicalised: both sides must use the same place.
pub fn place(src: (Dialect, &Column), tgt: (Dialect, &Column)) -> Place {
    let rust_only = |(d, c): (Dialect, &Column)| {
        d == Dialect::Sqlite
            // jsonb re-orders keys and spaces: only a parsed document compares.
            || c.declared.to_ascii_lowercase().contains("jsonb")
            || matches!(c.kind, Kind::Other { .. })
    };
    let scale = |c: &Column| match c.kind {
        Kind::Decimal { scale: Some(s), .. } => Some(s),
        _ => None,
    };
    let instant = |k: &Kind, l: &Kind| {
        matches!(k, Kind::Timestamp { .. }) && matches!(l, Kind::DateTime { .. })
    };
    if rust_only(src) || rust_only(tgt) {
        Place::InRust
    } else if instant(&src.1.kind, &tgt.1.kind) || instant(&tgt.1.kind, &src.1.kind) {
        Place::UtcDateTime
    } else if scale(src.1).is_some() && scale(src.1) == scale(tgt.1) {
        Place::InDatabaseAsIs
    } else {
        Place::InDatabase
    }
}

/// The SQL expression for a column's canonical text; NULL stays NULL ([`piece`] marks it).
// One arm per dialect and kind, each with its own SQL, even where two spell it alike.
#[allow(clippy::match_same_arms)]
pub fn text_sql(d: Dialect, q: &str, kind: &Kind) -> String {
    match (d, kind) {
        (Dialect::MySql, Kind::Bool | Kind::Bit { bits: 1 }) => {
            format!("CASE WHEN {q} IS NULL THEN NULL WHEN {q} <> 0 THEN '1' ELSE '0' END")
        }
        (Dialect::Postgres, Kind::Bool) => {
            format!("CASE WHEN {q} IS NULL THEN NULL WHEN {q} THEN '1' ELSE '0' END")
        }
        (Dialect::MySql, Kind::Decimal { .. }) => trim_decimal_mysql(&format!("CAST({q} AS CHAR)")),
        (Dialect::Postgres, Kind::Decimal { .. }) => trim_decimal_pg(&format!("{q}::text")),
        // The exact binary value ([`float_text`]): the two databases' own texts differ
        // (MariaDB's FLOAT has 6 digits; their shortest round-trip digits and exponent
        // notation differ too).
        (Dialect::MySql, Kind::Float { .. }) => float_sql_mysql(q),
        (Dialect::Postgres, Kind::Float { .. }) => float_sql_pg(q),
        (Dialect::MySql, Kind::Binary { .. }) => format!("HEX({q})"),
        (Dialect::Postgres, Kind::Binary { .. }) => format!("upper(encode({q}, 'hex'))"),
        // `YYYY-MM-DD`: PostgreSQL's text under the ISO DateStyle (which sqlx sets on every
        // connection), and MariaDB's as bytes.
        (Dialect::MySql, Kind::Date) => format!("CAST({q} AS BINARY)"),
        (Dialect::Postgres, Kind::Date) => format!("{q}::text"),
        (Dialect::MySql, Kind::Time { .. }) => format!("TIME_FORMAT({q}, '%H:%i:%s.%f')"),
        (Dialect::Postgres, Kind::Time { .. }) => format!("to_char({q}, 'HH24:MI:SS.US')"),
        // PostgreSQL's ISO text `YYYY-MM-DD HH:MM:SS[.ffffff]`, trailing fractional zeros
        // off: its cheapest form (`to_char` costs three times as much). MariaDB writes
        // every fractional digit of the column's precision and trims them as bytes (as
        // utf8mb4 text the trim costs more than the cast).
        (Dialect::MySql, Kind::DateTime { fsp: 0 }) => format!("CAST({q} AS BINARY)"),
        (Dialect::MySql, Kind::DateTime { .. }) => {
            format!("TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST({q} AS BINARY)))")
        }
        (Dialect::Postgres, Kind::DateTime { .. }) => format!("{q}::text"),
        // An instant, whatever the session's time zone: seconds since the epoch.
        (Dialect::MySql, Kind::Timestamp { .. }) => {
            trim_decimal_mysql(&format!("CAST(UNIX_TIMESTAMP({q}) AS CHAR)"))
        }
        (Dialect::Postgres, Kind::Timestamp { .. }) => {
            trim_decimal_pg(&format!("extract(epoch from {q})::numeric::text"))
        }
        (Dialect::MySql, Kind::Int { .. }) => q.to_string(),
        // BIT(n) as its number: `CAST(bit AS CHAR)` is the raw bytes (which may read `N`
        // or hold `|`).
        (Dialect::MySql, Kind::Bit { .. }) => format!("CAST(CAST({q} AS UNSIGNED) AS CHAR)"),
        (Dialect::MySql, _) => format!("CAST({q} AS CHAR)"),
        (Dialect::Postgres, _) => format!("{q}::text"),
        // SQLite columns are always canonicalised in Rust.
        (Dialect::Sqlite, _) => q.to_string(),
    }
}

/// 2^52: the fraction of a double in units of its last place.
const FRACTION_UNITS: &str = "4503599627370496";
/// The smallest normal double, 2^-1022.
const MIN_NORMAL: &str = "2.2250738585072014e-308";

/// The canonical text of a float inside the databases: the exact value of the double it
/// widens to (a FLOAT/`real` widens exactly), spelled like C's `%a` without `0x`:
/// `[-]1.<52 fraction bits as 13 hex digits>p<exponent>`, `[-]0.<13 hex>p-1022` below
/// the smallest normal double, `0` for both zeros (SQL's `=` calls them equal, and
/// MariaDB turns every `-0` it is given into `0`), and PostgreSQL's `NaN`, `Infinity`,
/// `-Infinity`. Both databases compute it from the value, never from their own text.
pub fn float_text(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if !f.is_finite() {
        let mut out = String::new();
        write_float(&mut out, f);
        return out;
    }
    let bits = f.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    let fraction = bits & ((1 << 52) - 1);
    let sign = if f < 0.0 { "-" } else { "" };
    if biased == 0 {
        format!("{sign}0.{fraction:013x}p-1022")
    } else {
        // An 11-bit exponent field: exact as an i64.
        #[allow(clippy::cast_possible_wrap)]
        let exponent = biased as i64 - 1023;
        format!("{sign}1.{fraction:013x}p{exponent}")
    }
}

/// [`float_text`] in MariaDB/MySQL, which cannot read a double's bits: the exponent is
/// `FLOOR(LOG2(|x|))` corrected by one either way (LOG2 may round across an integer), and
/// scaling by powers of two (exact in binary) yields the fraction bits.
fn float_sql_mysql(q: &str) -> String {
    let a = format!("ABS({q})");
    // LOG2 of the largest double rounds up to 1024, and 2^1024 overflows.
    let e0 = format!("LEAST(1023, GREATEST(-1022, FLOOR(LOG2({a}))))");
    let r0 = format!("({a} / POW(2, {e0}))");
    let e = format!("({e0} - ({r0} < 1) + ({r0} >= 2))");
    format!(
        "CASE WHEN {q} = 0 THEN '0' \
         WHEN {a} < {MIN_NORMAL} THEN CONCAT(IF({q} < 0, '-0.', '0.'), \
         LOWER(LPAD(HEX({a} * POW(2, 537) * POW(2, 537)), 13, '0')), 'p-1022') \
         ELSE CONCAT(IF({q} < 0, '-1.', '1.'), \
         LOWER(LPAD(HEX(({a} / POW(2, {e}) - 1) * {FRACTION_UNITS}), 13, '0')), 'p', \
         CAST({e} AS SIGNED)) END"
    )
}

/// [`float_text`] in PostgreSQL, from the double's bits (`float8send`).
fn float_sql_pg(q: &str) -> String {
    let v = format!("({q})::float8");
    let bits = format!("('x' || encode(float8send({v}), 'hex'))::bit(64)::bigint");
    let biased = format!("(({bits} >> 52) & 2047)");
    format!(
        "CASE WHEN {v} = 0 THEN '0' WHEN {biased} = 2047 THEN {v}::text \
         ELSE CASE WHEN {bits} < 0 THEN '-' ELSE '' END \
         || CASE WHEN {biased} = 0 THEN '0.' ELSE '1.' END \
         || lpad(to_hex({bits} & 4503599627370495), 13, '0') || 'p' \
         || CASE WHEN {biased} = 0 THEN -1022 ELSE {biased} - 1023 END END"
    )
}

/// Kinds whose text may hold anything (and so need a length prefix).
fn textual(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Text { .. } | Kind::Json | Kind::Enum { .. } | Kind::Uuid | Kind::Other { .. }
    )
}

/// One column's piece of the in-database row text (see the module doc).
pub fn piece(d: Dialect, q: &str, kind: &Kind, place: Place, nullable: bool) -> String {
    let text = match place {
        Place::InDatabaseAsIs => match d {
            Dialect::MySql => q.to_string(),
            _ => format!("{q}::text"),
        },
        Place::UtcDateTime => match (d, kind) {
            // Exact and independent of the session's time zone (no DST fold).
            (Dialect::MySql, Kind::Timestamp { .. }) => format!(
                "DATE_FORMAT(TIMESTAMPADD(MICROSECOND, UNIX_TIMESTAMP({q}) * 1000000, \
                 TIMESTAMP'1970-01-01 00:00:00'), '%Y-%m-%d %H:%i:%s.%f')"
            ),
            (Dialect::Postgres, Kind::Timestamp { .. }) => {
                format!("to_char({q} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
            }
            (Dialect::MySql, Kind::DateTime { .. }) => {
                format!("DATE_FORMAT({q}, '%Y-%m-%d %H:%i:%s.%f')")
            }
            (Dialect::Postgres, Kind::DateTime { .. }) => {
                format!("to_char({q}, 'YYYY-MM-DD HH24:MI:SS.US')")
            }
            _ => text_sql(d, q, kind),
        },
        // The value's bytes, every `|` doubled (a `|` is one byte in UTF-8 and in no other
        // character's encoding).
        _ if textual(kind) => match d {
            Dialect::MySql => format!("REPLACE({q}, '|', '||')"),
            _ => format!("replace({q}::text, '|', '||')"),
        },
        _ => text_sql(d, q, kind),
    };
    // A NOT NULL column needs no marker: if its text still comes out NULL, the whole row
    // does, and the row-level guard in [`row_sql`] makes that row unmatched.
    match (nullable, d) {
        (false, _) => text,
        (true, Dialect::MySql) => format!("IFNULL({text}, '|0')"),
        (true, _) => format!("coalesce({text}, '|0')"),
    }
}

/// The in-database row text: the pieces joined by `|;`; a row whose text comes out NULL
/// reads as `|!` and a random number (see the module doc).
pub fn row_sql(d: Dialect, pieces: &[String]) -> String {
    match d {
        Dialect::MySql => format!(
            "IFNULL(CONCAT({}), CONCAT('|!', RAND()))",
            pieces.join(", '|;', ")
        ),
        _ => format!(
            "coalesce({}, '|!' || random()::text)",
            pieces.join(" || '|;' || ")
        ),
    }
}

/// The most bytes a column's in-database piece can take, where its kind bounds it; `None`
/// for text-like and binary columns (the checksum measures those).
pub fn max_piece_bytes(kind: &Kind) -> Option<u64> {
    let bytes = match kind {
        Kind::Bool | Kind::Bit { bits: 1 } => 1,
        Kind::Int { .. } | Kind::Bit { .. } => 20,
        Kind::Float { .. } => 25,
        Kind::Decimal { precision, .. } => u64::from(precision.unwrap_or(65)) + 3,
        Kind::Date => 10,
        Kind::Time { .. } => 17,
        Kind::DateTime { .. } | Kind::Timestamp { .. } => 32,
        _ => return None,
    };
    // Room for a NULL marker and the separator.
    Some(bytes + 4)
}

/// `12.50` -> `12.5`, `7.00` -> `7`; integers untouched.
fn trim_decimal_mysql(s: &str) -> String {
    format!("IF(LOCATE('.', {s}) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {s})), {s})")
}

fn trim_decimal_pg(s: &str) -> String {
    format!("CASE WHEN position('.' in {s}) > 0 THEN rtrim(rtrim({s}, '0'), '.') ELSE {s} END")
}

/// Trailing fractional zeros off a decimal's text (`-0` stays as written).
pub fn trim_decimal(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// The canonical text of a value read from a column of `kind`; `None` is NULL. Matches
/// [`text_sql`] for every kind a database canonicalises itself.
pub fn text(v: &Value, kind: &Kind) -> Option<String> {
    let mut out = String::new();
    match v {
        Value::Null => return None,
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::Int(i) if matches!(kind, Kind::Bool) => out.push(if *i != 0 { '1' } else { '0' }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        // Both zeros are one value (see [`float_text`]): `-0.0 + 0.0` is `0.0`.
        Value::Float(f) => write_float(&mut out, *f + 0.0),
        Value::Decimal(s) => out.push_str(&trim_decimal(s)),
        Value::Text(s) => out.push_str(s),
        Value::Bytes(b) => push_hex(&mut out, b),
        Value::Date(d) => write_date(&mut out, *d),
        Value::Time(t) => {
            let _ = write!(out, "{}", t.format("%H:%M:%S%.6f"));
        }
        Value::DateTime(dt) => {
            let _ = write!(out, "{}", dt.format("%Y-%m-%d %H:%M:%S%.6f"));
        }
        // In UTC, so that an instant equals the UTC date-time the copy wrote for it.
        Value::Timestamp(ts) => {
            let _ = write!(out, "{}", ts.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f"));
        }
        Value::Json(s) => out.push_str(&canonical_json(s)),
    }
    Some(out)
}

/// JSON with sorted keys and no spaces; text that is not JSON stays as it is.
pub fn canonical_json(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => v.to_string(),
        Err(_) => s.to_string(),
    }
}

/// Appends one column's piece of a row's canonical text (see the module doc).
pub fn push_piece(out: &mut String, v: &Value, kind: &Kind) {
    match text(v, kind) {
        None => out.push('N'),
        Some(t) => {
            let _ = write!(out, "V{}:{t}", t.len());
        }
    }
}

/// Two values of one column pair are equal for recon: same canonical text, or floats
/// within `tolerance`, or JSON documents equal once parsed.
pub fn same(a: &Value, ka: &Kind, b: &Value, kb: &Kind, tolerance: Option<f64>) -> bool {
    if let (Some(tol), Some(x), Some(y)) = (tolerance, as_f64(a), as_f64(b)) {
        if matches!(ka, Kind::Float { .. }) || matches!(kb, Kind::Float { .. }) {
            return (x - y).abs() <= tol || (x.is_nan() && y.is_nan());
        }
    }
    let (ta, tb) = (text(a, ka), text(b, kb));
    if ta == tb {
        return true;
    }
    // A decimal kept as text on one side (SQLite) compares by value with the other.
    let decimal = |k: &Kind| matches!(k, Kind::Decimal { .. });
    if decimal(ka) || decimal(kb) {
        let norm = |t: &Option<String>| t.as_deref().map(trim_decimal);
        if norm(&ta).is_some() && norm(&ta) == norm(&tb) {
            return true;
        }
    }
    let json = |v: &Value, k: &Kind| matches!(v, Value::Json(_)) || matches!(k, Kind::Json);
    if json(a, ka) || json(b, kb) {
        return ta.as_deref().map(canonical_json) == tb.as_deref().map(canonical_json);
    }
    false
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Decimal(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_unambiguous_and_null_is_not_empty() {
        let k = Kind::Text { max_chars: None };
        let row = |a: &Value, b: &Value| {
            let mut s = String::new();
            push_piece(&mut s, a, &k);
            push_piece(&mut s, b, &k);
            s
        };
        let t = |s: &str| Value::Text(s.into());
        assert_ne!(row(&t("a,"), &t("b")), row(&t("a"), &t(",b")));
        assert_ne!(row(&Value::Null, &t("x")), row(&t(""), &t("x")));
        assert_eq!(row(&t("é"), &Value::Null), "V2:éN");
    }

    #[test]
    fn float_text_is_the_exact_binary_value() {
        assert_eq!(float_text(1.5), "1.8000000000000p0");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(0.0), "0");
        assert_eq!(
            float_text(f64::from(f32::from_bits(1))),
            "1.0000000000000p-149"
        );
        assert_eq!(float_text(f64::from_bits(1)), "0.0000000000001p-1022");
        assert_eq!(float_text(-f64::MAX), "-1.fffffffffffffp1023");
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
        // One ulp apart never reads alike.
        let f = 16_777_216f32;
        assert_ne!(
            float_text(f64::from(f)),
            float_text(f64::from(f32::from_bits(f.to_bits() + 1)))
        );
        // Both zeros are one value in warroom too.
        let k = Kind::Float { double: false };
        assert!(same(&Value::Float(-0.0), &k, &Value::Float(0.0), &k, None));
    }

    #[test]
    fn decimals_compare_by_value_and_json_by_document() {
        let dec = Kind::Decimal {
            precision: Some(18),
            scale: Some(2),
        };
        assert_eq!(
            text(&Value::Decimal("12.50".into()), &dec).as_deref(),
            Some("12.5")
        );
        assert_eq!(
            text(&Value::Decimal("120".into()), &dec).as_deref(),
            Some("120")
        );
        assert_ne!(
            text(&Value::Decimal("12.51".into()), &dec),
            text(&Value::Decimal("12.5".into()), &dec)
        );
        assert!(same(
            &Value::Json(r#"{"b": 1, "a": [1, 2]}"#.into()),
            &Kind::Json,
            &Value::Json(r#"{"a":[1,2],"b":1}"#.into()),
            &Kind::Json,
            None
        ));
        let f = Kind::Float { double: true };
        assert!(!same(
            &Value::Float(0.1),
            &f,
            &Value::Float(0.100_000_1),
            &f,
            None
        ));
        assert!(same(
            &Value::Float(0.1),
            &f,
            &Value::Float(0.100_000_1),
            &f,
            Some(1e-6)
        ));
        let t = Kind::Text { max_chars: None };
        assert!(!same(
            &Value::Text("a".into()),
            &t,
            &Value::Text("A".into()),
            &t,
            None
        ));
        assert!(!same(
            &Value::Text("a".into()),
            &t,
            &Value::Text("a ".into()),
            &t,
            None
        ));
    }
}
