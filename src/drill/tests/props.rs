//! Random command sequences from random actors against random small runbooks (DAGs).

use proptest::prelude::*;

use super::*;

const PEOPLE: [&str; 3] = ["coord", "alice", "bob"];
/// `dri`, `reviewer` and `approver` stand for those of the command's step, so sequences
/// get deep into the life cycle instead of bouncing off authorization.
const ACTORS: [&str; 11] = [
    "coord", "coord", "dri", "dri", "reviewer", "reviewer", "approver", "alice", "olga", "zed",
    "system",
];

fn ev(i: u8) -> Evidence {
    match i % 3 {
        0 => Evidence::CopyDone("orders".into()),
        1 => Evidence::ReconClean("orders".into()),
        _ => Evidence::ProbeGreen("lag".into()),
    }
}

/// One generated step: dri, reviewer, deps bitmask over earlier steps, gate,
/// approvers bitmask, irreversible, rollback, requires.
type StepGen = (usize, usize, u8, bool, u8, bool, bool, Option<u8>);

fn runbook_strategy() -> impl Strategy<Value = Runbook> {
    let step = (
        0..3usize,
        0..3usize,
        any::<u8>(),
        prop::bool::weighted(0.3),
        1..8u8,
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.6),
        prop::option::weighted(0.3, any::<u8>()),
    );
    prop::collection::vec(step, 2..6).prop_map(|steps: Vec<StepGen>| {
        let mut b = cast();
        let ids: Vec<String> = (0..steps.len()).map(|i| format!("s{i}")).collect();
        for (i, (dri, rev, deps, gate, appr, irr, rollback, req)) in steps.into_iter().enumerate() {
            b = b.step(&ids[i], PEOPLE[dri], PEOPLE[rev], "5m");
            let after: Vec<&str> = (0..i)
                .filter(|d| deps & (1 << d) != 0)
                .map(|d| ids[d].as_str())
                .collect();
            b = b.after(&after);
            if gate {
                let who: Vec<&str> = (0..3)
                    .filter(|p| appr & (1 << p) != 0)
                    .map(|p| PEOPLE[p])
                    .collect();
                b = b.approvers(&who);
            }
            if irr {
                b = b.irreversible();
            }
            if rollback {
                b = b.rollback("undo");
            }
            if let Some(e) = req {
                b = b.requires(ev(e));
            }
        }
        b.build()
    })
}

/// Raw material for one command: actor, kind, step, flags, evidence, minutes to wait.
type CmdGen = (u8, u8, u8, bool, bool, u8, bool, u8);

/// Interprets raw choices against the current state: half the time (kind >= 128) the
/// natural next command for an active step or rollback task, otherwise anything at all.
/// Deterministic in (state, raw), so shrinking still works.
fn command(d: &Drill, g: CmdGen) -> Command {
    let rb = d.runbook();
    let st = d.state();
    let (actor, kind, step_i, rollback_target, empty_reason, e, holds, _) = g;
    let mut idx = step_i as usize % rb.steps.len();
    let mut natural = None;
    if kind >= 128 {
        if let Some(r) = st.rollback.as_ref().filter(|r| r.completed_at.is_none()) {
            if let Some(t) = r.current().and_then(|c| r.tasks.get(c)) {
                idx = rb.step_index(&t.step).unwrap_or(idx);
                let target = Target::Rollback(t.step.clone());
                natural = Some(match t.status {
                    StepStatus::Running if e % 8 == 0 => CommandKind::CallRollback {
                        from: rb.steps[idx].id.clone(),
                        reason: "because".into(),
                    },
                    StepStatus::Running => CommandKind::Done { target },
                    StepStatus::AwaitingReview => CommandKind::SignOff { target },
                    _ => CommandKind::Start { target },
                });
            }
        } else {
            let active: Vec<usize> = (0..rb.steps.len())
                .filter(|&i| matches!(st.status(i), StepStatus::Ready) || st.status(i).is_active())
                .collect();
            if !active.is_empty() {
                idx = active[step_i as usize % active.len()];
                let target = Target::Step(rb.steps[idx].id.clone());
                natural = Some(match st.status(idx) {
                    StepStatus::Running if rb.steps[idx].gate => CommandKind::Go {
                        step: rb.steps[idx].id.clone(),
                    },
                    StepStatus::Running if e % 8 == 0 => CommandKind::CallRollback {
                        from: rb.steps[idx].id.clone(),
                        reason: "because".into(),
                    },
                    StepStatus::Running => CommandKind::Done { target },
                    StepStatus::AwaitingReview => CommandKind::SignOff { target },
                    _ => CommandKind::Start { target },
                });
            }
        }
    }
    let step = &rb.steps[idx];
    let id = step.id.clone();
    let target = if rollback_target {
        Target::Rollback(id.clone())
    } else {
        Target::Step(id.clone())
    };
    let reason = if empty_reason { " " } else { "because" }.to_string();
    // Weighted so sequences get deep into the life cycle; EndDrill is rare.
    let kind = natural.unwrap_or(match kind % 40 {
        0..=7 => CommandKind::Start { target },
        8..=13 => CommandKind::Done { target },
        14..=19 => CommandKind::SignOff { target },
        20..=24 => CommandKind::Go { step: id },
        25 => CommandKind::NoGo { step: id, reason },
        26 => CommandKind::Fail { target, reason },
        // Skips weigh more: walking around a gate by skipping is the hole they guard.
        27 | 28 => CommandKind::Skip { step: id, reason },
        39 if e % 2 == 0 => CommandKind::OverrideGate { step: id, reason },
        29 | 30 => CommandKind::CallRollback { from: id, reason },
        31..=38 => CommandKind::RecordEvidence {
            evidence: ev(e),
            holds: holds || e % 4 != 0,
            detail: String::new(),
        },
        _ if e % 10 == 1 => CommandKind::EndDrill,
        _ if e % 2 == 1 => CommandKind::Note {
            step: (!rollback_target).then_some(id),
            text: reason,
        },
        _ => CommandKind::Note {
            step: None,
            text: "hello".into(),
        },
    });
    let who = match ACTORS[actor as usize % ACTORS.len()] {
        "dri" => step.dri.as_str(),
        "reviewer" => step.reviewer.as_str(),
        "approver" if !step.approvers.is_empty() => {
            step.approvers[e as usize % step.approvers.len()].as_str()
        }
        "approver" => "coord",
        other => other,
    };
    Command {
        by: H::actor(who),
        kind,
    }
}

