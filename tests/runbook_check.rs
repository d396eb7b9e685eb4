#![allow(clippy::unwrap_used)]
//! `warroom check` on real files: every example runbook passes, and each fixture under
//! tests/fixtures/runbooks/ produces its own diagnostic at its exact line:column.

mod support;

use std::path::PathBuf;

use warroom::runbook::{check_files, load, Diagnostic, LoadError, Severity};

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

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/runbooks").join(name)
}

/// The diagnostics of a fixture that must fail to load.
fn errors_of(name: &str) -> Vec<Diagnostic> {
    match load(&fixture(name)) {
        Err(LoadError::Invalid(diags)) => diags,
        Err(e) => panic!("{name}: {e}"),
        Ok(_) => panic!("{name} should not pass"),
    }
}

/// Asserts that exactly this message is reported at exactly this line:column.
fn expect(diags: &[Diagnostic], severity: Severity, line: usize, column: usize, message: &str) {
    let found = diags.iter().find(|d| d.message == message);
    let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
    let d = found.unwrap_or_else(|| panic!("no `{message}` among:\n{}", all.join("\n\n")));
    assert_eq!(
        (d.line, d.column, d.severity),
        (line, column, severity),
        "{d}"
    );
    assert!(d.help.is_some(), "every diagnostic says what to do: {d}");
    assert!(d.snippet.is_some(), "{d}");
}

fn only_error(name: &str, line: usize, column: usize, message: &str) -> Diagnostic {
    let diags = errors_of(name);
    expect(&diags, Severity::Error, line, column, message);
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{name}: {errors:#?}");
    errors[0].clone()
}

#[test]
fn bad_syntax_points_at_the_unclosed_string() {
    let d = only_error("bad-syntax.toml", 18, 8, "this `\"` is never closed");
    assert!(d.file.ends_with("bad-syntax.toml"));
    assert_eq!(d.snippet.as_deref(), Some("name = \"only"));
}

#[test]
fn an_unclosed_list_is_one_error_at_its_bracket() {
    let d = only_error("unclosed-list.toml", 45, 9, "this `[` is never closed");
    assert!(d.help.as_deref().unwrap().contains("before line 47"), "{d}");
}

#[test]
fn an_unclosed_inline_table_is_one_error_at_its_brace() {
    let d = only_error(
        "unclosed-inline-table.toml",
        65,
        10,
        "this `{` is never closed",
    );
    assert!(d.help.as_deref().unwrap().contains("before line 67"), "{d}");
}

#[test]
fn unclosed_text_is_one_error_at_its_opening_quotes() {
    let d = only_error(
        "unclosed-text.toml",
        62,
        16,
        "this `\"\"\"` is never closed",
    );
    assert!(
        d.help.as_deref().unwrap().contains("end of the file"),
        "{d}"
    );
}

#[test]
fn an_empty_string_written_for_text_is_one_error_at_it() {
    let d = only_error(
        "empty-string-for-text.toml",
        52,
        16,
        "`\"\"` is an empty string, so the lines after it are read as TOML",
    );
    assert!(d.help.as_deref().unwrap().contains("`\"\"\"`"), "{d}");
}

/// The size of the reported case: one `[` left open in a long runbook, every step after it.
#[test]
fn one_unclosed_bracket_in_a_long_runbook_is_one_error() {
    let text =
        std::fs::read_to_string(root().join("runbooks/mysql-to-postgres-cutover.toml")).unwrap();
    let (line, _) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("after = [") && l.ends_with(']'))
        .expect("a step with `after` in the example");
    let broken: Vec<&str> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == line {
                l.trim_end_matches(']')
            } else {
                l
            }
        })
        .collect();
    let Err(diags) = warroom::runbook::parse_str("long.toml", &broken.join("\n")) else {
        panic!("an unclosed `[` must not parse");
    };
    expect(
        &diags,
        Severity::Error,
        line + 1,
        9,
        "this `[` is never closed",
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
}

