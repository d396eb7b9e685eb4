#![allow(clippy::unwrap_used)]
//! Preflight against real MariaDB and PostgreSQL: one fixture table pair per hazard, each
//! reported with its severity, table and column; a clean pair reports nothing; ID
//! headroom near the limit for an `AUTO_INCREMENT` and for a sequence.

mod support;

use warroom::preflight::{Finding, Hazard, Options, Report, Severity};

/// (job, source connection, source table, target table, key). Source and target tables
/// share their name; the target is on the other server.
const JOBS: &[(&str, &str, &str)] = &[
    ("pf_clean", "my", "id"),
    ("pf_nokey", "my", "a"),
    ("pf_nullkey", "my", "id"),
    ("pf_negkey", "my", "id"),
    ("pf_textkey", "my", "code"),
    ("pf_fk_child", "my", "id"),
    ("pf_unsigned", "my", "id"),
    ("pf_zerodate", "my", "id"),
    ("pf_float", "my", "id"),
    ("pf_json", "my", "id"),
    ("pf_gen", "my", "id"),
    ("pf_invis", "my", "id"),
    ("pf_autoinc", "my", "id"),
    ("pf_len", "my", "id"),
    ("pf_nulls", "my", "id"),
    ("pf_extra", "my", "id"),
    ("pf_ci", "pg", "id"),
    ("pf_charset", "pg", "id"),
    ("pf_counter", "pg", "id"),
    ("pf_seq", "pg", "id"),
    ("pf_estimate", "pg", "id"),
];

const MYSQL: &[&str] = &[
    // clean: every type the same on both sides, byte collation on both
    "CREATE TABLE pf_clean (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, amount DECIMAL(12,2) NOT NULL)",
    "INSERT INTO pf_clean VALUES (1, 'a', 1.50), (2, 'b', 2.00), (3, 'c', 3.25)",
    "CREATE TABLE pf_nokey (a INT, b INT)",
    "INSERT INTO pf_nokey VALUES (1, 1), (1, 2)",
    "CREATE TABLE pf_nullkey (id INT NULL, v INT, UNIQUE KEY u_id (id))",
    "INSERT INTO pf_nullkey VALUES (1, 1), (NULL, 2)",
    "CREATE TABLE pf_negkey (id INT NOT NULL PRIMARY KEY)",
    "INSERT INTO pf_negkey VALUES (-5), (0), (3)",
    "CREATE TABLE pf_textkey (code VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY)",
    "INSERT INTO pf_textkey VALUES ('a'), ('b')",
    "CREATE TABLE pf_fk_child (id INT NOT NULL PRIMARY KEY, parent_id INT NOT NULL)",
    "INSERT INTO pf_fk_child VALUES (1, 1)",
    "CREATE TABLE pf_unsigned (id BIGINT UNSIGNED NOT NULL PRIMARY KEY)",
    "INSERT INTO pf_unsigned VALUES (1), (18446744073709551615)",
    "CREATE TABLE pf_zerodate (id INT NOT NULL PRIMARY KEY, d DATE)",
    "INSERT INTO pf_zerodate VALUES (1, '2024-01-02'), (2, '0000-00-00')",
    "CREATE TABLE pf_float (id INT NOT NULL PRIMARY KEY, f FLOAT)",
    "INSERT INTO pf_float VALUES (1, 0.1)",
    "CREATE TABLE pf_json (id INT NOT NULL PRIMARY KEY, doc JSON)",
    "INSERT INTO pf_json VALUES (1, '{\"b\": 1, \"a\": 2}')",
    "CREATE TABLE pf_gen (id INT NOT NULL PRIMARY KEY, a INT, b INT)",
    "INSERT INTO pf_gen VALUES (1, 2, 4)",
    "CREATE TABLE pf_invis (id INT NOT NULL PRIMARY KEY, note INT INVISIBLE)",
    "CREATE TABLE pf_autoinc (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, created_at DATETIME NOT NULL)",
    "INSERT INTO pf_autoinc VALUES (2147482000, NOW() - INTERVAL 10 DAY), (2147483000, NOW())",
    "CREATE TABLE pf_len (id INT NOT NULL PRIMARY KEY, t VARCHAR(100))",
    "INSERT INTO pf_len VALUES (1, REPEAT('x', 60))",
    "CREATE TABLE pf_nulls (id INT NOT NULL PRIMARY KEY, v INT NULL)",
    "INSERT INTO pf_nulls VALUES (1, NULL)",
    "CREATE TABLE pf_extra (id INT NOT NULL PRIMARY KEY)",
    "INSERT INTO pf_extra VALUES (1)",
    // targets of the PostgreSQL sources
    "CREATE TABLE pf_ci (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, UNIQUE KEY u_email (email))",
    "CREATE TRIGGER pf_ci_audit BEFORE INSERT ON pf_ci FOR EACH ROW SET @pf_seen = 1",
    "CREATE TABLE pf_charset (id INT NOT NULL PRIMARY KEY, t VARCHAR(50) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin)",
    "CREATE TABLE pf_counter (id INT NOT NULL PRIMARY KEY, hits INT NOT NULL)",
    "CREATE TABLE pf_seq (id INT NOT NULL PRIMARY KEY)",
    "CREATE TABLE pf_estimate (id INT NOT NULL PRIMARY KEY)",
];

