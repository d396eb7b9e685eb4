//! How a probe reads on screen, shared by the health panel, the header and the step views:
//! waiting or measured, a symbol and a tone per status (symbols alone tell states apart
//! under `NO_COLOR`), and the compact "lag ▲ WARN 6 s" used next to evidence.

use chrono::{DateTime, Utc};

use crate::drill::telemetry::health::{format_value, human, ProbeState, ProbeStatus};
use crate::runbook::{Action, Check, Evidence, Step};
use crate::tui::app::App;
use crate::tui::theme::Tone;

/// What a probe shows: nothing measured yet (and not yet stale), or a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// No sample yet and `stale_after` not yet passed: never shown as numbers or alarms.
    Waiting,
    Status(ProbeStatus),
}

impl Shown {
    /// Sort key, worst highest: waiting ranks just above OK.
    pub fn severity(self) -> u8 {
        match self {
            Shown::Status(ProbeStatus::Ok) => 0,
            Shown::Waiting => 1,
            Shown::Status(ProbeStatus::Warn) => 2,
            Shown::Status(ProbeStatus::Error) => 3,
            Shown::Status(ProbeStatus::NoData) => 4,
            Shown::Status(ProbeStatus::Critical) => 5,
        }
    }
}

/// Waiting or the probe's status.
pub fn shown(p: &ProbeState) -> Shown {
    if p.latest.is_none() && p.stale_for.is_none() {
        Shown::Waiting
    } else {
        Shown::Status(p.status)
    }
}

/// Symbol and tone of a status.
pub fn mark(status: ProbeStatus) -> (&'static str, Tone) {
    match status {
        ProbeStatus::Ok => ("✔", Tone::Good),
        ProbeStatus::Warn => ("▲", Tone::Warn),
        ProbeStatus::Error => ("⚠", Tone::Bad),
        ProbeStatus::NoData => ("∅", Tone::Bad),
        ProbeStatus::Critical => ("✘", Tone::Bad),
    }
}

/// Symbol and tone of what a probe shows.
pub fn shown_mark(s: Shown) -> (&'static str, Tone) {
    match s {
        Shown::Waiting => ("…", Tone::Dim),
        Shown::Status(st) => mark(st),
    }
}

/// The value column: "0.3 s", "NO DATA", "ERROR", or "waiting for first sample".
pub fn value_text(p: &ProbeState) -> String {
    match shown(p) {
        Shown::Waiting => "waiting for first sample".into(),
        Shown::Status(ProbeStatus::NoData) => "NO DATA".into(),
        Shown::Status(ProbeStatus::Error) => "ERROR".into(),
        Shown::Status(st) => match p.latest.as_ref().and_then(|s| s.value) {
            Some(v) => format_value(v, p.unit.as_deref()),
            None => st.label().into(),
        },
    }
}

/// The live state of probe `name`, once a snapshot has arrived.
pub fn live<'a>(app: &'a App, name: &str) -> Option<&'a ProbeState> {
    app.replica.health.as_ref()?.probe(name)
}

/// "lag ▲ WARN 6 s", "lag … waiting", "lag ∅ NO DATA for 41s": a probe in one phrase.
pub fn summary(app: &App, name: &str, now: DateTime<Utc>) -> (String, Tone) {
    let declared = app.runbook.probes.iter().any(|p| p.name == name);
    match live(app, name) {
        Some(p) => {
            let s = shown(p);
            let (sym, tone) = shown_mark(s);
            let text = match s {
                Shown::Waiting => format!("{name} {sym} waiting"),
                Shown::Status(ProbeStatus::NoData) => match p.stale_for {
                    Some(d) => format!("{name} {sym} NO DATA for {}", human(d)),
                    None => format!("{name} {sym} NO DATA"),
                },
                Shown::Status(ProbeStatus::Error) => format!("{name} {sym} ERROR"),
                Shown::Status(st) => format!("{name} {sym} {} {}", st.label(), value_text(p)),
            };
            let age = p
                .age(now)
                .filter(|_| s != Shown::Waiting)
                .map(|a| format!(" ({} ago)", human(a)))
                .unwrap_or_default();
            (format!("{text}{age}"), tone)
        }
        None if declared => (format!("{name} … waiting"), Tone::Dim),
        None => (format!("{name} ? no such probe"), Tone::Warn),
    }
}

/// The probes a step depends on (`requires = ["probe:x"]` and `check = { probe = "x" }`),
/// in order, without repeats.
pub fn step_probes(step: &Step) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let required = step.requires.iter().filter_map(|e| match e {
        Evidence::ProbeGreen(n) => Some(n.as_str()),
        _ => None,
    });
    let checked = match &step.action {
        Some(Action::Check(Check::Probe(n))) => Some(n.as_str()),
        _ => None,
    };
    for n in required.chain(checked) {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Whether probe `name` is green now (OK and fresh) in the console's latest snapshot.
pub fn holds(app: &App, name: &str) -> bool {
    live(app, name).is_some_and(ProbeState::evidence_holds)
}
