#![allow(clippy::unwrap_used)]
//! Repetition in the runbook format, without a database: jobs over many tables (`tables`),
//! steps repeated over values (`repeat`) and steps of one kind of run (`only`). Each new
//! field has a fixture that passes `check` and builds the model it should; each new mistake
//! has a fixture with its own message at its own line:column. The drill engine's side:
//! the resolved tables are journaled once and fixed for the drill.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use warroom::drill::{Actor, Command, CommandKind, CopyCommand, Drill, EventKind};
use warroom::runbook::{
    check_files, like, load, Diagnostic, Evidence, LoadError, Runbook, RunbookKind, Severity,
    TableSet,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks")
        .join(name)
}

fn valid(name: &str) -> Runbook {
    match load(&fixture(name)) {
        Ok(loaded) => {
            assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
            loaded.runbook
        }
        Err(LoadError::Invalid(d)) => {
            let text: Vec<String> = d.iter().map(ToString::to_string).collect();
            panic!("{name}:\n{}", text.join("\n"))
        }
        Err(e) => panic!("{e}"),
    }
}

/// The one error of a fixture: this message at this line:column, with help and snippet.
fn only_error(name: &str, line: usize, column: usize, message: &str) -> Diagnostic {
    let diags = match load(&fixture(name)) {
        Err(LoadError::Invalid(diags)) => diags,
        Err(e) => panic!("{name}: {e}"),
        Ok(_) => panic!("{name} should not pass"),
    };
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{name}: {errors:#?}");
    let d = errors[0].clone();
    assert_eq!(d.message, message, "{name}");
    assert_eq!(
        (d.line, d.column, d.severity),
        (line, column, Severity::Error),
        "{d}"
    );
    assert!(d.help.is_some() && d.snippet.is_some(), "{d}");
    d
}

#[test]
fn a_list_and_a_pattern_of_tables_build_one_job_each_with_shared_options() {
    let rb = valid("tables-list-and-pattern.toml");
    assert!(rb.copies.is_empty() && rb.recons.is_empty());
    let listed = rb.copy_set("listed").unwrap();
    assert_eq!(
        listed.tables,
        TableSet::List(vec!["orders".into(), "customers".into()])
    );
    assert_eq!(listed.template.key, ["id"]);
    assert_eq!(
        (listed.template.chunk_rows, listed.template.workers),
        (5000, 2)
    );
    // One table's job: its own name, the same table on both sides, the shared options.
    let orders = rb.copy_job("listed/orders").unwrap();
    assert_eq!(orders.name, "listed/orders");
    assert_eq!(
        (orders.source_table.as_str(), orders.target_table.as_str()),
        ("orders", "orders")
    );
    assert_eq!(orders.chunk_rows, 5000);
    assert!(rb.copy_job("listed/invoices").is_none());
    // A pattern: any matching table is one of its jobs; its key is found at run time.
    let shop = rb.copy_set("shop").unwrap();
    assert!(shop.template.key.is_empty());
    assert!(rb.copy_job("shop/shop_items").is_some());
    assert!(rb.copy_job("shop/shop_tmp").is_none(), "excepted");
    assert!(rb.copy_job("shop/orders").is_none(), "does not match");
    assert!(rb.recon_job("shop-check/shop_x").is_some());
    let go = rb.step("go").unwrap();
    assert!(go
        .requires
        .contains(&Evidence::CopyDone("listed/orders".into())));
    assert!(go
        .requires
        .contains(&Evidence::CopyDone("shop/shop_items".into())));
    // `check` says what is resolved at run time.
    let mut out = Vec::new();
    assert!(check_files(&[fixture("tables-list-and-pattern.toml")], true, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("many tables    listed (copy): 2 table(s): orders, customers"),
        "{text}"
    );
    assert!(
        text.contains(
            "many tables    shop (copy): pattern `shop_%` except shop_tmp, resolved against the source when its step starts"
        ),
        "{text}"
    );
}

#[test]
fn like_matches_as_sql_does() {
    assert!(like("shop_%", "shop_orders"));
    assert!(like("shop_%", "shop_x"));
    assert!(!like("shop_%", "shop"), "`_` is one character");
    assert!(like("%_log", "audit_log"));
    assert!(like("a%b%c", "axxbyyc"));
    assert!(!like("a%b%c", "axxbyy"));
    assert!(!like("Shop%", "shop_a"), "case-sensitive");
    assert!(like("%", ""));
}

#[test]
fn mistakes_in_tables_are_each_reported_where_they_are() {
    only_error(
        "tables-with-source-table.toml",
        35,
        16,
        "`source_table` does not apply to copy job `listed`, which runs on `tables`",
    );
    only_error(
        "tables-columns.toml",
        35,
        11,
        "`columns` does not apply to copy job `listed`, which runs on `tables`",
    );
    let d = only_error(
        "tables-missing.toml",
        31,
        8,
        "copy job `orders` is missing `source_table`, `target_table` and `key`",
    );
    assert!(d.help.unwrap().contains("tables = { pattern"));
    only_error(
        "tables-empty-list.toml",
        34,
        10,
        "copy job `listed` lists no table in `tables`",
    );
    only_error(
        "tables-no-pattern.toml",
        34,
        10,
        "`tables` of recon job `shop` has no `pattern`",
    );
    only_error(
        "tables-listed-twice.toml",
        34,
        10,
        "`tables` of copy job `listed` lists `orders` twice",
    );
    let d = only_error(
        "tables-unknown-table.toml",
        37,
        13,
        "`requires` of step `go` refers to table `invoices` of copy job `listed`, which does not list it",
    );
    assert!(d.help.unwrap().contains("(orders, customers)"));
    only_error(
        "tables-external.toml",
        32,
        10,
        "`engine = \"external\"` does not apply to copy job `listed`, which runs on `tables`",
    );
    only_error(
        "tables-recon-watch.toml",
        35,
        9,
        "`watch` does not apply to recon job `listed`, which runs on `tables`",
    );
    only_error(
        "tables-unknown-field.toml",
        34,
        10,
        "`tables` of copy job `listed` has an unknown field `like`",
    );
    only_error(
        "tables-bad-name.toml",
        34,
        10,
        "`tables` of copy job `listed` lists `order items`, which is not a table name",
    );
    only_error(
        "tables-restart-copy.toml",
        30,
        76,
        "the rollback action of step `copy` restarts copy `listed`, which runs on many tables",
    );
    only_error(
        "tables-action-one-table.toml",
        29,
        19,
        "the action of step `copy` runs `listed/orders`, one table of copy job `listed`",
    );
}

#[test]
fn a_repeated_step_is_one_timed_step_per_value_in_order() {
    let rb = valid("repeat-ramp.toml");
    let ids: Vec<&str> = rb.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["canary", "ramp-5", "ramp-25", "ramp-50", "ramp-100", "done"]
    );
    let ramp = |v: &str| rb.step(&format!("ramp-{v}")).unwrap();
    assert_eq!(ramp("5").after, ["canary"]);
    assert_eq!(ramp("25").after, ["ramp-5"]);
    assert_eq!(ramp("100").after, ["ramp-50"]);
    assert_eq!(ramp("50").title, "Traffic at 50 %");
    match &ramp("25").action {
        Some(warroom::runbook::Action::Check(warroom::runbook::Check::Sql(c))) => {
            assert_eq!(c.query, "SELECT share FROM traffic WHERE pct = 25");
        }
        other => panic!("{other:?}"),
    }
    // The step after waits for the last value; `action:ramp` means the last one's.
    let done = rb.step("done").unwrap();
    assert_eq!(done.after, ["ramp-100"]);
    assert_eq!(done.requires, [Evidence::Action("ramp-100".into())]);
    assert_eq!(rb.planned_total(), std::time::Duration::from_secs(30 * 60));
}

#[test]
fn mistakes_in_repeat_are_each_reported_where_they_are() {
    only_error(
        "repeat-bad-value.toml",
        29,
        14,
        "`repeat` value `25%` cannot be part of a step id",
    );
    only_error("repeat-twice.toml", 29, 18, "`repeat` lists `5` twice");
    only_error("repeat-empty.toml", 29, 10, "`repeat` lists no value");
    only_error(
        "repeat-not-a-list.toml",
        29,
        10,
        "`repeat` must be a list of values",
    );
}

#[test]
fn only_leaves_out_the_steps_of_the_other_kind_of_run_and_keeps_the_chain() {
    let drill = valid("only-drill-and-cutover.toml");
    let ids: Vec<&str> = drill.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["snapshot", "freeze", "switch"]);
    let out: Vec<&str> = drill.left_out.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(out, ["notify-customers", "dns"]);
    assert!(drill
        .left_out
        .iter()
        .all(|l| l.only == RunbookKind::Cutover));
    // `switch` waited for the cutover-only step: it waits for what that one waited for,
    // and its evidence (never reported in a drill) counts for nothing.
    let switch = drill.step("switch").unwrap();
    assert_eq!(switch.after, ["freeze"]);
    assert!(switch.requires.is_empty());
    assert_eq!(drill.phases.len(), 1, "a phase with no step left goes");
    assert_eq!(
        drill.planned_total(),
        std::time::Duration::from_secs(15 * 60)
    );

    // The same file as a cutover: the drill-only snapshot goes instead.
    let text = std::fs::read_to_string(fixture("only-drill-and-cutover.toml"))
        .unwrap()
        .replace("kind = \"drill\"", "kind = \"cutover\"");
    let cutover = warroom::runbook::parse_str("cutover.toml", &text)
        .unwrap()
        .runbook;
    let ids: Vec<&str> = cutover.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["freeze", "notify-customers", "switch", "dns"]);
    assert!(cutover.step("freeze").unwrap().after.is_empty());
    assert_eq!(cutover.phases.len(), 2);
    assert_eq!(cutover.phases[1].steps, [3]);
    assert_eq!(cutover.steps[3].phase, 1);
}

