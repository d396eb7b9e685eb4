//! Building the report model from the runbook, the events and the recorded telemetry.
//! Derived times come from [`Drill::replay`] and [`crate::drill::Timing`], as on screen.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::format::between;
use super::load::Source;
use super::model::{
    EventLine, EvidenceReport, GateReport, JournalInfo, NoteReport, Outcome, OverrideReport,
    Report, RollbackReport, RollbackTaskReport, RunbookInfo, StepReport, Summary, VoteReport,
    REPORT_VERSION,
};
use super::{figures, health};
use crate::drill::{Actor, Drill, DrillState, Event, EventKind, LogEntry, StepStatus, Target};
use crate::runbook::{Runbook, RunbookKind};

/// The report of `source`, with the figures of a live drill taken at `now`.
pub fn build(source: &Source, now: DateTime<Utc>) -> Report {
    let drill = Drill::replay(source.runbook.clone(), &source.events);
    let rb = drill.runbook().as_ref();
    let st = drill.state();
    // A finished drill's figures do not depend on when the report is made.
    let as_of = st.ended_at.unwrap_or(now);
    let origin = st
        .started_at
        .or_else(|| source.events.first().map(|e| e.at))
        .unwrap_or(as_of);
    let actors = Actors::scan(&source.events);
    let steps = steps(&drill, &actors, origin, as_of);
    Report {
        version: REPORT_VERSION,
        runbook: RunbookInfo {
            name: rb.meta.name.clone(),
            kind: match rb.meta.kind {
                RunbookKind::Drill => "drill",
                RunbookKind::Cutover => "cutover",
            }
            .to_string(),
            description: rb.meta.description.clone(),
            coordinator: rb.meta.coordinator.clone(),
            digest: source.meta.runbook_digest.clone(),
            left_out: rb.left_out.iter().map(|l| l.id.clone()).collect(),
        },
        journal: JournalInfo {
            path: source.path.clone(),
            created_at: source.meta.created_at,
            warroom_version: source.meta.warroom_version.clone(),
            events_read: source.events.len() as u64,
            unreadable_from_seq: source.unreadable_from_seq,
            damage: source.damage.clone(),
        },
        summary: summary(&drill, &steps, as_of),
        gates: gates(rb, st, &source.events),
        rollback: rollback(&drill, &actors, origin, as_of),
        copies: figures::copies(rb, &source.events, &source.telemetry, origin),
        recons: figures::recons(rb, &source.events, &source.telemetry),
        health_incidents: health::incidents(&source.telemetry),
        notes: st
            .notes
            .iter()
            .filter(|n| n.step.is_none())
            .map(note)
            .collect(),
        // The outbox's routine traffic (queued, delivered) is left out, as in the console.
        events: {
            let mut kinds = KindNames::default();
            st.log
                .iter()
                .filter(|l| match &l.event.kind {
                    EventKind::Outbox { record } => record.is_notable(),
                    _ => true,
                })
                .map(|l| event_line(l, &mut kinds))
                .collect()
        },
        steps,
    }
}

/// Who did what, where the state keeps only when.
#[derive(Default)]
struct Actors {
    started: BTreeMap<Target, String>,
    done: BTreeMap<Target, String>,
    /// "dave (for bob)" when a deputy signed off.
    signed: BTreeMap<Target, String>,
}

impl Actors {
    fn scan(events: &[Event]) -> Actors {
        let mut a = Actors::default();
        for e in events {
            match &e.kind {
                // The latest start counts: a failed rollback task may be started again.
                EventKind::Started { target } => {
                    a.started.insert(target.clone(), e.who());
                }
                EventKind::Done { target } => {
                    a.done.insert(target.clone(), e.who());
                }
                EventKind::SignedOff { target, .. } => {
                    a.signed.insert(target.clone(), e.who());
                }
                _ => {}
            }
        }
        a
    }
}

