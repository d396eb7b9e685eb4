//! `GET /metrics`: the drill in Prometheus text exposition format (version 0.0.4), so a
//! team's own Prometheus and Grafana can watch it too. Statuses are state sets (one series
//! per possible status, 1 for the current one) so series do not come and go.

use std::fmt::Write;

use super::mirror::Snapshot;
use crate::drill::telemetry::health::ProbeStatus;
use crate::drill::telemetry::Telemetry;
use crate::drill::{Role, StepStatus};

const STEP_STATUSES: [&str; 8] = [
    "pending",
    "ready",
    "running",
    "awaiting_review",
    "done",
    "failed",
    "skipped",
    "rolled_back",
];

const PROBE_STATUSES: [ProbeStatus; 5] = [
    ProbeStatus::Ok,
    ProbeStatus::Warn,
    ProbeStatus::Error,
    ProbeStatus::NoData,
    ProbeStatus::Critical,
];

fn step_status_name(s: &StepStatus) -> &'static str {
    match s {
        StepStatus::Pending => "pending",
        StepStatus::Ready => "ready",
        StepStatus::Running => "running",
        StepStatus::AwaitingReview => "awaiting_review",
        StepStatus::Done => "done",
        StepStatus::Failed { .. } => "failed",
        StepStatus::Skipped { .. } => "skipped",
        StepStatus::RolledBack => "rolled_back",
    }
}

fn probe_status_name(s: ProbeStatus) -> &'static str {
    match s {
        ProbeStatus::Ok => "ok",
        ProbeStatus::Warn => "warn",
        ProbeStatus::Error => "error",
        ProbeStatus::NoData => "no_data",
        ProbeStatus::Critical => "critical",
    }
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn esc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", esc(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {}", fmt_value(value));
    }
}

fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// The whole exposition for one moment.
pub fn render(s: &Snapshot<'_>) -> String {
    let mut out = Out(String::with_capacity(4096));
    let runbook = s.drill.runbook();
    let state = s.drill.state();
    let timing = s.drill.timing();

    out.family(
        "warroom_drill_info",
        "gauge",
        "The drill being served and who coordinates it now (always 1).",
    );
    out.sample(
        "warroom_drill_info",
        &[
            ("drill", &runbook.meta.name),
            // The coordinator now: the role may have been handed over.
            ("coordinator", &state.handover.coordinator),
        ],
        1.0,
    );
    out.family(
        "warroom_drill_live",
        "gauge",
        "1 while the drill is started and not ended.",
    );
    out.sample("warroom_drill_live", &[], flag(state.is_live()));
    out.family(
        "warroom_drill_clock_seconds",
        "gauge",
        "Time since the drill started (0 before).",
    );
    let clock = timing.drill_clock(s.now).map_or(0.0, |d| d.as_secs_f64());
    out.sample("warroom_drill_clock_seconds", &[], clock);
    out.family(
        "warroom_rollback_active",
        "gauge",
        "1 while a rollback is under way.",
    );
    out.sample(
        "warroom_rollback_active",
        &[],
        flag(state.rollback_active()),
    );
    out.family(
        "warroom_updates_total",
        "counter",
        "Updates relayed to remote consoles so far.",
    );
    out.sample("warroom_updates_total", &[], s.seq as f64);

    out.family(
        "warroom_step_status",
        "gauge",
        "Each step's status as a state set: 1 for the current status.",
    );
    for step in &state.steps {
        let current = step_status_name(&step.status);
        for status in STEP_STATUSES {
            out.sample(
                "warroom_step_status",
                &[("step", &step.id), ("status", status)],
                flag(status == current),
            );
        }
    }
    out.family(
        "warroom_step_planned_seconds",
        "gauge",
        "Each step's planned duration.",
    );
    for step in &runbook.steps {
        out.sample(
            "warroom_step_planned_seconds",
            &[("step", &step.id)],
            step.planned.as_secs_f64(),
        );
    }
    out.family(
        "warroom_step_elapsed_seconds",
        "gauge",
        "How long each started step has run (final once it ended).",
    );
    for (idx, step) in runbook.steps.iter().enumerate() {
        if let Some(elapsed) = timing.elapsed(idx, s.now) {
            out.sample(
                "warroom_step_elapsed_seconds",
                &[("step", &step.id)],
                elapsed.as_secs_f64(),
            );
        }
    }

    let copies: Vec<_> = s
        .telemetry
        .iter()
        .filter_map(|t| match t {
            Telemetry::Copy(c) => Some(c),
            _ => None,
        })
        .collect();
    out.family(
        "warroom_copy_rows",
        "gauge",
        "Rows copied so far, per copy job.",
    );
    for c in &copies {
        out.sample("warroom_copy_rows", &[("job", &c.job)], c.rows_done as f64);
    }
    out.family(
        "warroom_copy_rows_estimated",
        "gauge",
        "Rows the copy job expects to copy in all.",
    );
    for c in &copies {
        if let Some(total) = c.rows_estimated {
            out.sample(
                "warroom_copy_rows_estimated",
                &[("job", &c.job)],
                total as f64,
            );
        }
    }
    out.family(
        "warroom_copy_rows_per_second",
        "gauge",
        "Current copy throughput, per job.",
    );
    for c in &copies {
        out.sample(
            "warroom_copy_rows_per_second",
            &[("job", &c.job)],
            c.rows_per_sec_now,
        );
    }
    out.family("warroom_copy_errors", "gauge", "Errors a copy job has met.");
    for c in &copies {
        out.sample("warroom_copy_errors", &[("job", &c.job)], c.errors as f64);
    }

    let recons: Vec<_> = s
        .telemetry
        .iter()
        .filter_map(|t| match t {
            Telemetry::Recon(r) => Some(r),
            _ => None,
        })
        .collect();
    out.family(
        "warroom_recon_mismatches",
        "gauge",
        "Rows that differ between source and target, per recon job and kind.",
    );
    for r in &recons {
        for (kind, n) in [
            ("missing", r.counts.missing),
            ("extra", r.counts.extra),
            ("changed", r.counts.changed),
        ] {
            out.sample(
                "warroom_recon_mismatches",
                &[("job", &r.job), ("kind", kind)],
                n as f64,
            );
        }
    }
    out.family(
        "warroom_recon_chunks_checked",
        "gauge",
        "Chunks a recon job has checked.",
    );
    for r in &recons {
        out.sample(
            "warroom_recon_chunks_checked",
            &[("job", &r.job)],
            r.chunks_done as f64,
        );
    }
    out.family(
        "warroom_recon_chunks",
        "gauge",
        "Chunks a recon job will check in all.",
    );
    for r in &recons {
        out.sample(
            "warroom_recon_chunks",
            &[("job", &r.job)],
            r.chunks_total as f64,
        );
    }

    out.family(
        "warroom_probe_status",
        "gauge",
        "Each health probe's status as a state set: 1 for the current status.",
    );
    for t in &s.telemetry {
        if let Telemetry::Health(h) = t {
            for probe in &h.probes {
                for status in PROBE_STATUSES {
                    out.sample(
                        "warroom_probe_status",
                        &[
                            ("probe", &probe.name),
                            ("status", probe_status_name(status)),
                        ],
                        flag(probe.status == status),
                    );
                }
            }
        }
    }

    out.family(
        "warroom_connected_clients",
        "gauge",
        "Remote consoles connected now, by role.",
    );
    for (role, name) in [
        (Role::Coordinator, "coordinator"),
        (Role::Participant, "participant"),
        (Role::Observer, "observer"),
    ] {
        let n = s.presence.map_or(0, |p| p.count(role));
        out.sample("warroom_connected_clients", &[("role", name)], n as f64);
    }
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(esc("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(fmt_value(f64::INFINITY), "+Inf");
        assert_eq!(fmt_value(2.5), "2.5");
    }
}
