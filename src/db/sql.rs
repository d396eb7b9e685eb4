//! The SQL that differs between dialects: identifier quoting, literals, key-range
//! predicates, upserts, and PostgreSQL COPY text rows.

use super::types::Kind;
use super::url::Dialect;
use super::value::{self, Value};

/// `schema.table` or `table` as written in a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub schema: Option<String>,
    pub name: String,
}

impl TableRef {
    pub fn parse(s: &str) -> TableRef {
        match s.split_once('.') {
            Some((schema, name)) => TableRef {
                schema: Some(schema.to_string()),
                name: name.to_string(),
            },
            None => TableRef {
                schema: None,
                name: s.to_string(),
            },
        }
    }

    pub fn quoted(&self, d: Dialect) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", quote_ident(d, s), quote_ident(d, &self.name)),
            None => quote_ident(d, &self.name),
        }
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

pub fn quote_ident(d: Dialect, ident: &str) -> String {
    match d {
        Dialect::MySql => format!("`{}`", ident.replace('`', "``")),
        _ => format!("\"{}\"", ident.replace('"', "\"\"")),
    }
}

/// The expression that reads column `quoted` (already quoted) of `kind` so that its text
/// holds every bit of the value: PostgreSQL casts to `text` (exact for every type, floats
/// included under sqlx's `extra_float_digits`); MySQL/MariaDB send a `FLOAT` in the text
/// protocol with 6 significant digits (`1.67772e7` for 16777216), so a single-precision
/// float is widened to `DOUBLE` (exact) and sent with all of its digits. `f * 1e0` widens
/// on every version (MySQL 5.7 has no `CAST(... AS DOUBLE)`) and keeps the sign of zero.
pub fn exact_read(d: Dialect, quoted: &str, kind: &Kind) -> String {
    match (d, kind) {
        (Dialect::Postgres, _) => format!("{quoted}::text"),
        (Dialect::MySql, Kind::Float { double: false }) => format!("({quoted} * 1e0)"),
        _ => quoted.to_string(),
    }
}

/// How string literals must be escaped on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralStyle {
    pub dialect: Dialect,
    /// MySQL without `NO_BACKSLASH_ESCAPES`: backslash is an escape character.
    pub backslash_escapes: bool,
}

impl LiteralStyle {
    pub fn new(dialect: Dialect) -> LiteralStyle {
        LiteralStyle {
            dialect,
            backslash_escapes: dialect == Dialect::MySql,
        }
    }
}

/// Appends `s` as a quoted string literal.
pub fn push_str_literal(out: &mut String, style: LiteralStyle, s: &str) {
    out.reserve(s.len() + 2);
    out.push('\'');
    // Every character escaped is ASCII, so runs between them are copied whole.
    let mut rest = s;
    if style.backslash_escapes {
        while let Some(at) = rest.find(['\'', '\\', '\0', '\n', '\r', '\x1a']) {
            out.push_str(&rest[..at]);
            out.push_str(match rest.as_bytes()[at] {
                b'\'' => "\\'",
                b'\\' => "\\\\",
                b'\0' => "\\0",
                b'\n' => "\\n",
                b'\r' => "\\r",
                _ => "\\Z",
            });
            rest = &rest[at + 1..];
        }
    } else {
        while let Some(at) = rest.find('\'') {
            out.push_str(&rest[..=at]);
            out.push('\'');
            rest = &rest[at + 1..];
        }
    }
    out.push_str(rest);
    out.push('\'');
}

