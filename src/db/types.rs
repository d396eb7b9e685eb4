//! Column types as the dialects declare them, reduced to one [`Kind`] each, and the rules
//! for reading a cell into a [`Value`] and fitting a value into a target column.
//!
//! `docs/type-mapping.md` is the human version of these rules.

use serde::{Deserialize, Serialize};

use super::url::Dialect;
use super::value::{self, Value};

/// What a column can hold, as far as copying is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    Bool,
    /// Integer of `bytes` width (SQLite: 8).
    Int {
        bytes: u8,
        unsigned: bool,
    },
    Float {
        double: bool,
    },
    /// `None` precision: unconstrained (PostgreSQL `numeric`, SQLite).
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    /// Character text; `max_chars` when declared (VARCHAR(255)).
    Text {
        max_chars: Option<u64>,
    },
    Binary {
        max_bytes: Option<u64>,
    },
    /// MySQL BIT(n): BIT(1) reads as a boolean, wider ones as an integer.
    Bit {
        bits: u8,
    },
    Date,
    /// Fractional-second digits kept (0-6).
    Time {
        fsp: u8,
    },
    DateTime {
        fsp: u8,
    },
    /// An instant: MySQL TIMESTAMP, PostgreSQL `timestamptz`.
    Timestamp {
        fsp: u8,
    },
    Json,
    /// Enum labels (empty when unknown).
    Enum {
        labels: Vec<String>,
    },
    Uuid,
    /// Anything else, copied as its text form and left to the target to parse.
    Other {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The type as the database declares it (`decimal(18,2)`, `character varying(255)`).
    pub declared: String,
    pub kind: Kind,
    pub nullable: bool,
    /// MySQL/MariaDB text columns: the character set (`utf8mb4`, `latin1`); `None`
    /// elsewhere.
    #[serde(default)]
    pub charset: Option<String>,
}

impl Column {
    /// Whether the column's text is stored in a character set other than UTF-8 (so its
    /// bytes are not its UTF-8 bytes).
    pub fn not_utf8(&self) -> bool {
        self.charset
            .as_deref()
            .is_some_and(|cs| !matches!(cs, "utf8mb4" | "utf8mb3" | "utf8" | "ascii" | "binary"))
    }
}

