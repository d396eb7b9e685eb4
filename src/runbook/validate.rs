//! From the file as written ([`RawRunbook`]) to the validated [`Runbook`]: resolves every
//! reference, checks values, finds cycles, and reports every problem it meets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::diagnostic::{is_placeholder, Diagnostic, SourceMap};
use super::duration;
use super::graph;
use super::model::*;
use super::names::{did_you_mean, is_identifier};
use super::raw::*;

/// The steps one step waits for, each with the span of its `after` entry (`None` when
/// implicit: the previous step).
type Deps = Vec<(usize, Option<Range<usize>>)>;

const DURATION_HELP: &str = "write a duration such as \"90s\", \"5m\", \"1h30m\" or \"500ms\"";
const DB_SCHEMES: &[&str] = &["mysql", "mariadb", "postgres", "postgresql", "sqlite"];

/// Validates `raw` and builds the model; `None` when any error was reported (now or
/// before). Every problem found is pushed to `diags`.
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
    let probes = v.probes(&raw.probes);
    let copies = v.copies(&raw.copies);
    let recons = v.recons(&raw.recons);
    let (phases, steps) = v.phases(&raw.phases);
    let failed = v.failed || v.diags.iter().any(Diagnostic::is_error);
    if failed {
        return None;
    }
    Some(Runbook {
        meta: meta?,
        people,
        connections,
        phases,
        steps,
        copies,
        recons,
        probes,
        source_text: text.to_string(),
        digest: digest(text),
    })
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
    connections: Names,
    copies: Names,
    recons: Names,
    probes: Names,
    /// Probe name -> kind, for checks that need a particular kind.
    probe_kinds: HashMap<String, ProbeKind>,
    /// Ids of steps that did not deserialize (already reported).
    broken_steps: HashSet<String>,
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
            connections,
            copies,
            recons,
            probes,
            probe_kinds: HashMap::new(),
            broken_steps: b.steps.iter().cloned().collect(),
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
        if !names.has(n) {
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
        let text = match raw.start.get_ref() {
            toml::Value::Datetime(d) => Some(d.to_string()),
            toml::Value::String(s) => Some(s.clone()),
            _ => None,
        };
        let start = text
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        if start.is_none() {
            self.error(
                raw.start.span(),
                "the window's `start` is not a date and time with a UTC offset",
                "write it as start = 2026-11-28T01:00:00Z (or with an offset such as +01:00)",
            );
        }
        Some(Window {
            start: start?.with_timezone(&chrono::Utc),
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
                }
            })
            .collect()
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

    fn probes(&mut self, raw: &[Spanned<RawProbe>]) -> Vec<ProbeSpec> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for p in raw {
            let p = p.get_ref();
            let name = p.name.get_ref();
            self.identifier(&p.name, "probe name");
            self.duplicate(&mut seen, &p.name, "probe");
            let what = format!("probe `{name}`");
            let kind = match p.kind.get_ref().as_str() {
                "prometheus" => Some(ProbeKind::Prometheus),
                "sql" => Some(ProbeKind::Sql),
                "http" => Some(ProbeKind::Http),
                other => {
                    self.error(
                        p.kind.span(),
                        format!("{what} has unknown kind `{other}`"),
                        "write kind = \"prometheus\", \"sql\" or \"http\"",
                    );
                    None
                }
            };
            if let Some(kind) = kind {
                self.probe_kinds.insert(name.clone(), kind);
                self.probe_fields(p, kind, &what);
            }
            let interval = opt_duration(self, p.interval.as_ref(), &what, "interval", 5_000);
            let timeout = opt_duration(self, p.timeout.as_ref(), &what, "timeout", 2_000);
            let stale_after = match &p.stale_after {
                Some(s) => self.duration(s, &format!("`stale_after` of {what}")),
                None => interval.map(|i| i * 3),
            };
            let warn = p
                .warn
                .as_ref()
                .and_then(|t| self.threshold(t, &what, "warn"));
            let critical = p
                .critical
                .as_ref()
                .and_then(|t| self.threshold(t, &what, "critical"));
            if let (Some(kind), Some(interval), Some(timeout), Some(stale_after)) =
                (kind, interval, timeout, stale_after)
            {
                out.push(ProbeSpec {
                    name: name.clone(),
                    kind,
                    url: p.url.as_ref().map(|u| u.get_ref().clone()),
                    query: p.query.as_ref().map(|u| u.get_ref().clone()),
                    connection: p.connection.as_ref().map(|u| u.get_ref().clone()),
                    json_pointer: p.json_pointer.as_ref().map(|u| u.get_ref().clone()),
                    interval,
                    timeout,
                    stale_after,
                    unit: p.unit.clone(),
                    warn,
                    critical,
                    rollback_path: p.rollback_path,
                });
            }
        }
        out
    }

    fn probe_fields(&mut self, p: &RawProbe, kind: ProbeKind, what: &str) {
        let (needs, kind_name): (&[&str], &str) = match kind {
            ProbeKind::Prometheus => (&["url", "query"], "prometheus"),
            ProbeKind::Sql => (&["connection", "query"], "sql"),
            ProbeKind::Http => (&["url"], "http"),
        };
        let fields: [(&str, Option<&SString>); 4] = [
            ("url", p.url.as_ref()),
            ("query", p.query.as_ref()),
            ("connection", p.connection.as_ref()),
            ("json_pointer", p.json_pointer.as_ref()),
        ];
        for (field, value) in fields {
            let applies =
                needs.contains(&field) || (field == "json_pointer" && kind == ProbeKind::Http);
            match value {
                None if needs.contains(&field) => self.error(
                    p.kind.span(),
                    format!("{what} of kind {kind_name} has no `{field}`"),
                    format!("a {kind_name} probe needs {}", needs.join(" and ")),
                ),
                Some(v) if !applies => self.error(
                    v.span(),
                    format!("`{field}` does not apply to {what} of kind {kind_name}"),
                    format!(
                        "remove it; a {kind_name} probe uses {}",
                        needs.join(" and ")
                    ),
                ),
                _ => {}
            }
        }
        if let (Some(url), true) = (&p.url, kind != ProbeKind::Sql) {
            let u = url.get_ref();
            if !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("${")) {
                self.error(
                    url.span(),
                    format!("{what}: the url must be http:// or https://"),
                    "give the Prometheus base URL (http://prometheus:9090) or the page to fetch",
                );
            }
        }
        if let Some(c) = &p.connection {
            if kind == ProbeKind::Sql {
                self.connection(c, what);
            }
        }
    }

    fn threshold(
        &mut self,
        t: &Spanned<RawThreshold>,
        what: &str,
        level: &str,
    ) -> Option<Threshold> {
        let r = t.get_ref();
        let set = [r.above.is_some(), r.below.is_some(), r.outside.is_some()];
        if set.iter().filter(|s| **s).count() != 1 {
            self.error(
                t.span(),
                format!("`{level}` of {what} must have exactly one of above, below, outside"),
                format!("write e.g. {level} = {{ above = 5.0 }}, {{ below = 1.0 }} or {{ outside = [0.0, 10.0] }}"),
            );
            return None;
        }
        match (r.above, r.below, r.outside) {
            (Some(v), _, _) => Some(Threshold::Above(v)),
            (_, Some(v), _) => Some(Threshold::Below(v)),
            (_, _, Some((min, max))) if min <= max => Some(Threshold::Outside { min, max }),
            _ => {
                self.error(
                    t.span(),
                    format!("`{level}` of {what}: `outside` has its minimum above its maximum"),
                    "write outside = [min, max] with min <= max",
                );
                None
            }
        }
    }

    fn copies(&mut self, raw: &[Spanned<RawCopy>]) -> Vec<CopySpec> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for c in raw {
            let c = c.get_ref();
            let name = c.name.get_ref();
            self.identifier(&c.name, "copy job name");
            self.duplicate(&mut seen, &c.name, "copy job");
            let what = format!("copy job `{name}`");
            self.connection(&c.source, &what);
            self.connection(&c.target, &what);
            self.non_empty_list(&c.key, &what, "key");
            if let Some(cols) = &c.columns {
                self.non_empty_list(cols, &what, "columns");
                let missing: Vec<&String> = c
                    .key
                    .get_ref()
                    .iter()
                    .chain(c.rename.iter().flat_map(|r| r.get_ref().keys()))
                    .filter(|k| !cols.get_ref().contains(k))
                    .collect();
                if let Some(m) = missing.first() {
                    self.error(
                        cols.span(),
                        format!("{what}: column `{m}` is used as a key or renamed but is not in `columns`"),
                        format!("add \"{m}\" to `columns`, or fix the name"),
                    );
                }
            }
            let engine = match c.engine.as_ref().map(|e| e.get_ref().as_str()) {
                None | Some("native") => Some(CopyEngine::Native),
                Some("external") => Some(CopyEngine::External),
                Some(other) => {
                    let span = c.engine.as_ref().map_or(c.name.span(), Spanned::span);
                    self.error(
                        span,
                        format!("{what} has unknown engine `{other}`"),
                        "write engine = \"native\" (warroom copies) or \"external\" (another tool copies, warroom follows its progress)",
                    );
                    None
                }
            };
            let progress = self.progress(c, engine, &what);
            let workers = self.positive(c.workers.as_ref(), 4u32, &format!("`workers` of {what}"));
            let chunk_rows = self.positive(
                c.chunk_rows.as_ref(),
                10_000u64,
                &format!("`chunk_rows` of {what}"),
            );
            let max_rows_per_sec = c
                .max_rows_per_sec
                .as_ref()
                .map(|m| self.positive(Some(m), 1u64, &format!("`max_rows_per_sec` of {what}")));
            let chunk_target =
                opt_duration(self, c.chunk_target.as_ref(), &what, "chunk_target", 500);
            if chunk_target == Some(Duration::ZERO) {
                if let Some(ct) = &c.chunk_target {
                    self.error(
                        ct.span(),
                        format!("`chunk_target` of {what} is zero"),
                        "give a target time per chunk such as \"500ms\"",
                    );
                }
            }
            let throttle: Vec<ThrottleRule> = c
                .throttle
                .iter()
                .filter_map(|t| self.throttle(t, &what))
                .collect();
            if let (Some(engine), Some(chunk_target)) = (engine, chunk_target) {
                out.push(CopySpec {
                    name: name.clone(),
                    engine,
                    source: c.source.get_ref().clone(),
                    source_table: c.source_table.clone(),
                    target: c.target.get_ref().clone(),
                    target_table: c.target_table.clone(),
                    key: c.key.get_ref().clone(),
                    columns: c.columns.as_ref().map(|v| v.get_ref().clone()),
                    rename: c
                        .rename
                        .as_ref()
                        .map(|r| r.get_ref().clone())
                        .unwrap_or_else(BTreeMap::new),
                    filter: c.filter.clone(),
                    workers,
                    chunk_rows,
                    chunk_target,
                    max_rows_per_sec,
                    throttle,
                    progress: progress.flatten(),
                });
            }
        }
        out
    }

    /// `Some(None)`: valid and absent.
    fn progress(
        &mut self,
        c: &RawCopy,
        engine: Option<CopyEngine>,
        what: &str,
    ) -> Option<Option<ExternalProgress>> {
        match (engine, &c.progress) {
            (Some(CopyEngine::External), None) => {
                self.error(
                    c.name.span(),
                    format!("{what} is external but has no `progress`"),
                    "say how to follow it: progress = { from = \"sql\", connection = \"...\", query = \"SELECT done, total FROM ...\" } or { from = \"prometheus\", probe = \"...\" }",
                );
                None
            }
            (Some(CopyEngine::Native), Some(p)) => {
                self.error(
                    p.span(),
                    format!("{what} is native, so `progress` does not apply"),
                    "remove `progress` (warroom measures its own copy), or set engine = \"external\"",
                );
                None
            }
            (_, None) => Some(None),
            (_, Some(p)) => {
                let r = p.get_ref();
                let owner = format!("the progress of {what}");
                match r.from.get_ref().as_str() {
                    "sql" => {
                        let conn = self.require(
                            r.connection.as_ref(),
                            p.span(),
                            &owner,
                            "connection",
                            "from = \"sql\"",
                        );
                        let query = self.require(
                            r.query.as_ref(),
                            p.span(),
                            &owner,
                            "query",
                            "from = \"sql\"",
                        );
                        self.forbid(r.probe.as_ref(), &owner, "probe", "from = \"sql\"");
                        if let Some(c) = conn {
                            self.connection(c, &owner);
                        }
                        Some(Some(ExternalProgress::Sql {
                            connection: conn?.get_ref().clone(),
                            query: query?.get_ref().clone(),
                        }))
                    }
                    "prometheus" => {
                        let probe = self.require(
                            r.probe.as_ref(),
                            p.span(),
                            &owner,
                            "probe",
                            "from = \"prometheus\"",
                        );
                        self.forbid(
                            r.connection.as_ref(),
                            &owner,
                            "connection",
                            "from = \"prometheus\"",
                        );
                        self.forbid(r.query.as_ref(), &owner, "query", "from = \"prometheus\"");
                        if let Some(pr) = probe {
                            self.job(JobKind::Probe, pr, &owner);
                        }
                        Some(Some(ExternalProgress::Prometheus {
                            probe: probe?.get_ref().clone(),
                        }))
                    }
                    other => {
                        self.error(
                            r.from.span(),
                            format!("{owner}: unknown source `{other}`"),
                            "write from = \"sql\" (with connection and query) or from = \"prometheus\" (with probe)",
                        );
                        None
                    }
                }
            }
        }
    }

    fn require<'v>(
        &mut self,
        value: Option<&'v SString>,
        span: Range<usize>,
        owner: &str,
        field: &str,
        form: &str,
    ) -> Option<&'v SString> {
        if value.is_none() {
            self.error(
                span,
                format!("{owner} has no `{field}`"),
                format!("with {form}, add `{field} = \"...\"`"),
            );
        }
        value
    }

    fn forbid(&mut self, value: Option<&SString>, owner: &str, field: &str, form: &str) {
        if let Some(v) = value {
            self.error(
                v.span(),
                format!("`{field}` does not apply to {owner} with {form}"),
                format!("remove `{field}`"),
            );
        }
    }

    fn throttle(&mut self, t: &Spanned<RawThrottle>, what: &str) -> Option<ThrottleRule> {
        let r = t.get_ref();
        let owner = format!("a throttle rule of {what}");
        match r.kind.get_ref().as_str() {
            "source_latency" => {
                self.forbid(
                    r.connection.as_ref(),
                    &owner,
                    "connection",
                    "kind = \"source_latency\"",
                );
                self.forbid(
                    r.query.as_ref(),
                    &owner,
                    "query",
                    "kind = \"source_latency\"",
                );
                self.forbid(
                    r.probe.as_ref(),
                    &owner,
                    "probe",
                    "kind = \"source_latency\"",
                );
                let above = match r.above.as_ref() {
                    Some(a) => match a.get_ref() {
                        toml::Value::String(s) => self.duration(
                            &Spanned::new(a.span(), s.clone()),
                            &format!("`above` of {owner}"),
                        ),
                        _ => {
                            self.error(
                                a.span(),
                                format!("`above` of {owner} must be a duration"),
                                "write above = \"200ms\"",
                            );
                            None
                        }
                    },
                    None => {
                        self.error(
                            t.span(),
                            format!("{owner} has no `above`"),
                            "add above = \"200ms\" (the source latency that slows the copy down)",
                        );
                        None
                    }
                };
                Some(ThrottleRule::SourceLatency { above: above? })
            }
            "query" => {
                self.forbid(r.probe.as_ref(), &owner, "probe", "kind = \"query\"");
                let conn = self.require(
                    r.connection.as_ref(),
                    t.span(),
                    &owner,
                    "connection",
                    "kind = \"query\"",
                );
                let query = self.require(
                    r.query.as_ref(),
                    t.span(),
                    &owner,
                    "query",
                    "kind = \"query\"",
                );
                if let Some(c) = conn {
                    self.connection(c, &owner);
                }
                let above = match r.above.as_ref().map(|a| (a.span(), a.get_ref())) {
                    Some((_, toml::Value::Float(f))) => Some(*f),
                    Some((_, toml::Value::Integer(i))) => Some(*i as f64),
                    Some((span, _)) => {
                        self.error(
                            span,
                            format!("`above` of {owner} must be a number"),
                            "write above = 5.0 (compared with the query's first column)",
                        );
                        None
                    }
                    None => {
                        self.error(
                            t.span(),
                            format!("{owner} has no `above`"),
                            "add above = 5.0 (the value of the query that slows the copy down)",
                        );
                        None
                    }
                };
                Some(ThrottleRule::Query {
                    connection: conn?.get_ref().clone(),
                    query: query?.get_ref().clone(),
                    above: above?,
                })
            }
            "probe" => {
                self.forbid(
                    r.connection.as_ref(),
                    &owner,
                    "connection",
                    "kind = \"probe\"",
                );
                self.forbid(r.query.as_ref(), &owner, "query", "kind = \"probe\"");
                if let Some(a) = &r.above {
                    self.error(
                        a.span(),
                        format!("`above` does not apply to {owner} with kind = \"probe\""),
                        "remove it: the probe's own thresholds decide",
                    );
                }
                let probe = self.require(
                    r.probe.as_ref(),
                    t.span(),
                    &owner,
                    "probe",
                    "kind = \"probe\"",
                );
                if let Some(p) = probe {
                    self.job(JobKind::Probe, p, &owner);
                }
                Some(ThrottleRule::Probe {
                    probe: probe?.get_ref().clone(),
                })
            }
            other => {
                self.error(
                    r.kind.span(),
                    format!("{owner} has unknown kind `{other}`"),
                    "write kind = \"source_latency\", \"query\" or \"probe\"",
                );
                None
            }
        }
    }

    fn recons(&mut self, raw: &[Spanned<RawRecon>]) -> Vec<ReconSpec> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for r in raw {
            let r = r.get_ref();
            let name = r.name.get_ref();
            self.identifier(&r.name, "recon job name");
            self.duplicate(&mut seen, &r.name, "recon job");
            let what = format!("recon job `{name}`");
            self.connection(&r.source, &what);
            self.connection(&r.target, &what);
            self.non_empty_list(&r.key, &what, "key");
            if let Some(cols) = &r.columns {
                self.non_empty_list(cols, &what, "columns");
            }
            let chunk_rows = self.positive(
                r.chunk_rows.as_ref(),
                10_000u64,
                &format!("`chunk_rows` of {what}"),
            );
            let concurrency = self.positive(
                r.concurrency.as_ref(),
                4u32,
                &format!("`concurrency` of {what}"),
            );
            if let Some(t) = &r.float_tolerance {
                if t.get_ref().is_nan() || *t.get_ref() < 0.0 {
                    self.error(
                        t.span(),
                        format!("`float_tolerance` of {what} is negative"),
                        "give an absolute tolerance such as 0.000001, or leave it out for exact comparison",
                    );
                }
            }
            out.push(ReconSpec {
                name: name.clone(),
                source: r.source.get_ref().clone(),
                source_table: r.source_table.clone(),
                target: r.target.get_ref().clone(),
                target_table: r.target_table.clone(),
                key: r.key.get_ref().clone(),
                columns: r.columns.as_ref().map(|c| c.get_ref().clone()),
                filter: r.filter.clone(),
                chunk_rows,
                concurrency,
                float_tolerance: r.float_tolerance.as_ref().map(|t| *t.get_ref()),
            });
        }
        out
    }

    // ---- phases and steps ------------------------------------------------------------

    fn phases(&mut self, raw: &[RawPhase]) -> (Vec<Phase>, Vec<Step>) {
        if raw.is_empty() {
            self.error(
                0..0,
                "the runbook has no [[phase]]",
                "add at least one [[phase]] with name = \"...\" and its [[phase.step]] tables",
            );
        }
        let mut seen_phases = HashMap::new();
        // Every step id in file order (with the span of the id) to resolve `after`.
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut all: Vec<&Spanned<RawStep>> = Vec::new();
        let mut seen_steps = HashMap::new();
        for phase in raw {
            if let Some(name) = &phase.name {
                self.duplicate(&mut seen_phases, name, "phase");
                if phase.written_steps == 0 {
                    self.error(
                        name.span(),
                        format!("phase `{}` has no steps", name.get_ref()),
                        "add [[phase.step]] tables under it, or remove the phase",
                    );
                }
            }
            for s in &phase.steps {
                let id = &s.get_ref().id;
                self.identifier(id, "step id");
                self.duplicate(&mut seen_steps, id, "step id");
                ids.entry(id.get_ref().as_str()).or_insert(all.len());
                all.push(s);
            }
        }
        let broken_steps = &self.broken_steps.clone();
        let mut phases = Vec::new();
        let mut steps = Vec::new();
        // preds[i] with, for each, the span of the `after` entry (None when implicit).
        let mut preds: Vec<Deps> = Vec::new();
        let mut index: usize = 0;
        for (p_idx, phase) in raw.iter().enumerate() {
            let mut members = Vec::new();
            for s in &phase.steps {
                let prev = index.checked_sub(1).map(|i| all[i]);
                let (step, deps) = self.step(s, p_idx, prev, &ids, broken_steps);
                members.push(steps.len());
                steps.push(step);
                preds.push(deps);
                index += 1;
            }
            phases.push(Phase {
                name: phase
                    .name
                    .as_ref()
                    .map(|n| n.get_ref().clone())
                    .unwrap_or_default(),
                steps: members,
            });
        }
        self.graph(&all, &steps, &preds);
        (phases, steps)
    }

    fn step(
        &mut self,
        raw: &Spanned<RawStep>,
        phase: usize,
        prev: Option<&Spanned<RawStep>>,
        ids: &HashMap<&str, usize>,
        broken_steps: &HashSet<String>,
    ) -> (Step, Deps) {
        let s = raw.get_ref();
        let id = s.id.get_ref();
        let what = format!("step `{id}`");
        self.person(&s.dri, &what, "DRI");
        self.person(&s.reviewer, &what, "reviewer");
        if s.dri.get_ref() == s.reviewer.get_ref() {
            self.warning(
                s.reviewer.span(),
                format!("{what} is reviewed by its own DRI `{}`", s.dri.get_ref()),
                "name a different reviewer: the four-eyes principle needs two people",
            );
        }
        let planned = self
            .duration(&s.planned, &format!("`planned` of {what}"))
            .unwrap_or_default();

        // Dependencies.
        let mut deps = Vec::new();
        let mut after = Vec::new();
        match &s.after {
            None => {
                if let Some(p) = prev {
                    let pid = p.get_ref().id.get_ref();
                    if let Some(&i) = ids.get(pid.as_str()) {
                        deps.push((i, None));
                    }
                    after.push(pid.clone());
                }
            }
            Some(list) => {
                for a in list {
                    let name = a.get_ref();
                    if name == id {
                        self.error(
                            a.span(),
                            format!("{what} waits for itself"),
                            "remove its own id from `after`",
                        );
                    } else if let Some(&i) = ids.get(name.as_str()) {
                        if !after.contains(name) {
                            deps.push((i, Some(a.span())));
                            after.push(name.clone());
                        }
                    } else if !broken_steps.contains(name) {
                        let hint = did_you_mean(name, ids.keys().copied());
                        self.error(
                            a.span(),
                            format!("{what} waits for unknown step `{name}`"),
                            format!("fix the id in `after`{hint}, or remove it"),
                        );
                    }
                }
            }
        }

        let action = s
            .action
            .as_ref()
            .and_then(|a| self.action(a, &format!("the action of {what}")));
        let rollback = s.rollback.as_ref().map(|r| {
            let r = r.get_ref();
            Rollback {
                instructions: r.instructions.clone(),
                action: r
                    .action
                    .as_ref()
                    .and_then(|a| self.action(a, &format!("the rollback action of {what}"))),
            }
        });

        let gate = s.gate.as_ref().is_some_and(|g| *g.get_ref());
        let irreversible = s.irreversible.as_ref().is_some_and(|g| *g.get_ref());
        let approvers = self.approvers(s, gate, &what);
        let requires = self.requires(&s.requires, &what);
        if gate && requires.is_empty() && action.is_none() {
            if let Some(g) = &s.gate {
                self.warning(
                    g.span(),
                    format!("gate {what} requires no evidence"),
                    "add e.g. requires = [\"recon:NAME\", \"probe:NAME\"] so GO is called on facts, not only on people's word",
                );
            }
        }
        let step = Step {
            id: id.clone(),
            title: s.title.clone(),
            phase,
            dri: s.dri.get_ref().clone(),
            reviewer: s.reviewer.get_ref().clone(),
            planned,
            after,
            instructions: s.instructions.clone(),
            action,
            rollback,
            gate,
            approvers,
            irreversible,
            requires,
        };
        (step, deps)
    }

    fn approvers(&mut self, s: &RawStep, gate: bool, what: &str) -> Vec<Handle> {
        match (&s.approvers, gate) {
            (Some(list), false) => {
                self.error(
                    list.span(),
                    format!("{what} has approvers but is not a gate"),
                    "add gate = true to make it a go/no-go step, or remove `approvers`",
                );
                Vec::new()
            }
            (Some(list), true) if list.get_ref().is_empty() => {
                self.error(
                    list.span(),
                    format!("gate {what} has an empty approver list"),
                    "name who says GO, e.g. approvers = [\"<coordinator>\", \"<app owner>\"], or leave it out for the coordinator",
                );
                Vec::new()
            }
            (Some(list), true) => {
                let mut out: Vec<Handle> = Vec::new();
                for a in list.get_ref() {
                    self.person(a, what, "approver");
                    if !out.contains(a.get_ref()) {
                        out.push(a.get_ref().clone());
                    }
                }
                out
            }
            (None, true) => self.coordinator.iter().cloned().collect(),
            (None, false) => Vec::new(),
        }
    }

    fn requires(&mut self, raw: &[SString], what: &str) -> Vec<Evidence> {
        let mut out = Vec::new();
        for r in raw {
            let evidence = match r.get_ref().split_once(':') {
                Some(("copy", n)) if !n.is_empty() => {
                    Some((JobKind::Copy, Evidence::CopyDone(n.to_string())))
                }
                Some(("recon", n)) if !n.is_empty() => {
                    Some((JobKind::Recon, Evidence::ReconClean(n.to_string())))
                }
                Some(("probe", n)) if !n.is_empty() => {
                    Some((JobKind::Probe, Evidence::ProbeGreen(n.to_string())))
                }
                _ => None,
            };
            match evidence {
                Some((kind, e)) => {
                    let name = match &e {
                        Evidence::CopyDone(n) | Evidence::ReconClean(n) | Evidence::ProbeGreen(n) => n,
                    };
                    self.job(kind, &Spanned::new(r.span(), name.clone()), &format!("`requires` of {what}"));
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
                None => self.error(
                    r.span(),
                    format!("`requires` of {what} has a malformed entry `{}`", r.get_ref()),
                    "write \"copy:NAME\" (copy finished), \"recon:NAME\" (recon clean) or \"probe:NAME\" (probe green)",
                ),
            }
        }
        out
    }

    fn action(&mut self, a: &Spanned<RawAction>, what: &str) -> Option<Action> {
        let r = a.get_ref();
        let given: Vec<&str> = [
            ("copy", r.copy.is_some()),
            ("recon", r.recon.is_some()),
            ("check", r.check.is_some()),
            ("shell", r.shell.is_some()),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
        if given.len() != 1 {
            self.error(
                a.span(),
                format!(
                    "{what} must have exactly one of copy, recon, check, shell; it has {}",
                    if given.is_empty() { "none".to_string() } else { given.join(" and ") }
                ),
                "write e.g. action = { copy = \"JOB\" }, { recon = \"JOB\" }, { check = { probe = \"NAME\" } } or { shell = \"CMD\" }",
            );
            return None;
        }
        if let Some(c) = &r.copy {
            self.job(JobKind::Copy, c, what);
            return Some(Action::Copy(c.get_ref().clone()));
        }
        if let Some(c) = &r.recon {
            self.job(JobKind::Recon, c, what);
            return Some(Action::Recon(c.get_ref().clone()));
        }
        if let Some(c) = &r.shell {
            if c.get_ref().trim().is_empty() {
                self.error(
                    c.span(),
                    format!("{what} has an empty shell command"),
                    "give the command to run, or remove the action",
                );
            }
            return Some(Action::Shell(c.get_ref().clone()));
        }
        let check = r.check.as_ref()?;
        let c = check.get_ref();
        match (&c.probe, &c.sql) {
            (Some(p), None) => {
                for (field, present) in [
                    ("connection", c.connection.is_some()),
                    ("expect", c.expect.is_some()),
                ] {
                    if present {
                        self.error(
                            check.span(),
                            format!("`{field}` does not apply to a probe check in {what}"),
                            format!("remove `{field}`: the probe's thresholds decide"),
                        );
                    }
                }
                self.job(JobKind::Probe, p, what);
                Some(Action::Check(Check::Probe(p.get_ref().clone())))
            }
            (None, Some(sql)) => {
                let conn = self.require(
                    c.connection.as_ref(),
                    check.span(),
                    &format!("the SQL check in {what}"),
                    "connection",
                    "sql = \"...\"",
                );
                if let Some(conn) = conn {
                    self.connection(conn, what);
                }
                let expect = c.expect.as_ref().and_then(|e| match e.get_ref() {
                    toml::Value::String(s) => Some(s.clone()),
                    toml::Value::Integer(i) => Some(i.to_string()),
                    toml::Value::Float(f) => Some(f.to_string()),
                    toml::Value::Boolean(b) => Some(b.to_string()),
                    _ => {
                        self.error(
                            e.span(),
                            format!("`expect` in {what} must be text, a number or a boolean"),
                            "write expect = \"0\"",
                        );
                        None
                    }
                });
                Some(Action::Check(Check::Sql {
                    connection: conn?.get_ref().clone(),
                    query: sql.get_ref().clone(),
                    expect,
                }))
            }
            _ => {
                self.error(
                    check.span(),
                    format!("the check in {what} must have exactly one of `probe` and `sql`"),
                    "write check = { probe = \"NAME\" } or check = { sql = \"SELECT ...\", connection = \"NAME\", expect = \"0\" }",
                );
                None
            }
        }
    }

    /// Cycles (errors) and irreversible steps no gate comes before (warnings).
    fn graph(&mut self, raw: &[&Spanned<RawStep>], steps: &[Step], deps: &[Deps]) {
        let preds: Vec<Vec<usize>> = deps
            .iter()
            .map(|d| d.iter().map(|(i, _)| *i).collect())
            .collect();
        let cycles = graph::find_cycles(&preds);
        for cycle in &cycles {
            let (Some(&first), Some(&last)) = (cycle.first(), cycle.last()) else {
                continue;
            };
            let names: Vec<&str> = cycle
                .iter()
                .chain(std::iter::once(&first))
                .map(|&i| steps[i].id.as_str())
                .collect();
            // Point at the `after` entry of the first step that closes the loop.
            let span = deps[first]
                .iter()
                .find(|(i, _)| *i == last)
                .and_then(|(_, s)| s.clone())
                .unwrap_or_else(|| raw[first].get_ref().id.span());
            self.error(
                span,
                format!("dependency cycle: {}", names.join(" -> ")),
                "each step waits for the one before it in this loop, so none can start; \
                 remove one of these `after` entries",
            );
        }
        if !cycles.is_empty() {
            return;
        }
        for (i, step) in steps.iter().enumerate() {
            if !step.irreversible {
                continue;
            }
            let guarded = graph::ancestors(&preds, i).iter().any(|&a| steps[a].gate);
            if !guarded {
                let span = raw[i]
                    .get_ref()
                    .irreversible
                    .as_ref()
                    .map_or(raw[i].get_ref().id.span(), Spanned::span);
                self.warning(
                    span,
                    format!("step `{}` is irreversible but no gate comes before it", step.id),
                    "put a go/no-go step (gate = true) among the steps it waits for, so someone says GO before the point of no return",
                );
            }
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
