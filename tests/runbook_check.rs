#![allow(clippy::unwrap_used)]
//! `warroom check` on real files: every example runbook passes, and each fixture under
//! tests/fixtures/runbooks/ produces its own diagnostic at its exact line:column.

use std::path::PathBuf;

use warroom::runbook::{check_files, load, LoadError};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_runbooks() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("runbooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_runbook_passes_check_without_warnings() {
    let files = example_runbooks();
    assert!(
        files.len() >= 4,
        "expected the example runbooks, found {files:?}"
    );
    for file in &files {
        match load(file) {
            Ok(loaded) => {
                let warnings: Vec<String> =
                    loaded.warnings.iter().map(ToString::to_string).collect();
                assert!(
                    warnings.is_empty(),
                    "{}:\n{}",
                    file.display(),
                    warnings.join("\n")
                );
                assert!(!loaded.runbook.steps.is_empty());
                assert_eq!(loaded.runbook.digest.len(), 64);
            }
            Err(LoadError::Invalid(diags)) => {
                let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
                panic!("{} is invalid:\n{}", file.display(), text.join("\n\n"));
            }
            Err(e) => panic!("{e}"),
        }
    }
    let mut out = Vec::new();
    assert!(check_files(&files, true, &mut out).unwrap());
}

#[test]
fn check_prints_a_summary_per_valid_file() {
    let files = vec![root().join("runbooks/mysql-to-postgres-cutover.toml")];
    let mut out = Vec::new();
    assert!(check_files(&files, false, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    println!("{text}");
    assert!(text.contains("ok "), "{text}");
    assert!(text.contains("mysql-to-postgres-cutover.toml"), "{text}");
    assert!(text.contains("critical path"), "{text}");
    assert!(text.contains("no return      switch-traffic"), "{text}");
    assert!(
        text.contains("1 file(s) checked: 0 error(s), 0 warning(s); all passed"),
        "{text}"
    );
}