/// A mistake before the unclosed opener is its own: it is still listed.
#[test]
fn a_separate_mistake_before_the_unclosed_one_is_kept() {
    let text = std::fs::read_to_string(fixture("unclosed-list.toml")).unwrap();
    let text = text.replacen("planned = \"5m\"", "planned = 5m", 1);
    let Err(diags) = warroom::runbook::parse_str("two.toml", &text) else {
        panic!("must not parse");
    };
    let errors: Vec<(usize, usize)> = diags.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(errors.len(), 2, "{diags:#?}");
    assert_eq!(errors[0].0, 31, "{diags:#?}");
    assert_eq!(errors[1], (45, 9), "{diags:#?}");
}

#[test]
fn every_missing_field_of_a_step_is_listed() {
    let d = only_error(
        "missing-fields.toml",
        36,
        1,
        "step `s2` is missing `dri`, `reviewer` and `planned`",
    );
    let help = d.help.as_deref().unwrap();
    assert!(
        help.contains("`dri = ") && help.contains("`reviewer = ") && help.contains("`planned = "),
        "{d}"
    );
}

#[test]
fn a_gate_without_approvers_says_the_coordinator_alone_approves() {
    let mut out = Vec::new();
    assert!(check_files(&[fixture("gate-without-approvers.toml")], true, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("gates          s3 (GO from the coordinator alone: ann)"),
        "{text}"
    );
}

#[test]
fn unknown_person() {
    let d = only_error(
        "unknown-person.toml",
        23,
        7,
        "step `a` names unknown DRI `bob`",
    );
    assert_eq!(
        d.help.as_deref(),
        Some("declare [people.bob] or fix the handle (did you mean `bo`?)")
    );
    let text = d.to_string();
    assert!(
        text.contains(":23:7: error: step `a` names unknown DRI `bob`"),
        "{text}"
    );
    assert!(
        text.contains(" 23 | dri = \"bob\"\n    |       ^^^^^"),
        "{text}"
    );
}

#[test]
fn unknown_after() {
    only_error(
        "unknown-after.toml",
        33,
        15,
        "step `b` waits for unknown step `c`",
    );
}

#[test]
fn duplicate_id() {
    only_error(
        "duplicate-id.toml",
        28,
        6,
        "duplicate step id `a` (first declared on line 21)",
    );
}

#[test]
fn cycle_is_named() {
    only_error("cycle.toml", 26, 10, "dependency cycle: a -> b -> c -> a");
}

#[test]
fn unknown_approver() {
    only_error(
        "unknown-approver.toml",
        34,
        21,
        "step `go` names unknown approver `zed`",
    );
}

#[test]
fn unknown_connection() {
    only_error(
        "unknown-connection.toml",
        31,
        10,
        "recon job `r` uses unknown connection `dts`",
    );
}

#[test]
fn bad_duration_points_at_the_value() {
    only_error(
        "bad-duration.toml",
        25,
        11,
        "`planned` of step `a`: `5 minutes` is not a duration: a number needs a unit (ms, s, m, h, d)",
    );
}

#[test]
fn unknown_field_suggests_the_spelling() {
    let d = only_error(
        "unknown-field.toml",
        26,
        1,
        "unknown field `instrucions` in step `a`",
    );
    assert!(d.help.unwrap().contains("did you mean `instructions`?"));
}

#[test]
fn bad_requires() {
    let diags = errors_of("bad-requires.toml");
    expect(
        &diags,
        Severity::Error,
        26,
        13,
        "`requires` of step `a` refers to unknown copy job `orders`",
    );
    expect(
        &diags,
        Severity::Error,
        26,
        28,
        "`requires` of step `a` has a malformed entry `recon`",
    );
    assert_eq!(diags.len(), 2, "{diags:#?}");
}

#[test]
fn bad_urls_never_echo_a_password() {
    let diags = errors_of("bad-url.toml");
    expect(
        &diags,
        Severity::Error,
        15,
        7,
        "connection `src`: the url's scheme is not supported",
    );
    expect(
        &diags,
        Severity::Error,
        18,
        7,
        "connection `dst`: the url has an unclosed `${`",
    );
    expect(
        &diags,
        Severity::Warning,
        21,
        7,
        "connection `leaky`: the url has a password written in the file",
    );
    for d in &diags {
        assert!(!d.to_string().contains("hunter2"), "{d}");
    }
    let leaky = diags.iter().find(|d| d.line == 21).unwrap();
    assert_eq!(
        leaky.snippet.as_deref(),
        Some("url = \"mysql://app:*******@db3:3306/pay\"")
    );
}

#[test]
fn empty_and_duplicate_phases() {
    let diags = errors_of("empty-phase.toml");
    expect(
        &diags,
        Severity::Error,
        28,
        8,
        "phase `second` has no steps",
    );
    expect(
        &diags,
        Severity::Error,
        31,
        8,
        "duplicate phase `first` (first declared on line 18)",
    );
    assert_eq!(diags.len(), 2, "{diags:#?}");
}

#[test]
fn irreversible_unguarded_is_a_warning_that_fails_only_strict() {
    let loaded = load(&fixture("irreversible-unguarded.toml")).unwrap();
    expect(
        &loaded.warnings,
        Severity::Warning,
        33,
        16,
        "step `b` is irreversible but no gate comes before it",
    );
    assert_eq!(loaded.warnings.len(), 1);
    let files = vec![fixture("irreversible-unguarded.toml")];
    let mut out = Vec::new();
    assert!(check_files(&files, false, &mut out).unwrap());
    let mut out = Vec::new();
    assert!(!check_files(&files, true, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("--strict treats warnings as errors"),
        "{text}"
    );
}

#[test]
fn several_errors_are_all_listed_in_file_order() {
    let diags = errors_of("several-errors.toml");
    let e = Severity::Error;
    expect(&diags, e, 23, 7, "step `a` names unknown DRI `bob`");
    expect(&diags, e, 26, 10, "step `a` waits for unknown step `nope`");
    expect(
        &diags,
        e,
        32,
        11,
        "`planned` of step `b`: `soon` is not a duration: expected a number",
    );
    expect(
        &diags,
        e,
        33,
        13,
        "`requires` of step `b` refers to unknown recon job `missing`",
    );
    expect(
        &diags,
        e,
        34,
        13,
        "step `b` has approvers but is not a gate",
    );
    expect(
        &diags,
        e,
        36,
        6,
        "duplicate step id `b` (first declared on line 28)",
    );
    expect(
        &diags,
        e,
        46,
        10,
        "copy job `orders` uses unknown connection `nowhere`",
    );
    expect(&diags, e, 48, 7, "copy job `orders` has an empty `key`");
    expect(
        &diags,
        e,
        49,
        11,
        "`workers` of copy job `orders` must be at least 1",
    );
    expect(
        &diags,
        e,
        50,
        1,
        "unknown field `colour` in copy job `orders`",
    );
    assert_eq!(diags.len(), 10, "{diags:#?}");
    let positions: Vec<(usize, usize)> = diags.iter().map(|d| (d.line, d.column)).collect();
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    assert_eq!(positions, sorted);

    let mut out = Vec::new();
    assert!(!check_files(&[fixture("several-errors.toml")], false, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains(": 10 error(s), 0 warning(s)"), "{text}");
}

#[test]
fn unreadable_file_names_the_path() {
    let missing = fixture("does-not-exist.toml");
    let mut out = Vec::new();
    assert!(!check_files(&[missing], false, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("cannot read runbook"), "{text}");
    assert!(text.contains("does-not-exist.toml"), "{text}");
}

/// The real binary with its output read by someone who goes away after one line, as
/// `warroom check ... | head -1` does: it must end quietly, not complain or panic.
mod closed_pipe {
    use std::process::{Command, Stdio};

    /// Enough files that the output overflows the pipe: the writes after the reader left
    /// fail.
    fn check_many() -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_warroom"));
        command.arg("check");
        for _ in 0..300 {
            command.arg(super::fixture("several-errors.toml"));
        }
        command.stdin(Stdio::null());
        command
    }

    #[test]
    fn check_into_a_closed_pipe_ends_quietly() {
        let (first, stderr, status) = crate::support::pipe::first_line_then_close(check_many());
        assert!(first.contains("several-errors.toml"), "{first}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(status.code(), Some(141), "{stderr}");
    }

    /// `2>&1 | head -1` in a real shell: standard error is the closed pipe too.
    #[test]
    fn check_with_stderr_into_the_same_closed_pipe_does_not_panic() {
        let files = vec![super::fixture("several-errors.toml").display().to_string(); 300];
        let script = format!(
            "'{}' check {} 2>&1 | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            env!("CARGO_BIN_EXE_warroom"),
            files
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let out = Command::new("bash")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let status = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_ne!(status, "101", "it panicked");
        assert_eq!(status, "141");
    }
}

#[test]
fn requires_action_of_an_unknown_step() {
    let d = only_error(
        "requires-action-unknown-step.toml",
        35,
        13,
        "`requires` of step `go` names unknown step `copy-order` in `action:copy-order`",
    );
    assert!(d.help.unwrap().contains("did you mean `copy-orders`?"));
}

#[test]
fn requires_action_of_a_step_without_a_check_or_shell_action() {
    let d = only_error(
        "requires-action-without-check.toml",
        35,
        13,
        "`requires` of step `go`: step `copy-orders` has no action, so `action:copy-orders` is never reported",
    );
    assert!(d.help.unwrap().contains("check (sql) or shell"));
}

/// Each mistake in a check condition, a compare, `holds_for`, `ready`, a command's
/// `result` or a `report`: its own message at its own line:column.
#[test]
fn each_mistake_in_a_check_or_result_is_one_error_at_its_value() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("expect-unknown-condition.toml", 37, 88, "`expect` in the action of step `a` has unknown condition `at_leest`"),
        ("expect-not-a-number.toml", 37, 88, "`at_most` in `expect` in the action of step `a` must be a number"),
        ("expect-two-conditions.toml", 37, 88, "`expect` in the action of step `a` must have exactly one condition; it has at_least and at_most"),
        ("expect-between-reversed.toml", 37, 88, "`between` in `expect` in the action of step `a` has its minimum above its maximum"),
        ("expect-pass-rate-over-100.toml", 37, 98, "`pass_rate_at_least` in `expect` in the action of step `a` is not a percentage from 0 to 100"),
        ("holds-for-zero.toml", 37, 105, "`holds_for` of the SQL check in the action of step `a` must be at least 1"),
        ("ready-unknown-connection.toml", 37, 122, "`ready` of the SQL check in the action of step `a` uses unknown connection `dts`"),
        ("compare-without-connection.toml", 37, 43, "`source` of the compare check in the action of step `a` has no `connection`"),
        ("compare-bad-tolerance.toml", 37, 186, "`tolerance` of the compare check in the action of step `a` is not a number of at least 0 or a percentage"),
        ("compare-with-expect.toml", 37, 31, "`expect` does not apply to a compare check in the action of step `a`"),
        ("shell-result-bad-pointer.toml", 37, 85, "`result` of the action of step `a`: `summary/differences` is not a JSON pointer"),
        ("shell-result-no-source.toml", 37, 44, "`result` of the action of step `a` must have exactly one of `json` and `last_line = true`"),
        ("result-on-copy.toml", 37, 38, "`result` does not apply to the action of step `a`, a copy"),
        ("report-empty.toml", 37, 44, "the action of step `a` has an empty `report`"),
        ("report-on-copy.toml", 37, 38, "`report` does not apply to the action of step `a`, a copy"),
        ("report-on-probe-check.toml", 44, 48, "`report` does not apply to a probe check in the action of step `a`"),
        ("holds-for-on-probe-check.toml", 44, 49, "`holds_for` does not apply to a probe check in the action of step `a`"),
        ("compare-with-connection.toml", 37, 35, "`connection` does not apply to a compare check in the action of step `a`"),
        ("compare-empty-sql.toml", 37, 141, "`target` of the compare check in the action of step `a` has an empty `sql`"),
        ("check-sql-and-compare.toml", 37, 20, "the check in the action of step `a` must have exactly one of `probe`, `sql` and `compare`"),
        ("expect-equals-a-table.toml", 37, 84, "`equals` in `expect` in the action of step `a` must be text, a number or a boolean"),
        ("requires-action-of-a-copy-step.toml", 43, 13, "`requires` of step `go`: step `copy-orders` has a copy action, so `action:copy-orders` is never reported"),
        ("clock-deadline-not-gate.toml", 37, 15, "step `a` has a `go_deadline` but is not a gate"),
        ("clock-hold-on-gate.toml", 38, 12, "step `a` has a `min_hold` but is a gate"),
        ("clock-bad-range.toml", 36, 11, "`planned` of step `a` is the range `23h-19h`, whose end is not after its start"),
        ("clock-bad-datetime.toml", 37, 14, "`not_before` of step `a` is not a date and time with a UTC offset"),
        ("contingency-not-irreversible.toml", 37, 15, "step `a` has a `contingency` but is not irreversible"),
        ("contingency-unknown-phase.toml", 38, 15, "step `a` names unknown phase `failback` as its contingency"),
        ("contingency-cross-edge.toml", 59, 10, "step `c` waits for `b` across a contingency phase"),
        ("restart-copy-forward.toml", 37, 27, "the action of step `a` is `restart_copy`, which only a rollback can do"),
        ("restart-copy-external.toml", 39, 69, "the rollback action of step `a` restarts copy `orders`, which is external"),
        ("id-generator-no-ceiling.toml", 39, 1, "id generator `order-ids` must have exactly one of `max`, `bits` and `snowflake`"),
    ];
    for (name, line, column, message) in cases {
        only_error(name, *line, *column, message);
    }
    let d = only_error("expect-unknown-condition.toml", 37, 88, cases[0].3);
    assert!(d.help.unwrap().contains("did you mean `at_least`?"));
    let d = only_error("ready-unknown-connection.toml", 37, 122, cases[6].3);
    assert!(d.help.unwrap().contains("did you mean `dst`?"));
}

/// Every new shape reads into the model: conditions, pass rate, `holds_for`, ready (with the
/// check's connection by default), compare with both kinds of tolerance, a command's result
/// and a report, and `action:STEP` evidence on a later gate.
#[test]
fn checks_with_conditions_compares_results_and_reports_read_into_the_model() {
    use warroom::runbook::{Action, Check, Condition, Evidence, Query, ResultSource, Tolerance};
    let text = r#"
[runbook]
name = "x"
kind = "drill"
coordinator = "ann"
[people.ann]
name = "Ann"
role = "coordinator"
[people.bo]
name = "Bo"
role = "DBA"
[connections.src]
url = "mysql://app@db1/pay"
[connections.dst]
url = "postgres://app@pg1/pay"
[[phase]]
name = "verify"
[[phase.step]]
id = "replay"
title = "Query replay"
dri = "bo"
reviewer = "ann"
planned = "5m"
action = { check = { sql = "SELECT passed, total FROM replay", connection = "dst", expect = { pass_rate_at_least = 99.9 }, holds_for = 3, ready = { sql = "SELECT status = 'finished' FROM replay" } }, report = "https://ci/replay/7" }
[[phase.step]]
id = "plain"
title = "Plain"
dri = "bo"
reviewer = "ann"
planned = "5m"
action = { check = { sql = "SELECT 0", connection = "dst", expect = 0 } }
[[phase.step]]
id = "counts"
title = "Counts"
dri = "bo"
reviewer = "ann"
planned = "5m"
action = { check = { compare = { source = { connection = "src", sql = "SELECT COUNT(*) FROM t" }, target = { connection = "dst", sql = "SELECT COUNT(*) FROM t" }, tolerance = "0.1%" } } }
[[phase.step]]
id = "sums"
title = "Sums"
dri = "bo"
reviewer = "ann"
planned = "5m"
action = { check = { compare = { source = { connection = "src", sql = "SELECT SUM(a) FROM t" }, target = { connection = "dst", sql = "SELECT SUM(a) FROM t" }, tolerance = 5 } } }
[[phase.step]]
id = "diff"
title = "sync-diff"
dri = "bo"
reviewer = "ann"
planned = "5m"
action = { shell = "sync_diff_inspector --json", result = { json = "/summary/differences", expect = { between = [0, 0] } }, report = "/tmp/sync-diff/report.html" }
[[phase.step]]
id = "go"
title = "GO"
dri = "ann"
reviewer = "bo"
planned = "5m"
gate = true
requires = ["action:replay", "action:diff", "action:counts"]
"#;
    let rb = warroom::runbook::parse_str("x.toml", text).unwrap().runbook;
    let Some(Action::Check(Check::Sql(replay))) = &rb.steps[0].action else {
        panic!("{:?}", rb.steps[0].action)
    };
    assert_eq!(replay.expect, Some(Condition::PassRateAtLeast(99.9)));
    assert_eq!(replay.when.holds_for, 3);
    assert_eq!(
        replay.when.ready,
        Some(Query {
            connection: "dst".into(),
            sql: "SELECT status = 'finished' FROM replay".into()
        })
    );
    assert_eq!(replay.when.report.as_deref(), Some("https://ci/replay/7"));
    let Some(Action::Check(Check::Sql(plain))) = &rb.steps[1].action else {
        panic!()
    };
    assert_eq!(plain.expect, Some(Condition::Equals("0".into())));
    assert_eq!(plain.when.holds_for, 1);
    let Some(Action::Check(Check::Compare(counts))) = &rb.steps[2].action else {
        panic!()
    };
    assert_eq!(counts.tolerance, Tolerance::Percent(0.1));
    assert_eq!(counts.source.connection, "src");
    let Some(Action::Check(Check::Compare(sums))) = &rb.steps[3].action else {
        panic!()
    };
    assert_eq!(sums.tolerance, Tolerance::Absolute(5.0));
    let Some(Action::Shell(diff)) = &rb.steps[4].action else {
        panic!()
    };
    let result = diff.result.as_ref().unwrap();
    assert_eq!(
        result.from,
        ResultSource::Json("/summary/differences".into())
    );
    assert_eq!(result.expect, Some(Condition::Between(0.0, 0.0)));
    assert_eq!(diff.report.as_deref(), Some("/tmp/sync-diff/report.html"));
    assert_eq!(
        rb.steps[5].requires,
        vec![
            Evidence::Action("replay".into()),
            Evidence::Action("diff".into()),
            Evidence::Action("counts".into())
        ]
    );
}

/// Every single-action example in docs/runbook.md is valid as written (so the docs cannot
/// drift from the format).
#[test]
fn the_action_examples_in_the_runbook_docs_are_valid() {
    let docs = std::fs::read_to_string(root().join("docs/runbook.md")).unwrap();
    let blocks: Vec<&str> = docs
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.starts_with("action = "))
        .collect();
    assert!(blocks.len() >= 4, "{blocks:?}");
    for block in blocks {
        let text = format!(
            r#"
[runbook]
name = "docs"
kind = "drill"
coordinator = "ann"
[people.ann]
name = "Ann"
role = "coordinator"
[people.bo]
name = "Bo"
role = "DBA"
[connections.src]
url = "mysql://app@db1/pay"
[connections.dst]
url = "postgres://app@pg1/pay"
[[copy]]
name = "orders"
source = "src"
source_table = "orders"
target = "dst"
target_table = "orders"
key = ["id"]
[[phase]]
name = "p"
[[phase.step]]
id = "s"
title = "S"
dri = "bo"
reviewer = "ann"
planned = "5m"
{block}"#
        );
        if let Err(diags) = warroom::runbook::parse_str("docs.toml", &text) {
            let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
            panic!("{block}\n{}", all.join("\n"));
        }
    }
}

/// The clock rules read into the model: a fixed start, a minimum hold, a planned range and
/// a GO deadline given with an offset (kept in UTC).
#[test]
fn clock_rules_read_into_the_model() {
    let rb = load(&fixture("clock-rules.toml")).unwrap().runbook;
    let a = rb.step("a").unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    assert_eq!(a.clock.not_before, Some(t("2026-12-05T02:00:00Z")));
    assert_eq!(a.clock.min_hold, Some(std::time::Duration::from_secs(1800)));
    let go = rb.step("go").unwrap();
    assert_eq!(go.planned, std::time::Duration::from_secs(19 * 3600));
    assert_eq!(
        go.clock.planned_max,
        Some(std::time::Duration::from_secs(23 * 3600))
    );
    assert_eq!(go.clock.go_deadline, Some(t("2026-12-05T02:30:00Z")));
}

/// `create_target` is for the copies warroom runs: on an external one it is an error at its
/// value; on a native one it reads into the model.
#[test]
fn create_target_applies_to_native_copies_only() {
    only_error(
        "create-target-external.toml",
        29,
        17,
        "copy job `orders` is external, so `create_target` does not apply",
    );
    let text = std::fs::read_to_string(fixture("create-target-external.toml"))
        .expect("fixture")
        .replace("engine = \"external\"\n", "")
        .replace(
            "progress = { from = \"sql\", connection = \"dst\", query = \"SELECT 1, 2\" }\n",
            "",
        );
    let rb = warroom::runbook::parse_str("native.toml", &text)
        .expect("a native copy may create its target")
        .runbook;
    assert!(rb.copies[0].create_target);
}

/// A SQL probe without a query is the round trip of `SELECT 1` (ms): `check` takes it, as
/// the probe engine always could.
#[test]
fn a_sql_probe_without_a_query_measures_latency() {
    let text = std::fs::read_to_string(fixture("create-target-external.toml"))
        .expect("fixture")
        .replace("create_target = true\n", "")
        + "\n[[probe]]\nname = \"src-latency\"\nkind = \"sql\"\nconnection = \"src\"\nwarn = { above = 50.0 }\n";
    let rb = warroom::runbook::parse_str("latency.toml", &text)
        .expect("a latency probe checks")
        .runbook;
    assert_eq!(rb.probes[0].query, None);
}

/// A spanning watch (`active` on a `[[recon]]`): each mistake is one error at its value, and
/// a valid one reads into the model with its span.
#[test]
fn each_mistake_in_a_spanning_watch_is_one_error_at_its_value() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("recon-active-without-watch.toml", 27, 10, "recon job `balances` has `active` but no `watch`: only a continuous recon runs across steps"),
        ("recon-active-unknown-step.toml", 28, 44, "the watch of recon job `balances` is active from an unknown step `switch-read` (until)"),
        ("recon-spanning-as-action.toml", 46, 20, "the action of step `switch-reads` runs recon job `balances`, which already runs on its own (its `active`)"),
        ("recon-active-unknown-phase.toml", 28, 22, "the watch of recon job `balances` is active in an unknown phase `dual-writes`"),
    ];
    for (name, line, column, message) in cases {
        only_error(name, *line, *column, message);
    }
    let d = only_error("recon-active-unknown-step.toml", 28, 44, cases[1].3);
    assert!(d.help.unwrap().contains("did you mean `switch-reads`?"));
    let d = only_error("recon-spanning-as-action.toml", 46, 20, cases[2].3);
    assert!(d.help.unwrap().contains("require \"recon:balances\""));

    let mut out = Vec::new();
    assert!(check_files(&[fixture("recon-spanning.toml")], false, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("  watches        balances from `dual-write-on` until `switch-reads`"),
        "{text}"
    );
    let rb = load(&fixture("recon-spanning.toml")).unwrap().runbook;
    assert_eq!(
        rb.recons[0].active,
        Some(warroom::runbook::ProbeScope::Steps {
            from: "dual-write-on".into(),
            until: Some("switch-reads".into()),
        })
    );
    assert!(rb.steps[1]
        .requires
        .contains(&warroom::runbook::Evidence::ReconClean("balances".into())));
}

#[test]
fn deputies_are_read_from_people() {
    let rb = load(&fixture("deputies.toml")).unwrap().runbook;
    assert_eq!(rb.person("bo").unwrap().deputies, vec!["cy".to_string()]);
    assert_eq!(
        rb.person("cy").unwrap().deputies,
        vec!["bo".to_string(), "ann".to_string()]
    );
    assert!(rb.person("ann").unwrap().deputies.is_empty());
}

#[test]
fn deputy_mistakes_point_at_the_name() {
    let d = only_error(
        "deputy-unknown.toml",
        13,
        13,
        "person `bo` names unknown deputy `cyy`",
    );
    assert!(d.help.unwrap().contains("did you mean `cy`?"));
    only_error(
        "deputy-self.toml",
        13,
        19,
        "person `bo` names themselves as their deputy",
    );
    only_error(
        "deputy-observer.toml",
        13,
        13,
        "person `bo` names observer `ob` as a deputy",
    );
    only_error(
        "deputy-twice.toml",
        18,
        19,
        "person `cy` names deputy `bo` twice",
    );
}

/// Each mistake in an external copy (its progress source, finished rule, stall time,
/// exclusive group) or a native copy without its table is one error at its value.
#[test]
fn each_mistake_in_an_external_job_is_one_error_at_its_value() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("external-prometheus-no-url.toml", 25, 12, "the progress of copy job `orders` has no `url`"),
        ("external-prometheus-probe.toml", 25, 43, "the progress of copy job `orders` names a probe; progress needs the series themselves"),
        ("external-prometheus-bad-url.toml", 25, 41, "the progress of copy job `orders`: `prom:9090` is not an http(s) URL"),
        ("external-command-empty.toml", 25, 42, "the progress of copy job `orders` has an empty `command`"),
        ("external-command-with-query.toml", 25, 76, "`query` does not apply to the progress of copy job `orders` with from = \"command\""),
        ("external-unknown-source.toml", 25, 21, "the progress of copy job `orders`: unknown source `kafka`"),
        ("external-finished-unknown.toml", 25, 112, "the progress of copy job `orders`: `finished = \"when it is done\"` is not a rule"),
        ("external-finished-status-prometheus.toml", 25, 97, "the progress of copy job `orders` comes from Prometheus, which reports no status"),
        ("external-stalled-zero.toml", 26, 17, "`stalled_after` of copy job `orders` is zero"),
        ("external-stalled-not-duration.toml", 26, 17, "`stalled_after` of copy job `orders`: `ten minutes` is not a duration: expected a number"),
        ("external-exclusive-bad-name.toml", 26, 13, "exclusive group `one service` is not a valid name"),
        ("native-stalled-after.toml", 27, 17, "copy job `orders` is native, so `stalled_after` does not apply"),
        ("native-without-table.toml", 21, 8, "copy job `orders` is missing `source_table`"),
    ];
    for (name, line, column, message) in cases {
        only_error(name, *line, *column, message);
    }
}

