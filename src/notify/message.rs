//! What each journaled event announces, if anything: drill start and end (with the result),
//! a step started (who, plan, its own `announce` text), done and signed off (actual against
//! plan, who signed), failed, skipped, overrides, gate votes and results, the rollback and
//! each rollback step, a probe turning not green or recovering, copy and recon results with
//! their figures. Built from the event and the drill it was applied to.

use crate::drill::outbox::{Announcement, Tone};
use crate::drill::{probe_in_scope, Drill, Event, EventKind, StepStatus, Target, Vote};
use crate::runbook::{Evidence, MessageKind, RunbookKind};

use super::words::{against, between, field, took, utc};

/// The topic of the message an event makes: one message per event.
pub fn topic(event: &Event) -> String {
    format!("e{}", event.seq)
}

/// The message `event` (already applied to `drill`) makes, if it makes one.
pub fn for_event(drill: &Drill, event: &Event) -> Option<Announcement> {
    let rb = drill.runbook();
    let st = drill.state();
    let by = &event.by;
    let at = event.at;
    let msg = |kinds: Vec<MessageKind>, tone: Tone, title: String| Announcement {
        kinds,
        title,
        text: String::new(),
        fields: Vec::new(),
        tone,
        at,
        step: None,
    };
    let what = match rb.meta.kind {
        RunbookKind::Drill => "Drill",
        RunbookKind::Cutover => "Cutover",
    };
    let step_of = |id: &str| rb.step(id);
    let started_at = |id: &str| st.step(id).and_then(|s| s.started_at);
    let m = match &event.kind {
        EventKind::DrillStarted => {
            let mut m = msg(
                vec![MessageKind::Drill],
                Tone::Info,
                format!("{what} started: {}", rb.meta.name),
            );
            let t = drill.timing();
            m.fields = vec![
                field("Coordinator", rb.meta.coordinator.clone()),
                field("Started by", by.to_string()),
                field("Plan", took(t.critical_path())),
                field("Steps", rb.steps.len().to_string()),
            ];
            if let Some(end) = t.planned_end() {
                m.fields.push(field("Planned end", utc(end)));
            }
            m
        }
        EventKind::DrillEnded => ended(drill, event, what),
        EventKind::Started {
            target: Target::Step(id),
        } => {
            let step = step_of(id)?;
            let mut m = msg(
                vec![MessageKind::StepStarted],
                Tone::Info,
                format!("▶ `{id}` {} — started by {by}", step.title),
            );
            m.text = step.announce.clone().unwrap_or_default();
            m.fields = vec![
                field("DRI", step.dri.clone()),
                field("Reviewer", step.reviewer.clone()),
                field("Plan", took(step.planned)),
            ];
            if step.irreversible {
                m.fields.push(field("Point of no return", "yes"));
            }
            m.step = Some(id.clone());
            m
        }
        EventKind::Done {
            target: Target::Step(id),
        } => {
            let step = step_of(id)?;
            let actual = between(started_at(id)?, at);
            let mut m = msg(
                vec![MessageKind::StepDone],
                Tone::Info,
                format!(
                    "`{id}` done by {by} — waiting for {}'s sign-off",
                    step.reviewer
                ),
            );
            m.fields = vec![
                field("Actual", took(actual)),
                field("Plan", took(step.planned)),
                field("Against plan", against(actual, step.planned)),
            ];
            m.step = Some(id.clone());
            m
        }
        EventKind::SignedOff {
            target: Target::Step(id),
            override_by_coordinator,
        } => {
            let step = step_of(id)?;
            let s = st.step(id)?;
            let actual = between(s.started_at?, s.ended_at.unwrap_or(at));
            let mut kinds = vec![MessageKind::StepSignedOff];
            let title = if *override_by_coordinator {
                kinds.push(MessageKind::Override);
                format!(
                    "✔ `{id}` signed off by {by} — coordinator override (reviewer {})",
                    step.reviewer
                )
            } else {
                format!("✔ `{id}` signed off by {by}")
            };
            let tone = if *override_by_coordinator {
                Tone::Warn
            } else {
                Tone::Good
            };
            let mut m = msg(kinds, tone, title);
            m.fields = vec![
                field("Actual", took(actual)),
                field("Plan", took(step.planned)),
                field("Against plan", against(actual, step.planned)),
                field("DRI", step.dri.clone()),
                field("Signed by", by.to_string()),
            ];
            m.step = Some(id.clone());
            m
        }
        EventKind::Failed {
            target: Target::Step(id),
            reason,
        } => {
            let step = step_of(id)?;
            let mut m = msg(
                vec![MessageKind::StepFailed],
                Tone::Bad,
                format!("✖ `{id}` FAILED — reported by {by}"),
            );
            m.text.clone_from(reason);
            if let Some(start) = started_at(id) {
                m.fields.push(field("Ran", took(between(start, at))));
            }
            m.fields.push(field("Plan", took(step.planned)));
            m.step = Some(id.clone());
            m
        }
        EventKind::Skipped { step, reason } => {
            let mut m = msg(
                vec![MessageKind::StepSkipped],
                Tone::Warn,
                format!("`{step}` skipped by {by}"),
            );
            m.text.clone_from(reason);
            m.step = Some(step.clone());
            m
        }
        EventKind::GateGo { step } | EventKind::GateNoGo { step, .. } => {
            let s = st.step(step)?;
            let approvers = &step_of(step)?.approvers;
            let go = s.votes.values().filter(|v| v.vote == Vote::Go).count();
            let (tone, title, text) = match &event.kind {
                EventKind::GateNoGo { reason, .. } => (
                    Tone::Bad,
                    format!("NO-GO from {by} at gate `{step}`"),
                    reason.clone(),
                ),
                _ => (
                    Tone::Good,
                    format!("GO from {by} at gate `{step}`"),
                    String::new(),
                ),
            };
            let mut m = msg(vec![MessageKind::GateVote], tone, title);
            m.text = text;
            m.fields = vec![field("GO so far", format!("{go} of {}", approvers.len()))];
            m.step = Some(step.clone());
            m
        }
        EventKind::GatePassed { step } => {
            let s = st.step(step)?;
            let voters: Vec<&str> = s.votes.keys().map(String::as_str).collect();
            let mut m = msg(
                vec![MessageKind::GateResult],
                Tone::Good,
                format!("Gate `{step}` passed: GO"),
            );
            m.fields = vec![field("GO from", voters.join(", "))];
            m.step = Some(step.clone());
            m
        }
        EventKind::GateOverridden {
            step,
            reason,
            overriding,
        } => {
            let mut m = msg(
                vec![MessageKind::GateResult, MessageKind::Override],
                Tone::Bad,
                format!("Gate `{step}` OVERRIDDEN by {by}"),
            );
            m.text = format!("{reason} (it still waited for {overriding})");
            m.step = Some(step.clone());
            m
        }
        EventKind::RollbackCalled { from, reason, plan } => {
            let mut m = msg(
                vec![MessageKind::Rollback],
                Tone::Bad,
                format!("⏪ ROLLBACK called by {by} from `{from}`"),
            );
            m.text.clone_from(reason);
            let plan = if plan.is_empty() {
                "nothing to undo".to_string()
            } else {
                plan.join(" → ")
            };
            m.fields = vec![field("Plan", plan)];
            m.step = Some(from.clone());
            m
        }
        EventKind::Started {
            target: Target::Rollback(id),
        }
        | EventKind::Done {
            target: Target::Rollback(id),
        }
        | EventKind::SignedOff {
            target: Target::Rollback(id),
            ..
        }
        | EventKind::Failed {
            target: Target::Rollback(id),
            ..
        } => rollback_task(drill, event, id)?,
        EventKind::ContingencyCalled {
            from,
            reason,
            point,
            phase,
        } => {
            let mut m = msg(
                vec![MessageKind::Rollback],
                Tone::Bad,
                format!("⏩ CONTINGENCY of `{point}` called by {by} from `{from}`"),
            );
            m.text.clone_from(reason);
            m.fields = vec![field(
                "Runs instead of the rest",
                format!("phase `{phase}`"),
            )];
            m.step = Some(from.clone());
            m
        }
        EventKind::RollbackCompleted => {
            let mut m = msg(
                vec![MessageKind::Rollback],
                Tone::Good,
                "Rollback completed".to_string(),
            );
            if let Some(r) = &st.rollback {
                m.fields = vec![field("Took", took(between(r.called_at, at)))];
            }
            m
        }
        EventKind::EvidenceRecorded {
            evidence,
            holds,
            detail,
        } => {
            let before = previous(drill, event, evidence);
            let changed = before != Some(*holds);
            let (kinds, tone, title) = match evidence {
                Evidence::ProbeGreen(p) => {
                    if !probe_in_scope(rb, st, p) {
                        return None;
                    }
                    match (holds, before) {
                        (false, None | Some(true)) => (
                            MessageKind::Probe,
                            Tone::Bad,
                            format!("Probe `{p}` is not green"),
                        ),
                        (true, Some(false)) => (
                            MessageKind::Probe,
                            Tone::Good,
                            format!("Probe `{p}` recovered"),
                        ),
                        _ => return None,
                    }
                }
                Evidence::CopyDone(job) if changed => {
                    if !*holds && detail.starts_with("stalled:") {
                        // An external job's progress stopped moving (not a failure).
                        (
                            MessageKind::Copy,
                            Tone::Warn,
                            format!("Copy `{job}` stalled"),
                        )
                    } else if *holds {
                        (
                            MessageKind::Copy,
                            Tone::Good,
                            format!("Copy `{job}` finished"),
                        )
                    } else {
                        (MessageKind::Copy, Tone::Bad, format!("Copy `{job}` FAILED"))
                    }
                }
                Evidence::ReconClean(job) if changed => {
                    if *holds {
                        (
                            MessageKind::Recon,
                            Tone::Good,
                            format!("Recon `{job}` finished: clean"),
                        )
                    } else {
                        (
                            MessageKind::Recon,
                            Tone::Warn,
                            format!("Recon `{job}` found differences"),
                        )
                    }
                }
                _ => return None,
            };
            let mut m = msg(vec![kinds], tone, title);
            m.text.clone_from(detail);
            m
        }
        EventKind::EvidenceAccepted { evidence, note } => {
            let mut m = msg(
                vec![MessageKind::Override],
                Tone::Warn,
                format!("{by} accepted evidence {evidence} that did not hold"),
            );
            m.text.clone_from(note);
            m
        }
        EventKind::CopyControlled { job, control } => msg(
            vec![MessageKind::Copy],
            Tone::Info,
            format!("{by} {control} copy `{job}`"),
        ),
        EventKind::FixApproved { recon } => msg(
            vec![MessageKind::Recon],
            Tone::Warn,
            format!("{by} approved applying the fix SQL of recon `{recon}`"),
        ),
        EventKind::NoteAdded { step, text } => {
            let on = step
                .as_ref()
                .map(|s| format!(" on `{s}`"))
                .unwrap_or_default();
            let mut m = msg(
                vec![MessageKind::Note],
                Tone::Info,
                format!("Note from {by}{on}"),
            );
            m.text.clone_from(text);
            m.step.clone_from(step);
            m
        }
        // The war room learns who leads, or who holds a person's steps, once it is so.
        EventKind::HandoverAccepted { duty, from, to } => msg(
            vec![MessageKind::Drill],
            Tone::Info,
            format!("Handover: {to} holds {duty} now (from {from})"),
        ),
        // Offers, declines and withdrawals show in the console and the report only.
        EventKind::Outbox { .. }
        | EventKind::HandoverOffered { .. }
        | EventKind::HandoverDeclined { .. }
        | EventKind::HandoverWithdrawn { .. }
        | EventKind::TablesResolved { .. }
        | EventKind::DrillNumbered { .. } => return None,
    };
    Some(m)
}