#[test]
fn mistakes_in_only_are_each_reported_where_they_are() {
    only_error(
        "only-unknown.toml",
        29,
        8,
        "step `snapshot` has `only = \"rehearsal\"`, which is not a kind of run",
    );
    only_error(
        "only-nothing-left.toml",
        1,
        1,
        "every step has an `only` for another kind of run than this drill: nothing would run",
    );
}

fn system(kind: CommandKind) -> Command {
    Command {
        by: Actor::System,
        kind,
    }
}

#[test]
fn the_tables_of_a_job_are_journaled_once_and_fixed_for_the_drill() {
    let rb = Arc::new(valid("tables-list-and-pattern.toml"));
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
    let mut drill = Drill::new(rb);
    let shop = Evidence::CopyDone("shop".into());
    let resolve = |tables: &[&str]| {
        system(CommandKind::ResolveTables {
            job: shop.clone(),
            tables: tables.iter().map(ToString::to_string).collect(),
        })
    };
    // A table the pattern does not admit, an empty list, a person: refused.
    assert!(drill.execute(&resolve(&["shop_tmp"]), now).is_err());
    assert!(drill.execute(&resolve(&[]), now).is_err());
    let by_ann = Command {
        by: Actor::Person("ann".into()),
        kind: resolve(&["shop_a"]).kind,
    };
    assert!(drill.execute(&by_ann, now).is_err());
    let events = drill.execute(&resolve(&["shop_a", "shop_b"]), now).unwrap();
    assert!(matches!(events[0].kind, EventKind::TablesResolved { .. }));
    assert_eq!(
        drill.state().tables_of(&shop),
        Some(&["shop_a".to_string(), "shop_b".to_string()][..])
    );
    // A second resolution (a resume that found a new table) cannot change the list.
    let again = drill.execute(&resolve(&["shop_a", "shop_b", "shop_c"]), now);
    assert!(again.unwrap_err().to_string().contains("already resolved"));
    // Replayed from the journal, the list is the same.
    let all: Vec<_> = drill.state().log.iter().map(|e| e.event.clone()).collect();
    let replayed = Drill::replay(drill.runbook().clone(), &all);
    assert_eq!(
        replayed.state().tables_of(&shop),
        drill.state().tables_of(&shop)
    );

    // The coordinator pauses a job over many tables as one, or by one of its tables.
    for job in ["shop", "shop/shop_a", "listed/orders"] {
        let pause = Command {
            by: Actor::Person("ann".into()),
            kind: CommandKind::CopyControl {
                job: job.into(),
                control: CopyCommand::Pause,
            },
        };
        assert!(drill.execute(&pause, now).is_ok(), "{job}");
    }
    let unknown = Command {
        by: Actor::Person("ann".into()),
        kind: CommandKind::CopyControl {
            job: "listed/invoices".into(),
            control: CopyCommand::Pause,
        },
    };
    assert!(drill.execute(&unknown, now).is_err());
}

