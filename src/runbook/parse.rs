//! Reading a runbook file: TOML syntax, then each section and item deserialized on its
//! own (so that every problem is listed, not just the first), then validation.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceMap};
use super::model::Runbook;
use super::names::did_you_mean;
use super::raw::{
    Broken, RawAnnounce, RawConnection, RawCopy, RawIdGenerator, RawMeta, RawPerson, RawPhase,
    RawPhaseHead, RawProbe, RawRecon, RawRunbook, RawStep, SString,
};
use super::syntax;
use super::validate;

/// A runbook that passed validation, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub runbook: Runbook,
    pub warnings: Vec<Diagnostic>,
    /// The text it was parsed from (what `--listen` hands remote consoles).
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read runbook `{}`: {source} (check the path, that it is a UTF-8 text file and that you may read it)", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("runbook is invalid ({} error(s)); run `warroom check` on it to see where", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
}

/// Reads and validates the runbook at `path`. Diagnostics name the path as given.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&path.display().to_string(), &text).map_err(LoadError::Invalid)
}

/// Parses and validates runbook text. On failure the vector holds every error and warning
/// found, ordered by position in the file.
pub fn parse_str(file_name: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let map = SourceMap::new(file_name, text);
    let mut diags = Vec::new();
    let runbook = read_raw(&map, text, &mut diags)
        .and_then(|raw| validate::build(&map, raw, text, &mut diags));
    diags.sort_by_key(|d| (d.line, d.column));
    match runbook {
        Some(runbook) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            runbook,
            warnings: diags,
            text: text.to_string(),
        }),
        _ => Err(diags),
    }
}

const SECTIONS: &[&str] = &[
    "runbook",
    "people",
    "connections",
    "phase",
    "copy",
    "recon",
    "probe",
    "id_generator",
    "announce",
];

/// TOML syntax, then the sections. `None` when the file is not valid TOML: structural
/// checks on a half-parsed file would only add noise.
fn read_raw(map: &SourceMap, text: &str, diags: &mut Vec<Diagnostic>) -> Option<RawRunbook> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        diags.extend(syntax_errors(map, text, &errors));
        return None;
    }
    let mut raw = RawRunbook::default();
    let mut seen_runbook = false;
    // Steps with `repeat`: the id as written -> the id of its last copy.
    let mut repeated = std::collections::BTreeMap::new();
    let mut entries: Vec<_> = root.get_ref().iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let mut r = Reader { map, diags };
        match key.get_ref().as_ref() {
            "runbook" => {
                seen_runbook = true;
                raw.meta = r.item::<RawMeta>(value, "the [runbook] section");
                raw.broken.meta = raw.meta.is_none();
            }
            "people" => {
                for (k, v) in r.table_entries(key, value, "[people.<handle>]") {
                    let what = format!("person `{}`", k.get_ref());
                    match r.item::<RawPerson>(v, &what) {
                        Some(p) => raw.people.push((k, p.into_inner())),
                        None => raw.broken.people.push(k.into_inner()),
                    }
                }
            }
            "connections" => {
                for (k, v) in r.table_entries(key, value, "[connections.<name>]") {
                    let what = format!("connection `{}`", k.get_ref());
                    match r.item::<RawConnection>(v, &what) {
                        Some(c) => raw.connections.push((k, c)),
                        None => raw.broken.connections.push(k.into_inner()),
                    }
                }
            }
            "phase" => {
                for (i, v) in r.array_items(key, value, "[[phase]]").iter().enumerate() {
                    raw.phases
                        .push(r.phase(v, i, text, &mut repeated, &mut raw.broken));
                }
            }
            "copy" => {
                for v in r.array_items(key, value, "[[copy]]") {
                    let what = item_name(v, "name", "copy job");
                    match r.item::<RawCopy>(v, &what) {
                        Some(c) => raw.copies.push(c),
                        None => raw.broken.copies.extend(str_field(v, "name")),
                    }
                }
            }
            "recon" => {
                for v in r.array_items(key, value, "[[recon]]") {
                    let what = item_name(v, "name", "recon job");
                    match r.item::<RawRecon>(v, &what) {
                        Some(c) => raw.recons.push(c),
                        None => raw.broken.recons.extend(str_field(v, "name")),
                    }
                }
            }
            "probe" => {
                for v in r.array_items(key, value, "[[probe]]") {
                    let what = item_name(v, "name", "probe");
                    match r.item::<RawProbe>(v, &what) {
                        Some(c) => raw.probes.push(c),
                        None => raw.broken.probes.extend(str_field(v, "name")),
                    }
                }
            }
            "id_generator" => {
                for v in r.array_items(key, value, "[[id_generator]]") {
                    let what = item_name(v, "name", "id generator");
                    if let Some(g) = r.item::<RawIdGenerator>(v, &what) {
                        raw.id_generators.push(g);
                    }
                }
            }
            "announce" => {
                if let Some(a) = r.item::<RawAnnounce>(value, "the [announce] section") {
                    raw.announce = Some((key.span(), a));
                }
            }
            other => {
                let hint = did_you_mean(other, SECTIONS.iter().copied());
                diags.push(map.error(
                    key.span(),
                    format!("unknown section `{other}`"),
                    format!(
                        "remove it or fix the spelling{hint}; a runbook has the sections {}",
                        SECTIONS.join(", ")
                    ),
                ));
            }
        }
    }
    super::repeat::point_at_last(&mut raw.phases, &repeated);
    if !seen_runbook {
        diags.push(map.error(
            0..0,
            "the file has no [runbook] section",
            "add `[runbook]` with name, kind (\"drill\" or \"cutover\") and coordinator at the top",
        ));
        raw.broken.meta = true;
    }
    Some(raw)
}

