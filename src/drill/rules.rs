//! The rules: which commands are allowed, by whom and when, and which events they produce.
//! Pure: reads the runbook and the state, changes nothing.

use chrono::{DateTime, Utc};

use super::command::{Actor, Command, CommandKind, CopyCommand, Target};
use super::contingency;
use super::event::EventKind;
use super::gate::{self, describe_waits, Incoming};
use super::handover::{fills, who_fills, Fill};
use super::handover_rules;
use super::rejection::{Rejection, RejectionKind};
use super::role::{role_now, Role};
use super::rollback::{hms, plan};
use super::state::{DrillState, RollbackState, StepStatus};
use crate::runbook::{CopyEngine, Evidence, Handle, Runbook, Step};

/// Validates `cmd` and returns the events it produces.
pub(crate) fn decide(
    rb: &Runbook,
    st: &DrillState,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<EventKind>, Rejection> {
    // The outbox is the announcer's alone, and its last messages go after the end.
    if let CommandKind::Outbox { records } = &cmd.kind {
        return super::outbox_rules::decide(&st.outbox, &cmd.by, records);
    }
    if let Some(at) = st.ended_at {
        return Err(Rejection::new(
            RejectionKind::Ended,
            format!(
                "the drill ended at {}: nothing can change any more",
                hms(at)
            ),
        ));
    }
    let ctx = Ctx::new(rb, st, &cmd.by, now);
    ctx.admit(&cmd.kind)?;
    if let Some(decided) = handover_rules::decide(rb, &st.handover, &cmd.by, ctx.role, &cmd.kind) {
        return decided;
    }
    match &cmd.kind {
        CommandKind::Start { target } => match target {
            Target::Step(id) => ctx.start(id),
            Target::Rollback(id) => ctx.task_start(id),
        },
        CommandKind::Done { target } => match target {
            Target::Step(id) => ctx.done(id),
            Target::Rollback(id) => ctx.task_done(id),
        },
        CommandKind::SignOff { target } => match target {
            Target::Step(id) => ctx.sign_off(id),
            Target::Rollback(id) => ctx.task_sign_off(id),
        },
        CommandKind::Fail { target, reason } => match target {
            Target::Step(id) => ctx.fail(id, reason),
            Target::Rollback(id) => ctx.task_fail(id, reason),
        },
        CommandKind::Skip { step, reason } => ctx.skip(step, reason),
        CommandKind::Go { step } => ctx.vote(step, None),
        CommandKind::NoGo { step, reason } => ctx.vote(step, Some(reason)),
        CommandKind::OverrideGate { step, reason } => ctx.override_gate(step, reason),
        CommandKind::Note { step, text } => ctx.note(step.as_deref(), text),
        CommandKind::CallRollback { from, reason } => ctx.call_rollback(from, reason),
        CommandKind::CallContingency { from, reason } => ctx.call_contingency(from, reason),
        CommandKind::RecordEvidence {
            evidence,
            holds,
            detail,
        } => Ok(ctx.then_pass_gates(
            EventKind::EvidenceRecorded {
                evidence: evidence.clone(),
                holds: *holds,
                detail: detail.clone(),
            },
            evidence,
            *holds,
        )),
        CommandKind::ResolveTables { job, tables } => ctx.resolve_tables(job, tables),
        CommandKind::NumberDrill { number } => ctx.number_drill(*number),
        CommandKind::CopyControl { job, control } => ctx.copy_control(job, *control),
        CommandKind::AcceptEvidence { evidence, note } => ctx.accept_evidence(evidence, note),
        CommandKind::ApproveFix { recon } => ctx.approve_fix(recon),
        CommandKind::EndDrill => Ok(vec![EventKind::DrillEnded]),
        // Decided above, before the end check; kept here so the match stays whole.
        CommandKind::Outbox { records } => {
            super::outbox_rules::decide(&st.outbox, &cmd.by, records)
        }
        // Decided above by the handover rules.
        CommandKind::OfferHandover { .. }
        | CommandKind::AcceptHandover { .. }
        | CommandKind::DeclineHandover { .. }
        | CommandKind::WithdrawHandover { .. } => Err(Rejection::invalid("not a step command")),
    }
}

/// The runbook person in whose seat `cmd`'s actor acts (see [`Drill::acting_for`]).
///
/// [`Drill::acting_for`]: super::Drill::acting_for
pub(crate) fn acting_for(rb: &Runbook, st: &DrillState, cmd: &Command) -> Option<Handle> {
    // No clock rule decides a seat: any time will do.
    let ctx = Ctx::new(rb, st, &cmd.by, DateTime::<Utc>::MIN_UTC);
    let me = ctx.me()?;
    let others = |seat: &str| {
        ctx.fill(seat)
            .filter(|f| *f != Fill::Own)
            .map(|_| seat.to_string())
    };
    match &cmd.kind {
        CommandKind::Start { target }
        | CommandKind::Done { target }
        | CommandKind::Fail { target, .. } => others(&rb.step(target.step_id())?.dri),
        CommandKind::SignOff { target } => {
            let step = rb.step(target.step_id())?;
            let worked = ctx.worked_by(target);
            ctx.as_reviewer(step, "step", worked).ok().filter(|o| !o)?;
            others(&step.reviewer)
        }
        CommandKind::Go { step } | CommandKind::NoGo { step, .. } => {
            let (idx, s) = ctx.step(step).ok()?;
            let seat = ctx.vote_seat(idx, s).ok()?;
            (seat != me).then_some(seat)
        }
        _ => None,
    }
}

struct Ctx<'a> {
    rb: &'a Runbook,
    st: &'a DrillState,
    by: &'a Actor,
    role: Role,
    /// For the runbook's clock rules (a late step is shown, never refused).
    now: DateTime<Utc>,
}