/// The real binary in line mode: each new journal of a runbook in one folder is the next
/// run of it, `--drill N` says so itself, and the report names the number.
#[test]
fn each_run_of_a_runbook_is_numbered_in_its_journal_and_report() {
    use std::io::Write;
    use std::process::{Command as Process, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let run = |journal: &str, extra: &[&str]| {
        let mut child = Process::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("--log-file")
            .arg(dir.path().join("warroom.log"))
            .arg("run")
            .arg(fixture("only-drill-and-cutover.toml"))
            .args(["--line", "--journal"])
            .arg(dir.path().join(journal))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"start snapshot\nquit\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("first.db", &[]);
    run("second.db", &[]);
    run("given.db", &["--drill", "7"]);
    let report = |journal: &str| {
        let out = Process::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("--log-file")
            .arg(dir.path().join("warroom.log"))
            .arg("report")
            .arg(dir.path().join(journal))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let first = report("first.db");
    assert!(first.contains("Run #1 of this runbook."), "{first}");
    // The steps `only` the cutover are named as not part of this drill.
    assert!(
        first.contains("Not part of this drill: notify-customers, dns"),
        "{first}"
    );
    assert!(report("second.db").contains("Run #2 of this runbook."));
    let given = report("given.db");
    assert!(given.contains("Run #7 of this runbook."), "{given}");
    // `--drill 0` is refused by the command line.
    let zero = Process::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("run")
        .arg(fixture("only-drill-and-cutover.toml"))
        .args(["--line", "--drill", "0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
}