/// Whether `evidence` held at its last record before `event`, if it was recorded before.
fn previous(drill: &Drill, event: &Event, evidence: &Evidence) -> Option<bool> {
    drill
        .state()
        .log
        .iter()
        .rev()
        .filter(|e| e.event.seq < event.seq && e.ignored.is_none())
        .find_map(|e| match &e.event.kind {
            EventKind::EvidenceRecorded {
                evidence: ev,
                holds,
                ..
            } if ev == evidence => Some(*holds),
            _ => None,
        })
}

fn rollback_task(drill: &Drill, event: &Event, id: &str) -> Option<Announcement> {
    let rb = drill.runbook();
    let task = drill.state().rollback.as_ref()?.task(id)?;
    let step = rb.step(id)?;
    let by = &event.by;
    let (tone, title, text) = match &event.kind {
        EventKind::Started { .. } => (
            Tone::Warn,
            format!("⏪ Rollback of `{id}` started by {by}"),
            step.rollback
                .as_ref()
                .map(|r| r.instructions.clone())
                .unwrap_or_default(),
        ),
        EventKind::Done { .. } => (
            Tone::Info,
            format!("Rollback of `{id}` done by {by} — waiting for sign-off"),
            String::new(),
        ),
        EventKind::SignedOff { .. } => (
            Tone::Good,
            format!("✔ Rollback of `{id}` signed off by {by}"),
            String::new(),
        ),
        EventKind::Failed { reason, .. } => (
            Tone::Bad,
            format!("✖ Rollback of `{id}` FAILED — reported by {by}"),
            reason.clone(),
        ),
        _ => return None,
    };
    let mut fields = Vec::new();
    if let Some(start) = task.started_at {
        if !matches!(event.kind, EventKind::Started { .. }) {
            fields.push(field("Took", took(between(start, event.at))));
        }
    }
    fields.push(field("Plan", took(step.planned)));
    Some(Announcement {
        kinds: vec![MessageKind::Rollback],
        title,
        text,
        fields,
        tone,
        at: event.at,
        step: Some(id.to_string()),
    })
}

