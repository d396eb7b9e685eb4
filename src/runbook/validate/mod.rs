//! From the file as written ([`RawRunbook`]) to the validated [`Runbook`]: resolves every
//! reference, checks values, finds cycles, and reports every problem it meets.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

mod announce;
mod checks;
mod clock;
mod external;
mod id_generators;
mod jobs;
mod span;
mod steps;
mod tables;

use crate::runbook::diagnostic::{is_placeholder, Diagnostic, SourceMap};
use crate::runbook::duration;
use crate::runbook::model::{
    Connection, Handle, Meta, Person, ProbeKind, Runbook, RunbookKind, Window,
};
use crate::runbook::names::{did_you_mean, is_identifier};
use crate::runbook::raw::{RawConnection, RawMeta, RawPerson, RawRunbook, RawWindow, SString};

/// The steps one step waits for, each with the span of its `after` entry (`None` when
/// implicit: the previous step).
type Deps = Vec<(usize, Option<Range<usize>>)>;

const DURATION_HELP: &str = "write a duration such as \"90s\", \"5m\", \"1h30m\" or \"500ms\"";
const DB_SCHEMES: &[&str] = &["mysql", "mariadb", "postgres", "postgresql", "sqlite"];

/// Validates `raw` and builds the model; `None` when any error was reported (now or
/// before). Every problem found is pushed to `diags`.
// Validation takes the parsed document whole: the caller has no further use for it.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn build(
    map: &SourceMap,
    raw: RawRunbook,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Runbook> {
    let mut v = Validator::new(map, &raw, diags);
    let meta = v.meta(raw.meta.as_ref());
    let people = v.people(&raw.people);
    let connections = v.connections(&raw.connections);
    let probes = v.probes(&raw.probes, &raw.phases);
    let id_generators = v.id_generators(&raw.id_generators);
    let (copies, copy_sets) = v.copies(&raw.copies);
    let (recons, recon_sets) = v.recons(&raw.recons, &raw.phases);
    let (phases, steps) = v.phases(&raw.phases);
    let announce = v.announce(raw.announce.as_ref(), &raw.phases);
    let failed = v.failed || v.diags.iter().any(Diagnostic::is_error);
    if failed {
        return None;
    }
    let mut runbook = Runbook {
        meta: meta?,
        people,
        connections,
        phases,
        steps,
        copies,
        recons,
        probes,
        copy_sets,
        recon_sets,
        id_generators,
        announce,
        left_out: Vec::new(),
        source_text: text.to_string(),
        digest: digest(text),
    };
    if let Err(why) = crate::runbook::only::select(&mut runbook) {
        diags.push(map.error(
            0..0,
            why,
            "keep at least one step for this kind of run: change `kind`, or an `only`",
        ));
        return None;
    }
    Some(runbook)
}

/// SHA-256 of the text, in lowercase hex.
pub fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The names declared in one namespace (including items that failed to deserialize, so
/// that references to them do not add a second error).
#[derive(Default)]
struct Names {
    declared: Vec<String>,
    set: HashSet<String>,
}

impl Names {
    fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut n = Names::default();
        for name in names {
            n.add(name);
        }
        n
    }
    fn add(&mut self, name: &str) {
        if self.set.insert(name.to_string()) {
            self.declared.push(name.to_string());
        }
    }
    fn has(&self, name: &str) -> bool {
        self.set.contains(name)
    }
    fn hint(&self, name: &str) -> String {
        did_you_mean(name, self.declared.iter().map(String::as_str))
    }
    fn known(&self) -> String {
        if self.declared.is_empty() {
            "none is declared".to_string()
        } else {
            format!("declared: {}", self.declared.join(", "))
        }
    }
}

