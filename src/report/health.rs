//! Health incidents: each spell a probe spent critical or without data, from the health
//! snapshots the hub recorded (at a low rate, so a spell is known to the nearest sample).

use chrono::{DateTime, Utc};

use super::figures::readings;
use super::format::between;
use super::model::HealthIncident;
use crate::drill::telemetry::health::ProbeStatus;
use crate::drill::telemetry::Telemetry;
use crate::journal::TelemetrySample;

fn is_incident(status: ProbeStatus) -> bool {
    matches!(status, ProbeStatus::Critical | ProbeStatus::NoData)
}

fn label(status: ProbeStatus) -> &'static str {
    match status {
        ProbeStatus::NoData => "no_data",
        _ => "critical",
    }
}

/// A spell still open: when it began, its worst status so far, the latest detail.
struct Open {
    from: DateTime<Utc>,
    worst: ProbeStatus,
    detail: Option<String>,
}

pub fn incidents(samples: &[TelemetrySample]) -> Vec<HealthIncident> {
    let mut open: Vec<(String, Open)> = Vec::new();
    let mut out = Vec::new();
    let mut last_at = None;
    for (at, reading) in readings(samples) {
        let Telemetry::Health(snapshot) = reading else {
            continue;
        };
        last_at = Some(at);
        for probe in &snapshot.probes {
            let slot = open.iter().position(|(name, _)| *name == probe.name);
            // Before its first sample a probe is not blind, it has not begun.
            let incident = probe.latest.is_some() && is_incident(probe.status);
            match (slot, incident) {
                (None, true) => open.push((
                    probe.name.clone(),
                    Open {
                        from: at,
                        worst: probe.status,
                        detail: probe.detail(),
                    },
                )),
                (Some(i), true) => {
                    let spell = &mut open[i].1;
                    spell.worst = spell.worst.max(probe.status);
                    spell.detail = probe.detail().or(spell.detail.take());
                }
                (Some(i), false) => {
                    let (name, spell) = open.remove(i);
                    out.push(close(name, spell, Some(at), at));
                }
                (None, false) => {}
            }
        }
    }
    if let Some(end) = last_at {
        out.extend(
            open.into_iter()
                .map(|(name, spell)| close(name, spell, None, end)),
        );
    }
    out.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.probe.cmp(&b.probe)));
    out
}

fn close(
    probe: String,
    spell: Open,
    to: Option<DateTime<Utc>>,
    end: DateTime<Utc>,
) -> HealthIncident {
    HealthIncident {
        probe,
        status: label(spell.worst).to_string(),
        from: spell.from,
        to,
        secs: between(spell.from, end),
        detail: spell.detail,
    }
}
