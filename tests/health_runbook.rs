//! From runbook TOML to `warroom probe --once --json`: a parsed runbook's Prometheus and SQL
//! probes sampled against the real Prometheus (scraping MariaDB) and the real MariaDB.

mod support;

use support::prometheus::Stack;

fn runbook_text(prometheus: &str, mysql: &str, extra: &str) -> String {
    format!(
        r#"
[runbook]
name = "health from TOML"
kind = "drill"
coordinator = "cora"

[people.cora]
name = "Cora Coordinator"
role = "coordinator"

[people.dan]
name = "Dan DBA"
role = "DBA"

[connections.source]
url = "{mysql}"

[[probe]]
name = "mysql-up"
kind = "prometheus"
url = "{prometheus}"
query = "mysql_up"
interval = "1s"
critical = {{ below = 1.0 }}

[[probe]]
name = "threads-connected"
kind = "prometheus"
url = "{prometheus}"
query = "max(mysql_global_status_threads_connected)"
interval = "1s"
unit = "threads"
warn = {{ above = 5000.0 }}

[[probe]]
name = "source-schemas"
kind = "sql"
connection = "source"
query = "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'test'"
interval = "2s"
unit = "schemas"
critical = {{ below = 1.0 }}
{extra}
[[phase]]
name = "prepare"

[[phase.step]]
id = "pre-checks"
title = "Check the probes"
dri = "dan"
reviewer = "cora"
planned = "2m"
instructions = "All probes green."
rollback = "Nothing to undo."
requires = ["probe:mysql-up"]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parsed_runbooks_probes_sample_green_then_name_what_is_missing() {
    let Some(stack) = Stack::start() else { return };
    let Some(mysql) = support::servers::mysql() else {
        return;
    };
    let text = runbook_text(&stack.url(), &mysql, "");
    let loaded = warroom::runbook::parse_str("health.toml", &text).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });

    let mut out = Vec::new();
    let green = warroom::cli::probe::run_headless(&loaded.runbook, true, true, &mut out)
        .await
        .expect("headless");
    let json: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert!(green, "{json:#}");
    assert_eq!(json["probes"][0]["value"], 1.0);
    assert_eq!(json["probes"][1]["unit"], "threads");
    assert_eq!(json["probes"][2]["value"], 1.0);

    let missing = r#"
[[probe]]
name = "vanished"
kind = "prometheus"
url = "PROM"
query = "warroom_metric_that_does_not_exist"
"#
    .replace("PROM", &stack.url());
    let text = runbook_text(&stack.url(), &mysql, &missing);
    let loaded = warroom::runbook::parse_str("health.toml", &text).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let mut out = Vec::new();
    let green = warroom::cli::probe::run_headless(&loaded.runbook, true, false, &mut out)
        .await
        .expect("headless");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!green, "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("vanished"))
        .expect("line");
    assert!(
        line.contains("NO DATA") && line.contains("the query returned no series"),
        "{line}"
    );
}