const POSTGRES: &[&str] = &[
    // targets of the MariaDB sources
    "CREATE TABLE pf_clean (id bigint PRIMARY KEY, name varchar(50) NOT NULL, amount numeric(12,2) NOT NULL)",
    "CREATE TABLE pf_nokey (a int, b int)",
    "CREATE TABLE pf_nullkey (id int PRIMARY KEY, v int)",
    "CREATE TABLE pf_negkey (id int PRIMARY KEY)",
    "CREATE TABLE pf_textkey (code varchar(20) PRIMARY KEY)",
    "CREATE TABLE pf_fk_parent (id int PRIMARY KEY)",
    "CREATE TABLE pf_fk_child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES pf_fk_parent (id))",
    "CREATE FUNCTION pf_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TRIGGER pf_child_audit AFTER INSERT ON pf_fk_child FOR EACH ROW EXECUTE FUNCTION pf_audit()",
    "CREATE TABLE pf_unsigned (id bigint PRIMARY KEY)",
    "CREATE TABLE pf_zerodate (id int PRIMARY KEY, d date)",
    "CREATE TABLE pf_float (id int PRIMARY KEY, f real)",
    "CREATE TABLE pf_json (id int PRIMARY KEY, doc jsonb)",
    "CREATE TABLE pf_gen (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED)",
    "CREATE TABLE pf_invis (id int PRIMARY KEY, note int)",
    "CREATE TABLE pf_autoinc (id int PRIMARY KEY, created_at timestamp NOT NULL)",
    "CREATE TABLE pf_len (id int PRIMARY KEY, t varchar(10))",
    "CREATE TABLE pf_nulls (id int PRIMARY KEY, v int NOT NULL)",
    "CREATE TABLE pf_extra (id int PRIMARY KEY, required int NOT NULL)",
    // PostgreSQL sources
    "CREATE TABLE pf_ci (id int PRIMARY KEY, email text)",
    "INSERT INTO pf_ci VALUES (1, 'ann@example.com'), (2, 'Ann@example.com')",
    "CREATE TABLE pf_charset (id int PRIMARY KEY, t text)",
    "INSERT INTO pf_charset VALUES (1, 'plain'), (2, 'party 🎉')",
    "CREATE TABLE pf_counter (id int PRIMARY KEY, hits int NOT NULL)",
    "INSERT INTO pf_counter SELECT g, 0 FROM generate_series(1, 5) g",
    "CREATE TABLE pf_seq (id serial PRIMARY KEY)",
    "INSERT INTO pf_seq DEFAULT VALUES",
    "SELECT setval('pf_seq_id_seq', 2147483000)",
    "CREATE TABLE pf_estimate (id int PRIMARY KEY) WITH (autovacuum_enabled = false)",
    "INSERT INTO pf_estimate SELECT generate_series(1, 5000)",
    "ANALYZE pf_clean",
];

