#![allow(clippy::unwrap_used)]
//! The real binary in tmux: `warroom demo`, move, start a step, mark it done, sign it off,
//! add a note, open the rollback modal and cancel it, quit; then the journal holds exactly
//! those human events.

mod support;

use std::time::Duration;

use support::tmux::{self, Tmux};

const WAIT: Duration = Duration::from_secs(15);

fn human_events(journal: &std::path::Path) -> Vec<String> {
    tmux::journal_events(journal)
        .lines()
        // Probes journal their evidence as `system`; keep what people did.
        .filter(|l| !l.contains(" system: "))
        // "09:13:48Z #3 casey: started the drill" -> "casey: started the drill"
        .map(|l| l.splitn(3, ' ').nth(2).unwrap().to_string())
        .collect()
}

#[test]
fn demo_drill_by_keys_lands_in_the_journal() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let command = format!(
        "{} --log-file {} demo --solo --dir {}",
        env!("CARGO_BIN_EXE_warroom"),
        dir.path().join("warroom.log").display(),
        demo_dir.display()
    );
    let tmux = Tmux::start("e2e", dir.path(), 120, 40, &command);
    tmux.wait_for("announce", WAIT);

    // Move down and back up: the selection follows.
    tmux.keys(&["j", "k"]);
    tmux.keys(&["s"]);
    tmux.wait_for("Start `announce` as casey", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("started announce", WAIT);
    tmux.keys(&["d"]);
    tmux.wait_for("Mark done `announce` as casey", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("marked announce done", WAIT);
    tmux.keys(&["o"]);
    tmux.wait_for("Sign off `announce` as casey", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("signed off announce", WAIT);

    // Go to the next step through the command line: note it, then start it.
    tmux.keys(&[":"]);
    tmux.type_text("goto source-healthy");
    tmux.keys(&["Enter"]);
    tmux.wait_for("ready source-healthy", WAIT);
    tmux.keys(&["N"]);
    tmux.wait_for("Note on `source-healthy`", WAIT);
    tmux.type_text("probe green, count matches");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Add a note to `source-healthy`", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("probe green, count matches", WAIT);
    tmux.keys(&["s", "y"]);
    tmux.wait_for("started source-healthy", WAIT);

    // Rollback: the modal shows the plan and asks for the step id; cancel it.
    tmux.keys(&["R"]);
    tmux.wait_for("Why roll back from `source-healthy`?", WAIT);
    tmux.type_text("e2e test");
    tmux.keys(&["Enter"]);
    let modal = tmux.wait_for("Rollback tasks, in order", WAIT);
    assert!(modal.contains("↺ announce"), "{modal}");
    assert!(modal.contains("Type `source-healthy`"), "{modal}");
    tmux.keys(&["Escape"]);

    // Quit asks while the drill is live.
    tmux.keys(&["q"]);
    tmux.wait_for("The drill is live. Quit this console?", WAIT);
    tmux.keys(&["y"]);
    let start = std::time::Instant::now();
    while tmux.alive() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!tmux.alive(), "the console did not quit");

    let journal = std::fs::read_dir(demo_dir.join("drills"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "db"))
        .expect("a journal in the demo's drills/");
    assert_eq!(
        human_events(&journal),
        [
            "casey: started the drill",
            "casey: started `announce`",
            "casey: marked `announce` done",
            "casey: signed off `announce` (coordinator override)",
            "casey: note on `source-healthy`: probe green, count matches",
            "casey: started `source-healthy`",
        ]
    );
}