impl Kind {
    /// From MySQL/MariaDB `information_schema.COLUMNS` (`DATA_TYPE`, `COLUMN_TYPE`, ...).
    pub fn from_mysql(
        data_type: &str,
        column_type: &str,
        max_chars: Option<u64>,
        precision: Option<u32>,
        scale: Option<u32>,
        fsp: Option<u32>,
    ) -> Kind {
        let unsigned = column_type.contains("unsigned");
        let fsp = fsp.unwrap_or(0).min(6) as u8;
        match data_type {
            "tinyint" => Kind::Int { bytes: 1, unsigned },
            "smallint" => Kind::Int { bytes: 2, unsigned },
            "mediumint" => Kind::Int { bytes: 3, unsigned },
            "int" | "integer" => Kind::Int { bytes: 4, unsigned },
            "bigint" => Kind::Int { bytes: 8, unsigned },
            "year" => Kind::Int {
                bytes: 2,
                unsigned: true,
            },
            "decimal" | "numeric" => Kind::Decimal { precision, scale },
            "float" => Kind::Float { double: false },
            "double" | "real" => Kind::Float { double: true },
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "set" => {
                Kind::Text { max_chars }
            }
            "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                Kind::Binary {
                    max_bytes: max_chars,
                }
            }
            "bit" => Kind::Bit {
                bits: precision.unwrap_or(1).min(64) as u8,
            },
            "enum" => Kind::Enum {
                labels: mysql_enum_labels(column_type),
            },
            "date" => Kind::Date,
            "time" => Kind::Time { fsp },
            "datetime" => Kind::DateTime { fsp },
            "timestamp" => Kind::Timestamp { fsp },
            "json" => Kind::Json,
            "uuid" => Kind::Uuid,
            other => Kind::Other {
                name: other.to_string(),
            },
        }
    }

    /// From PostgreSQL `information_schema.columns` (`udt_name` and friends).
    pub fn from_postgres(
        udt_name: &str,
        max_chars: Option<u64>,
        precision: Option<u32>,
        scale: Option<u32>,
        fsp: Option<u32>,
        enum_labels: Option<Vec<String>>,
    ) -> Kind {
        let fsp = fsp.unwrap_or(6).min(6) as u8;
        if let Some(labels) = enum_labels {
            return Kind::Enum { labels };
        }
        match udt_name {
            "bool" => Kind::Bool,
            "int2" => Kind::Int {
                bytes: 2,
                unsigned: false,
            },
            "int4" => Kind::Int {
                bytes: 4,
                unsigned: false,
            },
            "int8" => Kind::Int {
                bytes: 8,
                unsigned: false,
            },
            "numeric" => Kind::Decimal { precision, scale },
            "float4" => Kind::Float { double: false },
            "float8" => Kind::Float { double: true },
            "varchar" | "bpchar" | "text" | "citext" | "name" => Kind::Text { max_chars },
            "bytea" => Kind::Binary { max_bytes: None },
            "date" => Kind::Date,
            "time" => Kind::Time { fsp },
            "timestamp" => Kind::DateTime { fsp },
            "timestamptz" => Kind::Timestamp { fsp },
            "json" | "jsonb" => Kind::Json,
            "uuid" => Kind::Uuid,
            other => Kind::Other {
                name: other.to_string(),
            },
        }
    }

    /// From a SQLite declared type, by SQLite's own affinity rules refined by common names.
    pub fn from_sqlite(declared: &str) -> Kind {
        let t = declared.to_ascii_uppercase();
        let (precision, scale) = paren_numbers(&t);
        if t.contains("BOOL") {
            Kind::Bool
        } else if t.contains("INT") {
            Kind::Int {
                bytes: 8,
                unsigned: false,
            }
        } else if t.contains("DEC") || t.contains("NUMERIC") {
            Kind::Decimal { precision, scale }
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
            Kind::Float { double: true }
        } else if t.contains("DATETIME") || t == "TIMESTAMP" {
            Kind::DateTime { fsp: 6 }
        } else if t.contains("TIMESTAMP") {
            Kind::Timestamp { fsp: 6 }
        } else if t.contains("DATE") {
            Kind::Date
        } else if t.contains("TIME") {
            Kind::Time { fsp: 6 }
        } else if t.contains("JSON") {
            Kind::Json
        } else if t.contains("UUID") {
            Kind::Uuid
        } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
            Kind::Text { max_chars: None }
        } else if t.is_empty() || t.contains("BLOB") || t.contains("BINARY") {
            Kind::Binary { max_bytes: None }
        } else {
            Kind::Decimal {
                precision: None,
                scale: None,
            }
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, Kind::Int { .. })
    }
}

fn mysql_enum_labels(column_type: &str) -> Vec<String> {
    let inner = column_type
        .strip_prefix("enum(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_default();
    let mut labels = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quote) {
            ('\'', false) => in_quote = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                chars.next();
                cur.push('\'');
            }
            ('\'', true) => {
                in_quote = false;
                labels.push(std::mem::take(&mut cur));
            }
            (c, true) => cur.push(c),
            _ => {}
        }
    }
    labels
}

fn paren_numbers(t: &str) -> (Option<u32>, Option<u32>) {
    let Some(inner) = t.split_once('(').and_then(|(_, r)| r.split_once(')')) else {
        return (None, None);
    };
    let mut it = inner.0.split(',').map(|p| p.trim().parse::<u32>().ok());
    (it.next().flatten(), it.next().flatten())
}

/// A source cell as the driver hands it over.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    /// Text or raw bytes (MySQL text protocol, PostgreSQL `::text`, SQLite TEXT/BLOB).
    Raw(&'a [u8]),
    Int(i64),
    Real(f64),
}