impl<'a> Ctx<'a> {
    fn new(rb: &'a Runbook, st: &'a DrillState, by: &'a Actor, now: DateTime<Utc>) -> Self {
        Ctx {
            rb,
            st,
            by,
            role: role_now(rb, &st.handover.coordinator, by),
            now,
        }
    }

    /// The coordinator now (the role may have been handed over).
    fn coordinator(&self) -> &'a str {
        &self.st.handover.coordinator
    }

    fn me(&self) -> Option<&'a str> {
        match self.by {
            Actor::Person(h) => Some(h.as_str()),
            Actor::System => None,
        }
    }

    /// How the actor fills the seat of runbook person `seat`, if at all.
    fn fill(&self, seat: &str) -> Option<Fill> {
        fills(self.rb, &self.st.handover, self.me()?, seat)
    }

    /// Who started or marked done `target` (and in whose seat).
    fn worked_by(&self, target: &Target) -> &'a [Handle] {
        match target {
            Target::Step(id) => self.st.step(id).map_or(&[], |s| s.worked_by.as_slice()),
            Target::Rollback(id) => self
                .st
                .rollback
                .as_ref()
                .and_then(|r| r.task(id))
                .map_or(&[], |t| t.worked_by.as_slice()),
        }
    }

    /// Role-level checks: observers change nothing, engines only report evidence, and a few
    /// commands are the coordinator's alone.
    fn admit(&self, kind: &CommandKind) -> Result<(), Rejection> {
        let who = self.by;
        match self.role {
            Role::Observer => {
                let why = match who {
                    Actor::Person(h) if self.rb.person(h).is_none() => format!(
                        "`{h}` is not in this runbook's people, so they can only watch: \
                         ask the coordinator `{}` to add them",
                        self.coordinator()
                    ),
                    _ => format!("`{who}` is an observer: observers follow the drill read-only"),
                };
                return Err(Rejection::not_allowed(why));
            }
            Role::System
                if !matches!(
                    kind,
                    CommandKind::RecordEvidence { .. }
                        | CommandKind::ResolveTables { .. }
                        | CommandKind::NumberDrill { .. }
                ) =>
            {
                return Err(Rejection::not_allowed(
                    "the system (engines) can only report evidence: people drive the steps",
                ));
            }
            _ => {}
        }
        let coordinator_only = match kind {
            CommandKind::Skip { .. } => Some("skip a step"),
            CommandKind::OverrideGate { .. } => Some("override a gate"),
            CommandKind::CallRollback { .. } => Some("call a rollback"),
            CommandKind::CallContingency { .. } => Some("call a contingency"),
            CommandKind::EndDrill => Some("end the drill"),
            CommandKind::CopyControl { .. } => Some("pause, resume or limit a copy"),
            CommandKind::AcceptEvidence { .. } => Some("accept evidence that does not hold"),
            CommandKind::ApproveFix { .. } => Some("approve applying a recon's fix SQL"),
            CommandKind::RecordEvidence { .. } if self.role != Role::System => {
                Some("record evidence by hand (engines report it)")
            }
            _ => None,
        };
        match coordinator_only {
            Some(what) if self.role == Role::Participant => Err(Rejection::not_allowed(format!(
                "only the coordinator `{}` can {what}: ask them",
                self.coordinator()
            ))),
            _ => Ok(()),
        }
    }

    fn step(&self, id: &str) -> Result<(usize, &'a Step), Rejection> {
        self.rb
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.id == id)
            .ok_or_else(|| Rejection::unknown(format!("there is no step `{id}` in this runbook")))
    }

    /// Whoever fills the step's DRI seat (its holder or their deputy), or the coordinator.
    fn as_dri(&self, step: &Step, doing: &str) -> Result<(), Rejection> {
        if self.role == Role::Coordinator || self.fill(&step.dri).is_some() {
            return Ok(());
        }
        Err(Rejection::not_allowed(format!(
            "`{}` cannot {doing} `{}`: only its DRI {} or the coordinator `{}` can",
            self.by,
            step.id,
            who_fills(self.rb, &self.st.handover, &step.dri),
            self.coordinator()
        )))
    }

    /// Whoever fills the step's reviewer seat and did none of its work, or the coordinator;
    /// returns whether it is a coordinator override. Four eyes hold through deputies and
    /// handovers: whoever holds the DRI seat, or started or finished the work (in anyone's
    /// seat), does not review it.
    fn as_reviewer(
        &self,
        step: &Step,
        what: &str,
        worked_by: &[Handle],
    ) -> Result<bool, Rejection> {
        let holds_dri = matches!(self.fill(&step.dri), Some(Fill::Own | Fill::Holder));
        let worked = self
            .me()
            .is_some_and(|me| worked_by.iter().any(|w| w == me));
        let reviewer = who_fills(self.rb, &self.st.handover, &step.reviewer);
        if self.fill(&step.reviewer).is_some() && !holds_dri && !worked {
            return Ok(false);
        }
        if self.role == Role::Coordinator {
            return Ok(true);
        }
        let why = if holds_dri {
            format!(
                "`{}` is the DRI of `{}` and cannot review their own work: \
                 its reviewer {reviewer} signs off {what}",
                self.by, step.id
            )
        } else if worked {
            format!(
                "`{}` worked on `{}` (started it or marked it done) and cannot also review it, \
                 not even as a deputy: its reviewer {reviewer} signs off {what}",
                self.by, step.id
            )
        } else {
            format!(
                "`{}` cannot sign off {what} `{}`: only its reviewer {reviewer} or the coordinator `{}` can",
                self.by,
                step.id,
                self.coordinator()
            )
        };
        Err(Rejection::not_allowed(why))
    }

    /// The approver seat the actor votes in at gate `idx`: the seat they already voted in,
    /// else their own, a seat handed to them, then one they deputize, in the gate's order.
    /// One person fills one seat at a gate, and a seat takes one voter: a deputy cannot vote
    /// where the approver voted, nor the approver where their deputy did.
    fn vote_seat(&self, idx: usize, step: &Step) -> Result<Handle, Rejection> {
        let id = &step.id;
        let Some(me) = self.me() else {
            return Err(Rejection::not_allowed("only people vote at a gate"));
        };
        let mut seats: Vec<(Fill, &Handle)> = step
            .approvers
            .iter()
            .filter_map(|a| self.fill(a).map(|f| (f, a)))
            .collect();
        if seats.is_empty() {
            return Err(Rejection::not_allowed(format!(
                "`{me}` is not an approver of gate `{id}` (approvers: {}): add a note instead",
                step.approvers.join(", ")
            )));
        }
        seats.sort_by_key(|(f, _)| *f);
        let empty = std::collections::BTreeMap::new();
        let votes = self.st.steps.get(idx).map_or(&empty, |s| &s.votes);
        if let Some((seat, _)) = votes.iter().find(|(seat, v)| v.caster(seat) == me) {
            if seats.iter().any(|(_, a)| *a == seat) {
                return Ok(seat.clone());
            }
            return Err(Rejection::not_allowed(format!(
                "`{me}` already voted at gate `{id}` in the seat of `{seat}`: one person fills \
                 one seat at a gate"
            )));
        }
        let taken = |a: &str| {
            votes.get(a).is_some_and(|v| {
                let caster = v.caster(a);
                caster != me && fills(self.rb, &self.st.handover, caster, a).is_some()
            })
        };
        if let Some((_, a)) = seats.iter().find(|(_, a)| !taken(a)) {
            return Ok((*a).clone());
        }
        let a = seats[0].1;
        let caster = votes.get(a).map_or(a.as_str(), |v| v.caster(a));
        Err(Rejection::not_allowed(format!(
            "the seat of `{a}` at gate `{id}` was voted by `{caster}`: a seat takes one \
             voter, so `{me}` cannot vote in it too (`{caster}` may change that vote)"
        )))
    }

    /// Forward steps are frozen once a rollback is called.
    /// Step `idx` may move: no rollback froze the plan, and either no contingency was
    /// called and it is a forward step, or it is a step of the contingency called.
    fn not_frozen(&self, idx: usize) -> Result<(), Rejection> {
        self.not_rolling_back()?;
        let id = &self.rb.steps[idx].id;
        match (&self.st.contingency, self.rb.contingency_of(idx)) {
            (None, None) => Ok(()),
            (Some(c), Some(point)) if c.point == point => Ok(()),
            (Some(c), _) => Err(Rejection::wrong_state(format!(
                "the contingency of `{}` is under way (called from `{}`): the rest of the plan \
                 is frozen, work the steps of phase `{}`",
                c.point, c.from, c.phase
            ))),
            (None, Some(point)) => Err(Rejection::wrong_state(format!(
                "step `{id}` is part of the contingency of `{point}`: it runs only once the \
                 coordinator calls that contingency (K) after a later step fails"
            ))),
        }
    }

    fn not_rolling_back(&self) -> Result<(), Rejection> {
        match &self.st.rollback {
            Some(r) if r.completed_at.is_none() => Err(Rejection::wrong_state(format!(
                "a rollback is under way (called from `{}`): forward steps are frozen, \
                 work the rollback tasks",
                r.from
            ))),
            Some(r) => Err(Rejection::wrong_state(format!(
                "the drill was rolled back (from `{}`): no forward step can move; \
                 the coordinator ends the drill",
                r.from
            ))),
            None => Ok(()),
        }
    }

    // A method like every other rule here, though it needs nothing from the drill.
    #[allow(clippy::unused_self)]
    fn reason<'r>(&self, reason: &'r str, what: &str) -> Result<&'r str, Rejection> {
        if reason.trim().is_empty() {
            Err(Rejection::invalid(format!(
                "{what} needs a reason: say what happened"
            )))
        } else {
            Ok(reason)
        }
    }

    fn start(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        self.as_dri(step, "start")?;
        self.not_frozen(idx)?;
        match self.st.status(idx) {
            StepStatus::Ready => {}
            StepStatus::Pending => {
                return Err(Rejection::wrong_state(format!(
                    "step `{id}` {}: finish it first",
                    self.waiting_for(idx)
                )));
            }
            other => return Err(self.already(idx, &other, "started")),
        }
        if let Some(at) = step.clock.not_before.filter(|at| self.now < *at) {
            return Err(Rejection::new(
                RejectionKind::Clock,
                format!(
                    "step `{id}` may not start before {} (in {}): the runbook fixes its start",
                    hms(at),
                    until(self.now, at)
                ),
            ));
        }
        if let Some(b) = super::exclusive::busy(self.rb, self.st, idx) {
            return Err(Rejection::wrong_state(format!(
                "step `{id}` would start a copy while copy `{}` of exclusive group `{}` runs \
                 (step `{}`): jobs of one group never run at once; start it when `{}` is done",
                b.job, b.group, b.step, b.job
            )));
        }
        let mut events = Vec::new();
        if self.st.started_at.is_none() {
            events.push(EventKind::DrillStarted);
        }
        events.push(EventKind::Started {
            target: Target::Step(id.to_string()),
        });
        Ok(events)
    }

    fn done(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        self.as_dri(step, "mark done")?;
        if step.gate {
            return Err(self.gate_hint(idx, step));
        }
        self.not_frozen(idx)?;
        if let (Some(hold), Some(started)) = (
            step.clock.min_hold,
            self.st.steps.get(idx).and_then(|s| s.started_at),
        ) {
            let earliest =
                started + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX);
            if self.now < earliest && self.st.status(idx) == StepStatus::Running {
                return Err(Rejection::new(
                    RejectionKind::Clock,
                    format!(
                        "step `{id}` runs at least {} (the runbook's min_hold): done from {} (in {})",
                        crate::runbook::duration::format(hold),
                        hms(earliest),
                        until(self.now, earliest)
                    ),
                ));
            }
        }
        match self.st.status(idx) {
            StepStatus::Running => Ok(vec![EventKind::Done {
                target: Target::Step(id.to_string()),
            }]),
            other => Err(Rejection::wrong_state(format!(
                "step `{id}` is {other}: only a running step can be marked done"
            ))),
        }
    }

    fn sign_off(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        let worked = self.worked_by(&Target::Step(id.to_string()));
        let override_by_coordinator = self.as_reviewer(step, "step", worked)?;
        if step.gate {
            return Err(self.gate_hint(idx, step));
        }
        self.not_frozen(idx)?;
        match self.st.status(idx) {
            StepStatus::AwaitingReview => {}
            StepStatus::Running => {
                return Err(Rejection::wrong_state(format!(
                    "step `{id}` is still running: its DRI `{}` marks it done before it can be signed off",
                    step.dri
                )))
            }
            other => {
                return Err(Rejection::wrong_state(format!(
                    "step `{id}` is {other}: only a step awaiting review can be signed off"
                )))
            }
        }
        self.evidence_holds(idx, id, "signing off")?;
        Ok(vec![EventKind::SignedOff {
            target: Target::Step(id.to_string()),
            override_by_coordinator,
        }])
    }

    fn fail(&self, id: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        self.as_dri(step, "fail")?;
        self.not_frozen(idx)?;
        let reason = self.reason(reason, "failing a step")?;
        match self.st.status(idx) {
            s if s.is_active() => Ok(vec![EventKind::Failed {
                target: Target::Step(id.to_string()),
                reason: reason.to_string(),
            }]),
            other => Err(Rejection::wrong_state(format!(
                "step `{id}` is {other}: only a running step or one awaiting review can fail"
            ))),
        }
    }

    /// A skip settles one step whose place in the plan has been reached: never a gate or a
    /// point of no return, never a step still waiting for its dependencies (that would
    /// carry what follows it past them).
    fn skip(&self, id: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        self.not_frozen(idx)?;
        if step.gate {
            return Err(Rejection::wrong_state(format!(
                "gate `{id}` cannot be skipped: it passes only by its approvers' GO ({}); \
                to pass it without them the coordinator overrides it, with a reason, \
                recorded as an override",
                step.approvers.join(", ")
            )));
        }
        if step.irreversible {
            return Err(Rejection::wrong_state(format!(
                "step `{id}` is a point of no return and cannot be skipped: do it and sign it \
                off, fail it, or call a rollback"
            )));
        }
        let reason = self.reason(reason, "skipping a step")?;
        match self.st.status(idx) {
            s @ (StepStatus::Done | StepStatus::Skipped { .. } | StepStatus::RolledBack) => {
                Err(Rejection::wrong_state(format!(
                    "step `{id}` is already {s}: there is nothing to skip"
                )))
            }
            StepStatus::Pending => Err(Rejection::wrong_state(format!(
                "step `{id}` {}: a step can be skipped once its dependencies are done, \
                so that skipping it never lets what follows walk past them",
                self.waiting_for(idx)
            ))),
            _ => Ok(vec![EventKind::Skipped {
                step: id.to_string(),
                reason: reason.to_string(),
            }]),
        }
    }

    /// "is waiting for `prep` (running)": the first dependency that holds step `idx`.
    fn waiting_for(&self, idx: usize) -> String {
        let settled = self.st.settled(self.rb);
        let waiting = self.rb.steps[idx]
            .after
            .iter()
            .filter_map(|d| self.rb.step_index(d))
            .find(|&d| !settled.get(d).copied().unwrap_or(true));
        match waiting {
            Some(d) => format!(
                "is waiting for `{}` ({})",
                self.rb.steps[d].id,
                self.st.status(d)
            ),
            None => "is waiting for its dependencies".to_string(),
        }
    }

    /// The coordinator passes a running gate without its approvers' GO or evidence. Never a
    /// side effect of anything else: its own command, its own event, a reason.
    fn override_gate(&self, id: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        if !step.gate {
            return Err(Rejection::wrong_state(format!(
                "step `{id}` is not a gate: there is nothing to override"
            )));
        }
        self.not_frozen(idx)?;
        let reason = self.reason(reason, "overriding a gate")?;
        match self.st.status(idx) {
            StepStatus::Running => {}
            other => {
                return Err(Rejection::wrong_state(format!(
                    "gate `{id}` is {other}: only a running gate can be overridden \
                    (its DRI `{}` starts it)",
                    step.dri
                )))
            }
        }
        let waits = gate::gate_waits(self.rb, self.st, idx);
        Ok(vec![EventKind::GateOverridden {
            step: id.to_string(),
            reason: reason.to_string(),
            overriding: describe_waits(&waits),
        }])
    }

    /// `first`, then a `GatePassed` for every running gate whose last condition this
    /// evidence report makes true: a gate passes by itself the moment it can.
    fn then_pass_gates(
        &self,
        first: EventKind,
        evidence: &Evidence,
        holds: bool,
    ) -> Vec<EventKind> {
        let incoming = Incoming {
            go_from: None,
            evidence: Some((evidence, holds)),
        };
        let mut events = vec![first];
        events.extend(
            gate::passing(self.rb, self.st, incoming)
                .into_iter()
                // Past its deadline a gate no longer passes: evidence arriving late does
                // not turn earlier GOs into a pass.
                .filter(|&i| {
                    self.rb.steps[i]
                        .clock
                        .go_deadline
                        .is_none_or(|d| self.now <= d)
                })
                .map(|i| EventKind::GatePassed {
                    step: self.rb.steps[i].id.clone(),
                }),
        );
        events
    }

    /// GO (`no_go: None`) or NO-GO at a gate. The GO that completes the approvals (with
    /// evidence holding) also passes the gate.
    fn vote(&self, id: &str, no_go: Option<&str>) -> Result<Vec<EventKind>, Rejection> {
        let (idx, step) = self.step(id)?;
        if !step.gate {
            return Err(Rejection::wrong_state(format!(
                "step `{id}` is not a gate: its DRI marks it done and its reviewer signs it off"
            )));
        }
        let me = self.vote_seat(idx, step)?;
        self.not_frozen(idx)?;
        match self.st.status(idx) {
            StepStatus::Running => {}
            StepStatus::Ready => {
                return Err(Rejection::wrong_state(format!(
                "gate `{id}` is ready but not started: its DRI `{}` starts it, then approvers vote",
                step.dri
            )))
            }
            other => {
                return Err(Rejection::wrong_state(format!(
                    "gate `{id}` is {other}: votes are taken only while it is running"
                )))
            }
        }
        if let Some(reason) = no_go {
            let reason = self.reason(reason, "a NO-GO")?;
            return Ok(vec![EventKind::GateNoGo {
                step: id.to_string(),
                reason: reason.to_string(),
            }]);
        }
        if let Some(deadline) = step.clock.go_deadline.filter(|d| self.now > *d) {
            return Err(Rejection::new(
                RejectionKind::Clock,
                format!(
                    "gate `{id}` takes no GO after {} (its go_deadline): say NO-GO, or the coordinator calls a rollback or overrides the gate",
                    hms(deadline)
                ),
            ));
        }
        let mut events = vec![EventKind::GateGo {
            step: id.to_string(),
        }];
        let incoming = Incoming {
            go_from: Some(me.as_str()),
            evidence: None,
        };
        if gate::waits_with(self.rb, self.st, idx, incoming).is_empty() {
            events.push(EventKind::GatePassed {
                step: id.to_string(),
            });
        }
        Ok(events)
    }

    fn note(&self, step: Option<&str>, text: &str) -> Result<Vec<EventKind>, Rejection> {
        if let Some(id) = step {
            self.step(id)?;
        }
        if text.trim().is_empty() {
            return Err(Rejection::invalid("a note needs some text"));
        }
        Ok(vec![EventKind::NoteAdded {
            step: step.map(str::to_string),
            text: text.to_string(),
        }])
    }

    fn copy_control(&self, job: &str, control: CopyCommand) -> Result<Vec<EventKind>, Rejection> {
        // A copy over many tables is controlled as one: its current table obeys.
        let spec = self
            .rb
            .copy_job(job)
            .or_else(|| self.rb.copy_set(job).map(|s| s.template.clone()))
            .ok_or_else(|| {
                Rejection::unknown(format!(
                    "there is no [[copy]] named `{job}` in this runbook"
                ))
            })?;
        if spec.engine == CopyEngine::External {
            return Err(Rejection::invalid(format!(
                "copy `{job}` runs on an external engine: warroom only follows it, \
                 pause or limit it where it runs"
            )));
        }
        if control
            == (CopyCommand::SetRate {
                rows_per_sec: Some(0),
            })
        {
            return Err(Rejection::invalid(
                "a rate limit of 0 rows/s would stop the copy: pause it instead",
            ));
        }
        Ok(vec![EventKind::CopyControlled {
            job: job.to_string(),
            control,
        }])
    }

    fn accept_evidence(
        &self,
        evidence: &Evidence,
        note: &str,
    ) -> Result<Vec<EventKind>, Rejection> {
        if self.st.evidence.get(evidence).is_some_and(|e| e.holds)
            && !self.stale_for_a_task(evidence)
        {
            return Err(Rejection::wrong_state(format!(
                "evidence {evidence} already holds: there is nothing to accept"
            )));
        }
        // Preflight's evidence fails only on blockers, which no note makes safe (its
        // warnings never fail it: the console notes their acceptance instead).
        if *evidence == Evidence::Preflight {
            return Err(Rejection::wrong_state(
                "a preflight blocker cannot be accepted: fix it, and the scan that runs again finds it gone"
                    .to_string(),
            ));
        }
        let note = self.reason(note, "accepting evidence")?;
        Ok(self.then_pass_gates(
            EventKind::EvidenceAccepted {
                evidence: evidence.clone(),
                note: note.to_string(),
            },
            evidence,
            true,
        ))
    }

    /// A running rollback task needs `evidence`, which held only before the task started.
    fn stale_for_a_task(&self, evidence: &Evidence) -> bool {
        self.st.rollback.iter().flat_map(|r| &r.tasks).any(|t| {
            t.status.is_active() && t.missing_evidence(self.rb, &self.st.evidence) == Some(evidence)
        })
    }

    /// Once per drill, by the system, from 1.
    fn number_drill(&self, number: u32) -> Result<Vec<EventKind>, Rejection> {
        if *self.by != Actor::System {
            return Err(Rejection::not_allowed(
                "a drill is numbered when its journal is created (`warroom run --drill N`)",
            ));
        }
        if let Some(n) = self.st.drill_number {
            return Err(Rejection::wrong_state(format!(
                "this drill is already numbered #{n}"
            )));
        }
        if number == 0 {
            return Err(Rejection::invalid("drills are numbered from 1"));
        }
        Ok(vec![EventKind::DrillNumbered { number }])
    }

    /// Once per job, for a job over many tables, with at least one table of it.
    fn resolve_tables(
        &self,
        job: &Evidence,
        tables: &[String],
    ) -> Result<Vec<EventKind>, Rejection> {
        if *self.by != Actor::System {
            return Err(Rejection::not_allowed(
                "the tables of a job are found in the source when its step starts, not named by hand",
            ));
        }
        let set = match job {
            Evidence::CopyDone(n) => self.rb.copy_set(n).map(|s| &s.tables),
            Evidence::ReconClean(n) => self.rb.recon_set(n).map(|s| &s.tables),
            _ => None,
        }
        .ok_or_else(|| {
            Rejection::unknown(format!(
                "{job} is not a copy or recon job over several tables"
            ))
        })?;
        if let Some(before) = self.st.tables_of(job) {
            return Err(Rejection::wrong_state(format!(
                "the tables of {job} were already resolved ({}): the list holds for the whole drill",
                before.join(", ")
            )));
        }
        if tables.is_empty() {
            return Err(Rejection::invalid(format!(
                "{job} must run on at least one table"
            )));
        }
        if let Some(t) = tables.iter().find(|t| !set.admits(t)) {
            return Err(Rejection::invalid(format!(
                "table `{t}` is not one of {job}'s ({})",
                set.describe()
            )));
        }
        Ok(vec![EventKind::TablesResolved {
            job: job.clone(),
            tables: tables.to_vec(),
        }])
    }

    fn approve_fix(&self, recon: &str) -> Result<Vec<EventKind>, Rejection> {
        if self.rb.recon_job(recon).is_none() {
            return Err(Rejection::unknown(format!(
                "there is no [[recon]] named `{recon}` in this runbook"
            )));
        }
        Ok(vec![EventKind::FixApproved {
            recon: recon.to_string(),
        }])
    }

    fn call_contingency(&self, from: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        let (idx, _) = self.step(from)?;
        if let Some(c) = &self.st.contingency {
            return Err(Rejection::wrong_state(format!(
                "the contingency of `{}` was already called at {} from `{}`: there is one per drill",
                c.point,
                hms(c.called_at),
                c.from
            )));
        }
        self.not_rolling_back()?;
        if self.rb.contingency_of(idx).is_some() {
            return Err(Rejection::wrong_state(format!(
                "step `{from}` is itself a contingency step: a contingency is called from the forward plan"
            )));
        }
        let reason = self.reason(reason, "a contingency")?;
        let point = contingency::point(self.rb, self.st, from)?;
        let phase = self.rb.steps[point].contingency.clone().unwrap_or_default();
        Ok(vec![EventKind::ContingencyCalled {
            from: from.to_string(),
            reason: reason.to_string(),
            point: self.rb.steps[point].id.clone(),
            phase,
        }])
    }

    fn call_rollback(&self, from: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        self.step(from)?;
        if let Some(c) = &self.st.contingency {
            return Err(Rejection::wrong_state(format!(
                "the contingency of `{}` is the way out of this drill (called at {}): no rollback past it",
                c.point,
                hms(c.called_at)
            )));
        }
        if let Some(r) = &self.st.rollback {
            return Err(Rejection::wrong_state(format!(
                "a rollback was already called at {} from `{}`: there is one rollback per drill",
                hms(r.called_at),
                r.from
            )));
        }
        let reason = self.reason(reason, "a rollback")?;
        let plan = plan(self.rb, self.st, from)?;
        let empty = plan.is_empty();
        let mut events = vec![EventKind::RollbackCalled {
            from: from.to_string(),
            reason: reason.to_string(),
            plan,
        }];
        if empty {
            events.push(EventKind::RollbackCompleted);
        }
        Ok(events)
    }

    /// Every `requires` of step `idx` holds, or a rejection naming the first that does not.
    fn evidence_holds(&self, idx: usize, id: &str, doing: &str) -> Result<(), Rejection> {
        let Some(missing) = self.st.steps.get(idx).and_then(|s| s.missing_evidence()) else {
            return Ok(());
        };
        let detail = match self.st.evidence.get(missing) {
            Some(e) if !e.detail.is_empty() => {
                format!(" (last report at {}: {})", hms(e.at), e.detail)
            }
            Some(e) => format!(" (revoked at {})", hms(e.at)),
            None => " (not reported yet)".to_string(),
        };
        Err(Rejection::new(
            RejectionKind::MissingEvidence,
            format!(
                "step `{id}` needs evidence `{missing}`, which does not hold{detail}: {} before {doing}",
                wait_for(missing)
            ),
        ))
    }

    fn already(&self, idx: usize, status: &StepStatus, doing: &str) -> Rejection {
        let s = &self.st.steps[idx];
        let id = &s.id;
        let why = match status {
            StepStatus::Running | StepStatus::AwaitingReview => format!(
                "step `{id}` is already {status} (started at {}): it cannot be {doing} again",
                s.started_at.map(hms).unwrap_or_default()
            ),
            StepStatus::Failed { reason } => format!(
                "step `{id}` failed ({reason}): the coordinator skips it or calls a rollback"
            ),
            other => format!("step `{id}` is {other}: it cannot be {doing}"),
        };
        Rejection::wrong_state(why)
    }

    /// Why done or sign-off does not apply to a gate, and what it still waits for.
    fn gate_hint(&self, idx: usize, step: &Step) -> Rejection {
        let waits = gate::gate_waits(self.rb, self.st, idx);
        let still = if waits.is_empty() {
            String::new()
        } else {
            format!("; it still waits for {}", describe_waits(&waits))
        };
        Rejection::wrong_state(format!(
            "step `{}` is a gate: it passes by itself once every approver ({}) says GO and its \
            evidence holds{still}",
            step.id,
            step.approvers.join(", ")
        ))
    }

    // --- rollback tasks -------------------------------------------------------------

    fn rollback(&self) -> Result<&'a RollbackState, Rejection> {
        let r = self.st.rollback.as_ref().ok_or_else(|| {
            Rejection::wrong_state("no rollback has been called: rollback tasks do not exist yet")
        })?;
        if r.completed_at.is_some() {
            return Err(Rejection::wrong_state(
                "the rollback is complete: every task is signed off",
            ));
        }
        Ok(r)
    }

    /// The task for `id` (its index in the plan) and the forward step it rolls back.
    fn task(&self, id: &str) -> Result<(usize, &'a RollbackState, &'a Step), Rejection> {
        let r = self.rollback()?;
        let (_, step) = self.step(id)?;
        let pos = r.tasks.iter().position(|t| t.step == id).ok_or_else(|| {
            let plan: Vec<&str> = r.tasks.iter().map(|t| t.step.as_str()).collect();
            Rejection::unknown(format!(
                "`{id}` is not in the rollback plan ({}): it has no rollback or was never started",
                if plan.is_empty() {
                    "empty".to_string()
                } else {
                    plan.join(", ")
                }
            ))
        })?;
        Ok((pos, r, step))
    }

    fn task_start(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (pos, r, step) = self.task(id)?;
        self.as_dri(step, "start the rollback of")?;
        match &r.tasks[pos].status {
            StepStatus::Ready | StepStatus::Failed { .. } => Ok(vec![EventKind::Started {
                target: Target::Rollback(id.to_string()),
            }]),
            StepStatus::Pending => {
                let prev = r.current().and_then(|c| r.tasks.get(c));
                let why = match prev {
                    Some(p) => format!(
                        "the rollback of `{id}` waits for the rollback of `{}` ({}): \
                         rollback runs strictly in plan order",
                        p.step, p.status
                    ),
                    None => format!("the rollback of `{id}` is not ready"),
                };
                Err(Rejection::wrong_state(why))
            }
            other => Err(Rejection::wrong_state(format!(
                "the rollback of `{id}` is already {other}"
            ))),
        }
    }

    fn task_done(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (pos, r, step) = self.task(id)?;
        self.as_dri(step, "mark done the rollback of")?;
        match &r.tasks[pos].status {
            StepStatus::Running => Ok(vec![EventKind::Done {
                target: Target::Rollback(id.to_string()),
            }]),
            other => Err(Rejection::wrong_state(format!(
                "the rollback of `{id}` is {other}: only a running rollback task can be marked done"
            ))),
        }
    }

    fn task_sign_off(&self, id: &str) -> Result<Vec<EventKind>, Rejection> {
        let (pos, r, step) = self.task(id)?;
        let worked = r.tasks[pos].worked_by.as_slice();
        let override_by_coordinator = self.as_reviewer(step, "the rollback of", worked)?;
        match &r.tasks[pos].status {
            StepStatus::AwaitingReview => {}
            other => {
                return Err(Rejection::wrong_state(format!(
                    "the rollback of `{id}` is {other}: it can be signed off once its DRI `{}` marks it done",
                    step.dri
                )))
            }
        }
        if let Some(missing) = r.tasks[pos].missing_evidence(self.rb, &self.st.evidence) {
            let detail = match self.st.evidence.get(missing) {
                Some(e) if e.holds => format!(
                    " (it held at {}, before this task started: this run has not reported yet)",
                    hms(e.at)
                ),
                Some(e) if !e.detail.is_empty() => {
                    format!(" (last report at {}: {})", hms(e.at), e.detail)
                }
                Some(e) => format!(" (revoked at {})", hms(e.at)),
                None => " (not reported yet)".to_string(),
            };
            return Err(Rejection::new(
                RejectionKind::MissingEvidence,
                format!(
                    "the rollback of `{id}` needs evidence `{missing}`, which does not hold{detail}: {} before signing it off",
                    wait_for(missing)
                ),
            ));
        }
        let mut events = vec![EventKind::SignedOff {
            target: Target::Rollback(id.to_string()),
            override_by_coordinator,
        }];
        let last = r
            .tasks
            .iter()
            .enumerate()
            .all(|(i, t)| i == pos || t.status == StepStatus::Done);
        if last {
            events.push(EventKind::RollbackCompleted);
        }
        Ok(events)
    }

    fn task_fail(&self, id: &str, reason: &str) -> Result<Vec<EventKind>, Rejection> {
        let (pos, r, step) = self.task(id)?;
        self.as_dri(step, "fail the rollback of")?;
        let reason = self.reason(reason, "failing a rollback task")?;
        match &r.tasks[pos].status {
            s if s.is_active() => Ok(vec![EventKind::Failed {
                target: Target::Rollback(id.to_string()),
                reason: reason.to_string(),
            }]),
            other => Err(Rejection::wrong_state(format!(
                "the rollback of `{id}` is {other}: only a running task or one awaiting review can fail"
            ))),
        }
    }
}

/// "12m 30s" from `now` to `at` (a future time).
fn until(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let secs = (at - now).num_seconds().max(1);
    crate::runbook::duration::format(std::time::Duration::from_secs(secs.unsigned_abs()))
}

/// What a person waits for, per kind of evidence.
fn wait_for(e: &Evidence) -> String {
    match e {
        Evidence::CopyDone(n) => format!("let copy `{n}` finish"),
        Evidence::ReconClean(n) => format!("get recon `{n}` to zero mismatches"),
        Evidence::ProbeGreen(n) => format!("wait for probe `{n}` to turn green"),
        Evidence::Action(step) => format!("get the check or command of `{step}` to succeed"),
        Evidence::Rollback(step) => format!(
            "get the rollback action of `{step}` to succeed (or the coordinator accepts it)"
        ),
        Evidence::Preflight => "clear preflight's blockers (warroom preflight RUNBOOK)".to_string(),
    }
}
