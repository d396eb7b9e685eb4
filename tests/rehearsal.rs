#![allow(clippy::unwrap_used)]
//! The rehearsal loop end to end: real journals recorded by the real drill engine (through
//! the journal's own write API, as the hub records), replayed by the real binary in tmux,
//! compared by `warroom report --history`, and shown as history in a live console.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::recorder::{parse_runbook, Recorder};
use support::tmux::{self, Tmux};
use warroom::drill::{CommandKind, Target};

const WAIT: Duration = Duration::from_secs(15);

fn step(id: &str) -> Target {
    Target::Step(id.to_string())
}

/// A runbook `name` of `steps` (id, planned minutes), one after the other, all dana's,
/// reviewed by sam; `extra` is appended (a change to the runbook).
fn runbook_text(name: &str, steps: &[(&str, u32)], extra: &str) -> String {
    let mut text = format!(
        "[runbook]\nname = \"{name}\"\nkind = \"drill\"\ncoordinator = \"casey\"\n\n[people.casey]\nname = \"Casey\"\nrole = \"coordinator\"\n\n[people.dana]\nname = \"Dana\"\nrole = \"DBA\"\n\n[people.sam]\nname = \"Sam\"\nrole = \"SRE\"\n\n[[phase]]\nname = \"all\"\n",
    );
    for (id, minutes) in steps {
        text.push_str(&format!(
            "\n[[phase.step]]\nid = \"{id}\"\ntitle = \"Step {id}\"\ndri = \"dana\"\nreviewer = \"sam\"\nplanned = \"{minutes}m\"\n"
        ));
    }
    text.push_str(extra);
    text
}

/// Runs the steps back to back from `t0 + start` minutes, each taking the given minutes,
/// then ends the drill.
async fn drill(path: &Path, text: &str, start: f64, took: &[u32]) -> PathBuf {
    use CommandKind::*;
    let runbook = parse_runbook("rehearsal.toml", text);
    let ids: Vec<String> = runbook.steps.iter().map(|s| s.id.clone()).collect();
    let mut r = Recorder::create(path, runbook).await;
    let mut now = start;
    for (id, minutes) in ids.iter().zip(took) {
        r.cmd(now, "dana", Start { target: step(id) }).await;
        now += f64::from(*minutes);
        r.cmd(now, "dana", Done { target: step(id) }).await;
        r.cmd(now, "sam", SignOff { target: step(id) }).await;
    }
    r.cmd(now, "casey", EndDrill).await;
    r.close().await
}

const PLAN: [(&str, u32); 3] = [("alpha", 10), ("bravo", 5), ("charlie", 5)];

fn warroom(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .current_dir(dir)
        .args(["--log-file", "/dev/null"])
        .args(args)
        .output()
        .unwrap()
}

fn journal_line_count(journal: &Path) -> usize {
    tmux::journal_events(journal).lines().count()
}

