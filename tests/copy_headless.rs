//! The headless entry (`warroom copy RUNBOOK --job NAME [--json]`): a summary at the end,
//! and a second run resumes from the checkpoint instead of copying again; a resumed copy
//! states the whole copy and what this run added.

mod copy_common;
mod support;

use copy_common::*;
use support::servers;
use tokio::sync::mpsc;
use warroom::cli::copy::run_headless;
use warroom::copy::{self, CopyControl, CopyOptions, CopyState, CopySummary, Restart};
use warroom::db::rows::execute;
use warroom::runbook::Connection;

#[tokio::test]
async fn headless_copy_prints_a_summary_and_resumes() {
    let Some(my) = servers::mysql() else { return };
    let (src, src_url, _) = mysql_db(&my, "hsrc").await;
    execute(
        &src,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20)); \
         INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000",
    )
    .await
    .expect("source");
    let (dst, dst_url, _) = mysql_db(&my, "hdst").await;
    execute(
        &dst,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20))",
    )
    .await
    .expect("target");

    let demo = warroom::runbook::parse_str("demo.toml", warroom::cli::demo::DEMO_RUNBOOK)
        .expect("demo runbook parses");
    let mut runbook = demo.runbook;
    runbook.connections = vec![
        Connection {
            name: "src".into(),
            url_template: src_url,
        },
        Connection {
            name: "dst".into(),
            url_template: dst_url,
        },
    ];
    let mut job = spec("headless", "t", "t", &["id"]);
    job.chunk_rows = 300;
    runbook.copies = vec![job];

    let mut out = Vec::new();
    let summary = run_headless(&runbook, "headless", true, Restart::Resume, &mut out)
        .await
        .expect("copy completes");
    assert_eq!(summary.state, CopyState::Done);
    assert_eq!(summary.rows, 2000);
    let printed: CopySummary =
        serde_json::from_slice(&out).expect("one JSON summary on the output");
    assert_eq!(printed.rows, 2000);
    assert_eq!(count(&dst, "t").await, 2000);

    // Again: everything is checkpointed, nothing to copy.
    let mut out = Vec::new();
    let again = run_headless(&runbook, "headless", false, Restart::Resume, &mut out)
        .await
        .expect("second run");
    assert!(again.resumed);
    assert_eq!(again.rows, 0);
    assert_eq!(again.rows_total, 2000);
    let text = String::from_utf8(out).expect("utf8");
    assert!(
        text.starts_with("copy headless: 2000 rows copied in all; resumed: this run added 0 rows"),
        "{text}"
    );

    let err = run_headless(&runbook, "nope", false, Restart::Resume, &mut Vec::new())
        .await
        .expect_err("unknown job");
    assert!(err.to_string().contains("`nope`"), "{err}");
}

// A row count is never negative.
#[allow(clippy::cast_sign_loss)]
#[tokio::test]
async fn a_resumed_copy_reports_every_run_and_what_this_one_added() {
    let Some(my) = servers::mysql() else { return };
    let (src, src_url, _) = mysql_db(&my, "psrc").await;
    execute(
        &src,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20)); \
         INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000",
    )
    .await
    .expect("source");
    let (dst, dst_url, _) = mysql_db(&my, "pdst").await;
    execute(
        &dst,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20))",
    )
    .await
    .expect("target");

    // A first run, slowed down and cancelled part way: its checkpoint stays.
    let mut job = spec("partial", "t", "t", &["id"]);
    job.chunk_rows = 200;
    let mut slow = job.clone();
    slow.max_rows_per_sec = Some(1_000);
    let (ctl, ctl_rx) = mpsc::channel(4);
    let (tx, mut rx) = mpsc::channel(1024);
    let first = {
        let (src, dst) = (src.clone(), dst.clone());
        tokio::spawn(
            async move { copy::run(&slow, src, dst, CopyOptions::default(), ctl_rx, tx).await },
        )
    };
    while let Some(p) = rx.recv().await {
        if p.rows_done >= 400 {
            ctl.send(CopyControl::Cancel).await.expect("cancel");
            break;
        }
    }
    while rx.recv().await.is_some() {}
    let first = first.await.expect("join").expect("first run");
    assert_eq!(first.state, CopyState::Cancelled);
    let before = count(&dst, "t").await as u64;
    assert!(
        before > 0 && before < 3000,
        "{before} rows after the first run"
    );

    let demo = warroom::runbook::parse_str("demo.toml", warroom::cli::demo::DEMO_RUNBOOK)
        .expect("demo runbook parses");
    let mut runbook = demo.runbook;
    runbook.connections = vec![
        Connection {
            name: "src".into(),
            url_template: src_url,
        },
        Connection {
            name: "dst".into(),
            url_template: dst_url,
        },
    ];
    runbook.copies = vec![job];
    let mut out = Vec::new();
    let summary = run_headless(&runbook, "partial", false, Restart::Resume, &mut out)
        .await
        .expect("the resumed run completes");
    assert!(summary.resumed);
    assert_eq!(summary.rows_total, 3000);
    assert_eq!(summary.rows, 3000 - before);
    let text = String::from_utf8(out).expect("utf8");
    assert!(
        text.starts_with(&format!(
            "copy partial: 3000 rows copied in all; resumed: this run added {} rows in",
            3000 - before
        )),
        "{text}"
    );
    assert_eq!(count(&dst, "t").await, 3000);
}
