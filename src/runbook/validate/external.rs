//! External copy jobs: where their progress comes from, when they are finished, when
//! they are stalled, which tables a native copy must name, and `exclusive` groups (two
//! jobs of one group in steps the graph lets run at once is a warning: the drill refuses
//! to start the second while the first runs, so the plan is safe but its order is left
//! to the people).

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::{Deps, Validator};
use crate::runbook::graph;
use crate::runbook::model::{Action, CopyEngine, ExternalProgress, Finished, Step};
use crate::runbook::raw::{RawCopy, RawProgress, RawStep, SString};

const PROGRESS_FORMS: &str = "progress = { from = \"sql\", connection = \"...\", query = \"SELECT done, total FROM ...\" }, { from = \"prometheus\", url = \"http://...\", done = \"PROMQL\", total = \"PROMQL\" } or { from = \"command\", command = \"...\" }";

/// The finished rule and the stall time of one copy, once valid.
pub(super) type ExternalRules = (Finished, Option<Duration>);

impl Validator<'_, '_> {
    /// `finished` and `stalled_after`; `None` when one of them is broken (reported).
    pub(super) fn external_rules(
        &mut self,
        c: &RawCopy,
        engine: Option<CopyEngine>,
        what: &str,
    ) -> Option<ExternalRules> {
        if let Some(group) = &c.exclusive {
            self.identifier(group, "exclusive group");
        }
        let native = engine == Some(CopyEngine::Native);
        if engine == Some(CopyEngine::External) {
            // warroom does not run an external job, so it cannot slow it down: a throttle
            // here would promise a protection that never happens.
            let slowing = c
                .throttle
                .first()
                .map(|t| ("throttle", t.span()))
                .or_else(|| {
                    c.max_rows_per_sec
                        .as_ref()
                        .map(|m| ("max_rows_per_sec", m.span()))
                });
            if let Some((field, span)) = slowing {
                self.error(
                    span,
                    format!("{what} is external, so `{field}` does not apply: warroom cannot slow down a job it does not run"),
                    "remove it and set the tool's own rate; to watch the source's latency while the job runs, declare a probe and show it beside the job",
                );
            }
        }
        let stalled_after = match &c.stalled_after {
            None => None,
            Some(s) if native => {
                self.error(
                    s.span(),
                    format!("{what} is native, so `stalled_after` does not apply"),
                    "remove `stalled_after` (warroom runs this copy and reports its own errors), \
                     or set engine = \"external\"",
                );
                return None;
            }
            Some(s) => {
                let d = self.duration(s, &format!("`stalled_after` of {what}"))?;
                if d.is_zero() {
                    self.error(
                        s.span(),
                        format!("`stalled_after` of {what} is zero"),
                        "give the time without progress after which the job is stalled, such as \"10m\"",
                    );
                    return None;
                }
                Some(d)
            }
        };
        let finished = match c
            .progress
            .as_ref()
            .and_then(|p| p.get_ref().finished.as_ref())
        {
            None => Finished::ReachesTotal,
            Some(f) => {
                let from = c
                    .progress
                    .as_ref()
                    .map(|p| p.get_ref().from.get_ref().as_str());
                self.finished(f, from, what)?
            }
        };
        Some((finished, stalled_after))
    }