#[tokio::test]
async fn replay_walks_a_recorded_drill_and_changes_nothing() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = runbook_text("rehearsal", &PLAN, "");
    let journal = drill(&dir.path().join("one.db"), &text, 0.0, &[12, 4, 6]).await;
    let before = tmux::journal_events(&journal);
    let command = format!(
        "{} --log-file {} replay {}",
        env!("CARGO_BIN_EXE_warroom"),
        dir.path().join("warroom.log").display(),
        journal.display()
    );
    let t = Tmux::start("replay", dir.path(), 150, 40, &command);
    // 1 start + 3 steps * 3 + the end: 11 events, none applied yet; the keys are offered.
    t.wait_for("REPLAY ⏸ paused 1x · event 0/11", WAIT);
    let screen = t.wait_for("play/pause", WAIT);
    assert!(screen.contains("jump to step"), "{screen}");
    assert!(screen.contains("READ-ONLY"), "{screen}");

    // Jump to bravo: it is running, the clock is at its start (22:12), the log ends there.
    t.keys(&[":"]);
    t.type_text("goto bravo");
    t.keys(&["Enter", "J"]);
    let screen = t.wait_for("event 5/11", WAIT);
    assert!(screen.contains("22:12:00 UTC"), "{screen}");
    assert!(screen.contains("▶ running bravo"), "{screen}");
    let log_tail = last_log_line(&screen);
    assert!(
        log_tail.contains("dana started bravo"),
        "log ends at: {log_tail}\n{screen}"
    );

    // One step forward: exactly one more event, bravo done at 22:16.
    t.keys(&["."]);
    let screen = t.wait_for("event 6/11", WAIT);
    assert!(screen.contains("22:16:00 UTC"), "{screen}");
    assert!(last_log_line(&screen).contains("bravo"), "{screen}");

    // Jump to a time on the drill clock: T+0:05 is inside alpha.
    t.keys(&["t"]);
    t.type_text("T+0:05:00");
    t.keys(&["Enter"]);
    let screen = t.wait_for("event 2/11", WAIT);
    assert!(screen.contains("22:05:00 UTC"), "{screen}");
    assert!(screen.contains("▶ running alpha"), "{screen}");

    // Anything that would change the drill is refused, in words.
    t.keys(&["d"]);
    t.wait_for("replay is read-only", WAIT);
    t.keys(&["s"]);
    t.wait_for("replay is read-only", WAIT);

    // Play at 60x to the end.
    t.keys(&["+", "+", "+", "+", "+", "Space"]);
    t.wait_for("REPLAY ■ end · event 11/11", Duration::from_secs(40));
    t.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!t.alive(), "q quits a replay without asking");
    assert_eq!(
        tmux::journal_events(&journal),
        before,
        "the journal is untouched"
    );
    assert_eq!(journal_line_count(&journal), 11);
}

/// The last event line of the timeline (log) panel, its runs of spaces squeezed.
fn last_log_line(screen: &str) -> String {
    let mut last = String::new();
    let mut in_log = false;
    for line in screen.lines() {
        if line.contains("timeline") || line.contains(" log ") {
            in_log = true;
            continue;
        }
        if in_log && (line.contains("started") || line.contains("done") || line.contains("signed"))
        {
            last = line.split_whitespace().collect::<Vec<_>>().join(" ");
        }
    }
    last
}