/// Reads a source cell of a column into a value.
// A `Cell` is a borrowed view of one cell, cheap to hand over.
#[allow(clippy::needless_pass_by_value)]
pub fn read_cell(dialect: Dialect, kind: &Kind, cell: Cell<'_>) -> Result<Value, String> {
    let raw = match cell {
        Cell::Null => return Ok(Value::Null),
        Cell::Int(i) => return from_sqlite_int(kind, i),
        Cell::Real(f) => return from_sqlite_real(kind, f),
        Cell::Raw(raw) => raw,
    };
    if let Kind::Binary { .. } = kind {
        return match dialect {
            Dialect::Postgres => std::str::from_utf8(raw)
                .ok()
                .and_then(|s| s.strip_prefix("\\x"))
                .and_then(value::decode_hex)
                .map(Value::Bytes)
                .ok_or_else(|| "unreadable bytea text".to_string()),
            _ => Ok(Value::Bytes(raw.to_vec())),
        };
    }
    if let Kind::Bit { bits } = kind {
        if dialect == Dialect::MySql {
            let n = raw.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
            return Ok(if *bits == 1 {
                Value::Bool(n != 0)
            } else {
                int_value(n)
            });
        }
    }
    let text = std::str::from_utf8(raw)
        .map_err(|_| format!("not valid UTF-8 text for {}", kind_word(kind)))?;
    parse_text(kind, text)
}

fn kind_word(kind: &Kind) -> String {
    format!("{kind:?}")
}

fn int_value(u: u64) -> Value {
    i64::try_from(u).map_or(Value::UInt(u), Value::Int)
}

/// Parses the text form of a value of `kind`.
pub fn parse_text(kind: &Kind, s: &str) -> Result<Value, String> {
    let bad = || format!("cannot read `{s}` as {}", kind_word(kind));
    Ok(match kind {
        Kind::Bool => match s {
            "t" | "true" | "1" | "TRUE" => Value::Bool(true),
            "f" | "false" | "0" | "FALSE" => Value::Bool(false),
            _ => return Err(bad()),
        },
        Kind::Int { .. } | Kind::Bit { .. } => match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(s.parse::<u64>().map_err(|_| bad())?),
        },
        // A single-precision value reads as the nearest `f32` (its own text: PostgreSQL's
        // shortest `real` text, or MariaDB's widened DOUBLE), then widens exactly.
        Kind::Float { double: false } => {
            Value::Float(f64::from(s.parse::<f32>().map_err(|_| bad())?))
        }
        Kind::Float { double: true } => Value::Float(s.parse::<f64>().map_err(|_| bad())?),
        Kind::Decimal { .. } => {
            if !is_decimal(s) {
                return Err(format!("`{s}` is not a finite decimal number"));
            }
            Value::Decimal(s.to_string())
        }
        Kind::Text { .. } | Kind::Enum { .. } | Kind::Uuid | Kind::Other { .. } => {
            Value::Text(s.to_string())
        }
        Kind::Binary { .. } => Value::Bytes(s.as_bytes().to_vec()),
        Kind::Date => Value::Date(value::parse_date(s).ok_or_else(bad)?),
        Kind::Time { .. } => Value::Time(value::parse_time(s).ok_or_else(|| {
            format!("`{s}` is outside 00:00:00-23:59:59 (a duration, not a time of day)")
        })?),
        Kind::DateTime { .. } => Value::DateTime(value::parse_datetime(s).ok_or_else(bad)?),
        Kind::Timestamp { .. } => Value::Timestamp(value::parse_timestamp(s).ok_or_else(bad)?),
        Kind::Json => Value::Json(s.to_string()),
    })
}

fn from_sqlite_int(kind: &Kind, i: i64) -> Result<Value, String> {
    Ok(match kind {
        Kind::Bool => Value::Bool(i != 0),
        Kind::Float { .. } => Value::Float(i as f64),
        Kind::Decimal { .. } => Value::Decimal(i.to_string()),
        Kind::Text { .. } | Kind::Json | Kind::Enum { .. } | Kind::Other { .. } => {
            Value::Text(i.to_string())
        }
        Kind::Timestamp { .. } | Kind::DateTime { .. } => {
            let ts = chrono::DateTime::from_timestamp(i, 0)
                .ok_or_else(|| format!("{i} is not a unix time"))?;
            if matches!(kind, Kind::Timestamp { .. }) {
                Value::Timestamp(ts)
            } else {
                Value::DateTime(ts.naive_utc())
            }
        }
        _ => Value::Int(i),
    })
}

fn from_sqlite_real(kind: &Kind, f: f64) -> Result<Value, String> {
    Ok(match kind {
        Kind::Decimal { scale, .. } => {
            let mut s = String::new();
            value::write_float(&mut s, f);
            if !is_decimal(&s) {
                return Err(format!("{s} is not a finite decimal number"));
            }
            Value::Decimal(pad_scale(&s, *scale))
        }
        // A whole number below 2^53 in magnitude: exact as an i64.
        #[allow(clippy::cast_possible_truncation)]
        Kind::Int { .. } if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
        _ => Value::Float(f),
    })
}

