//! Which outbox reports the drill accepts: only the system (the announcer) reports them, a
//! key is queued once, and only a pending message can fail, be delivered or be given up.
//! Kept apart from the outbox's data and fold ([`super::outbox`]) as the drill's other
//! rules are kept in [`super::rules`].

use std::collections::BTreeSet;

use super::command::Actor;
use super::event::EventKind;
use super::outbox::{Delivery, Outbox, OutboxRecord};
use super::rejection::Rejection;

/// The events a batch of outbox records makes, or why not: only the system (the
/// announcer) reports them, a key is queued once, and only a pending message can fail, be
/// delivered or be given up. Allowed after the drill's end (its last messages go then).
pub(crate) fn decide(
    outbox: &Outbox,
    by: &Actor,
    records: &[OutboxRecord],
) -> Result<Vec<EventKind>, Rejection> {
    if *by != Actor::System {
        return Err(Rejection::not_allowed(
            "only the announcer reports the outbox: people cannot queue or settle announcements",
        ));
    }
    if records.is_empty() {
        return Err(Rejection::invalid("an outbox report with no record"));
    }
    let mut queued: BTreeSet<&str> = BTreeSet::new();
    let mut settled: BTreeSet<&str> = BTreeSet::new();
    for record in records {
        let id = record.id();
        match record {
            OutboxRecord::Queued { target, topic, .. } => {
                let twice = outbox
                    .entries
                    .values()
                    .any(|e| e.topic == *topic && e.target == *target);
                if outbox.entries.contains_key(id) || !queued.insert(id) || twice {
                    return Err(Rejection::wrong_state(format!(
                        "announcement `{id}` ({topic} to `{target}`) was already queued"
                    )));
                }
            }
            OutboxRecord::Failed { .. } => {
                pending(outbox, &queued, &settled, id)?;
            }
            OutboxRecord::Delivered { .. } | OutboxRecord::GaveUp { .. } => {
                pending(outbox, &queued, &settled, id)?;
                settled.insert(id);
            }
        }
    }
    Ok(records
        .iter()
        .map(|record| EventKind::Outbox {
            record: record.clone(),
        })
        .collect())
}

fn pending(
    outbox: &Outbox,
    queued: &BTreeSet<&str>,
    settled: &BTreeSet<&str>,
    id: &str,
) -> Result<(), Rejection> {
    let known = queued.contains(id)
        || outbox
            .entries
            .get(id)
            .is_some_and(|e| e.delivery == Delivery::Pending);
    if settled.contains(id) || !known {
        let why = if outbox.entries.contains_key(id) || queued.contains(id) {
            format!("announcement `{id}` was already delivered or given up")
        } else {
            format!("no announcement `{id}` is queued")
        };
        return Err(Rejection::wrong_state(why));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::drill::outbox::*;
    use crate::runbook::MessageKind;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn queued(id: &str, target: &str, topic: &str) -> OutboxRecord {
        OutboxRecord::Queued {
            id: id.into(),
            target: target.into(),
            topic: topic.into(),
            message: Box::new(Announcement {
                kinds: vec![MessageKind::Drill],
                title: "started the drill".into(),
                text: String::new(),
                fields: Vec::new(),
                tone: Tone::Info,
                at: t(0),
                step: None,
            }),
        }
    }

    fn apply_all(outbox: &mut Outbox, records: &[OutboxRecord]) {
        for (i, r) in records.iter().enumerate() {
            decide(outbox, &Actor::System, std::slice::from_ref(r)).expect("accepted");
            let n = u64::try_from(i).expect("few records") + 1;
            outbox
                .apply(r, n, t(i64::try_from(i).expect("few records")))
                .expect("applies");
        }
    }

    #[test]
    fn a_message_goes_pending_failed_delivered_and_the_target_recovers() {
        let mut o = Outbox::default();
        apply_all(
            &mut o,
            &[
                queued("k1", "room", "e1"),
                queued("k2", "room", "e2"),
                OutboxRecord::Failed {
                    id: "k1".into(),
                    target: "room".into(),
                    attempt: 1,
                    error: "HTTP 500".into(),
                    streak: 1,
                },
            ],
        );
        assert_eq!(o.pending("room").len(), 2);
        assert_eq!(o.failing().count(), 1);
        assert_eq!(o.targets["room"].last_error.as_deref(), Some("HTTP 500"));
        apply_all(
            &mut o,
            &[OutboxRecord::Delivered {
                id: "k1".into(),
                target: "room".into(),
                attempt: 2,
                status: 200,
                recovered: true,
            }],
        );
        let pending: Vec<&str> = o.pending("room").iter().map(|e| e.id.as_str()).collect();
        assert_eq!(pending, ["k2"]);
        assert_eq!(o.failing().count(), 0);
        assert_eq!(o.entries["k1"].attempts, 2);
    }

    #[test]
    fn nothing_is_settled_twice_queued_twice_or_reported_by_a_person() {
        let mut o = Outbox::default();
        apply_all(&mut o, &[queued("k1", "room", "e1")]);
        let delivered = OutboxRecord::Delivered {
            id: "k1".into(),
            target: "room".into(),
            attempt: 1,
            status: 200,
            recovered: false,
        };
        let person = Actor::Person("dana".into());
        assert!(decide(&o, &person, std::slice::from_ref(&delivered)).is_err());
        assert!(decide(&o, &Actor::System, &[delivered.clone(), delivered.clone()]).is_err());
        apply_all(&mut o, std::slice::from_ref(&delivered));
        assert!(decide(&o, &Actor::System, &[delivered]).is_err());
        assert!(decide(&o, &Actor::System, &[queued("k1", "room", "e9")]).is_err());
        assert!(decide(&o, &Actor::System, &[queued("k9", "room", "e1")]).is_err());
        assert!(decide(&o, &Actor::System, &[queued("k9", "other", "e1")]).is_ok());
    }
}