struct Validator<'m, 'a> {
    map: &'m SourceMap<'a>,
    diags: &'m mut Vec<Diagnostic>,
    failed: bool,
    coordinator: Option<String>,
    people: Names,
    /// Handles whose role is "observer": they can never act, so never deputize.
    observers: HashSet<String>,
    connections: Names,
    copies: Names,
    recons: Names,
    probes: Names,
    /// Probe name -> kind, for checks that need a particular kind.
    probe_kinds: HashMap<String, ProbeKind>,
    /// Ids of steps that did not deserialize (already reported).
    broken_steps: HashSet<String>,
    /// Step id -> the kind of its forward action (`None`: no action), for `action:STEP`.
    step_actions: HashMap<String, Option<steps::ActionKind>>,
    /// Copy jobs another system runs (`engine = "external"`): warroom cannot restart them.
    external_copies: HashSet<String>,
    /// Recon jobs with `active`: they run on their own across steps, never as an action.
    spanning_recons: HashSet<String>,
    /// Copy job -> its `exclusive` group.
    copy_groups: HashMap<String, String>,
    /// Copy and recon jobs over many tables: their list, or `None` for a pattern.
    copy_sets: HashMap<String, Option<Vec<String>>>,
    recon_sets: HashMap<String, Option<Vec<String>>>,
}

/// The jobs that have `tables`: a list's names (`None` for a pattern or a broken value).
fn sets<'r>(
    jobs: impl Iterator<Item = (&'r SString, Option<&'r Spanned<toml::Value>>)>,
) -> HashMap<String, Option<Vec<String>>> {
    jobs.filter_map(|(name, tables)| {
        let list = match tables?.get_ref() {
            toml::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        };
        Some((name.get_ref().clone(), list))
    })
    .collect()
}

impl<'m, 'a> Validator<'m, 'a> {
    fn new(map: &'m SourceMap<'a>, raw: &RawRunbook, diags: &'m mut Vec<Diagnostic>) -> Self {
        let b = &raw.broken;
        let people = Names::new(
            raw.people
                .iter()
                .map(|(h, _)| h.get_ref().as_str())
                .chain(b.people.iter().map(String::as_str)),
        );
        let connections = Names::new(
            raw.connections
                .iter()
                .map(|(n, _)| n.get_ref().as_str())
                .chain(b.connections.iter().map(String::as_str)),
        );
        let copies = Names::new(
            raw.copies
                .iter()
                .map(|c| c.get_ref().name.get_ref().as_str())
                .chain(b.copies.iter().map(String::as_str)),
        );
        let recons = Names::new(
            raw.recons
                .iter()
                .map(|c| c.get_ref().name.get_ref().as_str())
                .chain(b.recons.iter().map(String::as_str)),
        );
        let probes = Names::new(
            raw.probes
                .iter()
                .map(|c| c.get_ref().name.get_ref().as_str())
                .chain(b.probes.iter().map(String::as_str)),
        );
        Validator {
            map,
            diags,
            failed: b.meta,
            coordinator: None,
            people,
            observers: raw
                .people
                .iter()
                .filter(|(_, p)| p.role.trim().eq_ignore_ascii_case("observer"))
                .map(|(h, _)| h.get_ref().clone())
                .collect(),
            connections,
            copies,
            recons,
            probes,
            probe_kinds: HashMap::new(),
            broken_steps: b.steps.iter().cloned().collect(),
            step_actions: HashMap::new(),
            external_copies: raw
                .copies
                .iter()
                .map(Spanned::get_ref)
                .filter(|c| c.engine.as_ref().is_some_and(|e| e.get_ref() == "external"))
                .map(|c| c.name.get_ref().clone())
                .collect(),
            spanning_recons: raw
                .recons
                .iter()
                .map(Spanned::get_ref)
                .filter(|r| r.active.is_some())
                .map(|r| r.name.get_ref().clone())
                .collect(),
            copy_groups: raw
                .copies
                .iter()
                .map(Spanned::get_ref)
                .filter_map(|c| {
                    let group = c.exclusive.as_ref()?.get_ref().clone();
                    Some((c.name.get_ref().clone(), group))
                })
                .collect(),
            copy_sets: sets(
                raw.copies
                    .iter()
                    .map(|c| (&c.get_ref().name, c.get_ref().tables.as_ref())),
            ),
            recon_sets: sets(
                raw.recons
                    .iter()
                    .map(|c| (&c.get_ref().name, c.get_ref().tables.as_ref())),
            ),
        }
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(self.map.error(span, message, help));
    }

