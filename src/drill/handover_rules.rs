//! The rules of handovers: who may offer, accept, decline and withdraw, and the events.

use super::command::{Actor, CommandKind};
use super::event::EventKind;
use super::handover::{Duty, Handover, Offer};
use super::rejection::Rejection;
use super::role::Role;
use crate::runbook::Runbook;

/// Decides a handover command (`None`: `kind` is not one).
pub(crate) fn decide(
    rb: &Runbook,
    h: &Handover,
    by: &Actor,
    role: Role,
    kind: &CommandKind,
) -> Option<Result<Vec<EventKind>, Rejection>> {
    let me = match by {
        Actor::Person(me) => me.as_str(),
        Actor::System => "system",
    };
    let out = match kind {
        CommandKind::OfferHandover { duty, to } => offer(rb, h, me, role, duty, to),
        CommandKind::AcceptHandover { duty } => pending(h, duty).and_then(|o| {
            receiver(o, me, "accept")?;
            Ok(vec![EventKind::HandoverAccepted {
                duty: duty.clone(),
                from: h.holder_of(duty).to_string(),
                to: o.to.clone(),
            }])
        }),
        CommandKind::DeclineHandover { duty, reason } => pending(h, duty).and_then(|o| {
            receiver(o, me, "decline")?;
            Ok(vec![EventKind::HandoverDeclined {
                duty: duty.clone(),
                to: o.to.clone(),
                reason: reason.trim().to_string(),
            }])
        }),
        CommandKind::WithdrawHandover { duty } => pending(h, duty).and_then(|o| {
            let offered_by = matches!(&o.by, Actor::Person(p) if p == me);
            if offered_by || h.holder_of(duty) == me || role == Role::Coordinator {
                Ok(vec![EventKind::HandoverWithdrawn {
                    duty: duty.clone(),
                    to: o.to.clone(),
                }])
            } else {
                Err(Rejection::not_allowed(format!(
                    "`{me}` cannot withdraw the offer of {duty} to `{}`: only who offered it \
                     ({}), its holder `{}` or the coordinator `{}` can; `{}` may decline it",
                    o.to,
                    o.by,
                    h.holder_of(duty),
                    h.coordinator,
                    o.to
                )))
            }
        }),
        _ => return None,
    };
    Some(out)
}

fn offer(
    rb: &Runbook,
    h: &Handover,
    me: &str,
    role: Role,
    duty: &Duty,
    to: &str,
) -> Result<Vec<EventKind>, Rejection> {
    if let Duty::Steps(person) = duty {
        if rb.person(person).is_none() {
            return Err(Rejection::unknown(format!(
                "there is no person `{person}` in this runbook's people: whose steps should move?"
            )));
        }
    }
    let holder = h.holder_of(duty);
    let may = match duty {
        Duty::Coordinator => role == Role::Coordinator,
        Duty::Steps(_) => holder == me || role == Role::Coordinator,
    };
    if !may {
        let who = match duty {
            Duty::Coordinator => format!("the coordinator `{}`", h.coordinator),
            Duty::Steps(_) => format!(
                "their holder `{holder}` or the coordinator `{}`",
                h.coordinator
            ),
        };
        return Err(Rejection::not_allowed(format!(
            "`{me}` cannot hand over {duty}: only {who} can"
        )));
    }
    receiver_ok(rb, to)?;
    if holder == to {
        return Err(Rejection::invalid(format!(
            "`{to}` already holds {duty}: name someone else"
        )));
    }
    if let Some(o) = h.offer(duty) {
        return Err(Rejection::wrong_state(format!(
            "{duty} is already offered to `{}` (by {}): withdraw that offer first",
            o.to, o.by
        )));
    }
    Ok(vec![EventKind::HandoverOffered {
        duty: duty.clone(),
        to: to.to_string(),
    }])
}

/// The receiver must be someone who can act: a person of the runbook (or its coordinator),
/// not an observer.
fn receiver_ok(rb: &Runbook, to: &str) -> Result<(), Rejection> {
    match rb.person(to) {
        Some(p) if p.role.trim().eq_ignore_ascii_case("observer") => Err(Rejection::not_allowed(
            format!("`{to}` is an observer and can never act: hand over to a participant"),
        )),
        Some(_) => Ok(()),
        None if to == rb.meta.coordinator => Ok(()),
        None => Err(Rejection::unknown(format!(
            "there is no person `{to}` in this runbook's people: only they can take over"
        ))),
    }
}

fn pending<'h>(h: &'h Handover, duty: &Duty) -> Result<&'h Offer, Rejection> {
    h.offer(duty).ok_or_else(|| {
        Rejection::wrong_state(format!(
            "{duty} is not on offer: its holder `{}` offers it first",
            h.holder_of(duty)
        ))
    })
}

fn receiver(o: &Offer, me: &str, doing: &str) -> Result<(), Rejection> {
    if o.to == me {
        Ok(())
    } else {
        Err(Rejection::not_allowed(format!(
            "{} is offered to `{}`: only they can {doing} it, from their own terminal",
            o.duty, o.to
        )))
    }
}