fn steps(
    drill: &Drill,
    actors: &Actors,
    origin: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Vec<StepReport> {
    let rb = drill.runbook().as_ref();
    let st = drill.state();
    let timing = drill.timing();
    let critical = planned_offsets(rb);
    // One pass over the notes and one over the log, not one per step.
    let mut notes: HashMap<&str, Vec<NoteReport>> = HashMap::new();
    for n in &st.notes {
        if let Some(step) = n.step.as_deref() {
            notes.entry(step).or_default().push(note(n));
        }
    }
    let mut overrides = overrides(st);
    rb.steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| {
            let s = st.steps.get(i)?;
            let actual = timing.elapsed(i, as_of).map(|d| d.as_secs_f64());
            let planned = step.planned.as_secs_f64();
            let planned_end = critical.get(i).copied().unwrap_or(planned);
            let target = Target::Step(step.id.clone());
            let start_at = s.started_at.map(|t| between(origin, t));
            Some(StepReport {
                id: step.id.clone(),
                title: step.title.clone(),
                phase: rb
                    .phases
                    .get(step.phase)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                dri: step.dri.clone(),
                reviewer: step.reviewer.clone(),
                gate: step.gate,
                irreversible: step.irreversible,
                status: s.status.label().to_string(),
                planned_secs: planned,
                actual_secs: actual,
                overrun_secs: timing.overrun(i, as_of).map(|d| d.as_secs_f64()),
                planned_start_at_secs: planned_end - planned,
                planned_end_at_secs: planned_end,
                actual_start_at_secs: start_at,
                actual_end_at_secs: start_at.zip(actual).map(|(s, a)| s + a),
                started_at: s.started_at,
                started_by: actors.started.get(&target).cloned(),
                done_at: s.done_at,
                done_by: actors.done.get(&target).cloned(),
                signed_off_at: s.signed_off_at,
                signed_off_by: actors
                    .signed
                    .get(&target)
                    .cloned()
                    .or_else(|| s.signed_off_by.as_ref().map(ToString::to_string)),
                overrides: overrides.remove(step.id.as_str()).unwrap_or_default(),
                skipped_at: s.skipped_at,
                skip_reason: s.skip_reason.clone(),
                failed_at: s.failed_at,
                failure: s.failure.clone(),
                notes: notes.remove(step.id.as_str()).unwrap_or_default(),
                evidence: s
                    .requires
                    .iter()
                    .map(|r| {
                        let known = st.evidence.get(&r.evidence);
                        let mut detail = known.map(|e| e.detail.clone()).unwrap_or_default();
                        if r.evidence == crate::runbook::Evidence::Preflight {
                            detail.push_str(&accepted_warnings(st));
                        }
                        EvidenceReport {
                            evidence: r.evidence.to_string(),
                            holds: known.is_some_and(|e| e.holds),
                            accepted: known.is_some_and(|e| e.accepted),
                            detail,
                            at: known.map(|e| e.at),
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Each step's planned finish as an offset from the drill's start: the longest path of
/// planned durations through its dependencies (what [`crate::drill::Timing`] plans by).
fn planned_offsets(rb: &Runbook) -> Vec<f64> {
    // A replay of no events has the same plan; Timing needs a start to answer.
    let mut state = DrillState::new(rb);
    let zero = DateTime::<Utc>::UNIX_EPOCH;
    state.started_at = Some(zero);
    let timing = crate::drill::Timing::new(rb, &state);
    (0..rb.steps.len())
        .map(|i| timing.planned_finish(i).map_or(0.0, |t| between(zero, t)))
        .collect()
}

/// The coordinator's overrides, per step they touch, in order: a sign-off or a gate passed
/// by override, and evidence the coordinator accepted that a step requires.
fn overrides(st: &DrillState) -> HashMap<&str, Vec<OverrideReport>> {
    let mut requiring: HashMap<String, Vec<&str>> = HashMap::new();
    for s in &st.steps {
        for r in &s.requires {
            requiring
                .entry(r.evidence.to_string())
                .or_default()
                .push(s.id.as_str());
        }
    }
    let mut out: HashMap<&str, Vec<OverrideReport>> = HashMap::new();
    for entry in st.log.iter().filter(|entry| entry.ignored.is_none()) {
        let e = &entry.event;
        let (steps, kind, detail): (Vec<&str>, _, _) = match &e.kind {
            EventKind::SignedOff {
                target: Target::Step(s),
                override_by_coordinator: true,
            } => (
                vec![s.as_str()],
                "sign_off",
                "signed off instead of the reviewer".to_string(),
            ),
            EventKind::GateOverridden {
                step,
                reason,
                overriding,
            } => (
                vec![step.as_str()],
                "gate",
                format!("{reason} (it waited for {overriding})"),
            ),
            EventKind::EvidenceAccepted { evidence, note } => {
                let name = evidence.to_string();
                let Some(steps) = requiring.get(&name) else {
                    continue;
                };
                (
                    steps.clone(),
                    "evidence",
                    format!("accepted {name}: {note}"),
                )
            }
            _ => continue,
        };
        for step in steps {
            // Only the runbook's steps: a journal's event may name one no longer there.
            let Some(id) = st.step(step).map(|s| s.id.as_str()) else {
                continue;
            };
            out.entry(id).or_default().push(OverrideReport {
                kind: kind.to_string(),
                by: e.by.to_string(),
                at: e.at,
                detail: detail.clone(),
            });
        }
    }
    out
}

fn summary(drill: &Drill, steps: &[StepReport], as_of: DateTime<Utc>) -> Summary {
    let st = drill.state();
    let timing = drill.timing();
    let count = |f: &dyn Fn(&StepStatus) -> bool| st.steps.iter().filter(|s| f(&s.status)).count();
    let all_settled = st.steps.iter().all(|s| s.status.is_settled());
    let outcome = match (&st.rollback, st.started_at, st.ended_at) {
        (_, None, _) => Outcome::NotStarted,
        (Some(r), _, _) if r.completed_at.is_some() => Outcome::RolledBack,
        (Some(_), _, None) => Outcome::RollingBack,
        (_, _, None) => Outcome::InProgress,
        (None, _, Some(_)) if all_settled => Outcome::Completed,
        _ => Outcome::EndedIncomplete,
    };
    let accepted = st.log.iter().filter(|l| {
        l.ignored.is_none() && matches!(l.event.kind, EventKind::EvidenceAccepted { .. })
    });
    Summary {
        outcome,
        drill_number: st.drill_number,
        live: st.is_live(),
        as_of,
        started_at: st.started_at,
        ended_at: st.ended_at,
        planned_secs: timing.critical_path().as_secs_f64(),
        actual_secs: timing.drill_clock(as_of).map(|d| d.as_secs_f64()),
        steps_total: st.steps.len(),
        steps_done: count(&|s| *s == StepStatus::Done),
        steps_skipped: count(&|s| matches!(s, StepStatus::Skipped { .. })),
        steps_failed: count(&|s| matches!(s, StepStatus::Failed { .. })),
        steps_overrun: steps.iter().filter(|s| s.overrun_secs.is_some()).count(),
        overrides: steps
            .iter()
            .flat_map(|s| &s.overrides)
            .filter(|o| o.kind != "evidence")
            .count()
            + accepted.count()
            + st.rollback.as_ref().map_or(0, |r| {
                r.tasks.iter().filter(|t| t.override_by_coordinator).count()
            }),
    }
}

fn gates(rb: &Runbook, st: &DrillState, events: &[Event]) -> Vec<GateReport> {
    rb.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.gate)
        .map(|(i, step)| {
            let votes = events
                .iter()
                .filter_map(|e| {
                    let (vote, reason) = match &e.kind {
                        EventKind::GateGo { step: s } if *s == step.id => ("go", None),
                        EventKind::GateNoGo { step: s, reason } if *s == step.id => {
                            ("no_go", Some(reason.clone()))
                        }
                        _ => return None,
                    };
                    Some(VoteReport {
                        seq: e.seq,
                        by: e.who(),
                        at: e.at,
                        vote: vote.to_string(),
                        reason,
                    })
                })
                .collect();
            let state = st.steps.get(i);
            let overridden = state.is_some_and(|s| s.gate_override.is_some());
            let status = st.status(i);
            let decided = status == StepStatus::Done;
            let outcome = match status {
                StepStatus::Done if overridden => "overridden".to_string(),
                StepStatus::Done => "passed".to_string(),
                other => other.label().to_string(),
            };
            GateReport {
                step: step.id.clone(),
                approvers: step.approvers.clone(),
                votes,
                outcome,
                decided_at: state.and_then(|s| s.signed_off_at).filter(|_| decided),
                decided_by: state
                    .and_then(|s| s.signed_off_by.as_ref())
                    .filter(|_| decided)
                    .map(ToString::to_string),
            }
        })
        .collect()
}

fn rollback(
    drill: &Drill,
    actors: &Actors,
    origin: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Option<RollbackReport> {
    let rb = drill.runbook();
    let r = drill.state().rollback.as_ref()?;
    let timing = drill.timing();
    let tasks = r
        .tasks
        .iter()
        .map(|t| {
            let target = Target::Rollback(t.step.clone());
            let actual = timing
                .rollback_elapsed(&t.step, as_of)
                .map(|d| d.as_secs_f64());
            let start_at = t.started_at.map(|s| between(origin, s));
            RollbackTaskReport {
                step: t.step.clone(),
                instructions: rb
                    .step(&t.step)
                    .and_then(|s| s.rollback.as_ref())
                    .map(|r| r.instructions.clone())
                    .unwrap_or_default(),
                status: t.status.label().to_string(),
                started_at: t.started_at,
                started_by: actors.started.get(&target).cloned(),
                done_at: t.done_at,
                signed_off_at: t.signed_off_at,
                signed_off_by: actors
                    .signed
                    .get(&target)
                    .cloned()
                    .or_else(|| t.signed_off_by.as_ref().map(ToString::to_string)),
                override_by_coordinator: t.override_by_coordinator,
                actual_secs: actual,
                actual_start_at_secs: start_at,
                actual_end_at_secs: start_at.zip(actual).map(|(s, a)| s + a),
            }
        })
        .collect();
    Some(RollbackReport {
        called_at: r.called_at,
        called_at_secs: between(origin, r.called_at),
        called_by: r.called_by.to_string(),
        from: r.from.clone(),
        reason: r.reason.clone(),
        completed_at: r.completed_at,
        actual_secs: between(r.called_at, r.completed_at.unwrap_or(as_of)),
        tasks,
    })
}

/// The preflight warnings the coordinator accepted, each with who and the note, one line
/// each after the evidence's own detail.
fn accepted_warnings(st: &crate::drill::DrillState) -> String {
    st.notes
        .iter()
        .filter(|n| n.text.starts_with(crate::drill::PREFLIGHT_ACCEPTED))
        .map(|n| format!("\n{} by {}", n.text, n.by))
        .collect()
}

fn note(n: &crate::drill::Note) -> NoteReport {
    NoteReport {
        seq: n.seq,
        at: n.at,
        by: n.by.to_string(),
        text: n.text.clone(),
    }
}

/// Each kind of event's name as journaled (its serde tag), found once per kind: asking
/// serde for it means encoding the whole event, and a report has one line per event.
#[derive(Default)]
struct KindNames(HashMap<std::mem::Discriminant<EventKind>, String>);

impl KindNames {
    fn of(&mut self, kind: &EventKind) -> String {
        self.0
            .entry(std::mem::discriminant(kind))
            .or_insert_with(|| {
                serde_json::to_value(kind)
                    .ok()
                    .and_then(|v| v.get("event").and_then(|k| k.as_str()).map(str::to_string))
                    .unwrap_or_default()
            })
            .clone()
    }
}

fn event_line(entry: &LogEntry, kinds: &mut KindNames) -> EventLine {
    let e = &entry.event;
    let kind = kinds.of(&e.kind);
    EventLine {
        seq: e.seq,
        at: e.at,
        by: match &e.by {
            Actor::Person(h) => h.clone(),
            Actor::System => "system".to_string(),
        },
        kind,
        line: e.describe(),
        ignored: entry.ignored.clone(),
    }
}
