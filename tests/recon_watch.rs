//! Continuous recon during dual-write: a write that reaches the second side within the
//! settle delay is never reported; one that never arrives is.

mod copy_common;
mod support;

use std::time::Duration;

use copy_common::*;
use support::servers;
use tokio::sync::{mpsc, watch};
use warroom::db::rows::execute;
use warroom::drill::telemetry::recon::{MismatchKind, ReconState};
use warroom::recon::ReconJob;
use warroom::runbook::{ReconSpec, ReconWatch};

#[tokio::test]
async fn a_write_in_flight_is_not_reported_and_a_real_divergence_is() {
    let Some(my) = servers::mysql() else { return };
    let ddl = "CREATE TABLE carts (id INT PRIMARY KEY, total DECIMAL(10,2), updated_at DATETIME(6) NOT NULL);
               INSERT INTO carts SELECT seq, seq, NOW(6) - INTERVAL 1 DAY FROM seq_1_to_50";
    let (src, _, _) = mysql_db(&my, "wsrc").await;
    let (dst, _, _) = mysql_db(&my, "wdst").await;
    execute(&src, ddl).await.expect("src");
    execute(&dst, ddl).await.expect("dst");
    let w = ReconWatch {
        column: "updated_at".into(),
        every: Duration::from_millis(200),
        settle: Duration::from_millis(1_200),
    };
    let spec = ReconSpec {
        name: "carts".into(),
        source: "src".into(),
        source_table: "carts".into(),
        target: "dst".into(),
        target_table: "carts".into(),
        key: vec!["id".into()],
        columns: Some(vec!["id".into(), "total".into()]),
        filter: None,
        chunk_rows: 100,
        concurrency: 2,
        float_tolerance: None,
        watch: Some(w.clone()),
        active: None,
        checks: Vec::new(),
    };
    let job = ReconJob::prepare(&spec, src.clone(), dst.clone())
        .await
        .expect("prepare");
    let (tx, mut rx) = mpsc::channel(256);
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(async move { job.watch_changes(&w, tx, stop_rx).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Dual write with lag: the source first, the target 500 ms later.
    execute(
        &src,
        "UPDATE carts SET total = 99, updated_at = NOW(6) WHERE id = 5",
    )
    .await
    .expect("write");
    tokio::time::sleep(Duration::from_millis(500)).await;
    execute(
        &dst,
        "UPDATE carts SET total = 99, updated_at = NOW(6) WHERE id = 5",
    )
    .await
    .expect("late write");
    // A write that never reaches the target.
    execute(
        &src,
        "UPDATE carts SET total = 77, updated_at = NOW(6) WHERE id = 9",
    )
    .await
    .expect("lost write");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let _ = stop_tx.send(true);
    watcher.await.expect("join").expect("watch ran");
    let mut reported = std::collections::BTreeSet::new();
    let mut rounds = 0;
    while let Ok(p) = rx.try_recv() {
        assert_eq!(p.state, ReconState::Watching);
        rounds += 1;
        for m in p.findings {
            reported.insert((m.kind, m.key.join(",")));
        }
    }
    assert!(rounds >= 5, "only {rounds} rounds");
    assert_eq!(
        reported,
        std::collections::BTreeSet::from([(MismatchKind::Changed, "id=9".to_string())])
    );
}

/// Waits (up to 30 s) for the next `recon:balances` evidence report.
async fn next_evidence(
    updates: &mut tokio::sync::broadcast::Receiver<warroom::drill::Update>,
) -> (bool, String) {
    use warroom::drill::{EventKind, Update};
    use warroom::runbook::Evidence;
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(Update::Event(e)) = updates.recv().await {
                if let EventKind::EvidenceRecorded {
                    evidence: Evidence::ReconClean(job),
                    holds,
                    detail,
                } = e.kind
                {
                    assert_eq!(job, "balances");
                    return (holds, detail);
                }
            }
        }
    })
    .await
    .expect("recon:balances reported within 30 s")
}