/// Appends a value as a SQL literal of the dialect.
pub fn push_literal(out: &mut String, style: LiteralStyle, v: &Value) {
    let d = style.dialect;
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(match (d, b) {
            (Dialect::Postgres, true) => "TRUE",
            (Dialect::Postgres, false) => "FALSE",
            (_, true) => "1",
            (_, false) => "0",
        }),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) if d != Dialect::Sqlite => {
            v.write_plain(out);
        }
        Value::Int(_) => v.write_plain(out),
        Value::Float(f) if f.is_finite() => v.write_plain(out),
        Value::Float(_) => {
            let mut s = String::new();
            v.write_plain(&mut s);
            push_str_literal(out, style, &s);
            if d == Dialect::Postgres {
                out.push_str("::float8");
            }
        }
        Value::Bytes(b) => {
            if d == Dialect::Postgres {
                out.push_str("'\\x");
                value::push_hex(out, b);
                out.push_str("'::bytea");
            } else {
                out.push_str("X'");
                value::push_hex(out, b);
                out.push('\'');
            }
        }
        Value::Text(s) | Value::Json(s) if d == Dialect::Sqlite && s.contains('\0') => {
            out.push_str("CAST(X'");
            value::push_hex(out, s.as_bytes());
            out.push_str("' AS TEXT)");
        }
        Value::Text(s) | Value::Json(s) => push_str_literal(out, style, s),
        Value::Timestamp(_) if d == Dialect::Postgres => {
            let mut s = String::new();
            v.write_plain(&mut s);
            s.push_str("+00");
            push_str_literal(out, style, &s);
        }
        other => {
            let mut s = String::new();
            other.write_plain(&mut s);
            push_str_literal(out, style, &s);
        }
    }
}

pub fn literal(style: LiteralStyle, v: &Value) -> String {
    let mut s = String::new();
    push_literal(&mut s, style, v);
    s
}

/// Appends one value in PostgreSQL COPY text format.
pub fn push_copy_text(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("\\N"),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Text(s) | Value::Json(s) => push_copy_escaped(out, s),
        Value::Bytes(b) => {
            out.push_str("\\\\x");
            value::push_hex(out, b);
        }
        Value::Timestamp(_) => {
            v.write_plain(out);
            out.push_str("+00");
        }
        other => other.write_plain(out),
    }
}