/// The parser's errors, except those that follow an opener never closed: they are that
/// one mistake seen again and again (the parser reads the rest of the file as its inside),
/// so the opener is reported instead, at its own line.
fn syntax_errors(map: &SourceMap, text: &str, errors: &[toml::de::Error]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = errors.iter().map(|e| syntax_error(map, e)).collect();
    if let Some(unclosed) = syntax::first_unclosed(map, text) {
        let at = (unclosed.line, unclosed.column);
        out.retain(|d| (d.line, d.column) < at);
        out.push(unclosed);
    }
    out
}

fn syntax_error(map: &SourceMap, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim_end();
    let help = if message.contains("duplicate key") {
        "each key may appear once in a table: remove or rename one of them"
    } else {
        "fix the TOML syntax here (strings need closing quotes, tables are [name], lists \
         of tables [[name]]); the other checks run once the file parses"
    };
    map.error(span, format!("invalid TOML: {message}"), help)
}

/// ``step `freeze` `` or `step #3` when the item has no usable name.
fn item_name(value: &Spanned<DeValue>, field: &str, kind: &str) -> String {
    match str_field(value, field) {
        Some(name) => format!("{kind} `{name}`"),
        None => kind.to_string(),
    }
}

fn str_field(value: &Spanned<DeValue>, field: &str) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(t) => match t.get(field).map(Spanned::get_ref) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

struct Reader<'m, 'a> {
    map: &'m SourceMap<'a>,
    diags: &'m mut Vec<Diagnostic>,
}

impl Reader<'_, '_> {
    /// The entries of a `[section.<name>]` table, in file order, with their keys.
    fn table_entries<'v, 'i>(
        &mut self,
        key: &Spanned<Cow<'i, str>>,
        value: &'v Spanned<DeValue<'i>>,
        form: &str,
    ) -> Vec<(SString, &'v Spanned<DeValue<'i>>)> {
        let DeValue::Table(t) = value.get_ref() else {
            self.diags.push(self.map.error(
                key.span(),
                format!("`{}` must be a table", key.get_ref()),
                format!("write it as {form} sections"),
            ));
            return Vec::new();
        };
        let mut out: Vec<_> = t
            .iter()
            .map(|(k, v)| (Spanned::new(k.span(), k.get_ref().to_string()), v))
            .collect();
        out.sort_by_key(|(k, _)| k.span().start);
        out
    }

    /// The items of a `[[section]]` array of tables.
    fn array_items<'v, 'i>(
        &mut self,
        key: &Spanned<Cow<'i, str>>,
        value: &'v Spanned<DeValue<'i>>,
        form: &str,
    ) -> Vec<&'v Spanned<DeValue<'i>>> {
        if let DeValue::Array(items) = value.get_ref() {
            items.iter().collect()
        } else {
            self.diags.push(self.map.error(
                key.span(),
                format!("`{}` must be a list of tables", key.get_ref()),
                format!("write each one as a {form} section"),
            ));
            Vec::new()
        }
    }