/// The spanning watch on MariaDB (v1) against PostgreSQL (v2), run by the drill: it starts
/// with `dual-write-on`, runs through `soak` into the `switch-reads` gate, finds a write
/// that reached v1 only, withdraws `recon:balances`, so the gate takes the GO but does not
/// pass; once v2 has the write the evidence holds again and the gate passes; after the gate
/// (its `until`) the watch stops.
#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn a_spanning_watch_withdraws_its_evidence_and_holds_the_gate_until_the_difference_is_fixed()
{
    use warroom::drill::{Actor, Command, CommandKind, EventKind, Target, Update};
    let (Some(my), Some(pgu)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (v1, v1_url, _) = mysql_db(&my, "span_v1").await;
    let (v2, schema) = pg_schema(&pgu, "span_v2").await;
    execute(
        &v1,
        "CREATE TABLE balances (id INT PRIMARY KEY, account VARCHAR(20) NOT NULL, amount DECIMAL(14,2) NOT NULL, updated_at DATETIME(6) NOT NULL);
         INSERT INTO balances SELECT seq, CONCAT('acct-', seq), seq * 10, NOW(6) - INTERVAL 1 DAY FROM seq_1_to_300",
    )
    .await
    .expect("v1");
    execute(
        &v2,
        &format!(
            "CREATE TABLE {schema}.balances (id int PRIMARY KEY, account text NOT NULL, amount numeric(14,2) NOT NULL, updated_at timestamp(6) NOT NULL);
             INSERT INTO {schema}.balances SELECT g, 'acct-' || g, g * 10, localtimestamp - interval '1 day' FROM generate_series(1, 300) g"
        ),
    )
    .await
    .expect("v2");
    let text = format!(
        r#"
[runbook]
name = "span-watch"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.v1]
url = "{v1_url}"
[connections.v2]
url = "{pgu}"

[[recon]]
name = "balances"
source = "v1"
source_table = "balances"
target = "v2"
target_table = "{schema}.balances"
key = ["id"]
columns = ["id", "account", "amount"]
watch = {{ column = "updated_at", every = "200ms", settle = "800ms" }}
active = {{ from = "dual-write-on", until = "switch-reads" }}

[[phase]]
name = "dual-write"
[[phase.step]]
id = "dual-write-on"
title = "Dual-write on"
dri = "casey"
reviewer = "casey"
planned = "5m"
[[phase.step]]
id = "soak"
title = "Soak"
dri = "casey"
reviewer = "casey"
planned = "5m"
[[phase.step]]
id = "switch-reads"
title = "Switch reads to v2"
dri = "casey"
reviewer = "casey"
planned = "5m"
gate = true
requires = ["recon:balances"]
"#
    );
    let runbook = warroom::runbook::parse_str("span.toml", &text)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook;
    let dir = tempfile::tempdir().expect("tempdir");
    let session = warroom::cli::session::open_session(
        runbook,
        None,
        None,
        Some(&dir.path().join("j.db")),
        false,
    )
    .await
    .expect("session");
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.expect("follow");
    let sink = session.hub.sink();
    let casey = Actor::Person("casey".into());
    let send = |kind: CommandKind| {
        let sink = sink.clone();
        let by = casey.clone();
        async move { sink.send(Command { by, kind }).await }
    };
    let step = |id: &str| Target::Step(id.to_string());

    support::steps::finish_steps(&sink, "casey", &["dual-write-on"]).await;
    let (holds, detail) = next_evidence(&mut updates).await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "watch started: full pass of 300 rows: no mismatch");
    send(CommandKind::Start {
        target: step("soak"),
    })
    .await
    .expect("start soak");
    // Mid-soak, a write reaches v1 and never v2.
    execute(
        &v1,
        "UPDATE balances SET amount = 4242.00, updated_at = NOW(6) WHERE id = 42",
    )
    .await
    .expect("lost write");
    let (holds, detail) = next_evidence(&mut updates).await;
    assert!(!holds, "{detail}");
    assert!(
        detail.contains("0 missing, 0 extra, 1 changed")
            && detail.contains("id=42")
            && detail.contains("evidence withdrawn"),
        "{detail}"
    );
    // The soak needs no recon evidence; the switch does.
    for kind in [
        CommandKind::Done {
            target: step("soak"),
        },
        CommandKind::SignOff {
            target: step("soak"),
        },
        CommandKind::Start {
            target: step("switch-reads"),
        },
    ] {
        send(kind).await.expect("soak and switch");
    }
    let go = send(CommandKind::Go {
        step: "switch-reads".into(),
    })
    .await
    .expect("GO is heard");
    assert!(
        !go.iter()
            .any(|e| matches!(e.kind, EventKind::GatePassed { .. })),
        "the gate passed over a difference: {go:?}"
    );
    // The data team repairs v2: the next rounds find it equal, the evidence holds again,
    // and the gate, which has its GO, passes by itself.
    execute(
        &v2,
        &format!("UPDATE {schema}.balances SET amount = 4242.00, updated_at = localtimestamp WHERE id = 42"),
    )
    .await
    .expect("repair");
    let (holds, detail) = next_evidence(&mut updates).await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "watch: the differences are gone, clean again");
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Update::Event(e)) = updates.recv().await {
                if e.kind
                    == (EventKind::GatePassed {
                        step: "switch-reads".into(),
                    })
                {
                    return;
                }
            }
        }
    })
    .await
    .expect("the gate passed once the evidence held");
    // Past its `until` the watch has stopped: a new divergence is no longer reported.
    // (The runner hears of the sign-off a moment after the hub accepted it.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    execute(
        &v1,
        "UPDATE balances SET amount = 1.00, updated_at = NOW(6) WHERE id = 7",
    )
    .await
    .expect("late write");
    let late = tokio::time::timeout(Duration::from_secs(3), next_evidence(&mut updates)).await;
    assert!(
        late.is_err(),
        "the watch still reports after its span: {late:?}"
    );
}
