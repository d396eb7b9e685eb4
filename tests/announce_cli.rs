#![allow(clippy::unwrap_used)]
//! `warroom announce test RUNBOOK`, the real binary against real loopback webhooks: one
//! test message to each target, what came back from each, the exit code, and never a URL.

mod support;

use std::process::Command;

use support::webhook;

const RUNBOOK: &str = r#"
[runbook]
name = "announce check"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[[phase]]
name = "main"
[[phase.step]]
id = "only"
title = "Only"
dri = "casey"
reviewer = "casey"
planned = "1m"

[announce]
timeout = "1s"

[[announce.target]]
name = "room"
url = "${WR_CLI_ROOM}"

[[announce.target]]
name = "bus"
url = "${WR_CLI_BUS}"
format = "json"

[[announce.target]]
name = "unset"
url = "${WR_CLI_NOT_SET_ANYWHERE}"
"#;

fn announce_test(
    runbook: &std::path::Path,
    env: &[(&str, String)],
    extra: &[&str],
) -> (i32, String, String) {
    let dir = runbook.parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--log-file"])
        .arg(dir.join("warroom.log"))
        .args(["announce", "test"])
        .arg(runbook)
        .args(extra)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("WR_CLI_NOT_SET_ANYWHERE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn each_target_gets_one_test_message_and_the_console_says_what_came_back() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let room = rt.block_on(webhook::recorder());
    let bus = rt.block_on(webhook::answering(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rb.toml");
    std::fs::write(&path, RUNBOOK).unwrap();
    let env = [("WR_CLI_ROOM", room.url()), ("WR_CLI_BUS", bus.url())];

    let (code, out, err) = announce_test(&path, &env, &[]);
    assert_eq!(code, 1, "a target failed: {out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("room ($WR_CLI_ROOM, slack): delivered: HTTP 200 in "),
        "{out}"
    );
    assert!(lines[0].ends_with(", it answered: ok"), "{out}");
    assert_eq!(lines[1], "bus ($WR_CLI_BUS, json): FAILED: HTTP 500: boom");
    assert!(
        lines[2].starts_with(
            "unset ($WR_CLI_NOT_SET_ANYWHERE, slack): FAILED: $WR_CLI_NOT_SET_ANYWHERE is not set"
        ),
        "{out}"
    );
    for text in [&out, &err] {
        assert!(
            !text.contains("s3cr3t"),
            "a webhook URL was printed: {text}"
        );
    }
    let got = room.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0]
            .title()
            .contains("Test from warroom: announcements of `announce check` reach this channel"),
        "{got:?}"
    );
    assert!(got[0]
        .key
        .as_deref()
        .is_some_and(|k| k.starts_with("test-")));
    let sent = bus.received();
    assert_eq!(sent.len(), 1, "one attempt, no retry");
    assert_eq!(sent[0].body["kinds"][0], "test");

    let (code, out, _) = announce_test(&path, &env, &["--target", "room"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (code, _, err) = announce_test(&path, &env, &["--target", "nope"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no [announce] target is named `nope`: the runbook has room, bus, unset"),
        "{err}"
    );
}