    fn phase(
        &mut self,
        value: &Spanned<DeValue>,
        index: usize,
        text: &str,
        repeated: &mut std::collections::BTreeMap<String, String>,
        broken: &mut Broken,
    ) -> RawPhase {
        let what = match str_field(value, "name") {
            Some(n) => format!("phase `{n}`"),
            None => format!("phase #{}", index + 1),
        };
        let head = self
            .item::<RawPhaseHead>(value, &what)
            .map(Spanned::into_inner);
        let (name, only) = head.map_or((None, None), |h| (Some(h.name), h.only));
        let mut phase = RawPhase {
            name,
            only,
            span: value.span(),
            steps: Vec::new(),
            written_steps: 0,
        };
        let steps = match value.get_ref() {
            DeValue::Table(t) => t.get("step"),
            _ => None,
        };
        let Some(steps) = steps else {
            return phase;
        };
        let DeValue::Array(items) = steps.get_ref() else {
            return phase; // reported by the head (`step` has the wrong type)
        };
        for v in items {
            phase.written_steps += 1;
            let v = rollback_sugar(v);
            let v = check_sugar(&v).into_owned();
            let copies = if matches!(v.get_ref(), DeValue::Table(_)) {
                super::repeat::expand(self.map, text, v, repeated, self.diags)
            } else {
                vec![v]
            };
            for v in copies {
                let step_what = item_name(&v, "id", "step");
                match self.item::<RawStep>(&v, &step_what) {
                    Some(s) => phase.steps.push(s),
                    None => broken.steps.extend(str_field(&v, "id")),
                }
            }
        }
        phase
    }

    /// Deserializes one item. On an error the offending key is reported and dropped and
    /// the item is read again, so every bad key of the item is listed; a required field
    /// that is missing is stood in for by a placeholder, so every missing one is found and
    /// all are reported together. The item is returned when what is left deserializes
    /// (errors already reported keep the runbook from being built), `None` when it cannot
    /// be read at all or misses a field.
    fn item<'i, T: Deserialize<'i>>(
        &mut self,
        value: &Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<Spanned<T>> {
        let span = value.span();
        // The common case, a valid item, costs one clone; the copy to drop keys from is
        // made only after an error.
        let mut current: Option<DeValue<'i>> = None;
        let mut removed: Vec<String> = Vec::new();
        let mut missing = Missing::default();
        let mut read = None;
        // Bounded: each round removes a key, or adds or changes a placeholder.
        for _ in 0..=ROUNDS {
            let attempt = current.as_ref().unwrap_or(value.get_ref()).clone();
            let de = ValueDeserializer::from(Spanned::new(span.clone(), attempt));
            let err = match T::deserialize(de) {
                Ok(t) => {
                    read = Some(t);
                    break;
                }
                Err(e) => e,
            };
            let err_span = err.span().unwrap_or(span.clone());
            let DeValue::Table(table) = current.get_or_insert_with(|| value.get_ref().clone())
            else {
                self.diags.push(self.map.error(
                    err_span,
                    format!("{what} must be a table, not {}", value.get_ref().type_str()),
                    "write it as a table: `[section]`, `[[section]]` or `{ key = value }`",
                ));
                return None;
            };
            if err_span == PLACEHOLDER {
                // The field is not text: try the next kind of stand-in.
                if missing.next_kind(table) {
                    continue;
                }
                break;
            }
            let missing_field = backticked_after(err.message(), "missing field");
            if let Some(field) = missing_field {
                if removed.iter().any(|r| *r == field) {
                    break; // a consequence of a key already reported
                }
            }
            let culprit = table
                .iter()
                .find(|(k, v)| within(&err_span, &k.span()) || within(&err_span, &v.span()))
                .map(|(k, _)| k.get_ref().to_string());
            match (culprit, missing_field) {
                (None, Some(field)) => missing.stand_in(field, table),
                (Some(key), _) => {
                    self.diags.push(serde_error(
                        self.map,
                        err_span,
                        err.message(),
                        what,
                        Some(&key),
                    ));
                    table.remove(key.as_str());
                    removed.push(key);
                }
                (None, None) => {
                    self.diags
                        .push(serde_error(self.map, err_span, err.message(), what, None));
                    break;
                }
            }
        }
        if !missing.fields.is_empty() {
            self.diags
                .push(missing_fields(self.map, span, what, &missing.fields));
            return None;
        }
        read.map(|t| Spanned::new(span, t))
    }
}

/// Rounds of [`Reader::item`]: each removes a bad key or tries a stand-in.
const ROUNDS: usize = 128;

/// Where stand-ins for missing fields claim to be: no real value is there, so an error
/// located here is about a stand-in.
const PLACEHOLDER: Range<usize> = usize::MAX - 1..usize::MAX;

/// Stand-ins for a missing field, tried in turn until one has the field's type.
const STAND_INS: [&str; 5] = ["\"\"", "[]", "0", "false", "{}"];

/// The required fields an item misses, and which stand-in the last one has now.
#[derive(Default)]
struct Missing {
    fields: Vec<String>,
    kind: usize,
}

impl Missing {
    fn stand_in(&mut self, field: &str, table: &mut DeTable<'_>) {
        self.fields.push(field.to_string());
        self.kind = 0;
        self.put(table);
    }

