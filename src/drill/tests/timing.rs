use super::*;

fn m(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

/// a(10m) -> { b(20m), c(5m) } -> d(5m); critical path 35m.
fn rb() -> Runbook {
    cast()
        .window(t0() + chrono::Duration::minutes(30), "2h")
        .step("a", "alice", "bob", "10m")
        .step("b", "bob", "alice", "20m")
        .after(&["a"])
        .step("c", "alice", "bob", "5m")
        .after(&["a"])
        .step("gate", "coord", "bob", "5m")
        .after(&["b", "c"])
        .gate()
        .build()
}

#[test]
fn window_and_t_minus() {
    let h = H::new(rb());
    let t = h.drill.timing();
    assert_eq!(t.t_minus(t0()), Some(chrono::Duration::minutes(30)));
    assert_eq!(
        t.t_minus(t0() + chrono::Duration::minutes(45)),
        Some(chrono::Duration::minutes(-15))
    );
    assert_eq!(t.window_end(), Some(t0() + chrono::Duration::minutes(150)));
    assert_eq!(t.drill_clock(t0()), None);
    assert_eq!(t.critical_path(), m(35));
    // Not started: predicted as if it started now.
    assert_eq!(
        t.predicted_end(t0()),
        Some(t0() + chrono::Duration::minutes(35))
    );
}

#[test]
fn elapsed_overrun_and_predicted_end() {
    let mut h = H::new(rb());
    h.ok("alice", start("a"));
    h.mins(4);
    let now = h.clock.now();
    let t = h.drill.timing();
    assert_eq!(t.elapsed(0, now), Some(m(4)));
    assert_eq!(t.overrun(0, now), None);
    assert_eq!(t.elapsed(1, now), None);
    assert_eq!(t.planned_end(), Some(t0() + chrono::Duration::minutes(35)));
    // 6m left of a, then b 20m, then gate 5m.
    assert_eq!(
        t.predicted_end(now),
        Some(now + chrono::Duration::minutes(31))
    );

    h.mins(11); // a runs 15m: 5m over, nothing left of it.
    let now = h.clock.now();
    let t = h.drill.timing();
    assert_eq!(t.overrun(0, now), Some(m(5)));
    assert_eq!(t.remaining(0, now), Duration::ZERO);
    assert_eq!(
        t.predicted_end(now),
        Some(now + chrono::Duration::minutes(25))
    );
    assert_eq!(t.drill_clock(now), Some(m(15)));

    h.ok("alice", done("a"));
    h.mins(1);
    h.ok("bob", sign("a"));
    h.mins(10);
    let now = h.clock.now();
    let t = h.drill.timing();
    // Finished: from start to sign-off, frozen.
    assert_eq!(t.elapsed(0, now), Some(m(16)));
    assert_eq!(t.overrun(0, now), Some(m(6)));
    assert_eq!(t.remaining(0, now), Duration::ZERO);

    h.ok("coord", CommandKind::EndDrill);
    h.mins(30);
    let t = h.drill.timing();
    assert_eq!(t.drill_clock(h.clock.now()), Some(m(26)));
    assert_eq!(
        t.predicted_end(h.clock.now()),
        Some(t0() + chrono::Duration::minutes(26))
    );
}

#[test]
fn overdue_gates_and_rollback_freeze() {
    let mut h = H::new(rb());
    h.ok("alice", start("a"));
    h.mins(34);
    assert!(h.drill.timing().overdue_gates(h.clock.now()).is_empty());
    h.mins(2);
    // The gate should have finished at +35m.
    assert_eq!(
        h.drill.timing().overdue_gates(h.clock.now()),
        vec![(3, m(1))]
    );

    // A rollback stops forward timers at the call.
    h.ok(
        "coord",
        CommandKind::CallRollback {
            from: "a".into(),
            reason: "too slow".into(),
        },
    );
    h.mins(10);
    assert_eq!(h.drill.timing().elapsed(0, h.clock.now()), Some(m(36)));
}