/// Every step that `idx` depends on, directly or not.
fn ancestors(rb: &Runbook, idx: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut todo = vec![idx];
    while let Some(i) = todo.pop() {
        for dep in &rb.steps[i].after {
            if let Some(d) = rb.step_index(dep) {
                if !out.contains(&d) {
                    out.push(d);
                    todo.push(d);
                }
            }
        }
    }
    out
}

/// The seq at which gate `id` passed (by GO or by override), if it did.
fn gate_passed_seq(st: &DrillState, id: &str) -> Option<u64> {
    st.log.iter().find_map(|l| match &l.event.kind {
        EventKind::GatePassed { step } | EventKind::GateOverridden { step, .. } if step == id => {
            Some(l.event.seq)
        }
        _ => None,
    })
}

fn check_invariants(d: &Drill) -> Result<(), TestCaseError> {
    let rb = d.runbook();
    let st = d.state();
    let rolled = st.rollback.is_some();
    for (i, step) in rb.steps.iter().enumerate() {
        let s = st.status(i);
        let started = matches!(
            s,
            StepStatus::Running
                | StepStatus::AwaitingReview
                | StepStatus::Done
                | StepStatus::Failed { .. }
        );
        if started {
            prop_assert!(
                st.steps[i].started_at.is_some(),
                "{} {s} never started",
                step.id
            );
        }
        if started || s == StepStatus::Ready {
            for dep in &step.after {
                let ds = st.status(rb.step_index(dep).unwrap_or(usize::MAX));
                prop_assert!(
                    ds.is_settled() || (rolled && ds == StepStatus::RolledBack),
                    "{} is {s} but its dependency {dep} is {ds}",
                    step.id
                );
            }
        }
    }
    // Gates and points of no return are never skipped; a step that started or became
    // ready has every step above it (transitively) done or skipped, and every gate above it
    // passed before it started.
    for (i, step) in rb.steps.iter().enumerate() {
        let s = st.status(i);
        if step.gate || step.irreversible {
            prop_assert!(
                !matches!(s, StepStatus::Skipped { .. }),
                "{} ({}) was skipped",
                step.id,
                if step.gate {
                    "gate"
                } else {
                    "point of no return"
                }
            );
        }
        let started_seq = st.steps[i].started_seq;
        if started_seq.is_none() && s != StepStatus::Ready {
            continue;
        }
        for a in ancestors(rb, i) {
            let up = &rb.steps[a];
            let us = st.status(a);
            prop_assert!(
                us.is_settled() || (rolled && us == StepStatus::RolledBack),
                "{} is {s} but {} above it is {us}",
                step.id,
                up.id
            );
            if up.gate {
                let passed = gate_passed_seq(st, &up.id);
                prop_assert!(
                    passed.is_some(),
                    "{} is {s} but gate {} above it never passed",
                    step.id,
                    up.id
                );
                if let (Some(p), Some(started)) = (passed, started_seq) {
                    prop_assert!(
                        p < started,
                        "{} started (#{started}) before gate {} passed (#{p})",
                        step.id,
                        up.id
                    );
                }
            }
        }
    }
    // Seqs are gapless and every accepted event fit the fold.
    for (n, entry) in st.log.iter().enumerate() {
        prop_assert_eq!(entry.event.seq, n as u64 + 1);
        prop_assert!(entry.ignored.is_none(), "ignored: {:?}", entry);
    }
    prop_assert_eq!(st.last_seq, st.log.len() as u64);
    // Rollback tasks are done strictly in order; rolled-back steps are exactly those done.
    if let Some(r) = &st.rollback {
        let current = r.current().unwrap_or(r.tasks.len());
        for (i, t) in r.tasks.iter().enumerate() {
            if i < current {
                prop_assert_eq!(&t.status, &StepStatus::Done);
            } else if i > current {
                prop_assert_eq!(&t.status, &StepStatus::Pending);
            }
        }
        let rolled_back = st
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::RolledBack)
            .count();
        prop_assert_eq!(rolled_back, current);
        prop_assert_eq!(r.completed_at.is_some(), current == r.tasks.len());
    } else {
        prop_assert!(st.steps.iter().all(|s| s.status != StepStatus::RolledBack));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn random_commands_keep_the_invariants(
        rb in runbook_strategy(),
        cmds in prop::collection::vec(any::<CmdGen>(), 1..120),
    ) {
        let rb = Arc::new(rb);
        let mut d = Drill::new(rb.clone());
        let mut now = t0();
        for g in cmds {
            now += chrono::Duration::seconds(i64::from(g.7));
            let cmd = command(&d, g);
            let before = d.clone();
            let first = d.next_seq();
            let can = d.can(&cmd.by, &cmd.kind, now);
            match d.execute(&cmd, now) {
                Ok(events) => {
                    prop_assert!(can);
                    if let CommandKind::Skip { .. } = &cmd.kind {
                        // A skip never makes ready a step whose dependencies are not done.
                        for i in 0..rb.steps.len() {
                            if d.state().status(i) == StepStatus::Ready
                                && before.state().status(i) != StepStatus::Ready
                            {
                                for a in ancestors(&rb, i) {
                                    let us = d.state().status(a);
                                    prop_assert!(
                                        us.is_settled(),
                                        "skip made {} ready with {} {us}",
                                        rb.steps[i].id,
                                        rb.steps[a].id
                                    );
                                }
                            }
                        }
                    }
                    prop_assert!(!events.is_empty());
                    for (k, e) in events.iter().enumerate() {
                        prop_assert_eq!(e.seq, first + k as u64);
                    }
                }
                Err(r) => {
                    prop_assert!(!can);
                    prop_assert!(!r.reason.is_empty());
                    prop_assert_eq!(&before, &d, "a rejected command changed the state");
                }
            }
            check_invariants(&d)?;
        }
        let events: Vec<Event> = d.state().log.iter().map(|l| l.event.clone()).collect();
        prop_assert_eq!(&Drill::replay(rb, &events), &d);
        // And the timing views never panic.
        let t = d.timing();
        for i in 0..d.runbook().steps.len() {
            let _ = (t.elapsed(i, now), t.overrun(i, now), t.remaining(i, now));
        }
        let _ = (t.predicted_end(now), t.planned_end(), t.overdue_gates(now));
    }

    /// Any event, fitting or not, folds without panicking, deterministically.
    #[test]
    fn apply_never_panics(
        rb in runbook_strategy(),
        raw in prop::collection::vec((any::<CmdGen>(), 0..4u64), 0..60),
    ) {
        let rb = Arc::new(rb);
        let blank = Drill::new(rb.clone());
        let mut events = Vec::new();
        let mut seq = 0u64;
        for (g, jump) in raw {
            seq = (seq + jump).saturating_sub(1);
            let cmd = command(&blank, g);
            let id = rb.steps[g.2 as usize % rb.steps.len()].id.clone();
            let target = if g.3 { Target::Rollback(id.clone()) } else { Target::Step(id.clone()) };
            let kind = match g.1 % 15 {
                0 => EventKind::DrillStarted,
                1 => EventKind::Started { target },
                2 => EventKind::Done { target },
                3 => EventKind::SignedOff { target, override_by_coordinator: g.4 },
                4 => EventKind::Failed { target, reason: "x".into() },
                5 => EventKind::Skipped { step: id, reason: "x".into() },
                6 => EventKind::GateGo { step: id },
                7 => EventKind::GateNoGo { step: id, reason: "x".into() },
                8 => EventKind::GatePassed { step: id },
                9 => EventKind::RollbackCalled { from: id.clone(), reason: "x".into(), plan: vec![id, "ghost".into()] },
                10 => EventKind::RollbackCompleted,
                11 => EventKind::EvidenceRecorded { evidence: ev(g.5), holds: g.6, detail: String::new() },
                12 => EventKind::DrillEnded,
                13 => EventKind::GateOverridden { step: id, reason: "x".into(), overriding: String::new() },
                _ => EventKind::NoteAdded { step: Some("ghost".into()), text: "x".into() },
            };
            events.push(Event { seq, at: t0(), by: cmd.by, kind, acting_for: None });
        }
        let a = Drill::replay(rb.clone(), &events);
        let b = Drill::replay(rb, &events);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.state().log.len(), events.len());
        let _ = a.timing().predicted_end(t0());
    }
}
