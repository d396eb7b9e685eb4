//! Copy and recon jobs, probes, throttle rules and external progress.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::tables::{TableFields, Tables};
use super::{opt_duration, JobKind, Validator};
use crate::runbook::model::{
    CopyEngine, CopySet, CopySpec, DomainCheck, ProbeKind, ProbeScope, ProbeSpec, ReconSet,
    ReconSpec, ReconWatch, Threshold, ThrottleRule,
};
use crate::runbook::raw::{
    RawCopy, RawPhase, RawProbe, RawRecon, RawScope, RawThreshold, RawThrottle, SString,
};

impl Validator<'_, '_> {
    pub(super) fn probes(
        &mut self,
        raw: &[Spanned<RawProbe>],
        phases: &[RawPhase],
    ) -> Vec<ProbeSpec> {
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
            let active = p
                .active
                .as_ref()
                .map(|scope| self.scope(scope, phases, &what));
            if let (Some(kind), Some(interval), Some(timeout), Some(stale_after), Some(active)) = (
                kind,
                interval,
                timeout,
                stale_after,
                active.unwrap_or(Some(None)).map(Some),
            ) {
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
                    active: active.flatten(),
                });
            }
        }
        out
    }

    /// `active = {...}`: phases or steps that exist, one form or the other. `Some(None)`
    /// never: the outer `Option` is "valid", the inner the scope.
    // None: the section is broken (reported); Some(None): it is absent.
    #[allow(clippy::option_option)]
    pub(super) fn scope(
        &mut self,
        raw: &Spanned<RawScope>,
        phases: &[RawPhase],
        what: &str,
    ) -> Option<Option<ProbeScope>> {
        let r = raw.get_ref();
        let phase_names: Vec<&str> = phases
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| n.get_ref().as_str()))
            .collect();
        let step_ids: Vec<&str> = phases
            .iter()
            .flat_map(|p| p.steps.iter())
            .map(|s| s.get_ref().id.get_ref().as_str())
            .collect();
        let mut ok = true;
        let mut step = |v: &mut Self, s: &SString, field: &str| {
            if !step_ids.contains(&s.get_ref().as_str()) {
                v.error(
                    s.span(),
                    format!(
                        "{what} is active from an unknown step `{}` ({field})",
                        s.get_ref()
                    ),
                    format!(
                        "name a step of this runbook{}",
                        crate::runbook::names::did_you_mean(s.get_ref(), step_ids.iter().copied())
                    ),
                );
                ok = false;
            }
        };
        let scope = match (&r.phases, &r.from, &r.until) {
            (Some(list), None, None) => {
                for ph in list {
                    if !phase_names.contains(&ph.get_ref().as_str()) {
                        self.error(
                            ph.span(),
                            format!("{what} is active in an unknown phase `{}`", ph.get_ref()),
                            format!(
                                "name a [[phase]] of this runbook{}",
                                crate::runbook::names::did_you_mean(
                                    ph.get_ref(),
                                    phase_names.iter().copied()
                                )
                            ),
                        );
                        ok = false;
                    }
                }
                if list.is_empty() {
                    self.error(
                        raw.span(),
                        format!("{what} is active in no phase"),
                        "name at least one phase, or leave `active` out for always",
                    );
                    ok = false;
                }
                ProbeScope::Phases(list.iter().map(|p| p.get_ref().clone()).collect())
            }
            (None, Some(from), until) => {
                step(self, from, "from");
                if let Some(u) = until {
                    step(self, u, "until");
                }
                ProbeScope::Steps {
                    from: from.get_ref().clone(),
                    until: until.as_ref().map(|u| u.get_ref().clone()),
                }
            }
            _ => {
                self.error(
                    raw.span(),
                    format!("{what} has an `active` that is neither phases nor steps"),
                    "write active = { phases = [\"switch\"] } or active = { from = \"freeze\", until = \"switch\" }",
                );
                return None;
            }
        };
        ok.then_some(Some(scope))
    }

    fn probe_fields(&mut self, p: &RawProbe, kind: ProbeKind, what: &str) {
        // A SQL probe without a query measures the round trip of `SELECT 1`, in ms.
        let (needs, optional, kind_name): (&[&str], &[&str], &str) = match kind {
            ProbeKind::Prometheus => (&["url", "query"], &[], "prometheus"),
            ProbeKind::Sql => (&["connection"], &["query"], "sql"),
            ProbeKind::Http => (&["url"], &["json_pointer"], "http"),
        };
        let fields: [(&str, Option<&SString>); 4] = [
            ("url", p.url.as_ref()),
            ("query", p.query.as_ref()),
            ("connection", p.connection.as_ref()),
            ("json_pointer", p.json_pointer.as_ref()),
        ];
        for (field, value) in fields {
            let applies = needs.contains(&field) || optional.contains(&field);
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

    /// The single-table copies, and the copies over many tables (`tables`).
    pub(super) fn copies(&mut self, raw: &[Spanned<RawCopy>]) -> (Vec<CopySpec>, Vec<CopySet>) {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut sets = Vec::new();
        for c in raw {
            let c = c.get_ref();
            let name = c.name.get_ref();
            self.identifier(&c.name, "copy job name");
            self.duplicate(&mut seen, &c.name, "copy job");
            let what = format!("copy job `{name}`");
            self.connection(&c.source, &what);
            self.connection(&c.target, &what);
            let mut per_table: Vec<(&'static str, Range<usize>)> = Vec::new();
            per_table.extend(c.columns.as_ref().map(|v| ("columns", v.span())));
            per_table.extend(c.rename.as_ref().map(|v| ("rename", v.span())));
            if c.tables.is_some() {
                if let Some(e) = c.engine.as_ref().filter(|e| e.get_ref() == "external") {
                    per_table.push(("engine = \"external\"", e.span()));
                }
            }
            let tables = self.job_tables(
                &TableFields {
                    name_span: c.name.span(),
                    source_table: c.source_table.as_ref(),
                    target_table: c.target_table.as_ref(),
                    key: c.key.as_ref(),
                    tables: c.tables.as_ref(),
                    per_table,
                    needs_table: c.engine.as_ref().is_none_or(|e| e.get_ref() != "external"),
                },
                &what,
            );
            if let Some(k) = c.key.as_ref().filter(|_| c.tables.is_none()) {
                self.non_empty_list(k, &what, "key");
            }
            if let (Some(cols), Some(key)) = (&c.columns, &c.key) {
                self.non_empty_list(cols, &what, "columns");
                let missing: Vec<&String> = key
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
            let external = self.external_rules(c, engine, &what);
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
            if let (
                Some(engine),
                Some(chunk_target),
                Some(tables),
                Some((finished, stalled_after)),
            ) = (engine, chunk_target, tables, external)
            {
                let (source_table, target_table, key, set) = match tables {
                    Tables::One {
                        source_table,
                        target_table,
                        key,
                    } => (source_table, target_table, key, None),
                    Tables::Many { tables, key } => {
                        (String::new(), String::new(), key, Some(tables))
                    }
                };
                let spec = CopySpec {
                    name: name.clone(),
                    engine,
                    source: c.source.get_ref().clone(),
                    source_table,
                    target: c.target.get_ref().clone(),
                    target_table,
                    key,
                    columns: c.columns.as_ref().map(|v| v.get_ref().clone()),
                    rename: c
                        .rename
                        .as_ref()
                        .map_or_else(BTreeMap::new, |r| r.get_ref().clone()),
                    filter: c.filter.clone(),
                    workers,
                    chunk_rows,
                    chunk_target,
                    max_rows_per_sec,
                    throttle,
                    progress: progress.flatten(),
                    create_target: self.create_target(c, engine, &what),
                    finished,
                    stalled_after,
                    exclusive: c.exclusive.as_ref().map(|g| g.get_ref().clone()),
                };
                match set {
                    None => out.push(spec),
                    Some(tables) => sets.push(CopySet {
                        name: name.clone(),
                        tables,
                        template: spec,
                    }),
                }
            }
        }
        (out, sets)
    }

    /// `create_target = true` is for copies warroom runs: an external tool makes its own.
    fn create_target(&mut self, c: &RawCopy, engine: CopyEngine, what: &str) -> bool {
        let Some(flag) = &c.create_target else {
            return false;
        };
        if *flag.get_ref() && engine == CopyEngine::External {
            self.error(
                flag.span(),
                format!("{what} is external, so `create_target` does not apply"),
                "remove `create_target` (the external tool creates its tables), or set engine = \"native\"",
            );
            return false;
        }
        *flag.get_ref()
    }

    pub(super) fn require<'v>(
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

    pub(super) fn forbid(&mut self, value: Option<&SString>, owner: &str, field: &str, form: &str) {
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
                let above = if let Some(a) = r.above.as_ref() {
                    if let toml::Value::String(s) = a.get_ref() {
                        self.duration(
                            &Spanned::new(a.span(), s.clone()),
                            &format!("`above` of {owner}"),
                        )
                    } else {
                        self.error(
                            a.span(),
                            format!("`above` of {owner} must be a duration"),
                            "write above = \"200ms\"",
                        );
                        None
                    }
                } else {
                    self.error(
                        t.span(),
                        format!("{owner} has no `above`"),
                        "add above = \"200ms\" (the source latency that slows the copy down)",
                    );
                    None
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

    /// The single-table recons, and the recons over many tables (`tables`).
    pub(super) fn recons(
        &mut self,
        raw: &[Spanned<RawRecon>],
        phases: &[RawPhase],
    ) -> (Vec<ReconSpec>, Vec<ReconSet>) {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut sets = Vec::new();
        for r in raw {
            let r = r.get_ref();
            let name = r.name.get_ref();
            self.identifier(&r.name, "recon job name");
            self.duplicate(&mut seen, &r.name, "recon job");
            let what = format!("recon job `{name}`");
            self.connection(&r.source, &what);
            self.connection(&r.target, &what);
            let mut per_table: Vec<(&'static str, Range<usize>)> = Vec::new();
            per_table.extend(r.columns.as_ref().map(|v| ("columns", v.span())));
            if r.tables.is_some() {
                per_table.extend(r.checks.first().map(|c| ("check", c.span())));
                per_table.extend(r.watch.as_ref().map(|w| ("watch", w.span())));
            }
            let tables = self.job_tables(
                &TableFields {
                    name_span: r.name.span(),
                    source_table: r.source_table.as_ref(),
                    target_table: r.target_table.as_ref(),
                    key: r.key.as_ref(),
                    tables: r.tables.as_ref(),
                    per_table,
                    needs_table: true,
                },
                &what,
            );
            if let Some(k) = r.key.as_ref().filter(|_| r.tables.is_none()) {
                self.non_empty_list(k, &what, "key");
            }
            if let Some(cols) = &r.columns {
                self.non_empty_list(cols, &what, "columns");
            }
            // A chunk that differs is read again row by row: smaller chunks re-read less
            // for a few scattered differences and cost next to nothing when all match.
            let chunk_rows = self.positive(
                r.chunk_rows.as_ref(),
                5_000u64,
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
            let active = self.recon_span(r, phases, &what);
            let Some(tables) = tables else {
                continue;
            };
            let (source_table, target_table, key, set) = match tables {
                Tables::One {
                    source_table,
                    target_table,
                    key,
                } => (source_table, target_table, key, None),
                Tables::Many { tables, key } => (String::new(), String::new(), key, Some(tables)),
            };
            let spec = ReconSpec {
                name: name.clone(),
                source: r.source.get_ref().clone(),
                source_table,
                target: r.target.get_ref().clone(),
                target_table,
                key,
                columns: r.columns.as_ref().map(|c| c.get_ref().clone()),
                filter: r.filter.clone(),
                chunk_rows,
                concurrency,
                float_tolerance: r.float_tolerance.as_ref().map(|t| *t.get_ref()),
                watch: r.watch.as_ref().map(|w| {
                    let w = w.get_ref();
                    let every = w
                        .every
                        .as_ref()
                        .and_then(|e| self.duration(e, &format!("`watch.every` of {what}")))
                        .unwrap_or(Duration::from_secs(30));
                    let settle = w
                        .settle
                        .as_ref()
                        .and_then(|e| self.duration(e, &format!("`watch.settle` of {what}")))
                        .unwrap_or(Duration::from_secs(10));
                    ReconWatch {
                        column: w.column.clone(),
                        every,
                        settle,
                    }
                }),
                active,
                checks: r
                    .checks
                    .iter()
                    .map(|c| {
                        let c = c.get_ref();
                        self.identifier(&c.name, "recon check name");
                        DomainCheck {
                            name: c.name.get_ref().clone(),
                            source_sql: c.source_sql.clone(),
                            target_sql: c.target_sql.clone(),
                        }
                    })
                    .collect(),
            };
            match set {
                None => out.push(spec),
                Some(tables) => sets.push(ReconSet {
                    name: name.clone(),
                    tables,
                    template: spec,
                }),
            }
        }
        (out, sets)
    }
}
