//! What the clock has to say: a running step passing its plan (once per step), and the
//! T-minus reminders before the change window opens and before each point of no return
//! (from its predicted start). Each with a topic, so it is queued once.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::drill::outbox::{Announcement, Tone};
use crate::drill::{Drill, StepStatus};
use crate::runbook::{duration, MessageKind};

use super::words::{field, took, utc};

/// Messages due at `now` whose topic `queued` does not know yet.
pub fn due(
    drill: &Drill,
    reminders: &[Duration],
    now: DateTime<Utc>,
    queued: &dyn Fn(&str) -> bool,
) -> Vec<(String, Announcement)> {
    let mut out = Vec::new();
    let st = drill.state();
    if st.ended_at.is_some() {
        return out;
    }
    late_steps(drill, now, queued, &mut out);
    window(drill, reminders, now, queued, &mut out);
    if st.is_live() && st.rollback.is_none() {
        points_of_no_return(drill, reminders, now, queued, &mut out);
    }
    out
}

fn late_steps(
    drill: &Drill,
    now: DateTime<Utc>,
    queued: &dyn Fn(&str) -> bool,
    out: &mut Vec<(String, Announcement)>,
) {
    let st = drill.state();
    if !st.is_live() || st.rollback.is_some() {
        return;
    }
    let t = drill.timing();
    for (idx, step) in drill.runbook().steps.iter().enumerate() {
        let topic = format!("late:{}", step.id);
        if !st.status(idx).is_active() || queued(&topic) {
            continue;
        }
        let Some(over) = t.overrun(idx, now) else {
            continue;
        };
        let elapsed = t.elapsed(idx, now).unwrap_or_default();
        let message = Announcement {
            kinds: vec![MessageKind::StepLate],
            title: format!("⏰ `{}` passed its plan of {}", step.id, took(step.planned)),
            text: String::new(),
            fields: vec![
                field("Running for", took(elapsed)),
                field("Over by", took(over)),
                field("DRI", step.dri.clone()),
            ],
            tone: Tone::Warn,
            at: now,
            step: Some(step.id.clone()),
        };
        out.push((topic, message));
    }
}

fn window(
    drill: &Drill,
    reminders: &[Duration],
    now: DateTime<Utc>,
    queued: &dyn Fn(&str) -> bool,
    out: &mut Vec<(String, Announcement)>,
) {
    let Some(w) = &drill.runbook().meta.window else {
        return;
    };
    let Ok(left) = (w.start - now).to_std() else {
        return; // open already
    };
    let Some((offset, topic)) = reminder(reminders, left, "window", queued) else {
        return;
    };
    let message = Announcement {
        kinds: vec![MessageKind::Reminder],
        title: format!(
            "T-{}: the change window opens at {}",
            duration::format(offset),
            utc(w.start)
        ),
        text: format!("in {}", took(left)),
        fields: vec![
            field("Opens", utc(w.start)),
            field("Length", took(w.duration)),
        ],
        tone: Tone::Info,
        at: now,
        step: None,
    };
    out.push((topic, message));
}

fn points_of_no_return(
    drill: &Drill,
    reminders: &[Duration],
    now: DateTime<Utc>,
    queued: &dyn Fn(&str) -> bool,
    out: &mut Vec<(String, Announcement)>,
) {
    let t = drill.timing();
    for (idx, step) in drill.runbook().steps.iter().enumerate() {
        if !step.irreversible
            || !matches!(
                drill.state().status(idx),
                StepStatus::Pending | StepStatus::Ready
            )
        {
            continue;
        }
        let Some(start) = t.predicted_start(idx, now) else {
            continue;
        };
        let left = (start - now).to_std().unwrap_or_default();
        let Some((offset, topic)) = reminder(reminders, left, &step.id, queued) else {
            continue;
        };
        let when = if left.is_zero() {
            "it can start now".to_string()
        } else {
            format!("predicted to start at {} (in {})", utc(start), took(left))
        };
        let message = Announcement {
            kinds: vec![MessageKind::Reminder],
            title: format!(
                "T-{}: point of no return `{}` {}",
                duration::format(offset),
                step.id,
                step.title
            ),
            text: format!("{when}; once it is done there is no rollback, only roll-forward"),
            fields: vec![field("DRI", step.dri.clone())],
            tone: Tone::Warn,
            at: now,
            step: Some(step.id.clone()),
        };
        out.push((topic, message));
    }
}

