#![allow(clippy::unwrap_used)]
//! `warroom demo` as a new user sees it, in tmux: the copy panel moves for well over half a
//! minute (rate-limited by the runbook, paused once by its probe throttle while the orders
//! service is busy), the recon finds the three writes the service made after the backfill,
//! the coordinator approves the fix with `F`, and the re-check turns the recon clean.

mod support;

use std::time::{Duration, Instant};

use support::tmux::{self, Tmux};

const WAIT: Duration = Duration::from_secs(20);

/// "orders running  8.2k / 20.0k rows" (or throttled, paused...): the rows done, in the
/// panel's own rounding, while the copy is under way.
fn rows_done(screen: &str) -> Option<f64> {
    let line = screen
        .lines()
        .find(|l| l.contains("│orders ") && l.contains(" / ") && l.contains("rows"))?;
    if line.contains("orders done") {
        return None;
    }
    let before = line.split(" / ").next()?;
    let done = before.split_whitespace().last()?;
    let (number, scale) = match done.strip_suffix('k') {
        Some(n) => (n, 1000.0),
        None => (done, 1.0),
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn journal(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir.join("drills"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "db"))
}

fn wait_journal(dir: &std::path::Path, text: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let events = journal(dir)
            .map(|j| tmux::journal_events(&j))
            .unwrap_or_default();
        if events.contains(text) {
            return events;
        }
        assert!(
            start.elapsed() < timeout,
            "the journal never said `{text}`:\n{events}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn the_demo_shows_a_copy_in_motion_a_throttle_and_a_recon_that_finds_and_fixes() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let command = format!(
        "{} --log-file {} demo --dir {}",
        env!("CARGO_BIN_EXE_warroom"),
        dir.path().join("warroom.log").display(),
        demo_dir.display()
    );
    let tmux = Tmux::start("demo-e2e", dir.path(), 160, 48, &command);
    tmux.wait_for("announce", WAIT);
    // Casey's own first step; the crew plays everyone else.
    tmux.keys(&["s"]);
    tmux.wait_for("Start `announce` as casey", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("started announce", WAIT);
    tmux.keys(&["d"]);
    tmux.wait_for("Mark done `announce` as casey", WAIT);
    tmux.keys(&["y"]);

    // The copy moves for at least 30 s: rows done keep growing, with a rate and an ETA.
    tmux.wait_for("orders running", Duration::from_secs(90));
    let mut samples = Vec::new();
    let mut rate_and_eta = false;
    for _ in 0..4 {
        std::thread::sleep(Duration::from_secs(10));
        let screen = tmux.screen();
        if let Some(rows) = rows_done(&screen) {
            samples.push(rows);
            rate_and_eta |= screen.contains("/s now") && screen.contains("ETA");
        }
    }
    assert!(rate_and_eta, "no rate or ETA shown while the copy ran");
    assert!(
        samples.len() >= 4,
        "the copy ran for under 30 s: {samples:?}"
    );
    assert!(
        samples.windows(2).filter(|w| w[1] > w[0]).count() >= 2,
        "the copy panel did not move: {samples:?}"
    );

    // The orders service's busy spell turned its probe amber and back: the copy waited.
    let events = wait_journal(
        &demo_dir,
        "probe orders-load recovered",
        Duration::from_secs(60),
    );
    assert!(events.contains("probe orders-load turned WARN"), "{events}");

    // The recon finds the three late writes.
    let screen = tmux.wait_for("1 missing · 1 extra · 1 changed", Duration::from_secs(180));
    assert!(screen.contains("changed"), "{screen}");

    // The coordinator approves the fix; the re-check turns the recon clean.
    tmux.keys(&[":"]);
    tmux.type_text("goto recon");
    tmux.keys(&["Enter"]);
    tmux.keys(&["F"]);
    tmux.wait_for("Apply the fix SQL of recon `orders`", WAIT);
    tmux.keys(&["y"]);
    wait_journal(
        &demo_dir,
        "approved applying the fix SQL of recon `orders`",
        WAIT,
    );
    wait_journal(
        &demo_dir,
        "evidence recon:orders holds",
        Duration::from_secs(60),
    );

    tmux.keys(&["q"]);
    tmux.keys(&["y"]);
}