    fn warning(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(self.map.warning(span, message, help));
    }

    // ---- shared checks -------------------------------------------------------------

    fn identifier(&mut self, name: &SString, what: &str) {
        if !is_identifier(name.get_ref()) {
            self.error(
                name.span(),
                format!("{what} `{}` is not a valid name", name.get_ref()),
                "use only letters, digits, '-', '_' and '.' (no spaces, no ':')",
            );
        }
    }

    fn person(&mut self, handle: &SString, owner: &str, role: &str) {
        let h = handle.get_ref();
        if !self.people.has(h) {
            let hint = self.people.hint(h);
            self.error(
                handle.span(),
                format!("{owner} names unknown {role} `{h}`"),
                format!("declare [people.{h}] or fix the handle{hint}"),
            );
        }
    }

    fn connection(&mut self, name: &SString, owner: &str) {
        let n = name.get_ref();
        if !self.connections.has(n) {
            let hint = self.connections.hint(n);
            let known = self.connections.known();
            self.error(
                name.span(),
                format!("{owner} uses unknown connection `{n}`"),
                format!("declare [connections.{n}] with a url, or fix the name{hint} ({known})"),
            );
        }
    }

    fn job(&mut self, kind: JobKind, name: &SString, owner: &str) {
        let n = name.get_ref();
        let names = match kind {
            JobKind::Copy => &self.copies,
            JobKind::Recon => &self.recons,
            JobKind::Probe => &self.probes,
        };
        if names.has(n) {
            return;
        }
        if !self.set_table(kind, name, owner) {
            let names = match kind {
                JobKind::Copy => &self.copies,
                JobKind::Recon => &self.recons,
                JobKind::Probe => &self.probes,
            };
            let hint = names.hint(n);
            let known = names.known();
            let section = kind.section();
            let noun = kind.noun();
            self.error(
                name.span(),
                format!("{owner} refers to unknown {noun} `{n}`"),
                format!("declare a {section} with name = \"{n}\", or fix the name{hint} ({known})"),
            );
        }
    }

    /// `JOB/TABLE`, one table of a copy or recon over many tables: `true` when it names
    /// one (a table of its list, or any table for a pattern, found at run time), and when
    /// it names the job's table wrongly (reported here).
    fn set_table(&mut self, kind: JobKind, name: &SString, owner: &str) -> bool {
        let Some((set, table)) = name.get_ref().split_once('/') else {
            return false;
        };
        let sets = match kind {
            JobKind::Copy => &self.copy_sets,
            JobKind::Recon => &self.recon_sets,
            JobKind::Probe => return false,
        };
        let Some(tables) = sets.get(set) else {
            return false;
        };
        match tables {
            Some(list) if !list.iter().any(|t| t == table) => {
                let hint = did_you_mean(table, list.iter().map(String::as_str));
                let known = list.join(", ");
                let noun = kind.noun();
                self.error(
                    name.span(),
                    format!("{owner} refers to table `{table}` of {noun} `{set}`, which does not list it"),
                    format!("name one of its tables{hint} ({known}), or `{set}` alone for all of them"),
                );
            }
            _ => {}
        }
        true
    }