/// Appends `s` in COPY text format (backslash, newline, carriage return and tab escaped).
pub fn push_copy_escaped(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(at) = rest.find(['\\', '\n', '\r', '\t']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => "\\t",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Comparison of a key tuple (or a prefix of it) with values: `(a, b) > (1, 'x')`,
/// expanded into ORs of equalities so every dialect's planner can use the index.
pub fn tuple_cmp(style: LiteralStyle, cols: &[String], vals: &[Value], op: Cmp) -> String {
    let q: Vec<String> = cols.iter().map(|c| quote_ident(style.dialect, c)).collect();
    tuple_cmp_exprs(style, &q, vals, op)
}

/// [`tuple_cmp`] over SQL expressions (e.g. a text column compared by its bytes).
pub fn tuple_cmp_exprs(style: LiteralStyle, q: &[String], vals: &[Value], op: Cmp) -> String {
    let n = vals.len().min(q.len());
    if n == 0 {
        return "TRUE".into();
    }
    let q = &q[..n];
    let lits: Vec<String> = vals[..n].iter().map(|v| literal(style, v)).collect();
    if style.dialect == Dialect::Postgres && n > 1 {
        return format!("({}) {} ({})", q.join(", "), op.sql(), lits.join(", "));
    }
    let mut ors = Vec::with_capacity(n);
    for i in 0..n {
        let mut ands: Vec<String> = (0..i).map(|j| format!("{} = {}", q[j], lits[j])).collect();
        let last_op = if i + 1 == n { op } else { op.strict() };
        ands.push(format!("{} {} {}", q[i], last_op.sql(), lits[i]));
        ors.push(ands.join(" AND "));
    }
    if ors.len() == 1 {
        ors.remove(0)
    } else {
        format!("(({}))", ors.join(") OR ("))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
        }
    }

    fn strict(self) -> Cmp {
        match self {
            Cmp::Ge => Cmp::Gt,
            Cmp::Le => Cmp::Lt,
            other => other,
        }
    }
}

/// The tail of an idempotent multi-row insert: what to do when the key exists.
pub fn upsert_tail(d: Dialect, cols: &[String], key: &[String]) -> String {
    let rest: Vec<&String> = cols.iter().filter(|c| !key.contains(c)).collect();
    let keys: Vec<String> = key.iter().map(|k| quote_ident(d, k)).collect();
    if d == Dialect::MySql {
        // With nothing but the key, "update the key to itself" keeps the statement valid.
        let set: Vec<String> = if rest.is_empty() {
            keys.iter().map(|k| format!("{k} = {k}")).collect()
        } else {
            rest.iter()
                .map(|c| {
                    let q = quote_ident(d, c);
                    format!("{q} = VALUES({q})")
                })
                .collect()
        };
        format!(" ON DUPLICATE KEY UPDATE {}", set.join(", "))
    } else {
        if rest.is_empty() {
            return format!(" ON CONFLICT ({}) DO NOTHING", keys.join(", "));
        }
        let set: Vec<String> = rest
            .iter()
            .map(|c| {
                let q = quote_ident(d, c);
                format!("{q} = excluded.{q}")
            })
            .collect();
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            keys.join(", "),
            set.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut s = String::new();
        push_copy_escaped(&mut s, "a\\b\tc\nd\re – ü");
        assert_eq!(s, "a\\\\b\\tc\\nd\\re – ü");
    }

    #[test]
    fn string_literals_escape_runs_between_specials() {
        let mysql = LiteralStyle::new(Dialect::MySql);
        let pg = LiteralStyle::new(Dialect::Postgres);
        let mut s = String::new();
        push_str_literal(&mut s, mysql, "it's a\\b\0\n\r\x1aü");
        assert_eq!(s, "'it\\'s a\\\\b\\0\\n\\r\\Zü'");
        s.clear();
        push_str_literal(&mut s, pg, "it's 'ü'");
        assert_eq!(s, "'it''s ''ü'''");
    }

    #[test]
    fn literals_escape_per_dialect() {
        let my = LiteralStyle::new(Dialect::MySql);
        let pg = LiteralStyle::new(Dialect::Postgres);
        let v = Value::Text("it's a \\ test".into());
        assert_eq!(literal(my, &v), "'it\\'s a \\\\ test'");
        assert_eq!(literal(pg, &v), "'it''s a \\ test'");
        assert_eq!(literal(pg, &Value::Bytes(vec![0, 1])), "'\\x0001'::bytea");
        assert_eq!(literal(my, &Value::Bytes(vec![0, 1])), "X'0001'");
    }

    #[test]
    fn tuple_comparisons_expand() {
        let my = LiteralStyle::new(Dialect::MySql);
        let cols = vec!["a".to_string(), "b".to_string()];
        let s = tuple_cmp(my, &cols, &[Value::Int(1), Value::Int(2)], Cmp::Ge);
        assert_eq!(s, "((`a` > 1) OR (`a` = 1 AND `b` >= 2))");
        assert_eq!(tuple_cmp(my, &cols, &[Value::Int(5)], Cmp::Lt), "`a` < 5");
    }

    #[test]
    fn single_floats_are_read_widened() {
        let single = Kind::Float { double: false };
        let double = Kind::Float { double: true };
        assert_eq!(exact_read(Dialect::MySql, "`f`", &single), "(`f` * 1e0)");
        assert_eq!(exact_read(Dialect::MySql, "`f`", &double), "`f`");
        assert_eq!(
            exact_read(Dialect::Postgres, "\"f\"", &single),
            "\"f\"::text"
        );
        assert_eq!(exact_read(Dialect::Sqlite, "\"f\"", &single), "\"f\"");
    }

    #[test]
    fn copy_text_escapes() {
        let mut s = String::new();
        push_copy_text(&mut s, &Value::Text("a\tb\\c\n".into()));
        assert_eq!(s, "a\\tb\\\\c\\n");
    }
}
