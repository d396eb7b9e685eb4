//! Probes scoped to phases or to a span of steps count only while their scope is under way.

use super::*;

const RUNBOOK: &str = r#"
[runbook]
name = "scoped"
kind = "drill"
coordinator = "coord"

[people.coord]
name = "C"
role = "coordinator"

[connections.src]
url = "sqlite:///tmp/warroom-scope-test.db"

[[probe]]
name = "always"
kind = "sql"
connection = "src"
query = "SELECT 1"

[[probe]]
name = "writes-frozen"
kind = "sql"
connection = "src"
query = "SELECT 0"
active = { phases = ["switch"] }

[[probe]]
name = "reverse-lag"
kind = "sql"
connection = "src"
query = "SELECT 0"
active = { from = "freeze", until = "verify" }

[[phase]]
name = "prepare"
[[phase.step]]
id = "prep"
title = "Prep"
dri = "coord"
reviewer = "coord"
planned = "1m"

[[phase]]
name = "switch"
[[phase.step]]
id = "freeze"
title = "Freeze"
dri = "coord"
reviewer = "coord"
planned = "1m"
[[phase.step]]
id = "flip"
title = "Flip"
dri = "coord"
reviewer = "coord"
planned = "1m"

[[phase]]
name = "after"
[[phase.step]]
id = "verify"
title = "Verify"
dri = "coord"
reviewer = "coord"
planned = "1m"
"#;

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

fn scoped(h: &H) -> Vec<&'static str> {
    ["always", "writes-frozen", "reverse-lag"]
        .into_iter()
        .filter(|p| probe_in_scope(h.drill.runbook(), h.drill.state(), p))
        .collect()
}

#[test]
fn a_scoped_probe_counts_only_while_its_phase_or_steps_are_under_way() {
    let rb = match crate::runbook::parse_str("scoped.toml", RUNBOOK) {
        Ok(l) => l.runbook,
        Err(d) => panic!("{d:?}"),
    };
    let mut h = H::new(rb);
    assert_eq!(scoped(&h), ["always"]);
    h.finish("prep");
    assert_eq!(scoped(&h), ["always"]);
    h.ok("coord", start("freeze"));
    assert_eq!(scoped(&h), ["always", "writes-frozen", "reverse-lag"]);
    h.ok("coord", done("freeze"));
    h.ok("coord", sign("freeze"));
    h.finish("flip");
    // The switch phase is over; the reverse lag matters until verify is done.
    assert_eq!(scoped(&h), ["always", "reverse-lag"]);
    h.finish("verify");
    assert_eq!(scoped(&h), ["always"]);
}

#[test]
fn a_scope_must_name_what_the_runbook_has() {
    let bad = RUNBOOK
        .replace("phases = [\"switch\"]", "phases = [\"swtich\"]")
        .replace("until = \"verify\"", "until = \"verfy\"");
    let Err(diags) = crate::runbook::parse_str("scoped.toml", &bad) else {
        panic!("accepted");
    };
    let phase = diags
        .iter()
        .find(|d| d.message.contains("unknown phase `swtich`"))
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(phase.line, line_of(&bad, "swtich"));
    assert!(phase
        .help
        .as_deref()
        .unwrap_or("")
        .contains("did you mean `switch`?"));
    let step = diags
        .iter()
        .find(|d| d.message.contains("unknown step `verfy` (until)"))
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(step.line, line_of(&bad, "verfy"));
    let neither = RUNBOOK.replace(
        "active = { phases = [\"switch\"] }",
        "active = { until = \"flip\" }",
    );
    let Err(diags) = crate::runbook::parse_str("scoped.toml", &neither) else {
        panic!("accepted");
    };
    assert!(diags
        .iter()
        .any(|d| d.message.contains("neither phases nor steps")
            && d.line == line_of(&neither, "until = \"flip\"")));
}
