#![allow(clippy::unwrap_used)]
//! Three real processes on loopback, each in its own tmux: the coordinator serving the drill
//! (`run --listen`), a DRI (`join`) and an observer (`observe`). The coordinator starts a
//! step and marks it done; the DRI, its reviewer, signs it off from their console; the
//! observer's screen shows it and its keys change nothing. Then the coordinator is killed
//! and resumed from the journal: both remote consoles reconnect by themselves and the DRI's
//! note reaches the observer.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::tmux::{self, Tmux};

const WAIT: Duration = Duration::from_secs(20);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn coordinator(dir: &Path, port: u16, journal_flag: &str) -> String {
    format!(
        "WARROOM_DEMO_DIR={dir} {bin} --log-file {dir}/coordinator.log run {manifest}/runbooks/demo.toml {journal_flag} {dir}/j.db --listen 127.0.0.1:{port}",
        dir = dir.display(),
        bin = env!("CARGO_BIN_EXE_warroom"),
        manifest = env!("CARGO_MANIFEST_DIR"),
    )
}

#[test]
fn coordinator_dri_and_observer_over_the_network() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}");

    let coord = Tmux::start("coord", d, 120, 40, &coordinator(d, port, "--journal"));
    coord.wait_for("serving ws://127.0.0.1", WAIT);
    let invites = std::fs::read_to_string(d.join("j.db.invites")).unwrap();
    let sam_line = invites
        .lines()
        .find(|l| l.contains("--as sam "))
        .unwrap_or_else(|| panic!("no invite for sam in:\n{invites}"));
    assert!(sam_line.starts_with(&format!("warroom join {url} --as sam --token ")));
    let token = sam_line.rsplit(' ').next().unwrap();

    let bin = env!("CARGO_BIN_EXE_warroom");
    let dri = Tmux::start(
        "dri",
        d,
        120,
        40,
        &format!(
            "{bin} --log-file {}/dri.log join {url} --as sam --token {token}",
            d.display()
        ),
    );
    let observer = Tmux::start(
        "observer",
        d,
        120,
        40,
        &format!(
            "{bin} --log-file {}/observer.log observe {url}",
            d.display()
        ),
    );
    let screen = observer.wait_for("READ-ONLY VIEW", WAIT);
    assert!(screen.contains("● live"), "{screen}");
    dri.wait_for("sam (participant", WAIT);

    // The coordinator sees who is connected.
    coord.wait_for("● online since", WAIT);

    coord.keys(&["s"]);
    coord.wait_for("Start `announce` as casey", WAIT);
    coord.keys(&["y"]);
    coord.wait_for("started announce", WAIT);
    coord.keys(&["d"]);
    coord.wait_for("Mark done `announce` as casey", WAIT);
    coord.keys(&["y"]);
    dri.wait_for("marked announce done", WAIT);

    // The DRI (announce's reviewer) signs it off from their own console.
    dri.keys(&["o"]);
    dri.wait_for("Sign off `announce` as sam", WAIT);
    dri.keys(&["y"]);
    dri.wait_for("recorded: signed off `announce`", WAIT);
    observer.wait_for("signed off announce", WAIT);
    coord.wait_for("signed off announce", WAIT);

    // The observer's keys change nothing: no confirmation ever opens.
    observer.keys(&["s", "o", "d", "R", "N"]);
    std::thread::sleep(Duration::from_millis(500));
    let screen = observer.screen();
    assert!(
        !screen.contains("as val") && !screen.contains("Start `"),
        "{screen}"
    );

    // The coordinator dies; resumed from the journal, it serves again on the same port and
    // with the same tokens.
    drop(coord); // kills its tmux, and the process with it
    observer.wait_for("link down", WAIT);
    let coord = Tmux::start("coord2", d, 120, 40, &coordinator(d, port, "--resume"));
    coord.wait_for("serving ws://127.0.0.1", WAIT);
    observer.wait_for("reconnected", WAIT);
    dri.wait_for("reconnected", WAIT);

    dri.keys(&["N"]);
    dri.wait_for("Note on `", WAIT);
    dri.type_text("replica lag back to 0 after restart");
    dri.keys(&["Enter"]);
    dri.wait_for("Add a note", WAIT);
    dri.keys(&["y"]);
    observer.wait_for("replica lag back to 0 after restart", WAIT);
    coord.wait_for("replica lag back to 0 after restart", WAIT);

    drop(coord);
    let deadline = std::time::Instant::now() + WAIT;
    let journal = loop {
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["--log-file", "/dev/null", "events"])
            .arg(d.join("j.db"))
            .output()
            .unwrap();
        if out.status.success() || std::time::Instant::now() > deadline {
            break tmux::journal_events(&d.join("j.db"));
        }
        std::thread::sleep(Duration::from_millis(100)); // the killed process lets go
    };
    assert!(journal.contains("sam: signed off `announce`"), "{journal}");
    assert!(journal.contains("sam: note"), "{journal}");
    assert!(
        !journal.contains("val:"),
        "an observer changed the drill:\n{journal}"
    );
    let log = std::fs::read_to_string(d.join("observer.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
}

/// Two real consoles on one served drill: the coordinator hands the role over to a DRI
/// who joined from their own terminal; the DRI accepts there and drives the drill as the
/// coordinator, while the old coordinator's console can no longer act as one.
#[test]
fn the_coordinator_hands_over_to_a_joined_console_which_then_drives() {
    if !tmux::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}");

    let coord = Tmux::start("hand-coord", d, 160, 48, &coordinator(d, port, "--journal"));
    coord.wait_for("serving ws://127.0.0.1", WAIT);
    let invites = std::fs::read_to_string(d.join("j.db.invites")).unwrap();
    let line = invites
        .lines()
        .find(|l| l.contains("--as dana "))
        .unwrap_or_else(|| panic!("no invite for dana in:\n{invites}"));
    let token = line.rsplit(' ').next().unwrap();
    let bin = env!("CARGO_BIN_EXE_warroom");
    let dana = Tmux::start(
        "hand-dana",
        d,
        160,
        48,
        &format!(
            "{bin} --log-file {}/dana.log join {url} --as dana --token {token}",
            d.display()
        ),
    );
    dana.wait_for("dana (participant", WAIT);
    coord.wait_for("● online", WAIT);

    // casey offers the coordinator role to dana: nothing moves until dana accepts.
    coord.keys(&["H"]);
    coord.wait_for("Hand over the coordinator role to", WAIT);
    coord.type_text("dana");
    coord.keys(&["Enter"]);
    coord.wait_for("Offer the coordinator role to `dana` as casey?", WAIT);
    coord.keys(&["y"]);
    coord.wait_for("handover of the coordinator role offered to dana", WAIT);

    // dana accepts from her own console.
    dana.wait_for("offered to you: a accept", WAIT);
    dana.keys(&["a"]);
    dana.wait_for("Take over the coordinator role from `casey` as dana?", WAIT);
    dana.keys(&["y"]);
    dana.wait_for("dana (coordinator", WAIT);
    coord.wait_for("coordinator dana since", WAIT);
    coord.wait_for("casey (participant", WAIT);

    // casey can no longer act as the coordinator: skipping is refused on her console.
    coord.keys(&["x"]);
    coord.wait_for("`skip` is not allowed here now", WAIT);

    // dana drives: she starts casey's step as the coordinator, and casey sees it.
    dana.keys(&["s"]);
    dana.wait_for(
        "Start `announce` as dana (coordinator, overriding the DRI)?",
        WAIT,
    );
    dana.keys(&["y"]);
    coord.wait_for("dana     started announce", WAIT);

    drop(coord);
    drop(dana);
    let deadline = std::time::Instant::now() + WAIT;
    let journal = loop {
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["--log-file", "/dev/null", "events"])
            .arg(d.join("j.db"))
            .output()
            .unwrap();
        if out.status.success() || std::time::Instant::now() > deadline {
            break tmux::journal_events(&d.join("j.db"));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        journal.contains("casey: offered the coordinator role to `dana`"),
        "{journal}"
    );
    assert!(
        journal.contains("dana: `dana` took over the coordinator role from `casey`"),
        "{journal}"
    );
    assert!(journal.contains("dana: started `announce`"), "{journal}");
}