/// The reminder due with `left` to go: the smallest offset not below `left`, unless it or
/// a smaller one went already (a prediction that slips back does not remind twice).
fn reminder(
    reminders: &[Duration],
    left: Duration,
    what: &str,
    queued: &dyn Fn(&str) -> bool,
) -> Option<(Duration, String)> {
    let topic = |offset: Duration| format!("tminus:{what}:{}", duration::format(offset));
    let offset = reminders.iter().copied().filter(|r| left <= *r).min()?;
    let sent = reminders
        .iter()
        .filter(|r| **r <= offset)
        .any(|r| queued(&topic(*r)));
    (!sent).then(|| (offset, topic(offset)))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::{Actor, Command, CommandKind, Target};

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    const REMIND: [Duration; 2] = [Duration::from_secs(1800), Duration::from_secs(300)];

    /// Runs `due` at each time, marking what it returns as queued; the titles, in order.
    fn ticks(drill: &Drill, times: &[i64]) -> Vec<String> {
        let seen = RefCell::new(BTreeSet::new());
        let mut out = Vec::new();
        for at in times {
            let due = due(drill, &REMIND, t(*at), &|topic| {
                seen.borrow().contains(topic)
            });
            for (topic, m) in due {
                seen.borrow_mut().insert(topic);
                out.push(m.title);
            }
        }
        out
    }

    #[test]
    fn the_window_is_reminded_once_per_offset_and_never_late() {
        let rb = RunbookBuilder::new("w")
            .window(t(3600), "2h")
            .step("a", "coord", "coord", "5m")
            .build();
        let d = Drill::new(Arc::new(rb));
        // 60m before: nothing; 29m: T-30m; 20m: nothing new; 4m: T-5m; then nothing.
        let titles = ticks(&d, &[0, 1860, 2400, 3360, 3400, 3700]);
        assert_eq!(titles.len(), 2, "{titles:?}");
        assert!(
            titles[0].starts_with("T-30m: the change window opens at"),
            "{titles:?}"
        );
        assert!(titles[1].starts_with("T-5m:"), "{titles:?}");
        // A console opened 3 minutes before: only the T-5m one, not a stale T-30m.
        assert_eq!(ticks(&d, &[3420]).len(), 1);
        assert!(ticks(&d, &[3420])[0].starts_with("T-5m"));
    }

    #[test]
    fn a_point_of_no_return_is_reminded_from_its_predicted_start_and_a_late_step_once() {
        let rb = RunbookBuilder::new("p")
            .step("prep", "coord", "coord", "10m")
            .step("flip", "coord", "coord", "1m")
            .irreversible()
            .build();
        let mut d = Drill::new(Arc::new(rb));
        let start = Command {
            by: Actor::Person("coord".into()),
            kind: CommandKind::Start {
                target: Target::Step("prep".into()),
            },
        };
        d.execute(&start, t(0)).expect("started");
        // flip is predicted at +10m: T-30m at once; T-5m at +5m; `prep` late after +10m.
        let titles = ticks(&d, &[1, 200, 300, 601, 700]);
        assert_eq!(titles.len(), 3, "{titles:?}");
        assert!(
            titles[0].starts_with("T-30m: point of no return `flip`"),
            "{titles:?}"
        );
        assert!(
            titles[1].starts_with("T-5m: point of no return `flip`"),
            "{titles:?}"
        );
        assert_eq!(titles[2], "⏰ `prep` passed its plan of 10m");
    }
}