/// SQLite hands back `12.3` for a DECIMAL(10,2) holding 12.30: restore the declared scale.
fn pad_scale(s: &str, scale: Option<u32>) -> String {
    let Some(scale) = scale else {
        return s.to_string();
    };
    let frac = u32::try_from(s.split_once('.').map_or(0, |(_, f)| f.len())).unwrap_or(u32::MAX);
    let mut out = s.to_string();
    if frac < scale {
        if frac == 0 {
            out.push('.');
        }
        out.extend(std::iter::repeat_n('0', (scale - frac) as usize));
    }
    out
}

/// `-12.340`, `7`, `.5`: digits with an optional sign and point, no exponent.
pub fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut digits = 0;
    let mut points = 0;
    for c in body.bytes() {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// Integer and fraction digit counts that matter (leading/trailing zeros dropped).
fn decimal_digits(s: &str) -> (usize, usize) {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    (
        int.trim_start_matches('0').len(),
        frac.trim_end_matches('0').len(),
    )
}

/// Fits a value into a target column, converting where that is exact, or says why not.
pub fn fit(v: Value, col: &Column, target: Dialect) -> Result<Value, String> {
    use Value as V;
    if v == V::Null {
        return if col.nullable {
            Ok(V::Null)
        } else {
            Err(format!("NULL cannot go into NOT NULL {}", col.declared))
        };
    }
    let cannot = |v: &Value| {
        format!(
            "{} {} does not fit {}",
            v.type_word(),
            v.display(),
            col.declared
        )
    };
    Ok(match (&col.kind, v) {
        (Kind::Bool, V::Bool(b)) => V::Bool(b),
        (Kind::Bool, V::Int(i)) if i == 0 || i == 1 => V::Bool(i == 1),
        (Kind::Int { bytes, unsigned }, v) => {
            let n: i128 = match &v {
                V::Int(i) => i128::from(*i),
                V::UInt(u) => i128::from(*u),
                V::Bool(b) => i128::from(*b),
                V::Decimal(d) | V::Text(d) if is_decimal(d) && decimal_digits(d).1 == 0 => {
                    let int = d.split('.').next().unwrap_or(d);
                    int.parse::<i128>().map_err(|_| cannot(&v))?
                }
                _ => return Err(cannot(&v)),
            };
            let bits = u32::from(*bytes) * 8;
            let (lo, hi) = if *unsigned {
                (0i128, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            if n < lo || n > hi {
                return Err(format!("{n} is out of range for {}", col.declared));
            }
            // Checked against the column's range above: what is not an i64 is a u64.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let v = i64::try_from(n).map_or_else(|_| V::UInt(n as u64), V::Int);
            v
        }
        (Kind::Float { double }, v) => {
            let f = match &v {
                V::Float(f) => *f,
                V::Int(i) if i.unsigned_abs() <= 1 << 53 => *i as f64,
                _ => return Err(cannot(&v)),
            };
            if !f.is_finite() && target == Dialect::MySql {
                return Err(format!("{f} cannot be stored by MySQL/MariaDB"));
            }
            if !*double && f.is_finite() && f.abs() > f64::from(f32::MAX) {
                return Err(format!("{f} is out of range for {}", col.declared));
            }
            // The exactness test itself: would a single-precision column give back this double?
            #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
            if !*double && f.is_finite() && f64::from(f as f32) != f {
                return Err(format!(
                    "{f} needs double precision: {} (single precision) would store {}",
                    col.declared,
                    f64::from(f as f32)
                ));
            }
            V::Float(f)
        }
        (Kind::Decimal { precision, scale }, v) => {
            let s = match v {
                V::Decimal(s) => s,
                V::Text(s) if is_decimal(&s) => s,
                V::Int(i) => i.to_string(),
                V::UInt(u) => u.to_string(),
                V::Float(f) if f.is_finite() => {
                    let mut s = String::new();
                    value::write_float(&mut s, f);
                    if !is_decimal(&s) {
                        return Err(cannot(&V::Float(f)));
                    }
                    s
                }
                other => return Err(cannot(&other)),
            };
            let (int, frac) = decimal_digits(&s);
            let scale = scale.unwrap_or(0) as usize;
            if let Some(p) = precision {
                if int > (*p as usize).saturating_sub(scale) || frac > scale {
                    return Err(format!(
                        "{s} does not fit {} without rounding",
                        col.declared
                    ));
                }
            }
            if target == Dialect::Sqlite && int + frac > 15 {
                return Err(format!(
                    "{s} has more than 15 significant digits: SQLite's NUMERIC affinity would \
                     round it; declare the column TEXT to keep it exact"
                ));
            }
            V::Decimal(s)
        }
        (Kind::Text { max_chars }, v) => {
            let s = match v {
                V::Text(s) | V::Json(s) | V::Decimal(s) => s,
                V::Bytes(b) => String::from_utf8(b)
                    .map_err(|_| format!("binary value is not UTF-8 text for {}", col.declared))?,
                V::Bool(_) if target == Dialect::MySql => return Err(cannot(&v)),
                other => {
                    let mut s = String::new();
                    other.write_plain(&mut s);
                    s
                }
            };
            if let Some(max) = max_chars {
                if s.len() as u64 > *max && s.chars().count() as u64 > *max {
                    return Err(format!(
                        "text of {} characters does not fit {}",
                        s.chars().count(),
                        col.declared
                    ));
                }
            }
            if target == Dialect::Postgres && s.contains('\0') {
                return Err("text with a NUL character cannot be stored by PostgreSQL".into());
            }
            V::Text(s)
        }
        (Kind::Binary { max_bytes }, v) => {
            let b = match v {
                V::Bytes(b) => b,
                V::Text(s) => s.into_bytes(),
                other => return Err(cannot(&other)),
            };
            if max_bytes.is_some_and(|m| b.len() as u64 > m) {
                return Err(format!("{} bytes do not fit {}", b.len(), col.declared));
            }
            V::Bytes(b)
        }
        (Kind::Bit { .. }, V::Bool(b)) => V::Int(i64::from(b)),
        (Kind::Bit { .. }, V::Int(i)) => V::Int(i),
        (Kind::Date, V::Date(d)) => V::Date(d),
        (Kind::Date, V::DateTime(dt)) if dt.time() == chrono::NaiveTime::MIN => V::Date(dt.date()),
        (Kind::Time { fsp }, V::Time(t)) => {
            check_fsp(chrono::Timelike::nanosecond(&t), *fsp, col)?;
            V::Time(t)
        }
        (Kind::DateTime { fsp }, v @ (V::DateTime(_) | V::Timestamp(_) | V::Date(_))) => {
            let dt = match v {
                V::DateTime(dt) => dt,
                V::Timestamp(ts) => ts.naive_utc(),
                V::Date(d) => d.and_time(chrono::NaiveTime::MIN),
                _ => return Err(cannot(&v)),
            };
            check_fsp(chrono::Timelike::nanosecond(&dt), *fsp, col)?;
            check_year(chrono::Datelike::year(&dt), target, col)?;
            V::DateTime(dt)
        }
        (Kind::Timestamp { fsp }, v @ (V::DateTime(_) | V::Timestamp(_))) => {
            let ts = match v {
                V::DateTime(dt) => dt.and_utc(),
                V::Timestamp(ts) => ts,
                _ => return Err(cannot(&v)),
            };
            check_fsp(chrono::Timelike::nanosecond(&ts), *fsp, col)?;
            if target == Dialect::MySql && !(1..=2_147_483_647).contains(&ts.timestamp()) {
                return Err(format!(
                    "{} is outside MySQL TIMESTAMP's range (1970-2038)",
                    V::Timestamp(ts).display()
                ));
            }
            V::Timestamp(ts)
        }
        (Kind::Json, V::Json(s)) => V::Json(s),
        (Kind::Json, V::Text(s)) => {
            serde_json::from_str::<serde::de::IgnoredAny>(&s)
                .map_err(|e| format!("text is not valid JSON for {}: {e}", col.declared))?;
            V::Json(s)
        }
        (Kind::Enum { labels }, V::Text(s)) => {
            if !labels.is_empty() && !labels.contains(&s) {
                return Err(format!("'{s}' is not a label of {}", col.declared));
            }
            V::Text(s)
        }
        (Kind::Uuid, V::Bytes(b)) if b.len() == 16 => {
            let mut h = String::new();
            value::push_hex(&mut h, &b);
            V::Text(format!(
                "{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }
        (Kind::Uuid | Kind::Other { .. }, V::Bytes(b)) => return Err(cannot(&V::Bytes(b))),
        (Kind::Uuid | Kind::Other { .. }, v) => v,
        (_, v) => return Err(cannot(&v)),
    })
}

fn check_fsp(nanos: u32, fsp: u8, col: &Column) -> Result<(), String> {
    let unit = 10u32.pow(9 - u32::from(fsp.min(6)));
    if nanos % unit != 0 {
        return Err(format!(
            "fractional seconds .{:06} would be rounded by {}",
            nanos / 1000,
            col.declared
        ));
    }
    Ok(())
}

fn check_year(year: i32, target: Dialect, col: &Column) -> Result<(), String> {
    if target == Dialect::MySql && !(1000..=9999).contains(&year) {
        return Err(format!(
            "year {year} is outside {}'s range 1000-9999",
            col.declared
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(kind: Kind, declared: &str) -> Column {
        Column {
            name: "c".into(),
            declared: declared.into(),
            kind,
            nullable: true,
            charset: None,
        }
    }

    #[test]
    fn decimals_fit_exactly_or_fail() {
        let c = col(
            Kind::Decimal {
                precision: Some(18),
                scale: Some(2),
            },
            "numeric(18,2)",
        );
        assert!(fit(
            Value::Decimal("1234567890123456.10".into()),
            &c,
            Dialect::Postgres
        )
        .is_ok());
        assert!(fit(
            Value::Decimal("12345678901234567.1".into()),
            &c,
            Dialect::Postgres
        )
        .is_err());
        assert!(fit(Value::Decimal("1.125".into()), &c, Dialect::Postgres).is_err());
    }

    #[test]
    fn unsigned_bigint_does_not_fit_signed() {
        let c = col(
            Kind::Int {
                bytes: 8,
                unsigned: false,
            },
            "bigint",
        );
        let err = fit(Value::UInt(u64::MAX), &c, Dialect::Postgres).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        let u = col(
            Kind::Int {
                bytes: 8,
                unsigned: true,
            },
            "bigint unsigned",
        );
        assert_eq!(
            fit(Value::UInt(u64::MAX), &u, Dialect::MySql).unwrap(),
            Value::UInt(u64::MAX)
        );
    }

    // Exact comparison is the point: a single-precision value must come back bit for bit.
    #[allow(clippy::float_cmp, clippy::cast_possible_truncation)]
    #[test]
    fn single_floats_read_and_fit_bit_exact() {
        let single = Kind::Float { double: false };
        for text in [
            "16777216",
            "1.0000001",
            "3.1415927",
            "1e-45",
            "3.4028235e+38",
            "0.1",
        ] {
            let want: f32 = text.parse().unwrap();
            let Value::Float(got) = parse_text(&single, text).unwrap() else {
                panic!("{text} is not a float");
            };
            assert_eq!((got as f32).to_bits(), want.to_bits(), "{text}");
            assert_eq!(got, f64::from(want), "{text} widens exactly");
        }
        // MariaDB's widened DOUBLE text of 0.1f32 reads as the same f32.
        assert_eq!(
            parse_text(&single, "0.10000000149011612").unwrap(),
            Value::Float(f64::from(0.1f32))
        );
        let real = col(single, "real");
        assert!(fit(Value::Float(f64::from(0.1f32)), &real, Dialect::Postgres).is_ok());
        let err = fit(Value::Float(0.1), &real, Dialect::Postgres).unwrap_err();
        assert!(
            err.contains("0.1 needs double precision: real (single precision) would store 0.10000000149011612"),
            "{err}"
        );
        assert!(fit(Value::Float(f64::NAN), &real, Dialect::Postgres).is_ok());
    }

    #[test]
    fn enum_labels_parse() {
        assert_eq!(
            mysql_enum_labels("enum('a','it''s','c')"),
            vec!["a", "it's", "c"]
        );
        assert!(matches!(
            Kind::from_sqlite("DECIMAL(10,2)"),
            Kind::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        ));
    }
}