    /// Replaces the last stand-in by the next kind; false when every kind was tried.
    fn next_kind(&mut self, table: &mut DeTable<'_>) -> bool {
        self.kind += 1;
        self.kind < STAND_INS.len() && self.put(table)
    }

    fn put(&self, table: &mut DeTable<'_>) -> bool {
        let (Some(field), Some(text)) = (self.fields.last(), STAND_INS.get(self.kind)) else {
            return false;
        };
        let Ok(value) = DeValue::parse(text) else {
            return false;
        };
        table.insert(
            Spanned::new(PLACEHOLDER, Cow::Owned(field.clone())),
            Spanned::new(PLACEHOLDER, value.into_inner()),
        );
        true
    }
}

/// One diagnostic for every required field an item misses.
fn missing_fields(
    map: &SourceMap,
    span: Range<usize>,
    what: &str,
    fields: &[String],
) -> Diagnostic {
    let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    let adds: Vec<String> = fields
        .iter()
        .map(|f| format!("`{f} = {}`", field_example(f)))
        .collect();
    map.error(
        span,
        format!("{what} is missing {}", join_and(&names)),
        format!("add {}", join_and(&adds)),
    )
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn within(inner: &Range<usize>, outer: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

/// `action = { check = "preflight" }` means `action = { check = { named = "preflight" } }`.
fn check_sugar<'v, 'i>(step: &'v Spanned<DeValue<'i>>) -> Cow<'v, Spanned<DeValue<'i>>> {
    let is_word = |t: &DeTable<'i>| {
        t.get("action").is_some_and(|a| match a.get_ref() {
            DeValue::Table(a) => a.get("check").is_some_and(|c| c.get_ref().is_str()),
            _ => false,
        })
    };
    match step.get_ref() {
        DeValue::Table(t) if is_word(t) => {}
        _ => return Cow::Borrowed(step),
    }
    let mut step = step.clone();
    if let DeValue::Table(t) = step.get_mut() {
        if let Some(DeValue::Table(a)) = t.get_mut("action").map(Spanned::get_mut) {
            if let Some(c) = a.get_mut("check") {
                if let DeValue::String(word) = c.get_ref() {
                    let span = c.span();
                    let mut table = DeTable::new();
                    table.insert(
                        Spanned::new(span.clone(), Cow::Borrowed("named")),
                        Spanned::new(span.clone(), DeValue::String(word.clone())),
                    );
                    *c = Spanned::new(span, DeValue::Table(table));
                }
            }
        }
    }
    Cow::Owned(step)
}

/// `rollback = "text"` means `rollback = { instructions = "text" }`.
fn rollback_sugar<'v, 'i>(step: &'v Spanned<DeValue<'i>>) -> Cow<'v, Spanned<DeValue<'i>>> {
    let is_text = match step.get_ref() {
        DeValue::Table(t) => t.get("rollback").is_some_and(|r| r.get_ref().is_str()),
        _ => false,
    };
    if !is_text {
        return Cow::Borrowed(step);
    }
    let mut step = step.clone();
    if let DeValue::Table(t) = step.get_mut() {
        if let Some(rb) = t.get_mut("rollback") {
            if let DeValue::String(text) = rb.get_ref() {
                let span = rb.span();
                let mut table = DeTable::new();
                table.insert(
                    Spanned::new(span.clone(), Cow::Borrowed("instructions")),
                    Spanned::new(span.clone(), DeValue::String(text.clone())),
                );
                *rb = Spanned::new(span, DeValue::Table(table));
            }
        }
    }
    Cow::Owned(step)
}

/// The first backticked word after `prefix` in a serde message.
fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    backticked(rest).next()
}

fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// Turns a serde message into one that says what to do.
fn serde_error(
    map: &SourceMap,
    span: Range<usize>,
    message: &str,
    what: &str,
    key: Option<&str>,
) -> Diagnostic {
    if let Some(field) = backticked_after(message, "unknown field") {
        let known: Vec<&str> = message
            .split_once("expected")
            .map(|(_, rest)| backticked(rest).collect())
            .unwrap_or_default();
        let hint = did_you_mean(field, known.iter().copied());
        let help = if known.is_empty() {
            format!("remove `{field}`{hint}")
        } else {
            format!(
                "remove it or fix the spelling{hint}; known fields: {}",
                known.join(", ")
            )
        };
        return map.error(span, format!("unknown field `{field}` in {what}"), help);
    }
    if let Some(field) = backticked_after(message, "missing field") {
        return map.error(
            span,
            format!("{what} is missing `{field}`"),
            format!("add `{field} = {}`", field_example(field)),
        );
    }
    let subject = match key {
        Some(k) => format!("`{k}` in {what}"),
        None => what.to_string(),
    };
    map.error(
        span,
        format!("{subject}: {message}"),
        "fix the value: text in quotes, numbers bare, true/false, lists in [ ], tables in { }",
    )
}

fn field_example(field: &str) -> &'static str {
    match field {
        "dri" | "reviewer" | "coordinator" => "\"<handle from [people]>\"",
        "planned" => "\"5m\"",
        "kind" => "\"...\" (see the documented kinds)",
        "source" | "target" => "\"<name from [connections]>\"",
        "key" => "[\"id\"]",
        "url" => "\"mysql://user:${PASSWORD}@host:3306/db\"",
        "role" => "\"DBA\"",
        "id" | "name" => "\"a-short-name\"",
        _ => "...",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unknown_field_of_an_item_is_listed() {
        let text = r#"
[runbook]
name = "x"
kind = "drill"
coordinatr = "a"
colour = "red"
"#;
        let diags = parse_str("f.toml", text).unwrap_err();
        let msgs: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.contains(&"unknown field `coordinatr` in the [runbook] section"));
        assert!(msgs.contains(&"unknown field `colour` in the [runbook] section"));
        // The missing coordinator is a consequence, not reported twice... but it is
        // genuinely missing, so it is reported once.
        assert!(msgs.contains(&"the [runbook] section is missing `coordinator`"));
        let d = diags
            .iter()
            .find(|d| d.message.starts_with("unknown field `coordinatr`"))
            .unwrap();
        assert_eq!((d.line, d.column), (5, 1));
        assert!(d
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `coordinator`?"));
    }

    #[test]
    fn a_wrong_type_drops_only_that_key() {
        let text = r#"
[runbook]
name = "x"
kind = "drill"
coordinator = "a"
[people.a]
name = "A"
role = 7
"#;
        let diags = parse_str("f.toml", text).unwrap_err();
        let about_a: Vec<_> = diags
            .iter()
            .filter(|d| d.message.contains("person `a`"))
            .collect();
        // One error for the bad role; its absence afterwards is not reported again.
        assert_eq!(about_a.len(), 1, "{diags:#?}");
        assert!(about_a[0]
            .message
            .starts_with("`role` in person `a`: invalid type"));
        assert_eq!((about_a[0].line, about_a[0].column), (8, 8));
        // The person still counts as declared: the coordinator reference is not an error.
        assert!(!diags
            .iter()
            .any(|d| d.message.contains("unknown coordinator")));
    }

    #[test]
    fn rollback_text_is_sugar_for_a_table() {
        let v = DeValue::parse(r#"{ id = "s", rollback = "undo it" }"#).unwrap();
        let v = rollback_sugar(&v);
        let DeValue::Table(t) = v.get_ref() else {
            panic!()
        };
        assert!(t.get("rollback").unwrap().get_ref().is_table());
    }
}
