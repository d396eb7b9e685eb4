use super::*;

fn rb() -> Runbook {
    cast()
        .step("freeze", "alice", "bob", "5m")
        .step("recon-final", "alice", "bob", "10m")
        .requires(Evidence::ReconClean("orders".into()))
        .step("switch", "bob", "alice", "5m")
        .build()
}

fn kind_and_text(r: &Rejection) -> (RejectionKind, &str) {
    (r.kind, r.reason.as_str())
}

#[test]
fn wrong_person() {
    let mut h = H::new(rb());
    let r = h.no("bob", start("freeze"));
    assert_eq!(
        kind_and_text(&r),
        (
            RejectionKind::NotAllowed,
            "`bob` cannot start `freeze`: only its DRI `alice` or the coordinator `coord` can"
        )
    );
    h.ok("alice", start("freeze"));
    h.ok("alice", done("freeze"));
    let r = h.no("alice", sign("freeze"));
    assert!(r.reason.contains("cannot review their own work"), "{r}");
    h.ok("bob", sign("freeze"));
}

#[test]
fn wrong_state() {
    let mut h = H::new(rb());
    let r = h.no("bob", start("switch"));
    assert_eq!(
        r.reason,
        "step `switch` is waiting for `recon-final` (pending): finish it first"
    );
    assert_eq!(r.kind, RejectionKind::WrongState);
    assert!(h
        .no("alice", done("freeze"))
        .reason
        .contains("only a running step"));
    h.ok("alice", start("freeze"));
    assert!(h
        .no("alice", start("freeze"))
        .reason
        .contains("already running"));
    assert!(h.no("bob", sign("freeze")).reason.contains("still running"));
    let r = h.no(
        "alice",
        CommandKind::Fail {
            target: step("freeze"),
            reason: "  ".into(),
        },
    );
    assert_eq!(r.kind, RejectionKind::Invalid);
    assert_eq!(h.no("alice", start("nope")).kind, RejectionKind::Unknown);
}

#[test]
fn missing_evidence_blocks_sign_off() {
    let mut h = H::new(rb());
    h.finish("freeze");
    h.ok("alice", start("recon-final"));
    h.ok("alice", done("recon-final"));
    let r = h.no("bob", sign("recon-final"));
    assert_eq!(r.kind, RejectionKind::MissingEvidence);
    assert_eq!(
        r.reason,
        "step `recon-final` needs evidence `recon:orders`, which does not hold (not reported yet): \
         get recon `orders` to zero mismatches before signing off"
    );
    // Even the coordinator cannot override missing evidence.
    assert_eq!(
        h.no("coord", sign("recon-final")).kind,
        RejectionKind::MissingEvidence
    );
    h.ok(
        "system",
        CommandKind::RecordEvidence {
            evidence: Evidence::ReconClean("orders".into()),
            holds: false,
            detail: "3 mismatches".into(),
        },
    );
    assert!(h
        .no("bob", sign("recon-final"))
        .reason
        .contains("(last report at 02:00:00Z: 3 mismatches)"));
    h.ok(
        "system",
        evidence(Evidence::ReconClean("orders".into()), true),
    );
    h.ok("bob", sign("recon-final"));
    assert_eq!(h.status("switch"), StepStatus::Ready);
}

#[test]
fn coordinator_only_commands() {
    let mut h = H::new(rb());
    let skip = CommandKind::Skip {
        step: "freeze".into(),
        reason: "not needed".into(),
    };
    let r = h.no("alice", skip.clone());
    assert_eq!(
        r.reason,
        "only the coordinator `coord` can skip a step: ask them"
    );
    h.no("bob", CommandKind::EndDrill);
    h.ok("alice", start("freeze"));
    h.no(
        "alice",
        CommandKind::CallRollback {
            from: "freeze".into(),
            reason: "x".into(),
        },
    );
    h.no("alice", evidence(Evidence::CopyDone("c".into()), true));
    h.no(
        "coord",
        CommandKind::Skip {
            step: "freeze".into(),
            reason: String::new(),
        },
    );
    h.ok("coord", skip);
}

#[test]
fn observers_and_strangers_can_do_nothing() {
    let mut h = H::new(rb());
    let note = CommandKind::Note {
        step: None,
        text: "hi".into(),
    };
    for who in ["olga", "zed"] {
        for kind in [
            start("freeze"),
            note.clone(),
            CommandKind::EndDrill,
            evidence(Evidence::CopyDone("c".into()), true),
        ] {
            let r = h.no(who, kind);
            assert_eq!(r.kind, RejectionKind::NotAllowed);
        }
    }
    assert_eq!(
        h.no("olga", note.clone()).reason,
        "`olga` is an observer: observers follow the drill read-only"
    );
    assert!(h
        .no("zed", note.clone())
        .reason
        .contains("not in this runbook's people"));
    // The system reports evidence only.
    h.no("system", note.clone());
    h.no("system", start("freeze"));
    h.ok("bob", note);
}

#[test]
fn nothing_after_the_end() {
    let mut h = H::new(rb());
    h.ok("coord", CommandKind::EndDrill);
    let r = h.no("coord", start("freeze"));
    assert_eq!(r.kind, RejectionKind::Ended);
    h.no("system", evidence(Evidence::CopyDone("c".into()), true));
}

#[test]
fn can_offers_only_allowed_commands() {
    let h = H::new(rb());
    let now = h.clock.now();
    assert!(h.drill.can(&H::actor("alice"), &start("freeze"), now));
    assert!(h.drill.can(&H::actor("coord"), &start("freeze"), now));
    assert!(!h.drill.can(&H::actor("bob"), &start("freeze"), now));
    assert!(!h.drill.can(&H::actor("alice"), &start("switch"), now));
}
