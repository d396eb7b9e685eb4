//! The report model from drills run in memory by the real engine (the test kit's runbooks),
//! without a journal file: overrides, gates, health spells, escaping.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::load::Source;
use super::{build, html, markdown, Report};
use crate::drill::telemetry::health::{HealthSnapshot, ProbeSample, ProbeState, ProbeStatus};
use crate::drill::telemetry::Telemetry;
use crate::drill::testkit::RunbookBuilder;
use crate::drill::{Actor, Command, CommandKind, Drill, Event, Target};
use crate::journal::{JournalMeta, TelemetrySample};
use crate::runbook::{ProbeKind, Runbook};

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 1, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        + chrono::Duration::minutes(minutes)
}

/// Runs `script` (minute, who, command) through the real drill engine.
fn run(rb: &Runbook, script: Vec<(i64, &str, CommandKind)>) -> Vec<Event> {
    let mut drill = Drill::new(Arc::new(rb.clone()));
    let mut events = Vec::new();
    for (minute, who, kind) in script {
        let cmd = Command {
            by: Actor::Person(who.to_string()),
            kind,
        };
        match drill.execute(&cmd, t(minute)) {
            Ok(e) => events.extend(e),
            Err(why) => panic!("{who} at {minute}m: {why}"),
        }
    }
    events
}

fn source(rb: Runbook, events: Vec<Event>, telemetry: Vec<TelemetrySample>) -> Source {
    Source {
        path: "j.db".into(),
        meta: JournalMeta {
            format_version: 1,
            runbook_name: rb.meta.name.clone(),
            runbook_digest: "d".into(),
            created_at: t(0),
            warroom_version: "test".into(),
        },
        runbook: Arc::new(rb),
        events,
        telemetry,
        unreadable_from_seq: None,
        damage: Vec::new(),
    }
}

fn step(id: &str) -> Target {
    Target::Step(id.to_string())
}

/// prep (10m) then a gate the coordinator overrides after alice's NO-GO.
fn overridden_gate() -> Report {
    use CommandKind::*;
    let rb = RunbookBuilder::new("cutover <B>")
        .cutover()
        .coordinator("carol")
        .person("alice", "DBA")
        .person("bob", "SRE")
        .step("prep", "alice", "bob", "10m")
        .step("gate", "carol", "bob", "5m")
        .approvers(&["alice", "carol"])
        .build();
    let events = run(
        &rb,
        vec![
            (
                0,
                "alice",
                Start {
                    target: step("prep"),
                },
            ),
            (
                6,
                "alice",
                Done {
                    target: step("prep"),
                },
            ),
            (
                7,
                "bob",
                SignOff {
                    target: step("prep"),
                },
            ),
            (
                7,
                "carol",
                Start {
                    target: step("gate"),
                },
            ),
            (
                8,
                "alice",
                NoGo {
                    step: "gate".into(),
                    reason: "lag & <errors>".into(),
                },
            ),
            (
                9,
                "carol",
                OverrideGate {
                    step: "gate".into(),
                    reason: "business call".into(),
                },
            ),
            (10, "carol", EndDrill),
        ],
    );
    build(&source(rb, events, Vec::new()), t(99))
}

// Figures computed from whole seconds: exact comparison is meant.
#[allow(clippy::float_cmp)]
#[test]
fn a_gate_override_is_the_gates_outcome_and_the_steps_override() {
    let r = overridden_gate();
    assert_eq!(r.runbook.kind, "cutover");
    let gate = &r.gates[0];
    assert_eq!(gate.outcome, "overridden");
    assert_eq!(gate.decided_by.as_deref(), Some("carol"));
    assert_eq!(gate.decided_at, Some(t(9)));
    assert_eq!(gate.votes.len(), 1);
    assert_eq!(gate.votes[0].reason.as_deref(), Some("lag & <errors>"));
    let step = &r.steps[1];
    assert_eq!(step.overrides.len(), 1);
    assert_eq!(step.overrides[0].kind, "gate");
    assert!(
        step.overrides[0]
            .detail
            .starts_with("business call (it waited for "),
        "{}",
        step.overrides[0].detail
    );
    assert_eq!(r.summary.overrides, 1);
    // prep 10m + gate 5m planned; 0..10 actual; prep 7m (to its sign-off), gate 2m.
    assert_eq!(r.summary.planned_secs, 900.0);
    assert_eq!(r.summary.actual_secs, Some(600.0));
    assert_eq!(r.steps[0].actual_secs, Some(420.0));
    assert_eq!(r.steps[1].actual_secs, Some(120.0));
    assert_eq!(r.steps[1].planned_start_at_secs, 600.0);
    assert_eq!(r.summary.outcome, super::Outcome::Completed);
    // A finished drill's report does not depend on when it is made.
    assert_eq!(r.summary.as_of, t(10));
}

