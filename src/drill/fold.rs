//! Folding one event into the state. Never panics: an event that does not fit (unknown step,
//! duplicate seq, anything after the end) is kept in the log with the reason it was ignored.
//!
//! Events are facts the rules already accepted (possibly under an older version of the
//! rules), so the fold applies them as recorded and does not re-check the life cycle.

use chrono::{DateTime, Utc};

use super::command::{Actor, CopyCommand, Target};
use super::event::{Event, EventKind};
use super::handover::{Duty, Held, Offer};
use super::state::{
    ContingencyState, DrillState, EvidenceState, GateVote, LogEntry, Note, RollbackState,
    RollbackTask, StepState, StepStatus, Vote,
};
use crate::runbook::{Evidence, Runbook};

impl DrillState {
    /// Folds one event into the state.
    pub fn apply(&mut self, runbook: &Runbook, event: &Event) {
        let outcome = if self.last_seq > 0 && event.seq <= self.last_seq {
            Err(format!(
                "seq {} was already applied (last seq {})",
                event.seq, self.last_seq
            ))
        } else if let EventKind::Outbox { record } = &event.kind {
            self.outbox.apply(record, event.seq, event.at)
        } else if self.ended_at.is_some() {
            Err("the drill had already ended".to_string())
        } else {
            self.fold(event)
        };
        // Even an ignored event takes its seq: the journal holds it, so the next one is after.
        self.last_seq = self.last_seq.max(event.seq);
        self.log.push(LogEntry {
            event: event.clone(),
            ignored: outcome.err(),
        });
        self.refresh_ready(runbook);
        self.refresh_contingency(runbook, event.at);
    }

