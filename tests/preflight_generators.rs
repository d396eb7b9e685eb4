#![allow(clippy::unwrap_used)]
//! `[[id_generator]]` against real servers: a snowflake id on MariaDB ten days from its
//! 41-bit timestamp's ceiling, a counter on PostgreSQL whose query says its rate (two days
//! left), and a roomy one; preflight reports each one's days left, blockers under the
//! margin, and nothing for the roomy one.

mod support;

use warroom::preflight::{scan, Hazard, Options, Severity};

const DAY_MS: i128 = 86_400_000;

#[tokio::test]
async fn id_generators_read_through_sql_report_their_days_left() {
    let (Some(my_url), Some(pg_url)) = (support::servers::mysql(), support::servers::postgres())
    else {
        return;
    };
    let my = sqlx::MySqlPool::connect(&my_url).await.unwrap();
    let pg = sqlx::PgPool::connect(&pg_url).await.unwrap();
    // Timestamp ten days below 2^41 ms, worker 3, sequence 7; and an older id.
    let ts = (1_i128 << 41) - 1 - 10 * DAY_MS;
    let newest = (ts << 22) | (3 << 12) | 7;
    let older = (ts - DAY_MS) << 22;
    for sql in [
        "DROP TABLE IF EXISTS pf_snowflake".to_string(),
        "CREATE TABLE pf_snowflake (id BIGINT NOT NULL PRIMARY KEY)".to_string(),
        format!("INSERT INTO pf_snowflake VALUES ({older}), ({newest})"),
    ] {
        sqlx::raw_sql(&sql).execute(&my).await.unwrap();
    }
    for sql in [
        "DROP TABLE IF EXISTS pf_ticket_counter",
        "CREATE TABLE pf_ticket_counter (n bigint NOT NULL, per_day bigint NOT NULL)",
        "INSERT INTO pf_ticket_counter VALUES (900, 50)",
    ] {
        sqlx::raw_sql(sql).execute(&pg).await.unwrap();
    }
    let text = format!(
        r#"
[runbook]
name = "id-generators"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.my]
url = "{my_url}"
[connections.pg]
url = "{pg_url}"

[[id_generator]]
name = "order-ids"
connection = "my"
query = "SELECT MAX(id) FROM pf_snowflake"
snowflake = {{ timestamp_bits = 41, low_bits = 22 }}

[[id_generator]]
name = "ticket-numbers"
connection = "pg"
query = "SELECT n, per_day FROM pf_ticket_counter"
max = 1000

[[id_generator]]
name = "roomy"
connection = "pg"
query = "SELECT 5"
bits = 63

[[phase]]
name = "pre"

[[phase.step]]
id = "preflight"
title = "Preflight"
dri = "casey"
reviewer = "casey"
planned = "5m"
action = {{ check = "preflight" }}
"#
    );
    let rb = warroom::runbook::parse_str("gen.toml", &text)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .runbook;
    let report = scan(&rb, &Options::default()).await;
    let row = |name: &str| {
        report
            .headroom
            .iter()
            .find(|h| h.table == name)
            .unwrap_or_else(|| panic!("no headroom for {name}: {report:#?}"))
    };
    let snow = row("order-ids");
    assert_eq!(snow.current, newest);
    assert!((snow.days_left.unwrap() - 10.0).abs() < 0.01, "{snow:?}");
    let tickets = row("ticket-numbers");
    assert_eq!((tickets.current, tickets.max), (900, 1000));
    assert_eq!(tickets.days_left, Some(2.0));
    let roomy = row("roomy");
    assert_eq!(roomy.max, i128::from(i64::MAX));
    let finding = |name: &str| {
        report
            .findings
            .iter()
            .find(|f| f.hazard == Hazard::IdHeadroom && f.table.as_deref() == Some(name))
    };
    let f = finding("order-ids").unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(f.severity, Severity::Blocker);
    assert_eq!(f.connection.as_deref(), Some("my"));
    assert!(f.what.contains("10.0 days left"), "{}", f.what);
    assert_eq!(
        finding("ticket-numbers").unwrap().severity,
        Severity::Blocker
    );
    assert!(finding("roomy").is_none(), "{report:#?}");

    // With a 5-day margin the snowflake is a warning (under three margins), the counter
    // still a blocker.
    let opts = Options {
        headroom_days: 5.0,
        ..Options::default()
    };
    let report = scan(&rb, &opts).await;
    let sev = |name: &str| {
        report
            .findings
            .iter()
            .find(|f| f.hazard == Hazard::IdHeadroom && f.table.as_deref() == Some(name))
            .map(|f| f.severity)
    };
    assert_eq!(sev("order-ids"), Some(Severity::Warning));
    assert_eq!(sev("ticket-numbers"), Some(Severity::Blocker));
}