#[tokio::test]
async fn history_takes_the_drills_of_one_runbook_and_notes_a_changed_runbook() {
    let dir = tempfile::tempdir().unwrap();
    let drills = dir.path().join("drills");
    std::fs::create_dir(&drills).unwrap();
    let v1 = runbook_text("rehearsal", &PLAN, "");
    let v2 = runbook_text(
        "rehearsal",
        &[("alpha", 10), ("bravo", 8), ("charlie", 5)],
        "",
    );
    // Named so that file order is not drill order: drills are ordered by when they ran.
    drill(&drills.join("c-first.db"), &v1, 0.0, &[12, 4, 6]).await;
    drill(&drills.join("a-second.db"), &v1, 1440.0, &[10, 6, 5]).await;
    drill(&drills.join("b-third.db"), &v2, 2880.0, &[11, 8, 4]).await;
    // Another runbook, and a file that is no journal at all.
    let other = runbook_text("payments cutover", &PLAN, "");
    drill(&drills.join("other.db"), &other, 100.0, &[1, 1, 1]).await;
    std::fs::write(drills.join("notes.db"), "not a journal").unwrap();

    let out = warroom(
        dir.path(),
        &["report", "--history", "drills", "--format", "json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let journals: Vec<&str> = c["drills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["journal"].as_str().unwrap())
        .collect();
    assert_eq!(journals.len(), 3, "{journals:?}");
    for (got, want) in journals
        .iter()
        .zip(["c-first.db", "a-second.db", "b-third.db"])
    {
        assert!(got.ends_with(want), "{journals:?}");
    }
    let alpha = c["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "alpha")
        .unwrap();
    // 12, 10, 11 minutes: median 11.
    assert_eq!(alpha["median_secs"].as_f64(), Some(660.0));
    let changes: Vec<&str> = c["runbook_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].starts_with("drill 3 ran a changed runbook"),
        "{changes:?}"
    );
    assert!(
        stderr.contains("other.db: a drill of another runbook (`payments cutover`)"),
        "{stderr}"
    );
    assert!(stderr.contains("notes.db"), "{stderr}");

    // Markdown says the same, and a journal picks the runbook.
    let out = warroom(
        dir.path(),
        &["report", "--history", "drills", "drills/other.db"],
    );
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("# Drill comparison: 1 drills"), "{md}");
    assert!(!md.contains("Runbook changes"), "{md}");
    let out = warroom(dir.path(), &["report", "--history", "drills"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("## Runbook changes\n\n- drill 3 ran a changed runbook"),
        "{md}"
    );
}

#[tokio::test]
async fn the_console_shows_past_drills_beside_the_plan_and_a_range_for_the_end() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let drills = dir.path().join("drills");
    std::fs::create_dir(&drills).unwrap();
    let text = runbook_text("rehearsal", &PLAN, "");
    std::fs::write(dir.path().join("rehearsal.toml"), &text).unwrap();
    // alpha took 12, 10, 11 minutes (median 11:00); bravo 4, 6, 8 (median 06:00).
    drill(&drills.join("one.db"), &text, 0.0, &[12, 4, 6]).await;
    drill(&drills.join("two.db"), &text, 1440.0, &[10, 6, 5]).await;
    drill(&drills.join("three.db"), &text, 2880.0, &[11, 8, 4]).await;
    // Another runbook's drill with the same step ids does not count.
    let other = runbook_text("payments cutover", &PLAN, "");
    drill(&drills.join("other.db"), &other, 0.0, &[90, 90, 90]).await;

    let command = format!(
        "{} --log-file {} run rehearsal.toml --as casey",
        env!("CARGO_BIN_EXE_warroom"),
        dir.path().join("warroom.log").display(),
    );
    let t = Tmux::start("history", dir.path(), 150, 40, &command);
    let screen = t.wait_for("3 past drill(s)", WAIT);
    let alpha = screen
        .lines()
        .find(|l| l.contains("alpha ") && l.contains("/10:00"))
        .unwrap_or_default();
    assert!(alpha.contains("/10:00  med 11:00"), "{alpha}\n{screen}");
    let bravo = screen
        .lines()
        .find(|l| l.contains("bravo ") && l.contains("/05:00"))
        .unwrap_or_default();
    assert!(bravo.contains("/05:00  med 06:00"), "{bravo}\n{screen}");
    assert!(screen.contains("past drills: median 11:00"), "{screen}");

    // Once the drill runs, the predicted end is the history's range.
    t.keys(&["s"]);
    t.wait_for("Start `alpha` as casey", WAIT);
    t.keys(&["y"]);
    let screen = t.wait_for("(past drills)", WAIT);
    let header = screen
        .lines()
        .find(|l| l.contains("predicted"))
        .unwrap_or_default()
        .to_string();
    // median 11 + 6 + 5 = 22 minutes; p90 11.8 + 7.6 + 5.8 = 25.2 minutes from the start.
    let times: Vec<chrono::NaiveTime> = header
        .split(|c: char| !(c.is_ascii_digit() || c == ':'))
        .filter_map(|w| chrono::NaiveTime::parse_from_str(w, "%H:%M:%S").ok())
        .collect();
    let [planned, low, high] = times[..] else {
        panic!("planned end and a range: {header}");
    };
    // Times of day: a drill started before midnight ends after it (`rem_euclid` wraps).
    let minutes = |a: chrono::NaiveTime, b: chrono::NaiveTime| {
        (b - a).num_seconds().rem_euclid(86_400) as f64 / 60.0
    };
    // The plan is 20 minutes from the start, so the start is `planned - 20m`.
    let start = planned - chrono::Duration::minutes(20);
    assert!((minutes(start, low) - 22.0).abs() < 0.1, "{header}");
    assert!((minutes(start, high) - 25.2).abs() < 0.1, "{header}");
    t.keys(&["q"]);
}
