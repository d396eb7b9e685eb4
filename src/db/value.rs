//! The value model: one typed value per cell, the same for every dialect.
//!
//! Exactness first: DECIMAL travels as its decimal digits (never through a float), JSON as
//! its text, binary as bytes, date-times with microseconds. Text forms here are the ISO
//! forms every dialect accepts (`2024-01-31 23:59:59.123456`).

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Only for unsigned values above `i64::MAX` (BIGINT UNSIGNED); smaller ones are `Int`.
    UInt(u64),
    Float(f64),
    /// Exact decimal digits as text (`-123.4500`).
    Decimal(String),
    /// Text, including enum labels.
    Text(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    Time(NaiveTime),
    /// A wall-clock date-time without zone (DATETIME, `timestamp without time zone`).
    DateTime(NaiveDateTime),
    /// An instant (MySQL TIMESTAMP read in UTC, `timestamp with time zone`).
    Timestamp(DateTime<Utc>),
    /// JSON document text.
    Json(String),
}

impl Value {
    /// A short word for error messages.
    pub fn type_word(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "float",
            Value::Decimal(_) => "decimal",
            Value::Text(_) => "text",
            Value::Bytes(_) => "binary",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::Timestamp(_) => "timestamp",
            Value::Json(_) => "JSON",
        }
    }

    /// A human rendering for error messages and key displays (binary in hex, long text cut).
    pub fn display(&self) -> String {
        let mut s = String::new();
        match self {
            Value::Null => s.push_str("NULL"),
            Value::Text(t) | Value::Json(t) => {
                let cut: String = t.chars().take(40).collect();
                s.push('\'');
                s.push_str(&cut);
                if cut.len() < t.len() {
                    s.push('…');
                }
                s.push('\'');
            }
            Value::Bytes(b) => {
                s.push_str("0x");
                push_hex(&mut s, &b[..b.len().min(32)]);
            }
            other => other.write_plain(&mut s),
        }
        s
    }

    /// Writes the value's plain text form (no quoting, no escaping); bytes as raw UTF-8
    /// lossily, so callers handle `Bytes` themselves when it matters.
    pub fn write_plain(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::UInt(u) => {
                let _ = write!(out, "{u}");
            }
            Value::Float(f) => write_float(out, *f),
            Value::Decimal(s) | Value::Text(s) | Value::Json(s) => out.push_str(s),
            Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
            Value::Date(d) => write_date(out, *d),
            Value::Time(t) => write_time(out, *t),
            Value::DateTime(dt) => write_datetime(out, *dt),
            Value::Timestamp(ts) => write_datetime(out, ts.naive_utc()),
        }
    }
}

/// Shortest text that reads back as the same f64 (`NaN`, `Infinity`, `-Infinity` too).
pub fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        let _ = write!(out, "{f:?}");
    }
}

pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

fn push_num(out: &mut String, n: u32, width: usize) {
    let _ = write!(out, "{n:0width$}");
}

pub fn write_date(out: &mut String, d: NaiveDate) {
    let y = d.year();
    if y < 0 {
        out.push('-');
    }
    push_num(out, y.unsigned_abs(), 4);
    out.push('-');
    push_num(out, d.month(), 2);
    out.push('-');
    push_num(out, d.day(), 2);
}

pub fn write_time(out: &mut String, t: NaiveTime) {
    push_num(out, t.hour(), 2);
    out.push(':');
    push_num(out, t.minute(), 2);
    out.push(':');
    push_num(out, t.second(), 2);
    let micros = t.nanosecond() / 1000;
    if micros > 0 {
        out.push('.');
        push_num(out, micros, 6);
    }
}

pub fn write_datetime(out: &mut String, dt: NaiveDateTime) {
    write_date(out, dt.date());
    out.push(' ');
    write_time(out, dt.time());
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(&b[0..4])?).ok()?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// Parses `HH:MM:SS[.ffffff]` (hours 0-23).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let nanos = match &b[8..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.len() <= 9 => {
            digits(frac)? * 10u32.pow(9 - u32::try_from(frac.len()).ok()?)
        }
        _ => return None,
    };
    NaiveTime::from_hms_nano_opt(
        digits(&b[0..2])?,
        digits(&b[3..5])?,
        digits(&b[6..8])?,
        nanos,
    )
}

/// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]` (also with `T`).
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    if s.len() < 19 || !s.is_char_boundary(10) {
        return None;
    }
    let (d, rest) = s.split_at(10);
    let rest = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
    Some(NaiveDateTime::new(parse_date(d)?, parse_time(rest)?))
}

/// Parses a date-time with an optional zone suffix (`+00`, `+05:30`, `Z`) into UTC.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Some(naive) = parse_datetime(s) {
        return Some(naive.and_utc());
    }
    let tail = s.get(19..)?;
    let zone_at = 19 + tail.find(['+', '-', 'Z'])?;
    let naive = parse_datetime(&s[..zone_at])?;
    let zone = &s[zone_at..];
    if zone == "Z" {
        return Some(naive.and_utc());
    }
    let sign: i64 = if zone.starts_with('-') { -1 } else { 1 };
    let parts: Vec<&str> = zone[1..].split(':').collect();
    let h: i64 = parts.first()?.parse().ok()?;
    let m: i64 = parts.get(1).map_or(Ok(0), |m| m.parse()).ok()?;
    let sec: i64 = parts.get(2).map_or(Ok(0), |m| m.parse()).ok()?;
    let offset = chrono::Duration::seconds(sign * (h * 3600 + m * 60 + sec));
    Some((naive - offset).and_utc())
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_with_microseconds() {
        let dt = parse_datetime("2019-01-02 03:04:05.000123").unwrap();
        let mut s = String::new();
        write_datetime(&mut s, dt);
        assert_eq!(s, "2019-01-02 03:04:05.000123");
        let ts = parse_timestamp("2019-01-02 05:04:05.5+02").unwrap();
        assert_eq!(
            ts.naive_utc(),
            parse_datetime("2019-01-02 03:04:05.5").unwrap()
        );
        assert_eq!(parse_time("23:59:59").unwrap().hour(), 23);
        assert!(parse_time("-01:00:00").is_none());
    }

    // Exact comparison is the point: values must come back bit for bit.
    #[allow(clippy::float_cmp)]
    #[test]
    fn floats_and_hex_round_trip() {
        let mut s = String::new();
        write_float(&mut s, 0.1);
        assert_eq!(s.parse::<f64>().unwrap(), 0.1);
        let mut h = String::new();
        push_hex(&mut h, &[0, 255, 16]);
        assert_eq!(h, "00ff10");
        assert_eq!(decode_hex(&h).unwrap(), vec![0, 255, 16]);
    }
}