    fn duration(&mut self, text: &SString, what: &str) -> Option<Duration> {
        match duration::parse(text.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    text.span(),
                    format!("{what}: `{}` is not a duration: {}", e.text, e.why),
                    DURATION_HELP,
                );
                None
            }
        }
    }

    fn positive<T: Copy + Default + PartialOrd>(
        &mut self,
        value: Option<&Spanned<T>>,
        default: T,
        what: &str,
    ) -> T {
        match value {
            Some(v) if *v.get_ref() <= T::default() => {
                self.error(
                    v.span(),
                    format!("{what} must be at least 1"),
                    "give a positive number, or leave it out for the default",
                );
                default
            }
            Some(v) => *v.get_ref(),
            None => default,
        }
    }

    fn non_empty_list(&mut self, key: &Spanned<Vec<String>>, what: &str, field: &str) {
        if key.get_ref().is_empty() || key.get_ref().iter().any(|k| k.trim().is_empty()) {
            self.error(
                key.span(),
                format!("{what} has an empty `{field}`"),
                format!(
                    "list the column name(s), e.g. {field} = [\"id\"] or [\"tenant_id\", \"id\"]"
                ),
            );
        }
    }

    fn duplicate(&mut self, seen: &mut HashMap<String, usize>, name: &SString, what: &str) {
        let (line, _) = self.map.line_col(name.span().start);
        if let Some(first) = seen.get(name.get_ref()).copied() {
            self.error(
                name.span(),
                format!(
                    "duplicate {what} `{}` (first declared on line {first})",
                    name.get_ref()
                ),
                format!("give each {what} a unique name"),
            );
        } else {
            seen.insert(name.get_ref().clone(), line);
        }
    }

    // ---- sections ------------------------------------------------------------------

    fn meta(&mut self, raw: Option<&Spanned<RawMeta>>) -> Option<Meta> {
        let raw = raw?.get_ref();
        let kind = match raw.kind.get_ref().as_str() {
            "drill" => Some(RunbookKind::Drill),
            "cutover" => Some(RunbookKind::Cutover),
            other => {
                self.error(
                    raw.kind.span(),
                    format!("unknown runbook kind `{other}`"),
                    "write kind = \"drill\" (a rehearsal) or kind = \"cutover\" (the real thing)",
                );
                None
            }
        };
        if raw.name.get_ref().trim().is_empty() {
            self.error(
                raw.name.span(),
                "the runbook has an empty name",
                "name it after the migration, e.g. name = \"payments MySQL -> PostgreSQL\"",
            );
        }
        self.person(&raw.coordinator, "[runbook]", "coordinator");
        self.coordinator = Some(raw.coordinator.get_ref().clone());
        let window = raw.window.as_ref().and_then(|w| self.window(w.get_ref()));
        Some(Meta {
            name: raw.name.get_ref().clone(),
            kind: kind?,
            description: raw.description.clone(),
            coordinator: raw.coordinator.get_ref().clone(),
            window,
        })
    }

    fn window(&mut self, raw: &RawWindow) -> Option<Window> {
        let duration = self.duration(&raw.duration, "the window's `duration`");
        let start = self.datetime(&raw.start, "the window's `start`");
        Some(Window {
            start: start?,
            duration: duration?,
        })
    }

    fn people(&mut self, raw: &[(SString, RawPerson)]) -> Vec<Person> {
        raw.iter()
            .map(|(handle, p)| {
                self.identifier(handle, "person handle");
                Person {
                    handle: handle.get_ref().clone(),
                    name: p.name.clone(),
                    role: p.role.clone(),
                    contact: p.contact.clone(),
                    deputies: self.deputies(handle.get_ref(), p),
                }
            })
            .collect()
    }

    /// `deputies` of person `handle`: declared people, not the person themselves, not an
    /// observer (who can never act), each named once.
    fn deputies(&mut self, handle: &str, p: &RawPerson) -> Vec<Handle> {
        let mut out: Vec<Handle> = Vec::new();
        for d in p.deputies.iter().flatten() {
            let name = d.get_ref();
            let owner = format!("person `{handle}`");
            if name == handle {
                self.error(
                    d.span(),
                    format!("person `{handle}` names themselves as their deputy"),
                    "a deputy is someone else who may act for them: name another person, or remove it",
                );
            } else if !self.people.has(name) {
                self.person(d, &owner, "deputy");
            } else if self.observers.contains(name) {
                self.error(
                    d.span(),
                    format!("person `{handle}` names observer `{name}` as a deputy"),
                    "observers follow read-only and can never act for anyone: name a participant",
                );
            } else if out.iter().any(|o| o == name) {
                self.error(
                    d.span(),
                    format!("person `{handle}` names deputy `{name}` twice"),
                    "name each deputy once",
                );
            } else {
                out.push(name.clone());
            }
        }
        out
    }

    fn connections(&mut self, raw: &[(SString, Spanned<RawConnection>)]) -> Vec<Connection> {
        raw.iter()
            .map(|(name, c)| {
                self.identifier(name, "connection name");
                self.url(&c.get_ref().url, name.get_ref());
                Connection {
                    name: name.get_ref().clone(),
                    url_template: c.get_ref().url.get_ref().clone(),
                }
            })
            .collect()
    }

    /// Checks a connection URL template without ever echoing it: the diagnostics point at
    /// the line (whose snippet has any literal password masked).
    fn url(&mut self, url: &SString, name: &str) {
        let text = url.get_ref();
        if let Err(why) = check_placeholders(text) {
            self.error(
                url.span(),
                format!("connection `{name}`: the url has {why}"),
                "write environment placeholders as ${NAME} with letters, digits and '_'",
            );
            return;
        }
        if text.starts_with("${") {
            return; // the whole URL (scheme included) comes from the environment
        }
        let scheme = text.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme {
            Some(s) if DB_SCHEMES.contains(&s.as_str()) => {}
            _ => {
                self.error(
                    url.span(),
                    format!("connection `{name}`: the url's scheme is not supported"),
                    "start it with mysql://, mariadb://, postgres://, postgresql:// or sqlite://",
                );
                return;
            }
        }
        if has_literal_password(text) {
            self.warning(
                url.span(),
                format!("connection `{name}`: the url has a password written in the file"),
                "move the secret to the environment: mysql://user:${DB_PASSWORD}@host/db",
            );
        }
    }
}

