#![allow(clippy::unwrap_used)]
//! Repetition without copy and paste, against the real servers: a copy and a recon over a
//! list of tables and over a pattern matched against the MariaDB source when the step
//! starts, one job per table (own progress, checkpoint and evidence `copy:JOB/TABLE`), the
//! whole job's evidence gating a go/no-go; a pattern that matches nothing is an error, not
//! a "done" over nothing.

mod support;

use std::time::Duration;

use tokio::sync::broadcast;
use warroom::drill::telemetry::Telemetry;
use warroom::drill::{Actor, Command, CommandKind, EventKind, Target, Update};
use warroom::runbook::Evidence;

fn runbook(my_url: &str, pg_url: &str) -> String {
    format!(
        r#"
[runbook]
name = "many tables"
kind = "drill"
coordinator = "casey"
[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"
[connections.src]
url = "{my_url}"
[connections.dst]
url = "{pg_url}"

[[phase]]
name = "copy"
[[phase.step]]
id = "copy-listed"
title = "Copy the listed tables"
dri = "dana"
reviewer = "casey"
planned = "2m"
after = []
action = {{ copy = "listed" }}
[[phase.step]]
id = "copy-shop"
title = "Copy every shop table"
dri = "dana"
reviewer = "casey"
planned = "2m"
after = []
action = {{ copy = "shop" }}
[[phase.step]]
id = "recon-shop"
title = "Compare every shop table"
dri = "dana"
reviewer = "casey"
planned = "2m"
after = []
action = {{ recon = "shop-check" }}
[[phase.step]]
id = "recon-listed"
title = "Compare the listed tables"
dri = "dana"
reviewer = "casey"
planned = "2m"
after = []
action = {{ recon = "listed-check" }}
[[phase.step]]
id = "go"
title = "GO for the switch"
dri = "casey"
reviewer = "casey"
planned = "1m"
after = ["copy-shop", "copy-listed", "recon-listed"]
gate = true
requires = ["copy:shop", "copy:listed", "recon:listed-check", "copy:listed/rp_orders"]
[[phase.step]]
id = "go-clean"
title = "GO only on a clean shop"
dri = "casey"
reviewer = "casey"
planned = "1m"
after = []
gate = true
requires = ["recon:shop-check"]
[[phase.step]]
id = "copy-none"
title = "A pattern that matches nothing"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ copy = "nothing" }}

[[copy]]
name = "listed"
source = "src"
target = "dst"
tables = ["rp_customers", "rp_orders"]
chunk_rows = 7

[[copy]]
name = "shop"
source = "src"
target = "dst"
tables = {{ pattern = "rp_shop_%", except = ["rp_shop_tmp"] }}
chunk_rows = 5

[[phase.step]]
id = "copy-mixed"
title = "A list with a table that has no key"
dri = "dana"
reviewer = "casey"
planned = "1m"
after = []
action = {{ copy = "mixed" }}

[[copy]]
name = "mixed"
source = "src"
target = "dst"
tables = ["rp_nokey", "rp_mixed_ok"]

[[copy]]
name = "nothing"
source = "src"
target = "dst"
tables = {{ pattern = "rp_nomatch_%" }}

[[recon]]
name = "shop-check"
source = "src"
target = "dst"
tables = {{ pattern = "rp_shop_%", except = ["rp_shop_tmp"] }}

[[recon]]
name = "listed-check"
source = "src"
target = "dst"
tables = ["rp_customers", "rp_orders"]
"#
    )
}

