#![allow(clippy::unwrap_used)]
//! The shipped example runbooks driven through a drill by the engine, as their people
//! would, with the clock under the test's control: the rules they declare (holds,
//! deadlines, gates, points of no return, contingencies) hold as written.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use warroom::drill::{Actor, Command, CommandKind, Drill, EventKind, StepStatus, Target};
use warroom::runbook::{load, Evidence, Runbook};

struct Run {
    drill: Drill,
    now: DateTime<Utc>,
}

impl Run {
    fn new(path: &str) -> Run {
        let rb: Runbook = load(std::path::Path::new(path)).unwrap().runbook;
        let now = rb.meta.window.as_ref().map_or_else(Utc::now, |w| w.start) - Duration::days(20);
        Run {
            drill: Drill::new(Arc::new(rb)),
            now,
        }
    }

    fn exec(&mut self, who: &str, kind: CommandKind) -> Result<Vec<EventKind>, String> {
        let by = if who == "system" {
            Actor::System
        } else {
            Actor::Person(who.into())
        };
        self.drill
            .execute(&Command { by, kind }, self.now)
            .map(|evs| evs.into_iter().map(|e| e.kind).collect())
            .map_err(|r| r.reason)
    }

    fn ok(&mut self, who: &str, kind: CommandKind) -> Vec<EventKind> {
        let shown = format!("{kind:?}");
        self.exec(who, kind)
            .unwrap_or_else(|e| panic!("{who}: {shown} refused: {e}"))
    }

    fn evidence(&mut self, e: Evidence) {
        self.ok(
            "system",
            CommandKind::RecordEvidence {
                evidence: e,
                holds: true,
                detail: "reported".into(),
            },
        );
    }

    fn step(&self, id: &str) -> warroom::runbook::Step {
        self.drill.runbook().step(id).unwrap().clone()
    }

    /// Start, done, sign-off by the step's own DRI and reviewer, `mins` apart.
    fn finish(&mut self, id: &str, mins: i64) {
        let s = self.step(id);
        let t = || Target::Step(id.to_string());
        self.ok(&s.dri, CommandKind::Start { target: t() });
        self.now += Duration::minutes(mins);
        self.ok(&s.dri, CommandKind::Done { target: t() });
        self.ok(&s.reviewer, CommandKind::SignOff { target: t() });
    }

    fn status(&self, id: &str) -> StepStatus {
        let idx = self.drill.runbook().step_index(id).unwrap();
        self.drill.state().status(idx)
    }
}