/// Two jobs of one exclusive group in steps that can run at once: a warning (the drill
/// refuses the second while the first runs), which names the `after` that orders them.
#[test]
fn exclusive_jobs_in_parallel_steps_are_a_warning_naming_the_order_to_add() {
    let loaded = load(&fixture("exclusive-in-parallel.toml")).expect("loads: only a warning");
    expect(
        &loaded.warnings,
        Severity::Warning,
        61,
        10,
        "steps `copy-orders` and `copy-events` can run at once, but their copy jobs `orders` and `events` are in exclusive group `migration-service`",
    );
    let help = loaded.warnings[0].help.clone().unwrap_or_default();
    assert!(
        help.contains("add after = [\"copy-orders\"] to step `copy-events`"),
        "{help}"
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
}

/// Whole-job external copies read into the model: no table or key, each progress source,
/// the finished rule (stated or the default), the stall time and the exclusive group.
#[test]
fn whole_job_external_copies_read_into_the_model() {
    use warroom::runbook::{ExternalProgress, Finished};
    let rb = load(&fixture("external-whole-jobs.toml")).unwrap().runbook;
    let [orders, events, spark] = &rb.copies[..] else {
        panic!("{:?}", rb.copies)
    };
    assert!(orders.is_whole_job() && orders.key.is_empty());
    assert_eq!(orders.finished, Finished::Status("COMPLETED".into()));
    assert_eq!(
        orders.stalled_after,
        Some(std::time::Duration::from_secs(600))
    );
    assert_eq!(orders.exclusive.as_deref(), Some("migration-service"));
    assert!(
        matches!(&orders.progress, Some(ExternalProgress::Sql { connection, .. }) if connection == "dst")
    );
    assert_eq!(
        events.progress,
        Some(ExternalProgress::Prometheus {
            url: "http://prom:9090".into(),
            done: "sum(migrator_rows_done)".into(),
            total: Some("sum(migrator_rows_total)".into()),
        })
    );
    assert_eq!(events.finished, Finished::ReachesTotal);
    assert_eq!(events.stalled_after, None);
    assert_eq!(
        spark.progress,
        Some(ExternalProgress::Command {
            command: "spark-job status --json".into()
        })
    );
    assert_eq!(spark.exclusive, None);
}

/// warroom cannot slow down a job it does not run: a throttle on an external copy is an
/// error at it, not a protection that silently never happens.
#[test]
fn an_external_copy_cannot_be_throttled() {
    only_error(
        "external-throttle.toml",
        29,
        1,
        "copy job `orders` is external, so `throttle` does not apply: warroom cannot slow down a job it does not run",
    );
}