async fn setup(my_url: &str, pg_url: &str) {
    let my = sqlx::MySqlPool::connect(my_url).await.unwrap();
    let pg = sqlx::PgPool::connect(pg_url).await.unwrap();
    let mut mysql = vec![
        "DROP TABLE IF EXISTS rp_customers, rp_orders, rp_shop_a, rp_shop_b, rp_shop_tmp, rp_shop_c, rp_nokey, rp_mixed_ok"
            .to_string(),
        "CREATE TABLE rp_nokey (n BIGINT)".to_string(),
        "INSERT INTO rp_nokey VALUES (1), (1)".to_string(),
        "CREATE TABLE rp_mixed_ok (id BIGINT PRIMARY KEY)".to_string(),
        "INSERT INTO rp_mixed_ok VALUES (1), (2), (3)".to_string(),
        "CREATE TABLE rp_customers (id BIGINT PRIMARY KEY, name VARCHAR(40))".to_string(),
        // A composite primary key: the default key rule takes all of it, in order.
        "CREATE TABLE rp_orders (region VARCHAR(4) NOT NULL, id BIGINT NOT NULL, total BIGINT, \
         PRIMARY KEY (region, id))"
            .to_string(),
        "CREATE TABLE rp_shop_a (id BIGINT PRIMARY KEY, sku VARCHAR(20))".to_string(),
        "CREATE TABLE rp_shop_b (id BIGINT PRIMARY KEY, qty BIGINT)".to_string(),
        "CREATE TABLE rp_shop_tmp (id BIGINT PRIMARY KEY)".to_string(),
        "INSERT INTO rp_shop_tmp VALUES (1)".to_string(),
    ];
    for i in 1..=30 {
        mysql.push(format!(
            "INSERT INTO rp_customers VALUES ({i}, 'customer {i}')"
        ));
        mysql.push(format!(
            "INSERT INTO rp_orders VALUES ('{}', {i}, {})",
            if i % 2 == 0 { "eu" } else { "us" },
            i * 10
        ));
        mysql.push(format!("INSERT INTO rp_shop_a VALUES ({i}, 'sku-{i}')"));
        mysql.push(format!("INSERT INTO rp_shop_b VALUES ({i}, {})", i * 3));
    }
    for sql in &mysql {
        sqlx::raw_sql(sql).execute(&my).await.unwrap();
    }
    for sql in [
        "DROP TABLE IF EXISTS rp_customers, rp_orders, rp_shop_a, rp_shop_b, rp_shop_tmp, rp_nokey, rp_mixed_ok",
        "DROP TABLE IF EXISTS _warroom_copy_checkpoints",
        "CREATE TABLE rp_nokey (n BIGINT)",
        "CREATE TABLE rp_mixed_ok (id BIGINT PRIMARY KEY)",
        "CREATE TABLE rp_customers (id BIGINT PRIMARY KEY, name VARCHAR(40))",
        "CREATE TABLE rp_orders (region VARCHAR(4) NOT NULL, id BIGINT NOT NULL, total BIGINT, \
         PRIMARY KEY (region, id))",
        "CREATE TABLE rp_shop_a (id BIGINT PRIMARY KEY, sku VARCHAR(20))",
        "CREATE TABLE rp_shop_b (id BIGINT PRIMARY KEY, qty BIGINT)",
        "CREATE TABLE rp_shop_tmp (id BIGINT PRIMARY KEY)",
    ] {
        sqlx::raw_sql(sql).execute(&pg).await.unwrap();
    }
}