    fn fold(&mut self, event: &Event) -> Result<(), String> {
        let (seq, at, by) = (event.seq, event.at, &event.by);
        // The people who did the work of a step, for the four-eyes rule of its sign-off.
        let workers: Vec<String> = match by {
            Actor::Person(h) => std::iter::once(h.clone())
                .chain(event.acting_for.clone())
                .collect(),
            Actor::System => Vec::new(),
        };
        let add = |list: &mut Vec<String>| {
            for w in &workers {
                if !list.contains(w) {
                    list.push(w.clone());
                }
            }
        };
        match &event.kind {
            EventKind::DrillStarted => {
                if self.started_at.is_some() {
                    return Err("the drill had already started".to_string());
                }
                self.started_at = Some(at);
            }
            EventKind::Started { target } => {
                // A journal without `DrillStarted` still starts the drill at its first step.
                self.started_at.get_or_insert(at);
                match target {
                    Target::Step(id) => {
                        let s = self.step_mut(id, seq)?;
                        s.status = StepStatus::Running;
                        s.started_at = Some(at);
                        s.started_seq = Some(seq);
                        add(&mut s.worked_by);
                    }
                    Target::Rollback(id) => {
                        let t = self.task_mut(id, seq)?;
                        t.status = StepStatus::Running;
                        t.started_at = Some(at);
                        t.started_seq = Some(seq);
                        add(&mut t.worked_by);
                    }
                }
            }
            EventKind::Done { target } => match target {
                Target::Step(id) => {
                    let s = self.step_mut(id, seq)?;
                    s.status = StepStatus::AwaitingReview;
                    s.done_at = Some(at);
                    add(&mut s.worked_by);
                }
                Target::Rollback(id) => {
                    let t = self.task_mut(id, seq)?;
                    t.status = StepStatus::AwaitingReview;
                    t.done_at = Some(at);
                    add(&mut t.worked_by);
                }
            },
            EventKind::SignedOff {
                target,
                override_by_coordinator,
            } => match target {
                Target::Step(id) => {
                    let s = self.step_mut(id, seq)?;
                    s.status = StepStatus::Done;
                    s.signed_off_at = Some(at);
                    s.signed_off_by = Some(by.clone());
                    s.override_by_coordinator = *override_by_coordinator;
                    s.ended_at = Some(at);
                }
                Target::Rollback(id) => {
                    let t = self.task_mut(id, seq)?;
                    t.status = StepStatus::Done;
                    t.signed_off_at = Some(at);
                    t.signed_off_by = Some(by.clone());
                    t.override_by_coordinator = *override_by_coordinator;
                    if let Ok(s) = self.step_mut(id, seq) {
                        s.status = StepStatus::RolledBack;
                        s.ended_at.get_or_insert(at);
                    }
                }
            },
            EventKind::Failed { target, reason } => match target {
                Target::Step(id) => {
                    let s = self.step_mut(id, seq)?;
                    s.status = StepStatus::Failed {
                        reason: reason.clone(),
                    };
                    s.failed_at = Some(at);
                    s.failure = Some(reason.clone());
                    s.ended_at = Some(at);
                }
                Target::Rollback(id) => {
                    let t = self.task_mut(id, seq)?;
                    t.status = StepStatus::Failed {
                        reason: reason.clone(),
                    };
                    t.failed_at = Some(at);
                }
            },
            EventKind::Skipped { step, reason } => {
                let s = self.step_mut(step, seq)?;
                s.status = StepStatus::Skipped {
                    reason: reason.clone(),
                };
                s.skipped_at = Some(at);
                s.skip_reason = Some(reason.clone());
                s.ended_at = Some(at);
            }
            EventKind::GateGo { step } => {
                self.vote(step, by, event.acting_for.as_ref(), Vote::Go, seq, at)?;
            }
            EventKind::GateNoGo { step, reason } => {
                let vote = Vote::NoGo {
                    reason: reason.clone(),
                };
                self.vote(step, by, event.acting_for.as_ref(), vote, seq, at)?;
            }
            EventKind::GatePassed { step } => {
                let s = self.step_mut(step, seq)?;
                s.status = StepStatus::Done;
                s.signed_off_at = Some(at);
                s.signed_off_by = Some(by.clone());
                s.ended_at = Some(at);
            }
            EventKind::GateOverridden { step, reason, .. } => {
                let s = self.step_mut(step, seq)?;
                s.status = StepStatus::Done;
                s.signed_off_at = Some(at);
                s.signed_off_by = Some(by.clone());
                s.override_by_coordinator = true;
                s.gate_override = Some(reason.clone());
                s.ended_at = Some(at);
            }
            EventKind::NoteAdded { step, text } => {
                if let Some(id) = step {
                    self.step_mut(id, seq)?;
                }
                self.notes.push(Note {
                    seq,
                    at,
                    by: by.clone(),
                    step: step.clone(),
                    text: text.clone(),
                });
            }
            EventKind::RollbackCalled { from, reason, plan } => {
                if self.rollback.is_some() {
                    return Err("a rollback had already been called".to_string());
                }
                self.step_mut(from, seq)?;
                let mut tasks = Vec::new();
                for id in plan {
                    if self.step_mut(id, seq).is_ok() {
                        tasks.push(RollbackTask::new(id.clone()));
                    }
                }
                self.rollback = Some(RollbackState {
                    called_at: at,
                    called_by: by.clone(),
                    from: from.clone(),
                    reason: reason.clone(),
                    tasks,
                    completed_at: None,
                });
            }
            EventKind::ContingencyCalled {
                from,
                reason,
                point,
                phase,
            } => {
                if self.contingency.is_some() {
                    return Err("a contingency had already been called".to_string());
                }
                self.contingency = Some(ContingencyState {
                    called_at: at,
                    called_by: by.clone(),
                    from: from.clone(),
                    reason: reason.clone(),
                    point: point.clone(),
                    phase: phase.clone(),
                    completed_at: None,
                });
            }
            EventKind::RollbackCompleted => {
                let rb = self
                    .rollback
                    .as_mut()
                    .ok_or_else(|| "no rollback had been called".to_string())?;
                rb.completed_at.get_or_insert(at);
            }
            EventKind::EvidenceRecorded {
                evidence,
                holds,
                detail,
            } => {
                self.evidence.insert(
                    evidence.clone(),
                    EvidenceState {
                        holds: *holds,
                        detail: detail.clone(),
                        at,
                        accepted: false,
                        seq,
                    },
                );
                self.mark_evidence(evidence, *holds, seq);
            }
            EventKind::EvidenceAccepted { evidence, note } => {
                self.evidence.insert(
                    evidence.clone(),
                    EvidenceState {
                        holds: true,
                        detail: format!("accepted by {by}: {note}"),
                        at,
                        accepted: true,
                        seq,
                    },
                );
                self.mark_evidence(evidence, true, seq);
            }
            EventKind::DrillNumbered { number } => {
                self.drill_number.get_or_insert(*number);
            }
            EventKind::TablesResolved { job, tables } => {
                self.resolved_tables
                    .entry(job.to_string())
                    .or_insert_with(|| tables.clone());
            }
            EventKind::CopyControlled { job, control } => {
                let c = self.copy_controls.entry(job.clone()).or_default();
                match control {
                    CopyCommand::Pause => c.paused = true,
                    CopyCommand::Resume => c.paused = false,
                    CopyCommand::SetRate { rows_per_sec } => c.rate_limit = Some(*rows_per_sec),
                }
            }
            EventKind::HandoverOffered { duty, to } => {
                self.handover.offers.retain(|o| &o.duty != duty);
                self.handover.offers.push(Offer {
                    duty: duty.clone(),
                    to: to.clone(),
                    by: by.clone(),
                    at,
                    seq,
                });
            }
            EventKind::HandoverAccepted { duty, to, .. } => {
                self.handover.offers.retain(|o| &o.duty != duty);
                match duty {
                    Duty::Coordinator => {
                        self.handover.coordinator.clone_from(to);
                        self.handover.coordinator_since = Some(at);
                    }
                    Duty::Steps(person) if person == to => {
                        self.handover.steps.remove(person);
                    }
                    Duty::Steps(person) => {
                        self.handover.steps.insert(
                            person.clone(),
                            Held {
                                holder: to.clone(),
                                since: at,
                            },
                        );
                    }
                }
            }
            EventKind::HandoverDeclined { duty, .. }
            | EventKind::HandoverWithdrawn { duty, .. } => {
                self.handover.offers.retain(|o| &o.duty != duty);
            }
            EventKind::DrillEnded => self.ended_at = Some(at),
            // A fix is applied by the recon adapter; outbox records are folded before the
            // end check (see `apply`).
            EventKind::FixApproved { .. } | EventKind::Outbox { .. } => {}
        }
        Ok(())
    }

