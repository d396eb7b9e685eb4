//! Check and shell actions: conditions (`expect`), cross-connection compares, `holds_for`,
//! `ready`, a command's `result` and the `report` attached to the evidence.

use std::ops::Range;

use toml::Spanned;

use super::{JobKind, Validator};
use crate::runbook::model::{
    Check, CheckWhen, CompareCheck, Condition, Query, ResultSource, ShellAction, ShellResult,
    SqlCheck, Tolerance,
};
use crate::runbook::names::did_you_mean;
use crate::runbook::raw::{RawCheck, RawQuery, RawShellResult, SString};

const CONDITIONS: &[&str] = &[
    "equals",
    "at_least",
    "at_most",
    "between",
    "pass_rate_at_least",
];

const CONDITION_HELP: &str = "write expect = \"0\", or exactly one of { equals = \"x\" }, { at_least = 99.5 }, { at_most = 0 }, { between = [1, 10] }, { pass_rate_at_least = 99.9 }";

impl Validator<'_, '_> {
    pub(super) fn check(
        &mut self,
        check: &Spanned<RawCheck>,
        report: Option<String>,
        report_span: Option<Range<usize>>,
        what: &str,
    ) -> Option<Check> {
        let c = check.get_ref();
        if let Some(named) = &c.named {
            return self.named_check(named, c, report.as_ref(), what);
        }
        let given = [c.probe.is_some(), c.sql.is_some(), c.compare.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            self.error(
                check.span(),
                format!("the check in {what} must have exactly one of `probe`, `sql` and `compare`"),
                "write check = { probe = \"NAME\" }, check = { sql = \"SELECT ...\", connection = \"NAME\", expect = \"0\" }, check = { compare = { source = { connection = \"src\", sql = \"...\" }, target = { connection = \"dst\", sql = \"...\" } } } or check = \"preflight\"",
            );
            return None;
        }
        if let Some(p) = &c.probe {
            for (field, span) in [
                ("connection", c.connection.as_ref().map(Spanned::span)),
                ("expect", c.expect.as_ref().map(Spanned::span)),
                ("holds_for", c.holds_for.as_ref().map(Spanned::span)),
                ("ready", c.ready.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    self.error(
                        span,
                        format!("`{field}` does not apply to a probe check in {what}"),
                        format!("remove `{field}`: the probe's thresholds decide"),
                    );
                }
            }
            if report.is_some() {
                self.error(
                    report_span.unwrap_or_else(|| check.span()),
                    format!("`report` does not apply to a probe check in {what}"),
                    "remove `report`: a probe check reports probe:NAME, which carries no report",
                );
            }
            self.job(JobKind::Probe, p, what);
            return Some(Check::Probe(p.get_ref().clone()));
        }
        if let Some(cmp) = &c.compare {
            for (field, span) in [
                ("connection", c.connection.as_ref().map(Spanned::span)),
                ("expect", c.expect.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    self.error(
                        span,
                        format!("`{field}` does not apply to a compare check in {what}"),
                        format!("remove `{field}`: each side names its own connection, and `tolerance` says how far apart they may be"),
                    );
                }
            }
            let r = cmp.get_ref();
            let owner = format!("the compare check in {what}");
            let source = self.query(&r.source, None, &format!("`source` of {owner}"));
            let target = self.query(&r.target, None, &format!("`target` of {owner}"));
            let tolerance = match &r.tolerance {
                Some(t) => self.tolerance(t, &owner),
                None => Some(Tolerance::Absolute(0.0)),
            };
            let default_conn = r.target.get_ref().connection.as_ref();
            let when = self.when(c, default_conn, report, &owner);
            return Some(Check::Compare(CompareCheck {
                source: source?,
                target: target?,
                tolerance: tolerance?,
                when: when?,
            }));
        }
        let sql = c.sql.as_ref()?;
        let owner = format!("the SQL check in {what}");
        let conn = self.require(
            c.connection.as_ref(),
            check.span(),
            &owner,
            "connection",
            "sql = \"...\"",
        );
        if let Some(conn) = conn {
            self.connection(conn, what);
        }
        let expect = match &c.expect {
            Some(e) => Some(self.condition(e, &format!("`expect` in {what}"))?),
            None => None,
        };
        let when = self.when(c, c.connection.as_ref(), report, &owner);
        Some(Check::Sql(SqlCheck {
            connection: conn?.get_ref().clone(),
            query: sql.get_ref().clone(),
            expect,
            when: when?,
        }))
    }

