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

/// The dual-write runbook driven through a drill by its people, on two SQLite files standing
/// in for the v1 and v2 balance databases, with the real hub and engines (copy, recon,
/// checks, probes) and a manual clock: the backfill copies, the spanning watch starts with
/// the verification, finds a dual-write that reached v1 only during the soak, withdraws
/// `recon:balances`, and the read switch's gate refuses to pass on its three GOs until v2
/// has the write; the watch ends with `stop-v1-writes`.
mod dual_write {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::broadcast::Receiver;
    use warroom::drill::span::{span_state, SpanEnd, SpanState};
    use warroom::drill::{
        gate_waits, Actor, Clock, Command, CommandKind, CommandSink, EventKind, ManualClock,
        Target, Update,
    };
    use warroom::runbook::Evidence;

    const TABLES: &str = "
        CREATE TABLE balances (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL,
            currency TEXT, amount NUMERIC NOT NULL, overdraft INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL);
        CREATE TABLE accounting_codes (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE proxy_failures (id INTEGER PRIMARY KEY, replayed INTEGER NOT NULL);";

    async fn db(path: &std::path::Path) -> sqlx::SqlitePool {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql(TABLES).execute(&pool).await.unwrap();
        pool
    }

    async fn sql(pool: &sqlx::SqlitePool, text: &str) {
        sqlx::raw_sql(text).execute(pool).await.unwrap();
    }

    /// What the v1 request proxy does with a balance update: v1 first, then v2.
    fn update(id: i64, amount: &str) -> String {
        format!(
            "UPDATE balances SET amount = {amount}, updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = {id}"
        )
    }

    struct People {
        sink: CommandSink,
        updates: Receiver<Update>,
        runbook: Arc<warroom::runbook::Runbook>,
    }

    impl People {
        async fn send(&self, who: &str, kind: CommandKind) -> Result<Vec<EventKind>, String> {
            self.sink
                .send(Command {
                    by: Actor::Person(who.into()),
                    kind,
                })
                .await
                .map(|evs| evs.into_iter().map(|e| e.kind).collect())
                .map_err(|e| e.to_string())
        }

        async fn ok(&self, who: &str, kind: CommandKind) -> Vec<EventKind> {
            let shown = format!("{kind:?}");
            self.send(who, kind)
                .await
                .unwrap_or_else(|e| panic!("{who}: {shown} refused: {e}"))
        }

        /// Sends until accepted (the engines report evidence on their own), up to 60 s.
        async fn until_ok(&self, who: &str, kind: CommandKind) {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                match self.send(who, kind.clone()).await {
                    Ok(_) => return,
                    Err(e) if tokio::time::Instant::now() > deadline => {
                        panic!("{who}: {kind:?} still refused after 60 s: {e}")
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        }

        /// Start and done by the step's DRI, sign-off by its reviewer once it can.
        async fn finish(&self, id: &str) {
            let s = self.runbook.step(id).unwrap().clone();
            let t = || Target::Step(id.to_string());
            self.ok(&s.dri, CommandKind::Start { target: t() }).await;
            self.until_ok(&s.dri, CommandKind::Done { target: t() })
                .await;
            self.until_ok(&s.reviewer, CommandKind::SignOff { target: t() })
                .await;
        }

        /// Started by its DRI, GO from every approver, then passed (once its evidence holds).
        async fn gate(&mut self, id: &str) {
            let s = self.runbook.step(id).unwrap().clone();
            self.ok(
                &s.dri,
                CommandKind::Start {
                    target: Target::Step(id.into()),
                },
            )
            .await;
            for who in &s.approvers {
                self.ok(who, CommandKind::Go { step: id.into() }).await;
            }
            self.passed(id).await;
        }

        async fn passed(&mut self, id: &str) {
            let want = EventKind::GatePassed { step: id.into() };
            let done = tokio::time::timeout(Duration::from_secs(60), async {
                loop {
                    if let Ok(Update::Event(e)) = self.updates.recv().await {
                        if e.kind == want {
                            return;
                        }
                    }
                }
            })
            .await;
            assert!(done.is_ok(), "gate `{id}` did not pass within 60 s");
        }

        /// The next report of `recon:balances`.
        async fn watch_report(&mut self) -> (bool, String) {
            tokio::time::timeout(Duration::from_secs(60), async {
                loop {
                    if let Ok(Update::Event(e)) = self.updates.recv().await {
                        if let EventKind::EvidenceRecorded {
                            evidence: Evidence::ReconClean(job),
                            holds,
                            detail,
                        } = e.kind
                        {
                            if job == "balances" {
                                return (holds, detail);
                            }
                        }
                    }
                }
            })
            .await
            .expect("recon:balances reported within 60 s")
        }
    }

    #[tokio::test]
    async fn the_watch_finds_a_lost_dual_write_and_holds_the_read_switch_until_it_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let v1 = db(&dir.path().join("v1.db")).await;
        let v2 = db(&dir.path().join("v2.db")).await;
        sql(
            &v1,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
             INSERT INTO balances SELECT i, 1000 + i, CASE i % 3 WHEN 0 THEN 'USD' ELSE 'JPY' END,
                 i * 100, 0, '2026-11-01 00:00:00.000' FROM n;
             INSERT INTO accounting_codes VALUES ('A100', 'sales'), ('A200', 'refunds'), ('B300', 'fees');",
        )
        .await;
        std::env::set_var(
            "V1_BALANCE_URL",
            format!("sqlite://{}", dir.path().join("v1.db").display()),
        );
        std::env::set_var(
            "V2_BALANCE_URL",
            format!("sqlite://{}", dir.path().join("v2.db").display()),
        );
        let mut runbook = warroom::runbook::load(std::path::Path::new(
            "runbooks/dual-write-zero-downtime.toml",
        ))
        .unwrap()
        .runbook;
        // The runbook's watch (every 30 s, settle 2 m) and probe intervals, at test speed.
        for r in &mut runbook.recons {
            if let Some(w) = &mut r.watch {
                w.every = Duration::from_millis(200);
                w.settle = Duration::from_millis(800);
            }
        }
        for p in &mut runbook.probes {
            p.interval = Duration::from_millis(500);
            p.timeout = Duration::from_millis(300);
            p.stale_after = Duration::from_secs(30);
        }
        let runbook = Arc::new(runbook);
        let manual = Arc::new(ManualClock::new(
            chrono::DateTime::parse_from_rfc3339("2026-12-01T01:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        let clock: Arc<dyn Clock> = manual.clone();
        let journal = warroom::journal::Journal::create(&dir.path().join("j.db"), &runbook)
            .await
            .unwrap();
        let hub = warroom::hub::spawn(runbook.clone(), journal, Vec::new(), clock.clone());
        let _health = warroom::runner::start(&hub, clock, false);
        let (_, updates) = warroom::hub::follow(&hub).await.unwrap();
        let mut p = People {
            sink: hub.sink(),
            updates,
            runbook: runbook.clone(),
        };

        p.finish("backup-v1").await;
        p.finish("fix-v1-data").await;
        p.finish("preflight").await;
        p.gate("go-dual-write").await;
        p.finish("dual-write-on").await;
        // Live traffic through the proxy from here on: both sides.
        sql(&v1, &update(7, "777")).await;
        p.finish("backfill-balances").await;
        p.finish("backfill-codes").await;
        sql(&v1, &update(8, "888")).await;
        sql(&v2, &update(8, "888")).await;
        assert_eq!(
            span_state(&runbook, &state(&hub).await, "balances"),
            Some(SpanState::Waiting)
        );
        let started = manual.now();
        p.finish("verify-backfill").await;
        let (holds, detail) = p.watch_report().await;
        assert!(holds, "{detail}");
        assert_eq!(detail, "watch started: full pass of 400 rows: no mismatch");
        assert_eq!(
            span_state(&runbook, &state(&hub).await, "balances"),
            Some(SpanState::Watching { since: started })
        );

        // The soak: a week of dual-write. Mid-way, one write reaches v1 and never v2 (the
        // proxy gave up on it without logging it).
        let soak = || Target::Step("soak".into());
        p.ok("sre", CommandKind::Start { target: soak() }).await;
        sql(&v2, &update(9, "900")).await;
        sql(&v1, &update(9, "900")).await;
        sql(&v1, &update(42, "4242")).await;
        let (holds, detail) = p.watch_report().await;
        assert!(!holds, "{detail}");
        assert!(
            detail.contains("first: changed id=42: amount 4242 → 4200")
                && detail.contains("withdrawn"),
            "{detail}"
        );
        manual.advance(Duration::from_secs(3 * 86_400));
        let early = p.send("sre", CommandKind::Done { target: soak() }).await;
        assert!(
            early.as_ref().is_err_and(|e| e.contains("min_hold")),
            "{early:?}"
        );
        manual.advance(Duration::from_secs(4 * 86_400));
        p.ok("sre", CommandKind::Done { target: soak() }).await;
        p.until_ok("lead", CommandKind::SignOff { target: soak() })
            .await;

        // The read switch: three GOs, and the gate still holds on the watch's evidence.
        let gate = "go-switch-reads";
        p.ok(
            "lead",
            CommandKind::Start {
                target: Target::Step(gate.into()),
            },
        )
        .await;
        for who in ["lead", "payment", "bookkeeping"] {
            let evs = p.ok(who, CommandKind::Go { step: gate.into() }).await;
            assert!(
                !evs.iter()
                    .any(|e| matches!(e, EventKind::GatePassed { .. })),
                "the gate passed over a difference: {evs:?}"
            );
        }
        let st = state(&hub).await;
        let idx = runbook.step_index(gate).unwrap();
        let waits: Vec<String> = gate_waits(&runbook, &st, idx)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            waits
                .iter()
                .any(|w| w.contains("recon:balances") && w.contains("id=42")),
            "{waits:?}"
        );
        // The balance team replays the lost write into v2: the watch sees it equal, the
        // evidence holds again and the gate, which has its GOs, passes.
        sql(&v2, &update(42, "4242")).await;
        p.passed(gate).await;

        p.finish("switch-reads").await;
        p.finish("verify-bookkeeping").await;
        p.gate("go-switch-writes").await;
        p.finish("v2-primary").await;
        p.finish("stop-v1-writes").await;
        assert_eq!(
            span_state(&runbook, &state(&hub).await, "balances"),
            Some(SpanState::Ended(SpanEnd::Scope))
        );
        // Past it v1 is no longer written: a difference is no longer the watch's business.
        // (The runner hears of the sign-off a moment after the hub accepted it.)
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(&v2, &update(50, "5")).await;
        let late = tokio::time::timeout(Duration::from_secs(2), p.watch_report()).await;
        assert!(
            late.is_err(),
            "the watch still reports after its span: {late:?}"
        );
    }

    async fn state(hub: &warroom::hub::HubHandle) -> warroom::drill::DrillState {
        let (events, _) = warroom::hub::follow(hub).await.unwrap();
        warroom::drill::Drill::replay(hub.runbook().clone(), &events)
            .state()
            .clone()
    }
}

#[test]
fn monolith_split_night_shift_deputy_acts_for_the_dba() {
    let mut r = Run::new("runbooks/monolith-split-services.toml");
    r.finish("kickoff", 15);
    let start = || CommandKind::Start {
        target: Target::Step("preflight".into()),
    };
    // eva is nobody's deputy here: ruben's step is not hers to start.
    assert!(r.exec("eva", start()).is_err());
    // lotte, ruben's deputy on the night shift, starts it for him.
    r.ok("lotte", start());
    let last = &r.drill.state().log.last().unwrap().event;
    assert_eq!(last.acting_for.as_deref(), Some("ruben"));
    assert_eq!(r.status("preflight"), StepStatus::Running);
}

#[test]
fn monolith_split_runs_its_two_dms_jobs_one_at_a_time_and_a_stall_holds_the_sign_off() {
    let mut r = Run::new("runbooks/monolith-split-services.toml");
    // Both bulk copies are whole jobs of the one DMS service, followed on its state table.
    for job in ["bulk-orders", "bulk-logistics"] {
        let spec = r
            .drill
            .runbook()
            .copies
            .iter()
            .find(|c| c.name == job)
            .unwrap()
            .clone();
        assert!(spec.is_whole_job(), "{job}");
        assert_eq!(spec.exclusive.as_deref(), Some("dms"));
        assert_eq!(
            spec.stalled_after,
            Some(std::time::Duration::from_secs(1800))
        );
        assert_eq!(
            spec.finished,
            warroom::runbook::Finished::Status("COMPLETED".into())
        );
    }
    r.finish("kickoff", 15);
    r.ok(
        "ruben",
        CommandKind::Start {
            target: Target::Step("preflight".into()),
        },
    );
    r.evidence(Evidence::Preflight);
    r.now += Duration::minutes(15);
    r.ok(
        "ruben",
        CommandKind::Done {
            target: Target::Step("preflight".into()),
        },
    );
    r.ok(
        "bram",
        CommandKind::SignOff {
            target: Target::Step("preflight".into()),
        },
    );

    let copy = |id: &str| Target::Step(id.to_string());
    r.ok(
        "ruben",
        CommandKind::Start {
            target: copy("copy-orders"),
        },
    );
    // The second job cannot start while the first runs.
    let early = r.exec(
        "ruben",
        CommandKind::Start {
            target: copy("copy-logistics"),
        },
    );
    assert!(early.is_err(), "{early:?}");
    // Nine hours in, DMS hangs: warroom records the stall on the job's evidence, and the
    // step cannot be signed off on it.
    r.now += Duration::hours(9);
    r.ok(
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::CopyDone("bulk-orders".into()),
            holds: false,
            detail:
                "stalled: no progress for 30m (stalled_after 30m) at 812000000 of 1900000000 rows"
                    .into(),
        },
    );
    r.now += Duration::hours(12);
    r.ok(
        "ruben",
        CommandKind::Done {
            target: copy("copy-orders"),
        },
    );
    let refused = r.exec(
        "bram",
        CommandKind::SignOff {
            target: copy("copy-orders"),
        },
    );
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("copy:bulk-orders")),
        "{refused:?}"
    );
    let status = r.status("copy-logistics");
    assert_eq!(status, StepStatus::Pending);
    // Every table COMPLETED: the job's evidence holds; sign-off, then job 2 may start.
    r.evidence(Evidence::CopyDone("bulk-orders".into()));
    r.ok(
        "bram",
        CommandKind::SignOff {
            target: copy("copy-orders"),
        },
    );
    r.ok(
        "ruben",
        CommandKind::Start {
            target: copy("copy-logistics"),
        },
    );
    r.now += Duration::hours(20);
    r.ok(
        "ruben",
        CommandKind::Done {
            target: copy("copy-logistics"),
        },
    );
    r.evidence(Evidence::CopyDone("bulk-logistics".into()));
    r.ok(
        "eva",
        CommandKind::SignOff {
            target: copy("copy-logistics"),
        },
    );
    assert_eq!(r.status("copy-logistics"), StepStatus::Done);
    assert_eq!(r.status("transform-orders"), StepStatus::Ready);
    assert_eq!(r.status("transform-logistics"), StepStatus::Ready);
}
