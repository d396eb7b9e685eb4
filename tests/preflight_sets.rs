//! Preflight scans the tables of jobs over many tables as the run will find them: a
//! pattern's matches in the source's catalog become pairs scanned like any other; a table
//! without a key and a pattern that matches nothing are blockers (the job would fail when
//! its step starts).

mod copy_common;
mod support;

use copy_common::*;
use support::servers;
use warroom::db::rows::execute;

#[tokio::test]
async fn preflight_scans_the_tables_a_pattern_finds() {
    let Some(my) = servers::mysql() else {
        return;
    };
    let (src, src_url, _) = mysql_db(&my, "psets").await;
    execute(
        &src,
        "CREATE TABLE shop_orders (id INT PRIMARY KEY, amount INT); \
         INSERT INTO shop_orders VALUES (1, 10), (2, 20); \
         CREATE TABLE shop_notes (note VARCHAR(20)); \
         CREATE TABLE other (id INT PRIMARY KEY)",
    )
    .await
    .expect("source");
    let (dst, dst_url, _) = mysql_db(&my, "psetd").await;
    execute(
        &dst,
        "CREATE TABLE shop_orders (id INT PRIMARY KEY, amount INT)",
    )
    .await
    .expect("target");
    let dir = tempfile::tempdir().expect("tempdir");
    let runbook = dir.path().join("sets.toml");
    std::fs::write(
        &runbook,
        format!(
            "[runbook]\nname = \"sets\"\nkind = \"drill\"\ncoordinator = \"ann\"\n\n\
             [people.ann]\nname = \"Ann\"\nrole = \"coordinator\"\n\n\
             [connections.src]\nurl = \"{src_url}\"\n\n[connections.dst]\nurl = \"{dst_url}\"\n\n\
             [[copy]]\nname = \"shop\"\nsource = \"src\"\ntarget = \"dst\"\ntables = {{ pattern = \"shop_%\" }}\n\n\
             [[recon]]\nname = \"ghosts\"\nsource = \"src\"\ntarget = \"dst\"\ntables = {{ pattern = \"ghost_%\" }}\n\n\
             [[phase]]\nname = \"only\"\n\n[[phase.step]]\nid = \"a\"\ntitle = \"Copy\"\n\
             dri = \"ann\"\nreviewer = \"ann\"\nplanned = \"5m\"\naction = {{ copy = \"shop\" }}\n"
        ),
    )
    .expect("runbook");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--log-file", "/dev/null", "preflight", "--json"])
        .arg(&runbook)
        .output()
        .expect("preflight");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{report}");
    // shop_orders is a pair of its own (shop_notes has no key, `other` does not match).
    assert_eq!(report["pairs"], 1, "{report}");
    let blockers: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "blocker")
        .map(|f| {
            (
                f["hazard"].as_str().unwrap_or_default().to_string(),
                f["table"].as_str().unwrap_or_default().to_string(),
                f["jobs"][0].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        blockers.contains(&("no_key".into(), "shop_notes".into(), "shop".into())),
        "{report}"
    );
    assert!(
        blockers.contains(&("unreadable".into(), String::new(), "ghosts".into())),
        "{report}"
    );
    assert!(
        report.to_string().contains("matches no table in `src`"),
        "{report}"
    );
}
