//! Shell completions and the man page come from the real clap definitions.

use std::process::Command;

fn warroom(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .output()
        .expect("run warroom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_know_every_subcommand_and_flag() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, text) = warroom(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for word in [
            "check", "copy", "recon", "observe", "join", "events", "layout",
        ] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
    let (code, _) = warroom(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let (code, text) = warroom(&["man"]);
    assert_eq!(code, 0);
    assert!(text.contains(".TH warroom 1"), "{text}");
    for word in ["check", "run", "demo", "copy", "recon", "probe", "events"] {
        assert!(text.contains(word), "man page lacks {word}");
    }
}