    /// `check = "preflight"`: a word and nothing else.
    fn named_check(
        &mut self,
        named: &SString,
        c: &RawCheck,
        report: Option<&String>,
        what: &str,
    ) -> Option<Check> {
        if named.get_ref() != "preflight" {
            self.error(
                named.span(),
                format!("unknown check `{}` in {what}", named.get_ref()),
                "the one check named by a word is check = \"preflight\"; or write a table: { probe = ... }, { sql = ... } or { compare = ... }",
            );
            return None;
        }
        let others = [
            c.probe.is_some() || c.sql.is_some() || c.compare.is_some(),
            c.connection.is_some() || c.expect.is_some(),
            c.holds_for.is_some() || c.ready.is_some(),
        ];
        if others.iter().any(|o| *o) || report.is_some() {
            self.error(
                named.span(),
                format!("the preflight check in {what} takes no other fields"),
                "write action = { check = \"preflight\" }: it scans every copy and recon pair of the runbook",
            );
            return None;
        }
        Some(Check::Preflight)
    }

    /// `holds_for`, `ready` and `report` of a SQL or compare check.
    fn when(
        &mut self,
        c: &RawCheck,
        default_conn: Option<&SString>,
        report: Option<String>,
        owner: &str,
    ) -> Option<CheckWhen> {
        let holds_for = match &c.holds_for {
            Some(n) if *n.get_ref() < 1 || *n.get_ref() > i64::from(u32::MAX) => {
                self.error(
                    n.span(),
                    format!("`holds_for` of {owner} must be at least 1"),
                    "give how many runs in a row (5 s apart) must hold, e.g. holds_for = 3, or leave it out for 1",
                );
                None
            }
            Some(n) => u32::try_from(*n.get_ref()).ok(),
            None => Some(1),
        };
        let ready = match &c.ready {
            Some(r) => Some(self.query(r, default_conn, &format!("`ready` of {owner}"))?),
            None => None,
        };
        Some(CheckWhen {
            holds_for: holds_for?,
            ready,
            report,
        })
    }

    /// `{ connection, sql }`; `default` stands in for a missing connection.
    fn query(
        &mut self,
        q: &Spanned<RawQuery>,
        default: Option<&SString>,
        owner: &str,
    ) -> Option<Query> {
        let r = q.get_ref();
        if r.sql.get_ref().trim().is_empty() {
            self.error(
                r.sql.span(),
                format!("{owner} has an empty `sql`"),
                "give the query whose first row counts",
            );
        }
        let conn = match (&r.connection, default) {
            (Some(c), _) => {
                self.connection(c, owner);
                Some(c)
            }
            (None, Some(d)) => Some(d),
            (None, None) => {
                self.error(
                    q.span(),
                    format!("{owner} has no `connection`"),
                    "add connection = \"<name from [connections]>\"",
                );
                None
            }
        };
        Some(Query {
            connection: conn?.get_ref().clone(),
            sql: r.sql.get_ref().clone(),
        })
    }

    /// `expect`: text, a number or a boolean (equality as text), or a condition table.
    pub(super) fn condition(&mut self, e: &Spanned<toml::Value>, what: &str) -> Option<Condition> {
        let span = e.span();
        let table = match e.get_ref() {
            toml::Value::Table(t) => t,
            other => {
                if let Some(text) = scalar_text(other) {
                    return Some(Condition::Equals(text));
                }
                self.error(
                    span,
                    format!("{what} must be text, a number, a boolean or a condition table"),
                    CONDITION_HELP,
                );
                return None;
            }
        };
        if table.len() != 1 {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            self.error(
                span,
                format!(
                    "{what} must have exactly one condition; it has {}",
                    if keys.is_empty() {
                        "none".to_string()
                    } else {
                        keys.join(" and ")
                    }
                ),
                CONDITION_HELP,
            );
            return None;
        }
        let (key, value) = table.iter().next()?;
        let number = |v: &toml::Value| match v {
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::Float(f) if f.is_finite() => Some(*f),
            _ => None,
        };
        let condition = match key.as_str() {
            "equals" => scalar_text(value).map(Condition::Equals),
            "at_least" => number(value).map(Condition::AtLeast),
            "at_most" => number(value).map(Condition::AtMost),
            "between" => match value {
                toml::Value::Array(a) if a.len() == 2 => match (number(&a[0]), number(&a[1])) {
                    (Some(lo), Some(hi)) if lo <= hi => Some(Condition::Between(lo, hi)),
                    (Some(_), Some(_)) => {
                        self.error(
                            span,
                            format!("`between` in {what} has its minimum above its maximum"),
                            "write between = [min, max] with min <= max",
                        );
                        return None;
                    }
                    _ => None,
                },
                _ => None,
            },
            "pass_rate_at_least" => match number(value) {
                Some(p) if (0.0..=100.0).contains(&p) => Some(Condition::PassRateAtLeast(p)),
                Some(_) => {
                    self.error(
                        span,
                        format!("`pass_rate_at_least` in {what} is not a percentage from 0 to 100"),
                        "write pass_rate_at_least = 99.9 (percent of passed out of total)",
                    );
                    return None;
                }
                None => None,
            },
            other => {
                let hint = did_you_mean(other, CONDITIONS.iter().copied());
                self.error(
                    span,
                    format!("{what} has unknown condition `{other}`"),
                    format!(
                        "fix the spelling{hint}; the conditions are {}",
                        CONDITIONS.join(", ")
                    ),
                );
                return None;
            }
        };
        if condition.is_none() {
            let (kind, example) = match key.as_str() {
                "equals" => ("text, a number or a boolean", "equals = \"done\""),
                "between" => ("two numbers", "between = [1, 10]"),
                "pass_rate_at_least" => ("a percentage", "pass_rate_at_least = 99.9"),
                "at_most" => ("a number", "at_most = 0"),
                _ => ("a number", "at_least = 99.5"),
            };
            self.error(
                span,
                format!("`{key}` in {what} must be {kind}"),
                format!("write {example}"),
            );
        }
        condition
    }