    fn finished(&mut self, f: &SString, from: Option<&str>, what: &str) -> Option<Finished> {
        let text = f.get_ref().trim();
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact == "done>=total" {
            return Some(Finished::ReachesTotal);
        }
        let status = text
            .strip_prefix("status")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty());
        match status {
            Some(_) if from == Some("prometheus") => {
                self.error(
                    f.span(),
                    format!("the progress of {what} comes from Prometheus, which reports no status"),
                    "write finished = \"done >= total\" (or leave it out), or follow a SQL query or a command that reports a status",
                );
                None
            }
            Some(value) => Some(Finished::Status(value)),
            None => {
                self.error(
                    f.span(),
                    format!("the progress of {what}: `finished = \"{text}\"` is not a rule"),
                    "write finished = \"done >= total\" (the default) or finished = \"status = COMPLETED\" (the status the job reports when it is done)",
                );
                None
            }
        }
    }

    /// `Some(None)`: valid and absent; `None`: broken (reported).
    #[allow(clippy::option_option)]
    pub(super) fn progress(
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
                    format!("say how to follow it: {PROGRESS_FORMS}"),
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
            (_, Some(p)) => self.progress_source(p.get_ref(), p.span(), what).map(Some),
        }
    }

    fn progress_source(
        &mut self,
        r: &RawProgress,
        span: Range<usize>,
        what: &str,
    ) -> Option<ExternalProgress> {
        let owner = format!("the progress of {what}");
        match r.from.get_ref().as_str() {
            "sql" => {
                let form = "from = \"sql\"";
                let conn = self.require(
                    r.connection.as_ref(),
                    span.clone(),
                    &owner,
                    "connection",
                    form,
                );
                let query = self.require(r.query.as_ref(), span, &owner, "query", form);
                for (field, v) in [
                    ("url", &r.url),
                    ("done", &r.done),
                    ("total", &r.total),
                    ("command", &r.command),
                    ("probe", &r.probe),
                ] {
                    self.forbid(v.as_ref(), &owner, field, form);
                }
                if let Some(c) = conn {
                    self.connection(c, &owner);
                }
                Some(ExternalProgress::Sql {
                    connection: conn?.get_ref().clone(),
                    query: query?.get_ref().clone(),
                })
            }
            "prometheus" => {
                let form = "from = \"prometheus\"";
                if let Some(p) = &r.probe {
                    self.error(
                        p.span(),
                        format!("{owner} names a probe; progress needs the series themselves"),
                        "write url = \"http://prometheus:9090\", done = \"PROMQL for rows done\" and total = \"PROMQL for rows in all\" instead of `probe`",
                    );
                }
                let url = self.require(r.url.as_ref(), span.clone(), &owner, "url", form);
                let done = self.require(r.done.as_ref(), span, &owner, "done", form);
                for (field, v) in [
                    ("connection", &r.connection),
                    ("query", &r.query),
                    ("command", &r.command),
                ] {
                    self.forbid(v.as_ref(), &owner, field, form);
                }
                if let Some(u) = url {
                    let text = u.get_ref();
                    if !(text.starts_with("http://")
                        || text.starts_with("https://")
                        || text.starts_with("${"))
                    {
                        self.error(
                            u.span(),
                            format!("{owner}: `{text}` is not an http(s) URL"),
                            "write the Prometheus server's address, e.g. url = \"http://prometheus:9090\"",
                        );
                        return None;
                    }
                }
                if r.probe.is_some() {
                    return None;
                }
                Some(ExternalProgress::Prometheus {
                    url: url?.get_ref().clone(),
                    done: done?.get_ref().clone(),
                    total: r.total.as_ref().map(|t| t.get_ref().clone()),
                })
            }
            "command" => {
                let form = "from = \"command\"";
                let command = self.require(r.command.as_ref(), span, &owner, "command", form);
                for (field, v) in [
                    ("connection", &r.connection),
                    ("query", &r.query),
                    ("url", &r.url),
                    ("done", &r.done),
                    ("total", &r.total),
                    ("probe", &r.probe),
                ] {
                    self.forbid(v.as_ref(), &owner, field, form);
                }
                let command = command?;
                if command.get_ref().trim().is_empty() {
                    self.error(
                        command.span(),
                        format!("{owner} has an empty `command`"),
                        "give the command that prints the job's state as JSON, e.g. command = \"migrator status --json\"",
                    );
                    return None;
                }
                Some(ExternalProgress::Command {
                    command: command.get_ref().clone(),
                })
            }
            other => {
                self.error(
                    r.from.span(),
                    format!("{owner}: unknown source `{other}`"),
                    "write from = \"sql\" (with connection and query), from = \"prometheus\" (with url, done and total) or from = \"command\" (with command)",
                );
                None
            }
        }
    }

    /// Two steps whose copy jobs share an `exclusive` group should be ordered by `after`:
    /// otherwise the drill may be asked to run them at once, which it refuses (a warning).
    pub(super) fn exclusive_groups(
        &mut self,
        raw: &[&Spanned<RawStep>],
        steps: &[Step],
        deps: &[Deps],
    ) {
        let preds: Vec<Vec<usize>> = deps
            .iter()
            .map(|d| d.iter().map(|(i, _)| *i).collect())
            .collect();
        let groups = std::mem::take(&mut self.copy_groups);
        let grouped: Vec<(usize, &str, &str)> = steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.action {
                Some(Action::Copy(job)) => groups.get(job).map(|g| (i, job.as_str(), g.as_str())),
                _ => None,
            })
            .collect();
        let mut ancestors: HashMap<usize, Vec<usize>> = HashMap::new();
        for (n, &(a, job_a, group)) in grouped.iter().enumerate() {
            for &(b, job_b, other) in &grouped[n + 1..] {
                if group != other {
                    continue;
                }
                let before = ancestors
                    .entry(b)
                    .or_insert_with(|| graph::ancestors(&preds, b))
                    .contains(&a);
                let after = ancestors
                    .entry(a)
                    .or_insert_with(|| graph::ancestors(&preds, a))
                    .contains(&b);
                if before || after {
                    continue;
                }
                let span = raw[b]
                    .get_ref()
                    .action
                    .as_ref()
                    .map_or_else(|| raw[b].get_ref().id.span(), Spanned::span);
                let (sa, sb) = (&steps[a].id, &steps[b].id);
                self.warning(
                    span,
                    format!(
                        "steps `{sa}` and `{sb}` can run at once, but their copy jobs `{job_a}` and `{job_b}` are in exclusive group `{group}`"
                    ),
                    format!(
                        "jobs of one exclusive group never run at once: the drill refuses to start the second while the first runs; to plan the order, add after = [\"{sa}\"] to step `{sb}` (or the other way round)"
                    ),
                );
            }
        }
        self.copy_groups = groups;
    }
}
