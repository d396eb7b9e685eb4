//! The README's fifteen-minute walk-through, run as written: its shell block (after the
//! `<!-- walkthrough -->` marker) in a fresh folder against the real MariaDB and PostgreSQL,
//! with the real binary on `PATH`, and the console it starts driven in tmux. Only the
//! database name is changed (`export DB=...`), so parallel runs do not meet.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{servers, tmux};

const MARKER: &str = "<!-- walkthrough -->";

/// The walk-through's script: the shell block after the marker.
fn walkthrough() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let after = readme
        .split_once(MARKER)
        .expect("README.md has the walk-through marker")
        .1;
    let block = after
        .split_once("```sh\n")
        .expect("a sh block after the marker")
        .1;
    block
        .split_once("\n```")
        .expect("the sh block ends")
        .0
        .to_string()
}

fn bin_dir() -> String {
    Path::new(env!("CARGO_BIN_EXE_warroom"))
        .parent()
        .expect("the binary's folder")
        .display()
        .to_string()
}

/// Runs part of the walk-through with bash, stopping at the first command that fails.
fn run_script(dir: &Path, script: &str) -> String {
    let path = format!(
        "{}:{}",
        bin_dir(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("bash");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the README walk-through failed ({}):\n{said}\n--- script ---\n{script}",
        out.status
    );
    said
}

fn drop_databases(db: &str) {
    let _ = Command::new("mariadb")
        .args(["-h", "127.0.0.1", "-u", "root", "-e"])
        .arg(format!("DROP DATABASE IF EXISTS {db}"))
        .output();
    let _ = Command::new("dropdb")
        .args(["-h", "127.0.0.1", "-U", "postgres", "--if-exists", db])
        .output();
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let (Some(_), Some(_)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    if !tmux::required() {
        return;
    }
    let script = walkthrough();
    let db = format!("wr_walk_{}", std::process::id());
    assert!(
        script.contains("export DB=shop\n"),
        "the walk-through names its database in one place"
    );
    let script = script.replace("export DB=shop\n", &format!("export DB={db}\n"));
    drop_databases(&db);
    let dir = tempfile::tempdir().expect("tempdir");

    // Everything before the console, then the console in tmux, then the rest.
    let (before, rest) = script
        .split_once("\nwarroom run ")
        .expect("the walk-through starts a drill");
    let (run_args, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let said = run_script(dir.path(), before);
    assert!(said.contains("wrote runbooks/shop.toml"), "{said}");
    assert!(said.contains("created the target table"), "{said}");
    // Preflight knew the copies would create the tables (no blocker for a missing one).
    assert!(said.contains("creates it (create_target)"), "{said}");

    let console = tmux::Tmux::start(
        "walkthrough",
        dir.path(),
        160,
        48,
        &format!("{} run {run_args}", env!("CARGO_BIN_EXE_warroom")),
    );
    let wait = Duration::from_secs(30);
    let screen = console.wait_for("pre-checks", wait);
    assert!(screen.contains("DRILL"), "{screen}");
    // `q` leaves; once a step has started the console asks first.
    console.keys(&["q"]);
    let start = std::time::Instant::now();
    while console.alive() && start.elapsed() < wait {
        if console.screen().contains("Quit this console?") {
            console.keys(&["y"]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!console.alive(), "the console did not quit");

    run_script(dir.path(), after);
    let html = std::fs::read_to_string(dir.path().join("shop-drill.html")).expect("the report");
    assert!(
        html.contains("<svg") && html.contains("rehearsal"),
        "{html}"
    );
    drop_databases(&db);
}