#[test]
fn user_text_is_escaped_in_html_and_defused_in_markdown() {
    let r = overridden_gate();
    let page = html::render(&r);
    assert!(page.contains("<title>Cutover report: cutover &lt;B&gt;</title>"));
    assert!(page.contains("lag &amp; &lt;errors&gt;"));
    assert!(!page.contains("<errors>") && !page.contains("<B>"));
    let md = markdown::render(&r);
    assert!(md.starts_with("# Cutover report: cutover \\<B>\n"), "{md}");
    assert!(
        md.contains("| 6 | 01:08:00Z | alice | NO-GO | lag & \\<errors> |"),
        "{md}"
    );
    assert_eq!(html::escape(r#"a"b'c"#), "a&quot;b&#39;c");
}

fn probe(name: &str, at: DateTime<Utc>, status: Option<ProbeStatus>) -> ProbeState {
    ProbeState {
        name: name.into(),
        kind: ProbeKind::Sql,
        unit: None,
        rollback_path: false,
        latest: status.map(|status| ProbeSample {
            probe: name.into(),
            at,
            value: Some(1.0),
            series: Vec::new(),
            status,
            error: None,
            latency: Duration::ZERO,
        }),
        last_value: None,
        stale_for: None,
        status: status.unwrap_or(ProbeStatus::NoData),
        history: VecDeque::new(),
    }
}

fn snapshot(id: i64, minute: i64, probes: Vec<ProbeState>) -> TelemetrySample {
    let reading = Telemetry::Health(HealthSnapshot {
        at: t(minute),
        worst: ProbeStatus::worst(probes.iter().map(|p| p.status)),
        probes,
    });
    TelemetrySample {
        id,
        at: t(minute),
        kind: "health".into(),
        value: serde_json::to_value(reading).unwrap_or_default(),
    }
}

#[test]
#[allow(clippy::items_after_statements)]
fn health_spells_start_at_the_first_red_sample_and_end_at_the_first_other() {
    use ProbeStatus::*;
    let samples = vec![
        // Not sampled yet is not an incident.
        snapshot(1, 0, vec![probe("a", t(0), None), probe("b", t(0), None)]),
        snapshot(
            2,
            1,
            vec![probe("a", t(1), Some(Critical)), probe("b", t(1), Some(Ok))],
        ),
        snapshot(
            3,
            2,
            vec![probe("a", t(2), Some(NoData)), probe("b", t(2), Some(Warn))],
        ),
        snapshot(
            4,
            4,
            vec![probe("a", t(4), Some(Warn)), probe("b", t(4), Some(Error))],
        ),
        snapshot(
            5,
            5,
            vec![probe("a", t(5), Some(Critical)), probe("b", t(5), Some(Ok))],
        ),
        snapshot(
            6,
            8,
            vec![probe("a", t(8), Some(Critical)), probe("b", t(8), Some(Ok))],
        ),
    ];
    let got = super::health::incidents(&samples);
    type Spell<'a> = (&'a str, &'a str, DateTime<Utc>, Option<DateTime<Utc>>, f64);
    let summary: Vec<Spell> = got
        .iter()
        .map(|h| (h.probe.as_str(), h.status.as_str(), h.from, h.to, h.secs))
        .collect();
    assert_eq!(
        summary,
        vec![
            // critical then no data: one spell, its worst status critical.
            ("a", "critical", t(1), Some(t(4)), 180.0),
            // still critical at the last sample.
            ("a", "critical", t(5), None, 180.0),
        ]
    );
}

// Figures computed from whole seconds: exact comparison is meant.
#[allow(clippy::float_cmp)]
#[test]
fn a_drill_not_started_reports_its_plan() {
    let rb = RunbookBuilder::new("plan only")
        .step("a", "coord", "coord", "5m")
        .step("b", "coord", "coord", "7m")
        .build();
    let r = build(&source(rb, Vec::new(), Vec::new()), t(3));
    assert_eq!(r.summary.outcome, super::Outcome::NotStarted);
    assert_eq!(r.summary.planned_secs, 720.0);
    assert_eq!(r.summary.actual_secs, None);
    assert_eq!(r.steps[1].planned_start_at_secs, 300.0);
    let md = markdown::render(&r);
    assert!(md.contains("**Result: NOT STARTED**"));
    assert!(md.contains("No probe was recorded critical or without data."));
}

#[test]
fn an_event_the_drill_cannot_use_is_listed_as_ignored() {
    use CommandKind::*;
    let rb = RunbookBuilder::new("old journal")
        .step("a", "coord", "coord", "5m")
        .build();
    let mut events = run(&rb, vec![(0, "coord", Start { target: step("a") })]);
    // A step an older runbook version had.
    events.push(Event {
        seq: 3,
        at: t(1),
        by: Actor::Person("coord".into()),
        kind: crate::drill::EventKind::Started {
            target: step("ghost"),
        },
        acting_for: None,
    });
    let r = build(&source(rb, events, Vec::new()), t(2));
    assert_eq!(r.events.len(), 3);
    assert_eq!(r.events[1].ignored, None);
    let why = r.events[2].ignored.as_deref().unwrap_or_default();
    assert!(why.contains("ghost"), "{why}");
    assert!(markdown::render(&r).contains(&format!("#3 coord: started `ghost` (ignored: {why})")));
    assert_eq!(r.steps.len(), 1);
    assert_eq!(
        r.steps[0].actual_secs,
        Some(120.0),
        "live: 01:00 to now, 01:02"
    );
}
