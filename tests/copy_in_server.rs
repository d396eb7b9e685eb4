//! A copy inside one MariaDB server (`INSERT ... SELECT`) that the server refuses: the
//! error is one sentence naming the table, the column the server names and the key range
//! of the failing chunk, and it says the database's words once.

mod copy_common;
mod support;

use copy_common::*;
use support::servers;
use warroom::cli::copy::run_headless;
use warroom::copy::Restart;
use warroom::db::rows::execute;
use warroom::runbook::Connection;

#[tokio::test]
async fn a_refused_in_server_chunk_names_table_column_and_keys_once() {
    let Some(my) = servers::mysql() else { return };
    let (src, src_url, src_db) = mysql_db(&my, "isrc").await;
    let (dst, dst_url, _) = mysql_db(&my, "idst").await;
    // 300 does not fit TINYINT: strict mode refuses the chunk that holds id 42.
    execute(
        &src,
        "CREATE TABLE t (id INT PRIMARY KEY, v INT); \
         INSERT INTO t SELECT seq, IF(seq = 42, 300, seq % 100) FROM seq_1_to_100",
    )
    .await
    .expect("source");
    execute(&dst, "CREATE TABLE t (id INT PRIMARY KEY, v TINYINT)")
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
    let mut job = spec("inserver", "t", "t", &["id"]);
    job.workers = 1;
    job.chunk_rows = 20;
    runbook.copies = vec![job];
    let err = run_headless(
        &runbook,
        "inserver",
        false,
        Restart::Resume,
        &mut Vec::new(),
    )
    .await
    .expect_err("the server refuses 300 for TINYINT");
    // As the binary prints it (`error: {e:#}`).
    let text = format!("{err:#}");
    eprintln!("{text}");
    assert!(
        text.contains(&format!("copying {src_db}.t into t inside the server")),
        "{text}"
    );
    // The chunk of 20 keys that holds id 42, the row the server names, and its column.
    assert!(
        text.contains("the chunk with keys id > 40 and id <= 60"),
        "{text}"
    );
    assert!(text.contains("at key id=42"), "{text}");
    assert!(text.contains("for column 'v'"), "{text}");
    assert_eq!(
        text.matches("Out of range value").count(),
        1,
        "the database's words once: {text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}