    fn tolerance(&mut self, t: &Spanned<toml::Value>, owner: &str) -> Option<Tolerance> {
        let tolerance = match t.get_ref() {
            toml::Value::Integer(i) if *i >= 0 => Some(Tolerance::Absolute(*i as f64)),
            toml::Value::Float(f) if *f >= 0.0 && f.is_finite() => Some(Tolerance::Absolute(*f)),
            toml::Value::String(s) => s
                .trim()
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<f64>().ok())
                .filter(|p| *p >= 0.0 && p.is_finite())
                .map(Tolerance::Percent),
            _ => None,
        };
        if tolerance.is_none() {
            self.error(
                t.span(),
                format!("`tolerance` of {owner} is not a number of at least 0 or a percentage"),
                "write tolerance = 0 (exact), tolerance = 5 (absolute) or tolerance = \"0.1%\" (of the source's value)",
            );
        }
        tolerance
    }

    pub(super) fn shell(
        &mut self,
        command: &SString,
        result: Option<&Spanned<RawShellResult>>,
        report: Option<String>,
        what: &str,
    ) -> Option<ShellAction> {
        if command.get_ref().trim().is_empty() {
            self.error(
                command.span(),
                format!("{what} has an empty shell command"),
                "give the command to run, or remove the action",
            );
        }
        let result = match result {
            Some(r) => Some(self.shell_result(r, what)?),
            None => None,
        };
        Some(ShellAction {
            command: command.get_ref().clone(),
            result,
            report,
        })
    }

    fn shell_result(&mut self, r: &Spanned<RawShellResult>, what: &str) -> Option<ShellResult> {
        let raw = r.get_ref();
        let owner = format!("`result` of {what}");
        let from = match (&raw.json, &raw.last_line) {
            (Some(p), None) => {
                let ptr = p.get_ref();
                if !(ptr.is_empty() || ptr.starts_with('/')) {
                    self.error(
                        p.span(),
                        format!("{owner}: `{ptr}` is not a JSON pointer"),
                        format!("a JSON pointer starts with '/': json = \"/{ptr}\" (\"\" is the whole document)"),
                    );
                    return None;
                }
                ResultSource::Json(ptr.clone())
            }
            (None, Some(l)) if *l.get_ref() => ResultSource::LastLine,
            _ => {
                self.error(
                    r.span(),
                    format!("{owner} must have exactly one of `json` and `last_line = true`"),
                    "write result = { json = \"/summary/differences\", expect = { at_most = 0 } } or result = { last_line = true }",
                );
                return None;
            }
        };
        let expect = match &raw.expect {
            Some(e) => Some(self.condition(e, &format!("`expect` of {owner}"))?),
            None => None,
        };
        Some(ShellResult { from, expect })
    }

    /// `report = "path or URL"`: text, not empty.
    pub(super) fn report(&mut self, report: &SString, what: &str) -> Option<String> {
        if report.get_ref().trim().is_empty() {
            self.error(
                report.span(),
                format!("{what} has an empty `report`"),
                "give the path or URL of the tool's report, or remove `report`",
            );
            return None;
        }
        Some(report.get_ref().clone())
    }

    pub(super) fn not_for(&mut self, span: Range<usize>, field: &str, action: &str, what: &str) {
        let applies = if field == "result" {
            "a shell action"
        } else {
            "a check (sql or compare) or shell action"
        };
        self.error(
            span,
            format!("`{field}` does not apply to {what}, a {action}"),
            format!("remove `{field}`: it applies to {applies}"),
        );
    }
}

fn scalar_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}