    /// Every step that requires `evidence` learns whether it holds (and logs the seq).
    fn mark_evidence(&mut self, evidence: &Evidence, holds: bool, seq: u64) {
        for s in &mut self.steps {
            let mut touched = false;
            for r in s.requires.iter_mut().filter(|r| &r.evidence == evidence) {
                r.holds = holds;
                touched = true;
            }
            if touched {
                s.history.push(seq);
            }
        }
    }

    /// The step with this id, with `seq` added to its history.
    fn step_mut(&mut self, id: &str, seq: u64) -> Result<&mut StepState, String> {
        let s = self
            .steps
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("no step `{id}` in this runbook"))?;
        if s.history.last() != Some(&seq) {
            s.history.push(seq);
        }
        Ok(s)
    }

    /// The rollback task of step `id`, with `seq` added to its history.
    fn task_mut(&mut self, id: &str, seq: u64) -> Result<&mut RollbackTask, String> {
        let t = self
            .rollback
            .as_mut()
            .ok_or_else(|| "no rollback had been called".to_string())?
            .tasks
            .iter_mut()
            .find(|t| t.step == id)
            .ok_or_else(|| format!("`{id}` is not in the rollback plan"))?;
        t.history.push(seq);
        Ok(t)
    }

    /// A vote in the seat of `acting_for` (a deputy's or holder's), else of `by` itself.
    fn vote(
        &mut self,
        step: &str,
        by: &Actor,
        acting_for: Option<&String>,
        vote: Vote,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let Actor::Person(handle) = by else {
            return Err("only a person can vote at a gate".to_string());
        };
        let s = self.step_mut(step, seq)?;
        let seat = acting_for.unwrap_or(handle);
        let cast_by = (seat != handle).then(|| handle.clone());
        s.votes.insert(
            seat.clone(),
            GateVote {
                vote,
                at,
                seq,
                cast_by,
            },
        );
        Ok(())
    }
}