/// "Drill ended: completed" and the figures: took against plan, steps done, overrides.
fn ended(drill: &Drill, event: &Event, what: &str) -> Announcement {
    let rb = drill.runbook();
    let st = drill.state();
    let count = |f: &dyn Fn(&StepStatus) -> bool| st.steps.iter().filter(|s| f(&s.status)).count();
    let done = count(&|s| *s == StepStatus::Done);
    let failed = count(&|s| matches!(s, StepStatus::Failed { .. }));
    let skipped = count(&|s| matches!(s, StepStatus::Skipped { .. }));
    let overrides = st
        .steps
        .iter()
        .filter(|s| s.override_by_coordinator)
        .count();
    let (result, tone) = match &st.rollback {
        Some(r) if r.completed_at.is_some() => ("rolled back".to_string(), Tone::Bad),
        Some(_) => ("ended during a rollback".to_string(), Tone::Bad),
        None if failed > 0 => (format!("ended with {failed} failed step(s)"), Tone::Bad),
        None if done + skipped == rb.steps.len() && skipped == 0 && overrides == 0 => {
            ("completed".to_string(), Tone::Good)
        }
        None if done + skipped == rb.steps.len() => ("completed".to_string(), Tone::Warn),
        None => (
            format!("ended early: {done} of {} steps done", rb.steps.len()),
            Tone::Warn,
        ),
    };
    let t = drill.timing();
    let mut fields = Vec::new();
    if let Some(clock) = t.drill_clock(event.at) {
        fields.push(field("Took", took(clock)));
        fields.push(field("Plan", took(t.critical_path())));
        fields.push(field("Against plan", against(clock, t.critical_path())));
    }
    fields.push(field("Steps done", format!("{done} of {}", rb.steps.len())));
    if skipped > 0 {
        fields.push(field("Skipped", skipped.to_string()));
    }
    if overrides > 0 {
        fields.push(field("Overrides", overrides.to_string()));
    }
    fields.push(field("Ended by", event.by.to_string()));
    Announcement {
        kinds: vec![MessageKind::Drill],
        title: format!("{what} ended: {result} — {}", rb.meta.name),
        text: String::new(),
        fields,
        tone,
        at: event.at,
        step: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::{Actor, Command, CommandKind};

    fn t(minutes: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap_or_default()
    }

    fn run(drill: &mut Drill, minute: i64, who: &str, kind: CommandKind) -> Vec<Event> {
        let command = Command {
            by: Actor::Person(who.into()),
            kind,
        };
        drill.execute(&command, t(minute)).expect("accepted")
    }

    #[test]
    fn a_step_is_announced_started_done_and_signed_off_against_its_plan() {
        let mut rb = RunbookBuilder::new("msg")
            .person("dana", "DBA")
            .person("rita", "SRE")
            .step("copy", "dana", "rita", "10m")
            .build();
        rb.steps[0].announce = Some("Copying orders: the app stays read-only".into());
        let mut d = Drill::new(Arc::new(rb));
        let start = Target::Step("copy".into());
        let started = run(
            &mut d,
            0,
            "dana",
            CommandKind::Start {
                target: start.clone(),
            },
        );
        assert_eq!(started.len(), 2, "drill started, then the step");
        let first = for_event(&d, &started[0]).expect("drill start");
        assert_eq!(first.title, "Drill started: msg");
        let m = for_event(&d, &started[1]).expect("a message");
        assert_eq!(m.kinds, [MessageKind::StepStarted]);
        assert_eq!(m.title, "▶ `copy` copy — started by dana");
        assert_eq!(m.text, "Copying orders: the app stays read-only");
        let done = run(
            &mut d,
            12,
            "dana",
            CommandKind::Done {
                target: start.clone(),
            },
        );
        let m = for_event(&d, &done[0]).expect("a message");
        assert!(
            m.fields.contains(&field("Against plan", "2m over plan")),
            "{m:?}"
        );
        let signed = run(&mut d, 13, "rita", CommandKind::SignOff { target: start });
        let m = for_event(&d, &signed[0]).expect("a message");
        assert_eq!(m.title, "✔ `copy` signed off by rita");
        assert!(m.fields.contains(&field("Actual", "13m")), "{m:?}");
        assert!(m.fields.contains(&field("Signed by", "rita")), "{m:?}");
        let end = run(&mut d, 14, "coord", CommandKind::EndDrill);
        let m = for_event(&d, &end[0]).expect("a message");
        assert_eq!(m.title, "Drill ended: completed — msg");
        assert_eq!(m.tone, Tone::Good);
    }

    #[test]
    fn an_accepted_handover_is_announced_and_an_offer_is_not() {
        use crate::drill::Duty;
        let rb = RunbookBuilder::new("h")
            .person("dana", "DBA")
            .step("copy", "dana", "coord", "10m")
            .build();
        let mut d = Drill::new(Arc::new(rb));
        let offered = run(
            &mut d,
            0,
            "coord",
            CommandKind::OfferHandover {
                duty: Duty::Coordinator,
                to: "dana".into(),
            },
        );
        assert!(offered.iter().all(|e| for_event(&d, e).is_none()));
        let accepted = run(
            &mut d,
            1,
            "dana",
            CommandKind::AcceptHandover {
                duty: Duty::Coordinator,
            },
        );
        let m = accepted
            .iter()
            .find_map(|e| for_event(&d, e))
            .expect("the handover is announced");
        assert_eq!(m.kinds, [MessageKind::Drill]);
        assert_eq!(
            m.title,
            "Handover: dana holds the coordinator role now (from coord)"
        );
    }

    #[test]
    fn a_gate_passed_by_override_is_a_gate_result_and_an_override() {
        let rb = RunbookBuilder::new("g")
            .step("gate", "coord", "coord", "5m")
            .gate()
            .requires(Evidence::ProbeGreen("lag".into()))
            .build();
        let mut d = Drill::new(Arc::new(rb));
        run(
            &mut d,
            0,
            "coord",
            CommandKind::Start {
                target: Target::Step("gate".into()),
            },
        );
        let over = run(
            &mut d,
            1,
            "coord",
            CommandKind::OverrideGate {
                step: "gate".into(),
                reason: "lag probe is broken".into(),
            },
        );
        let m = over
            .iter()
            .find_map(|e| for_event(&d, e))
            .expect("a message");
        assert_eq!(m.kinds, [MessageKind::GateResult, MessageKind::Override]);
        assert!(m.title.contains("OVERRIDDEN by coord"), "{m:?}");
    }
}
