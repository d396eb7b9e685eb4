//! Drives the real binary in a tmux session: send keys, read the screen.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
    socket: String,
}

/// Whether tmux is installed; tests that need it say so loudly when it is not.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether an end-to-end test can run: says so loudly and skips when tmux is missing, and
/// fails under CI (`WARROOM_REQUIRE_SERVERS=1`), where it must be there.
pub fn required() -> bool {
    if available() {
        return true;
    }
    assert!(
        !std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1"),
        "tmux is required for the end-to-end tests"
    );
    eprintln!("\n!!! SKIPPED: tmux is not installed; install it to run the console end to end\n");
    false
}

/// What `warroom events JOURNAL` prints (the real binary), one event per line.
pub fn journal_events(journal: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--log-file", "/dev/null", "events"])
        .arg(journal)
        .output()
        .expect("run warroom events");
    assert!(
        out.status.success(),
        "warroom events: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Tmux {
    /// Starts `command` (a shell command line) in a detached session of the given size.
    pub fn start(name: &str, cwd: &Path, width: u16, height: u16, command: &str) -> Tmux {
        let session = format!("{name}-{}", std::process::id());
        let socket = format!("warroom-test-{session}");
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-s", &session])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg("-c")
            .arg(cwd)
            .arg(command)
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        Tmux { session, socket }
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Sends tmux key names ("j", "Enter", "Escape", "C-c") one by one.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = self
                .tmux()
                .args(["send-keys", "-t", &self.session, key])
                .status()
                .expect("tmux send-keys");
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen contains `text`; panics with the screen if it never does.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() <= timeout,
                "`{text}` never appeared on screen; last screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the session's program is still running.
    pub fn alive(&self) -> bool {
        self.tmux()
            .args(["has-session", "-t", &self.session])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().args(["kill-server"]).status();
    }
}