#[derive(Clone, Copy)]
enum JobKind {
    Copy,
    Recon,
    Probe,
}

impl JobKind {
    fn section(self) -> &'static str {
        match self {
            JobKind::Copy => "[[copy]]",
            JobKind::Recon => "[[recon]]",
            JobKind::Probe => "[[probe]]",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            JobKind::Copy => "copy job",
            JobKind::Recon => "recon job",
            JobKind::Probe => "probe",
        }
    }
}

fn opt_duration(
    v: &mut Validator,
    text: Option<&SString>,
    what: &str,
    field: &str,
    default_ms: u64,
) -> Option<Duration> {
    match text {
        Some(t) => v.duration(t, &format!("`{field}` of {what}")),
        None => Some(Duration::from_millis(default_ms)),
    }
}

/// `Err(why)` when a `${` is not closed or a placeholder name is not a variable name.
fn check_placeholders(text: &str) -> Result<(), &'static str> {
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let after = &rest[pos + 2..];
        let Some(end) = after.find('}') else {
            return Err("an unclosed `${`");
        };
        let name = &after[..end];
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err("a `${...}` placeholder that is not a variable name");
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// True when the URL's user info has a password that is not a `${VAR}` placeholder.
fn has_literal_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => match userinfo.split_once(':') {
            Some((_, password)) => !password.is_empty() && !is_placeholder(password),
            None => false,
        },
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(check_placeholders("mysql://a:${P}@h/db"), Ok(()));
        assert!(check_placeholders("mysql://a:${P@h/db").is_err());
        assert!(check_placeholders("mysql://a:${1X}@h/db").is_err());
        assert!(check_placeholders("mysql://a:${}@h/db").is_err());
    }

    #[test]
    fn literal_passwords() {
        assert!(has_literal_password("mysql://app:hunter2@db/x"));
        assert!(!has_literal_password("mysql://app:${PW}@db/x"));
        assert!(!has_literal_password("mysql://app@db:3306/x"));
        assert!(!has_literal_password("sqlite://${DIR}/a.db"));
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