/// Waits for the final evidence of `want` (a job over many tables reports its progress as
/// not holding with "copying table ..." first), collecting every evidence seen meanwhile.
async fn final_evidence(
    updates: &mut broadcast::Receiver<Update>,
    want: &Evidence,
    seen: &mut Vec<(Evidence, bool, String)>,
    jobs_with_progress: &mut Vec<String>,
) -> (bool, String) {
    tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            match updates.recv().await.unwrap() {
                Update::Telemetry(Telemetry::Copy(p)) if !jobs_with_progress.contains(&p.job) => {
                    jobs_with_progress.push(p.job);
                }
                Update::Telemetry(Telemetry::Recon(p)) if !jobs_with_progress.contains(&p.job) => {
                    jobs_with_progress.push(p.job);
                }
                Update::Event(e) => {
                    if let EventKind::EvidenceRecorded {
                        evidence,
                        holds,
                        detail,
                    } = e.kind
                    {
                        seen.push((evidence.clone(), holds, detail.clone()));
                        if &evidence == want && !detail.starts_with("copying table") {
                            return (holds, detail);
                        }
                    }
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no final {want} within 90 s; seen: {seen:#?}"))
}

async fn start(sink: &warroom::drill::CommandSink, step: &str) {
    sink.send(Command {
        by: Actor::Person("dana".into()),
        kind: CommandKind::Start {
            target: Target::Step(step.into()),
        },
    })
    .await
    .unwrap_or_else(|e| panic!("start {step}: {e}"));
}

fn holds_of(seen: &[(Evidence, bool, String)], e: &Evidence) -> Option<bool> {
    seen.iter()
        .rev()
        .find(|(x, _, _)| x == e)
        .map(|(_, h, _)| *h)
}

#[tokio::test]
async fn copies_and_recons_over_a_list_and_a_pattern_gate_a_go_against_real_servers() {
    let (Some(my_url), Some(pg_url)) = (support::servers::mysql(), support::servers::postgres())
    else {
        return;
    };
    setup(&my_url, &pg_url).await;
    let text = runbook(&my_url, &pg_url);
    let runbook = warroom::runbook::parse_str("many.toml", &text)
        .unwrap_or_else(|d| panic!("{d:#?}"))
        .runbook;
    let dir = tempfile::tempdir().unwrap();
    let session = warroom::cli::session::open_session(
        runbook,
        None,
        None,
        Some(&dir.path().join("j.db")),
        false,
    )
    .await
    .unwrap();
    let (_, mut updates) = warroom::hub::follow(&session.hub).await.unwrap();
    let sink = session.hub.sink();
    let mut seen = Vec::new();
    let mut progress = Vec::new();

    // The pattern: resolved against MariaDB when the step starts (rp_shop_tmp excepted).
    start(&sink, "copy-shop").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::CopyDone("shop".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "all 2 table(s) copied: rp_shop_a, rp_shop_b");
    // Reported once, at the end: a "not yet" before it would be announced as a failure.
    let shop_records = seen
        .iter()
        .filter(|(e, _, _)| *e == Evidence::CopyDone("shop".into()))
        .count();
    assert_eq!(shop_records, 1, "{seen:#?}");
    for table in ["shop/rp_shop_a", "shop/rp_shop_b"] {
        assert_eq!(
            holds_of(&seen, &Evidence::CopyDone(table.into())),
            Some(true),
            "{seen:#?}"
        );
        assert!(progress.contains(&table.to_string()), "{progress:?}");
    }
    assert_eq!(
        holds_of(&seen, &Evidence::CopyDone("shop/rp_shop_tmp".into())),
        None
    );
    let state = session.hub.subscribe().await.unwrap();
    let resolved = state
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TablesResolved { job, tables }
                if *job == Evidence::CopyDone("shop".into()) =>
            {
                Some(tables.clone())
            }
            _ => None,
        })
        .expect("the resolved list is journaled");
    assert_eq!(resolved, ["rp_shop_a", "rp_shop_b"]);

    // The list, with a composite primary key found on its own; chunks of 7 rows.
    start(&sink, "copy-listed").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::CopyDone("listed".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(holds, "{detail}");
    let pg = sqlx::PgPool::connect(&pg_url).await.unwrap();
    for table in ["rp_customers", "rp_orders", "rp_shop_a", "rp_shop_b"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pg)
            .await
            .unwrap();
        assert_eq!(n, 30, "{table}");
    }
    let tmp: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rp_shop_tmp")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(tmp, 0, "an excepted table is not copied");
    // Each table has its own checkpoint, under its own job name.
    let checkpoints: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT job FROM _warroom_copy_checkpoints ORDER BY job")
            .fetch_all(&pg)
            .await
            .unwrap();
    assert_eq!(
        checkpoints,
        [
            "listed/rp_customers",
            "listed/rp_orders",
            "shop/rp_shop_a",
            "shop/rp_shop_b"
        ]
    );

    // One row changed on the target: that table's recon fails, and so does the job's.
    sqlx::raw_sql("UPDATE rp_shop_b SET qty = 0 WHERE id = 7")
        .execute(&pg)
        .await
        .unwrap();
    start(&sink, "recon-shop").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::ReconClean("shop-check".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(!holds, "a changed row is never clean: {detail}");
    assert!(detail.contains("rp_shop_b"), "{detail}");
    assert_eq!(
        holds_of(&seen, &Evidence::ReconClean("shop-check/rp_shop_a".into())),
        Some(true)
    );
    assert_eq!(
        holds_of(&seen, &Evidence::ReconClean("shop-check/rp_shop_b".into())),
        Some(false)
    );

    start(&sink, "recon-listed").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::ReconClean("listed-check".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(holds, "{detail}");
    assert!(detail.starts_with("all 2 table(s) match"), "{detail}");

    // The gate requires the whole jobs: with every one holding, the coordinator's GO passes.
    let casey = Actor::Person("casey".into());
    for step in ["recon-listed", "copy-shop", "copy-listed"] {
        for kind in [
            CommandKind::Done {
                target: Target::Step(step.into()),
            },
            CommandKind::SignOff {
                target: Target::Step(step.into()),
            },
        ] {
            let _ = sink
                .send(Command {
                    by: casey.clone(),
                    kind,
                })
                .await;
        }
    }
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::Start {
            target: Target::Step("go".into()),
        },
    })
    .await
    .ok();
    let events = sink
        .send(Command {
            by: casey.clone(),
            kind: CommandKind::Go { step: "go".into() },
        })
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::GatePassed { step } if step == "go")),
        "{events:#?}"
    );

    // A gate on the shop recon does not pass on GO while one table differs.
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::Start {
            target: Target::Step("go-clean".into()),
        },
    })
    .await
    .unwrap();
    let events = sink
        .send(Command {
            by: casey.clone(),
            kind: CommandKind::Go {
                step: "go-clean".into(),
            },
        })
        .await
        .unwrap();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::GatePassed { .. })),
        "{events:#?}"
    );

    // The coordinator approves the fix of the table that differs: it is applied, re-checked,
    // and with every table clean the job's evidence holds, so the gate passes on its GO.
    sink.send(Command {
        by: casey.clone(),
        kind: CommandKind::ApproveFix {
            recon: "shop-check/rp_shop_b".into(),
        },
    })
    .await
    .unwrap();
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::ReconClean("shop-check".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(holds, "{detail}");
    assert_eq!(detail, "all 2 table(s) match, after the fixes approved");
    let qty: i64 = sqlx::query_scalar("SELECT qty FROM rp_shop_b WHERE id = 7")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(qty, 21, "the fix put the source's value back");
    let passed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Update::Event(e) = updates.recv().await.unwrap() {
                if matches!(&e.kind, EventKind::GatePassed { step } if step == "go-clean") {
                    return;
                }
            }
        }
    })
    .await;
    assert!(
        passed.is_ok(),
        "go-clean did not pass once its evidence held"
    );

    // A table with no key fails on its own, with the reason; the next one is copied.
    start(&sink, "copy-mixed").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::CopyDone("mixed".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(!holds);
    assert!(
        detail.starts_with("1 of 2 table(s) copied; failed: rp_nokey"),
        "{detail}"
    );
    let nokey = seen
        .iter()
        .rev()
        .find(|(e, _, _)| *e == Evidence::CopyDone("mixed/rp_nokey".into()))
        .unwrap();
    assert!(!nokey.1);
    assert!(
        nokey.2.contains("no primary key and no unique key"),
        "{}",
        nokey.2
    );
    assert_eq!(
        holds_of(&seen, &Evidence::CopyDone("mixed/rp_mixed_ok".into())),
        Some(true)
    );

    // What a resume does: the journaled list is the list, even if the source has grown.
    let my = sqlx::MySqlPool::connect(&my_url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE rp_shop_c (id BIGINT PRIMARY KEY)")
        .execute(&my)
        .await
        .unwrap();
    let rb = session.hub.runbook().clone();
    let set = rb.copy_set("shop").unwrap();
    let job = warroom::runner::tables::SetJob {
        evidence: Evidence::CopyDone("shop".into()),
        source: &set.template.source,
        tables: &set.tables,
        key: &set.template.key,
    };
    let again = warroom::runner::tables::resolve(&session.hub, &job, Some(resolved.clone()))
        .await
        .unwrap();
    let names: Vec<&str> = again.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["rp_shop_a", "rp_shop_b"]);
    assert_eq!(again[0].key, Ok(vec!["id".to_string()]));
    // Resolving afresh would find rp_shop_c, and the hub refuses to change the list.
    let fresh = warroom::runner::tables::resolve(&session.hub, &job, None).await;
    assert!(fresh.unwrap_err().contains("already resolved"));

    // A pattern that matches nothing is a clear failure, never "done" over nothing.
    start(&sink, "copy-none").await;
    let (holds, detail) = final_evidence(
        &mut updates,
        &Evidence::CopyDone("nothing".into()),
        &mut seen,
        &mut progress,
    )
    .await;
    assert!(!holds);
    assert!(
        detail.starts_with("pattern `rp_nomatch_%` matched no table in the source `src`"),
        "{detail}"
    );

    // The report, from the journal alone, lists each table's job of the journaled lists.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("warroom.log"))
        .args(["report", "--format", "json"])
        .arg(dir.path().join("j.db"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let jobs = |section: &str| -> Vec<String> {
        report[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["job"].as_str().unwrap().to_string())
            .collect()
    };
    let copies = jobs("copies");
    for job in [
        "shop/rp_shop_a",
        "shop/rp_shop_b",
        "listed/rp_customers",
        "listed/rp_orders",
        "mixed/rp_nokey",
    ] {
        assert!(copies.contains(&job.to_string()), "{copies:?}");
    }
    assert!(jobs("recons").contains(&"shop-check/rp_shop_b".to_string()));

    // One table on its own from the command line, its composite key found as the step's.
    let file = dir.path().join("many.toml");
    std::fs::write(&file, &text).unwrap();
    let headless = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("--log-file")
            .arg(dir.path().join("warroom.log"))
            .args(args)
            .output()
            .unwrap()
    };
    let file = file.to_str().unwrap();
    let recon = headless(&["recon", file, "--job", "listed-check/rp_orders", "--json"]);
    assert!(
        recon.status.success(),
        "{}",
        String::from_utf8_lossy(&recon.stderr)
    );
    let copy = headless(&["copy", file, "--job", "listed/rp_orders"]);
    assert!(
        copy.status.success(),
        "{}",
        String::from_utf8_lossy(&copy.stderr)
    );
    let unknown = headless(&["copy", file, "--job", "listed/rp_invoices"]);
    assert!(!unknown.status.success());
}
