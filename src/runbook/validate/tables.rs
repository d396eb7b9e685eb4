//! `tables = [...]` or `tables = { pattern = "...", except = [...] }` on a copy or recon
//! job: which fields go with it, and what the list or pattern may be. A pattern is only
//! checked for its form here: which tables it matches is found when the step starts.

use std::ops::Range;

use toml::Spanned;

use super::Validator;
use crate::runbook::model::TableSet;
use crate::runbook::names::is_identifier;

/// The table fields of a `[[copy]]` or `[[recon]]` as written.
pub(super) struct TableFields<'r> {
    pub name_span: Range<usize>,
    pub source_table: Option<&'r Spanned<String>>,
    pub target_table: Option<&'r Spanned<String>>,
    pub key: Option<&'r Spanned<Vec<String>>>,
    pub tables: Option<&'r Spanned<toml::Value>>,
    /// Fields that name one table's columns: they do not apply to many tables.
    pub per_table: Vec<(&'static str, Range<usize>)>,
    /// Without `tables`, the job must name its table and key (an external copy, one job
    /// run by another engine, need not).
    pub needs_table: bool,
}

/// What a job runs on: one table (source, target, key) or a set of tables.
pub(super) enum Tables {
    One {
        source_table: String,
        target_table: String,
        key: Vec<String>,
    },
    Many {
        tables: TableSet,
        /// Empty: each table's own primary key.
        key: Vec<String>,
    },
}

impl Validator<'_, '_> {
    /// `None` when something is wrong (reported).
    pub(super) fn job_tables(&mut self, f: &TableFields<'_>, what: &str) -> Option<Tables> {
        let Some(tables) = f.tables else {
            let mut missing = Vec::new();
            if f.source_table.is_none() {
                missing.push("`source_table`");
            }
            if f.target_table.is_none() {
                missing.push("`target_table`");
            }
            if f.key.is_none() {
                missing.push("`key`");
            }
            if !missing.is_empty() && f.needs_table {
                self.error(
                    f.name_span.clone(),
                    format!("{what} is missing {}", join_and(&missing)),
                    "name one table (source_table = \"orders\", target_table = \"orders\", key = [\"id\"]), or several with tables = [\"orders\", \"customers\"] or tables = { pattern = \"shop_%\" }",
                );
                return None;
            }
            let text =
                |v: Option<&Spanned<String>>| v.map(|s| s.get_ref().clone()).unwrap_or_default();
            return Some(Tables::One {
                source_table: text(f.source_table),
                target_table: text(f.target_table),
                key: f.key.map(|k| k.get_ref().clone()).unwrap_or_default(),
            });
        };
        let mut ok = true;
        let one_table = [
            ("source_table", f.source_table.map(Spanned::span)),
            ("target_table", f.target_table.map(Spanned::span)),
        ];
        for (field, span) in one_table
            .into_iter()
            .filter_map(|(n, s)| s.map(|s| (n, s)))
            .chain(f.per_table.iter().cloned())
        {
            self.error(
                span,
                format!("`{field}` does not apply to {what}, which runs on `tables`"),
                "each table is copied or compared whole, under its own name on both sides: remove it, or declare that table as a job of its own",
            );
            ok = false;
        }
        if let Some(k) = f.key {
            if k.get_ref().is_empty() {
                self.non_empty_list(k, what, "key");
                ok = false;
            }
        }
        let set = self.table_set(tables, what);
        Some(Tables::Many {
            tables: set.filter(|_| ok)?,
            key: f.key.map(|k| k.get_ref().clone()).unwrap_or_default(),
        })
    }

    fn table_set(&mut self, raw: &Spanned<toml::Value>, what: &str) -> Option<TableSet> {
        const FORMS: &str = "write tables = [\"orders\", \"customers\"] or tables = { pattern = \"shop_%\" } (with except = [\"shop_tmp\"] to leave some out)";
        match raw.get_ref() {
            toml::Value::Array(items) => {
                let list = self.table_names(items, raw.span(), what, "tables")?;
                if list.is_empty() {
                    self.error(
                        raw.span(),
                        format!("{what} lists no table in `tables`"),
                        FORMS,
                    );
                    return None;
                }
                Some(TableSet::List(list))
            }
            toml::Value::Table(t) => {
                let mut ok = true;
                if let Some(k) = t.keys().find(|k| *k != "pattern" && *k != "except") {
                    self.error(
                        raw.span(),
                        format!("`tables` of {what} has an unknown field `{k}`"),
                        FORMS,
                    );
                    ok = false;
                }
                let pattern = match t.get("pattern") {
                    Some(toml::Value::String(p)) if !p.trim().is_empty() => Some(p.clone()),
                    _ => {
                        self.error(
                            raw.span(),
                            format!("`tables` of {what} has no `pattern`"),
                            "give a SQL LIKE pattern matched against the source's table names, e.g. tables = { pattern = \"shop_%\" } (`%` any run of characters, `_` one character)",
                        );
                        None
                    }
                };
                let except = match t.get("except") {
                    None => Some(Vec::new()),
                    Some(toml::Value::Array(items)) => {
                        self.table_names(items, raw.span(), what, "except")
                    }
                    Some(_) => {
                        self.error(
                            raw.span(),
                            format!("`except` of `tables` of {what} must be a list of table names"),
                            "write except = [\"shop_tmp\"]",
                        );
                        None
                    }
                };
                let (pattern, except) = (pattern?, except?);
                ok.then_some(TableSet::Pattern { pattern, except })
            }
            other => {
                self.error(
                    raw.span(),
                    format!(
                        "`tables` of {what} must be a list or a pattern, not {}",
                        other.type_str()
                    ),
                    FORMS,
                );
                None
            }
        }
    }

    /// Table names: texts, each a valid name (`schema.table` allowed), none twice.
    fn table_names(
        &mut self,
        items: &[toml::Value],
        span: Range<usize>,
        what: &str,
        field: &str,
    ) -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for item in items {
            let toml::Value::String(name) = item else {
                self.error(
                    span.clone(),
                    format!("`{field}` of {what} must list table names as texts"),
                    "write [\"orders\", \"customers\"]",
                );
                return None;
            };
            if !is_identifier(name) || name.contains('/') {
                self.error(
                    span.clone(),
                    format!("`{field}` of {what} lists `{name}`, which is not a table name"),
                    "use only letters, digits, '-', '_' and '.' (schema.table)",
                );
                return None;
            }
            if out.contains(name) {
                self.error(
                    span.clone(),
                    format!("`{field}` of {what} lists `{name}` twice"),
                    "list each table once: each gets one job",
                );
                return None;
            }
            out.push(name.clone());
        }
        Some(out)
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