fn runbook(my: &str, pg: &str) -> warroom::runbook::Runbook {
    let mut text = format!(
        r#"
[runbook]
name = "hazards"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"

[connections.my]
url = "{my}"
[connections.pg]
url = "{pg}"

[[phase]]
name = "pre"

[[phase.step]]
id = "preflight"
title = "Preflight"
dri = "dana"
reviewer = "casey"
planned = "5m"
action = {{ check = "preflight" }}
"#
    );
    for (job, src, key) in JOBS {
        let tgt = if *src == "my" { "pg" } else { "my" };
        text.push_str(&format!(
            "\n[[copy]]\nname = \"{job}\"\nsource = \"{src}\"\nsource_table = \"{job}\"\ntarget = \"{tgt}\"\ntarget_table = \"{job}\"\nkey = [\"{key}\"]\n"
        ));
    }
    // The clean pair is reconciled too (recon's own hazards must not fire on it).
    text.push_str("\n[[recon]]\nname = \"pf_clean_recon\"\nsource = \"my\"\nsource_table = \"pf_clean\"\ntarget = \"pg\"\ntarget_table = \"pf_clean\"\nkey = [\"id\"]\n");
    warroom::runbook::parse_str("hazards.toml", &text)
        .unwrap()
        .runbook
}

async fn setup(my_url: &str, pg_url: &str) {
    let my = sqlx::MySqlPool::connect(my_url).await.unwrap();
    let pg = sqlx::PgPool::connect(pg_url).await.unwrap();
    let mut tables: Vec<&str> = JOBS.iter().map(|(j, _, _)| *j).collect();
    tables.push("pf_fk_parent");
    for t in &tables {
        sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {t}"))
            .execute(&my)
            .await
            .unwrap();
        sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {t} CASCADE"))
            .execute(&pg)
            .await
            .unwrap();
    }
    sqlx::raw_sql("DROP FUNCTION IF EXISTS pf_audit() CASCADE")
        .execute(&pg)
        .await
        .unwrap();
    for sql in MYSQL {
        sqlx::raw_sql(sql)
            .execute(&my)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for sql in POSTGRES {
        sqlx::raw_sql(sql)
            .execute(&pg)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // A counter: many more updates than inserts, flushed to the statistics.
    for _ in 0..400 {
        sqlx::raw_sql("UPDATE pf_counter SET hits = hits + 1")
            .execute(&pg)
            .await
            .unwrap();
    }
    let mut conn = pg.acquire().await.unwrap();
    sqlx::raw_sql("UPDATE pf_counter SET hits = hits + 1; SELECT pg_stat_force_next_flush()")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    // Let the statistics arrive.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    sqlx::raw_sql("ANALYZE TABLE pf_clean")
        .execute(&my)
        .await
        .unwrap();
}

fn find<'r>(
    report: &'r Report,
    hazard: Hazard,
    table: &str,
    column: Option<&str>,
) -> Option<&'r Finding> {
    report.findings.iter().find(|f| {
        f.hazard == hazard
            && f.table.as_deref() == Some(table)
            && (column.is_none() || f.column.as_deref() == column)
    })
}

#[track_caller]
fn expect(
    report: &Report,
    severity: Severity,
    hazard: Hazard,
    conn: &str,
    table: &str,
    column: Option<&str>,
) {
    let Some(f) = find(report, hazard, table, column) else {
        panic!(
            "no {hazard:?} on {table}.{column:?}; found:\n{}",
            report
                .findings
                .iter()
                .map(|f| format!("{:?} {:?} {} {}", f.severity, f.hazard, f.place(), f.what))
                .collect::<Vec<_>>()
                .join("\n")
        );
    };
    assert_eq!(f.severity, severity, "{f:#?}");
    assert_eq!(f.connection.as_deref(), Some(conn), "{f:#?}");
    assert!(!f.why.is_empty() && !f.fix.is_empty(), "{f:#?}");
}

