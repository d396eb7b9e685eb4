//! A real headless browser (Debian's `chromium`) for checking HTML the way a reader sees
//! it. A missing browser is skipped LOUDLY, or fails the test when
//! `WARROOM_REQUIRE_SERVERS=1` (CI installs it), like the database servers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser binary: `$WARROOM_CHROMIUM`, else `chromium` on the PATH.
pub fn chromium() -> Option<PathBuf> {
    let candidate = std::env::var_os("WARROOM_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join("chromium"))
                    .find(|p| p.is_file())
            })
        });
    if candidate.is_some() {
        return candidate;
    }
    assert!(!std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1"), "chromium is required (WARROOM_REQUIRE_SERVERS=1) but not installed: apt-get install chromium");
    eprintln!(
        "\n!!! SKIPPED: chromium is not installed, so the HTML report was not rendered in a \
         browser. Install it (`apt-get install chromium`, or set WARROOM_CHROMIUM) to run this \
         test; .ci/run installs it and sets WARROOM_REQUIRE_SERVERS=1.\n"
    );
    None
}

/// Runs headless chromium on `html` with `args`, in its own profile under `work`, and
/// returns its standard output.
fn run(browser: &Path, work: &Path, html: &Path, args: &[String]) -> String {
    let profile = work.join("chromium-profile");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    assert!(
        output.status.success(),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The DOM after the browser parsed and laid out the page.
pub fn dump_dom(browser: &Path, work: &Path, html: &Path) -> String {
    run(browser, work, html, &["--dump-dom".to_string()])
}

pub fn screenshot(browser: &Path, work: &Path, html: &Path, png: &Path) {
    run(
        browser,
        work,
        html,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,2000".to_string(),
            "--hide-scrollbars".to_string(),
        ],
    );
}

pub fn print_to_pdf(browser: &Path, work: &Path, html: &Path, pdf: &Path) {
    run(
        browser,
        work,
        html,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
    );
}
