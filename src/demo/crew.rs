//! Simulated teammates for the demo. Each plays a person from the runbook other than the
//! operator: DRIs start their ready steps and finish them after a while, reviewers sign
//! off, approvers say GO. They act through the hub like anyone else (every action is
//! journaled under their handle), and they never act for the operator.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::drill::{
    Actor, Clock, Command, CommandKind, CommandSink, Drill, Follower, Role, StepStatus, Target,
};
use crate::hub::HubHandle;

/// How long the crew waits before each kind of action.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub react: Duration,
    /// A step's work takes this share of its planned time...
    pub work_share: f64,
    /// ...but at most this long.
    pub work_max: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            react: Duration::from_secs(3),
            work_share: 0.25,
            work_max: Duration::from_secs(25),
        }
    }
}

/// Runs the crew until the hub stops. Spawn it as a task. It follows the hub through one
/// replica ([`Follower`]): a gap or a lag brings a fresh snapshot, never a skipped event.
pub async fn run(hub: HubHandle, operator: Actor, clock: Arc<dyn Clock>, pace: Pace) {
    let runbook = hub.runbook().clone();
    let sink = hub.sink();
    let Ok(mut follower) = Follower::start(hub, runbook).await else {
        return;
    };
    // When each (step, status) was first seen, to pace reactions.
    let mut seen: HashMap<(usize, &'static str), DateTime<Utc>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            update = follower.next() => if update.is_none() {
                return;
            },
            _ = tick.tick() => {
                let now = clock.now();
                let drill = &follower.replica().drill;
                for command in next_moves(drill, &operator, now, &mut seen, pace) {
                    act(&sink, command).await;
                }
            }
        }
    }
}

async fn act(sink: &CommandSink, command: Command) {
    if let Err(why) = sink.send(command).await {
        tracing::debug!(%why, "demo crew move refused");
    }
}

fn waited(
    seen: &mut HashMap<(usize, &'static str), DateTime<Utc>>,
    key: (usize, &'static str),
    now: DateTime<Utc>,
    wait: Duration,
) -> bool {
    let since = *seen.entry(key).or_insert(now);
    (now - since).to_std().unwrap_or_default() >= wait
}

/// The moves the crew makes now: pure, so it can be tested with a manual clock.
// The crew keeps its own map; no other hasher is ever passed.
#[allow(clippy::implicit_hasher)]
pub fn next_moves(
    drill: &Drill,
    operator: &Actor,
    now: DateTime<Utc>,
    seen: &mut HashMap<(usize, &'static str), DateTime<Utc>>,
    pace: Pace,
) -> Vec<Command> {
    let runbook = drill.runbook();
    let state = drill.state();
    if state.ended_at.is_some() || state.rollback_active() {
        return Vec::new();
    }
    let mut moves = Vec::new();
    let crew = |handle: &str| {
        let actor = Actor::Person(handle.to_string());
        (actor != *operator && drill.role_of(&actor) != Role::Observer).then_some(actor)
    };
    for (idx, step) in runbook.steps.iter().enumerate() {
        let target = Target::Step(step.id.clone());
        let status = state.status(idx);
        let planned_work = step.planned.mul_f64(pace.work_share).min(pace.work_max);
        let candidate = match status {
            StepStatus::Ready => crew(&step.dri)
                .filter(|_| waited(seen, (idx, "ready"), now, pace.react))
                .map(|by| (by, CommandKind::Start { target })),
            StepStatus::Running if step.gate => runbook.steps[idx]
                .approvers
                .iter()
                .filter(|a| !state.steps[idx].votes.contains_key(*a))
                .find_map(|a| crew(a))
                .filter(|_| waited(seen, (idx, "vote"), now, pace.react))
                .map(|by| {
                    (
                        by,
                        CommandKind::Go {
                            step: step.id.clone(),
                        },
                    )
                }),
            StepStatus::Running => crew(&step.dri)
                .filter(|_| waited(seen, (idx, "running"), now, planned_work))
                .map(|by| (by, CommandKind::Done { target })),
            StepStatus::AwaitingReview => crew(&step.reviewer)
                .filter(|_| state.steps[idx].missing_evidence().is_none())
                .filter(|_| waited(seen, (idx, "review"), now, pace.react))
                .map(|by| (by, CommandKind::SignOff { target })),
            _ => None,
        };
        if let Some((by, kind)) = candidate {
            if drill.can(&by, &kind, now) {
                moves.push(Command { by, kind });
            }
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::testkit::RunbookBuilder;
    use crate::drill::Event;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn apply(drill: &mut Drill, moves: Vec<Command>, now: DateTime<Utc>) {
        for command in moves {
            let acting_for = drill.acting_for(&command);
            for kind in drill.decide(&command, now).unwrap() {
                let event = Event {
                    seq: drill.next_seq(),
                    at: now,
                    by: command.by.clone(),
                    kind,
                    acting_for: acting_for.clone(),
                };
                drill.apply(&event);
            }
        }
    }

    #[test]
    fn crew_plays_everyone_but_the_operator() {
        let runbook = RunbookBuilder::new("crew")
            .person("dana", "DBA")
            .person("sam", "SRE")
            .step("mine", "coord", "sam", "1m")
            .step("theirs", "dana", "sam", "1m")
            .build();
        let mut drill = Drill::new(Arc::new(runbook));
        let me = Actor::Person("coord".into());
        let mut seen = HashMap::new();
        let pace = Pace::default();
        // The operator's own ready step is left to the operator.
        assert!(next_moves(&drill, &me, at(0), &mut seen, pace).is_empty());
        assert!(next_moves(&drill, &me, at(10), &mut seen, pace).is_empty());
        apply(
            &mut drill,
            vec![
                Command {
                    by: me.clone(),
                    kind: CommandKind::Start {
                        target: Target::Step("mine".into()),
                    },
                },
                Command {
                    by: me.clone(),
                    kind: CommandKind::Done {
                        target: Target::Step("mine".into()),
                    },
                },
            ],
            at(10),
        );
        // Sam reviews after reacting; not before.
        assert!(next_moves(&drill, &me, at(11), &mut seen, pace).is_empty());
        let moves = next_moves(&drill, &me, at(15), &mut seen, pace);
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].by, Actor::Person("sam".into()));
        assert!(matches!(moves[0].kind, CommandKind::SignOff { .. }));
        apply(&mut drill, moves, at(15));
        // Dana starts her step, then finishes it after a share of its plan.
        next_moves(&drill, &me, at(16), &mut seen, pace);
        let moves = next_moves(&drill, &me, at(20), &mut seen, pace);
        assert!(matches!(moves[0].kind, CommandKind::Start { .. }));
        apply(&mut drill, moves, at(20));
        next_moves(&drill, &me, at(21), &mut seen, pace);
        assert!(next_moves(&drill, &me, at(30), &mut seen, pace).is_empty());
        let moves = next_moves(&drill, &me, at(40), &mut seen, pace);
        assert_eq!(moves[0].by, Actor::Person("dana".into()));
        assert!(matches!(moves[0].kind, CommandKind::Done { .. }));
    }
}