#[test]
fn cassandra_to_scylla_holds_the_soak_the_counter_gate_and_restarts_counters_from_zero() {
    let mut r = Run::new("runbooks/cassandra-to-scylla.toml");
    r.finish("shadow-on", 15);
    // The soak runs two weeks: done is refused before, on the probes' evidence.
    r.ok(
        "ana",
        CommandKind::Start {
            target: Target::Step("shadow-soak".into()),
        },
    );
    r.now += Duration::days(13);
    let early = r.exec(
        "ana",
        CommandKind::Done {
            target: Target::Step("shadow-soak".into()),
        },
    );
    assert!(
        early
            .as_ref()
            .is_err_and(|e| e.contains("the runbook's min_hold")),
        "{early:?}"
    );
    r.now += Duration::days(1);
    r.ok(
        "ana",
        CommandKind::Done {
            target: Target::Step("shadow-soak".into()),
        },
    );
    r.evidence(Evidence::ProbeGreen("scylla-shadow-read-p99".into()));
    r.evidence(Evidence::ProbeGreen("shadow-write-errors".into()));
    r.ok(
        "felipe",
        CommandKind::SignOff {
            target: Target::Step("shadow-soak".into()),
        },
    );

    // Preflight before the 36 h job: its evidence signs it off.
    r.ok(
        "lubos",
        CommandKind::Start {
            target: Target::Step("preflight".into()),
        },
    );
    r.evidence(Evidence::Preflight);
    r.ok(
        "lubos",
        CommandKind::Done {
            target: Target::Step("preflight".into()),
        },
    );
    r.ok(
        "felipe",
        CommandKind::SignOff {
            target: Target::Step("preflight".into()),
        },
    );

    // The history copy signs off on the external job's progress.
    r.ok(
        "lubos",
        CommandKind::Start {
            target: Target::Step("migrate-history".into()),
        },
    );
    r.now += Duration::hours(40);
    r.ok(
        "lubos",
        CommandKind::Done {
            target: Target::Step("migrate-history".into()),
        },
    );
    r.evidence(Evidence::CopyDone("messages-history".into()));
    r.ok(
        "felipe",
        CommandKind::SignOff {
            target: Target::Step("migrate-history".into()),
        },
    );
    r.ok(
        "felipe",
        CommandKind::Start {
            target: Target::Step("validate-history".into()),
        },
    );
    r.evidence(Evidence::Action("validate-history".into()));
    r.ok(
        "felipe",
        CommandKind::Done {
            target: Target::Step("validate-history".into()),
        },
    );
    r.ok(
        "lubos",
        CommandKind::SignOff {
            target: Target::Step("validate-history".into()),
        },
    );

    // The counter window's gate: three approvers, evidence, and a GO deadline.
    let deadline = r.step("go-counters").clock.go_deadline.unwrap();
    r.now = deadline - Duration::minutes(30);
    r.ok(
        "lubos",
        CommandKind::Start {
            target: Target::Step("go-counters".into()),
        },
    );
    r.evidence(Evidence::ProbeGreen("cassandra-read-p99".into()));
    for who in ["lubos", "tomas"] {
        r.ok(
            who,
            CommandKind::Go {
                step: "go-counters".into(),
            },
        );
    }
    assert_eq!(r.status("go-counters"), StepStatus::Running);
    let passed = r.ok(
        "ana",
        CommandKind::Go {
            step: "go-counters".into(),
        },
    );
    assert!(passed.contains(&EventKind::GatePassed {
        step: "go-counters".into()
    }));

    for (id, mins) in [
        ("stop-counter-writers", 2),
        ("counters-to-delta", 2),
        ("counters-to-final", 2),
    ] {
        if id == "counters-to-delta" {
            r.ok(
                "iris",
                CommandKind::Start {
                    target: Target::Step("snapshot-counters".into()),
                },
            );
            r.evidence(Evidence::Action("snapshot-counters".into()));
            r.ok(
                "iris",
                CommandKind::Done {
                    target: Target::Step("snapshot-counters".into()),
                },
            );
            r.ok(
                "felipe",
                CommandKind::SignOff {
                    target: Target::Step("snapshot-counters".into()),
                },
            );
        }
        if id == "counters-to-final" {
            r.ok(
                "felipe",
                CommandKind::Start {
                    target: Target::Step("restore-snapshot".into()),
                },
            );
            r.evidence(Evidence::Action("restore-snapshot".into()));
            r.ok(
                "felipe",
                CommandKind::Done {
                    target: Target::Step("restore-snapshot".into()),
                },
            );
            r.ok(
                "iris",
                CommandKind::SignOff {
                    target: Target::Step("restore-snapshot".into()),
                },
            );
        }
        r.finish(id, mins);
    }
    // Past the sideload (the point of no return) a rollback is refused and names the
    // contingency; the counters disagree, so the coordinator calls it.
    r.ok(
        "felipe",
        CommandKind::Start {
            target: Target::Step("sideload-delta".into()),
        },
    );
    r.evidence(Evidence::Action("sideload-delta".into()));
    r.ok(
        "felipe",
        CommandKind::Done {
            target: Target::Step("sideload-delta".into()),
        },
    );
    r.ok(
        "lubos",
        CommandKind::SignOff {
            target: Target::Step("sideload-delta".into()),
        },
    );
    r.ok(
        "ana",
        CommandKind::Start {
            target: Target::Step("verify-counters".into()),
        },
    );
    r.ok(
        "ana",
        CommandKind::Fail {
            target: Target::Step("verify-counters".into()),
            reason: "412 counters differ".into(),
        },
    );
    let refused = r.exec(
        "lubos",
        CommandKind::CallRollback {
            from: "verify-counters".into(),
            reason: "counters differ".into(),
        },
    );
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("call its contingency `counters-from-zero`")),
        "{refused:?}"
    );
    assert_eq!(r.status("z-stop-writers"), StepStatus::Pending);
    r.ok(
        "lubos",
        CommandKind::CallContingency {
            from: "verify-counters".into(),
            reason: "412 counters differ after the sideload".into(),
        },
    );
    let frozen = r.exec(
        "tomas",
        CommandKind::Start {
            target: Target::Step("switch-reads".into()),
        },
    );
    assert!(frozen.is_err(), "{frozen:?}");
    r.finish("z-stop-writers", 2);
    for id in ["z-truncate", "z-snapshot"] {
        let s = r.step(id);
        r.ok(
            &s.dri,
            CommandKind::Start {
                target: Target::Step(id.into()),
            },
        );
        r.evidence(Evidence::Action(id.into()));
        r.ok(
            &s.dri,
            CommandKind::Done {
                target: Target::Step(id.into()),
            },
        );
        r.ok(
            &s.reviewer,
            CommandKind::SignOff {
                target: Target::Step(id.into()),
            },
        );
    }
    r.finish("z-redo", 60);
    r.ok(
        "ana",
        CommandKind::Start {
            target: Target::Step("z-verify".into()),
        },
    );
    r.evidence(Evidence::Action("z-verify".into()));
    r.ok(
        "ana",
        CommandKind::Done {
            target: Target::Step("z-verify".into()),
        },
    );
    r.ok(
        "felipe",
        CommandKind::SignOff {
            target: Target::Step("z-verify".into()),
        },
    );
    let c = r.drill.state().contingency.clone().unwrap();
    assert_eq!(c.point, "sideload-delta");
    assert!(c.completed_at.is_some(), "the contingency did not complete");
}
