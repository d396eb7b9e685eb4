//! `repeat = [5, 25, 50, 100]` on a step: one declaration, one step per value.
//!
//! Expanded on the document as written, before the step is read, so every copy is a step
//! like any other (validated, timed, signed off, journaled and reported on its own) and its
//! diagnostics still point at the line the writer wrote. In each copy `{value}` is replaced
//! in every text of the step (title, instructions, announce, commands, checks, requires);
//! its id is the id with `{value}` replaced, or `ID-VALUE` when the id has no `{value}`.
//! The copies run in order: the first waits for what the step waits for, each next one for
//! the one before; another step's `after` (and `action:`) naming the step's id as written
//! means its last copy.

use std::borrow::Cow;
use std::collections::BTreeMap;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceMap};
use super::names::is_identifier;
use super::raw::RawPhase;

/// The placeholder replaced by each value.
pub const PLACEHOLDER: &str = "{value}";

/// The copies of `step`, or the step itself when it has no `repeat`. A broken `repeat` is
/// reported and the step read once, without it (so its other mistakes are found too).
/// `last` learns the id as written -> the id of the last copy.
pub fn expand<'i>(
    map: &SourceMap,
    text: &str,
    step: Spanned<DeValue<'i>>,
    last: &mut BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Spanned<DeValue<'i>>> {
    let span = step.span();
    let DeValue::Table(mut table) = step.into_inner() else {
        return Vec::new(); // a step that is not a table is reported as it is read
    };
    let Some(repeat) = table.remove("repeat") else {
        return vec![Spanned::new(span, DeValue::Table(table))];
    };
    let values = values(map, text, &repeat, diags);
    let id = match table.get("id").map(Spanned::get_ref) {
        Some(DeValue::String(id)) => Some(id.to_string()),
        _ => None,
    };
    let (Some(values), Some(id)) = (values, id) else {
        return vec![Spanned::new(span, DeValue::Table(table))];
    };
    let mut out = Vec::new();
    let mut previous: Option<(String, std::ops::Range<usize>)> = None;
    for (value, vspan) in values {
        let mut copy = table.clone();
        substitute_table(&mut copy, &value);
        let copy_id = if id.contains(PLACEHOLDER) {
            id.replace(PLACEHOLDER, &value)
        } else {
            format!("{id}-{value}")
        };
        if let Some(slot) = copy.get_mut("id") {
            let s = slot.span();
            *slot = Spanned::new(s, DeValue::String(Cow::Owned(copy_id.clone())));
        }
        if let Some((prev, pspan)) = &previous {
            let mut after = DeArray::new();
            after.push(Spanned::new(
                pspan.clone(),
                DeValue::String(Cow::Owned(prev.clone())),
            ));
            copy.insert(
                Spanned::new(vspan.clone(), Cow::Borrowed("after")),
                Spanned::new(vspan.clone(), DeValue::Array(after)),
            );
        }
        previous = Some((copy_id, vspan));
        out.push(Spanned::new(span.clone(), DeValue::Table(copy)));
    }
    if let Some((last_id, _)) = previous {
        last.insert(id, last_id);
    }
    out
}

/// The values of `repeat = [...]`: a non-empty list of distinct texts or numbers, each
/// usable in a step id. `None` (reported) otherwise.
fn values(
    map: &SourceMap,
    text: &str,
    repeat: &Spanned<DeValue>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, std::ops::Range<usize>)>> {
    let DeValue::Array(items) = repeat.get_ref() else {
        diags.push(map.error(
            repeat.span(),
            "`repeat` must be a list of values",
            "write repeat = [5, 25, 50, 100] (numbers or texts); each value makes one step",
        ));
        return None;
    };
    if items.is_empty() {
        diags.push(map.error(
            repeat.span(),
            "`repeat` lists no value",
            "give at least one value, e.g. repeat = [5, 25, 50, 100], or remove `repeat`",
        ));
        return None;
    }
    let mut out: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut ok = true;
    for item in items {
        let value = match item.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(_) | DeValue::Float(_) => {
                text.get(item.span()).unwrap_or_default().replace('_', "")
            }
            other => {
                diags.push(map.error(
                    item.span(),
                    format!(
                        "a `repeat` value must be a number or a text, not {}",
                        other.type_str()
                    ),
                    "write repeat = [5, 25, 50, 100] or repeat = [\"eu\", \"us\"]",
                ));
                ok = false;
                continue;
            }
        };
        if !is_identifier(&value) {
            diags.push(map.error(
                item.span(),
                format!("`repeat` value `{value}` cannot be part of a step id"),
                "use only letters, digits, '-', '_' and '.' in values (write 5, not \"5%\": put the % in the title, \"Ramp to {value} %\")",
            ));
            ok = false;
            continue;
        }
        if out.iter().any(|(v, _)| *v == value) {
            diags.push(map.error(
                item.span(),
                format!("`repeat` lists `{value}` twice"),
                "each value makes one step with its own id: list each value once",
            ));
            ok = false;
            continue;
        }
        out.push((value, item.span()));
    }
    ok.then_some(out)
}

fn substitute_table(table: &mut DeTable<'_>, value: &str) {
    for (_, v) in table.iter_mut() {
        substitute(v.get_mut(), value);
    }
}

fn substitute(v: &mut DeValue<'_>, value: &str) {
    match v {
        DeValue::String(s) if s.contains(PLACEHOLDER) => {
            *s = Cow::Owned(s.replace(PLACEHOLDER, value));
        }
        DeValue::Array(items) => {
            for item in items.iter_mut() {
                substitute(item.get_mut(), value);
            }
        }
        DeValue::Table(t) => substitute_table(t, value),
        _ => {}
    }
}

/// Another step's `after = ["ramp"]` or `requires = ["action:ramp"]` naming a repeated
/// step by the id as written means its last copy.
pub fn point_at_last(phases: &mut [RawPhase], last: &BTreeMap<String, String>) {
    if last.is_empty() {
        return;
    }
    for step in phases.iter_mut().flat_map(|p| p.steps.iter_mut()) {
        let step = step.get_mut();
        for a in step.after.iter_mut().flatten() {
            if let Some(l) = last.get(a.get_ref()) {
                *a = Spanned::new(a.span(), l.clone());
            }
        }
        for r in &mut step.requires {
            if let Some(l) = r
                .get_ref()
                .strip_prefix("action:")
                .and_then(|s| last.get(s))
            {
                *r = Spanned::new(r.span(), format!("action:{l}"));
            }
        }
    }
}