#[tokio::test]
async fn each_hazard_is_found_with_its_severity_table_and_column() {
    use Hazard as H;
    use Severity::{Blocker as B, Info as I, Warning as W};
    let (Some(my), Some(pg)) = (support::servers::mysql(), support::servers::postgres()) else {
        return;
    };
    setup(&my, &pg).await;
    let report = warroom::preflight::scan(&runbook(&my, &pg), &Options::default()).await;
    let all: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{:?} {:?} {} {}", f.severity, f.hazard, f.place(), f.what))
        .collect();
    // The clean pair reports nothing, on either side.
    let clean: Vec<&String> = all.iter().filter(|l| l.contains(" pf_clean")).collect();
    assert!(clean.is_empty(), "the clean pair has findings: {clean:#?}");
    // Absent defaults are no difference (MariaDB writes them as the text NULL).
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.hazard == Hazard::DefaultDiffers),
        "{all:#?}"
    );

    expect(&report, B, H::NoKey, "my", "pf_nokey", None);
    expect(&report, B, H::KeyNullable, "my", "pf_nullkey", Some("id"));
    expect(&report, W, H::KeyNotPositive, "my", "pf_negkey", Some("id"));
    expect(&report, I, H::KeyRanging, "my", "pf_textkey", Some("code"));
    expect(
        &report,
        W,
        H::ForeignKey,
        "pg",
        "pf_fk_child",
        Some("parent_id"),
    );
    expect(&report, W, H::Trigger, "pg", "pf_fk_child", None);
    expect(&report, B, H::ValueRange, "pg", "pf_unsigned", Some("id"));
    expect(&report, B, H::ZeroDate, "my", "pf_zerodate", Some("d"));
    expect(&report, W, H::Float, "my", "pf_float", Some("f"));
    expect(&report, W, H::Json, "pg", "pf_json", Some("doc"));
    expect(&report, B, H::Generated, "pg", "pf_gen", Some("b"));
    expect(&report, I, H::Invisible, "my", "pf_invis", Some("note"));
    expect(&report, B, H::ValueRange, "pg", "pf_len", Some("t"));
    expect(&report, B, H::Nullability, "pg", "pf_nulls", Some("v"));
    expect(
        &report,
        B,
        H::ExtraColumn,
        "pg",
        "pf_extra",
        Some("required"),
    );
    expect(&report, B, H::Collation, "my", "pf_ci", Some("email"));
    expect(&report, B, H::Charset, "my", "pf_charset", Some("t"));
    expect(&report, W, H::Trigger, "my", "pf_ci", None);
    let trigger = find(&report, H::Trigger, "pf_ci", None).unwrap();
    assert_eq!(trigger.what, "trigger pf_ci_audit (BEFORE INSERT)");
    expect(&report, W, H::Counter, "pg", "pf_counter", Some("hits"));
    expect(&report, W, H::RowEstimate, "pg", "pf_estimate", None);
    // ID headroom: an AUTO_INCREMENT and a sequence near INT's limit.
    expect(&report, B, H::IdHeadroom, "my", "pf_autoinc", Some("id"));
    expect(&report, B, H::IdHeadroom, "pg", "pf_seq", Some("id"));
    let auto = report
        .headroom
        .iter()
        .find(|h| h.table == "pf_autoinc")
        .unwrap();
    assert_eq!(auto.current, 2_147_483_000);
    assert_eq!(auto.max, 2_147_483_647);
    let per_day = auto.per_day.expect("a growth rate from created_at");
    assert!((per_day - 100.0).abs() < 5.0, "{per_day}");
    assert!(auto.days_left.is_some_and(|d| d < 30.0), "{auto:?}");
    let seq = report
        .headroom
        .iter()
        .find(|h| h.table == "pf_seq")
        .unwrap();
    assert_eq!(seq.current, 2_147_483_000);
    assert_eq!(seq.counter, "public.pf_seq_id_seq");
    // Healthy counters are listed without a finding.
    assert!(report
        .headroom
        .iter()
        .any(|h| h.table == "pf_clean" && h.used_percent < 1.0));
    // Every copy job has an estimate; the clean one counted exactly.
    assert_eq!(report.estimates.len(), JOBS.len());
    let est = report
        .estimates
        .iter()
        .find(|e| e.job == "pf_clean")
        .unwrap();
    assert_eq!(est.rows, Some(3));
    assert!(est.rows_exact && est.rows_per_sec.is_some(), "{est:?}");
    assert!(report.has_blocker());
}
