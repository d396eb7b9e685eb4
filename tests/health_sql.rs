//! SQL probes against the real MariaDB and PostgreSQL: latency and value modes, thresholds,
//! NULL / no row as NO DATA, a failing query, a refused port, a timeout.

mod support;

use std::time::{Duration, Instant};

use warroom::health::{Probe, ProbeSample, ProbeStatus};
use warroom::runbook::{Connection, ProbeKind, ProbeSpec, Threshold};

use support::servers;

fn spec(query: Option<&str>) -> ProbeSpec {
    ProbeSpec {
        name: "db".into(),
        kind: ProbeKind::Sql,
        url: None,
        query: query.map(str::to_string),
        connection: Some("db".into()),
        json_pointer: None,
        interval: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
        stale_after: Duration::from_secs(10),
        unit: None,
        warn: None,
        critical: None,
        rollback_path: false,
        active: None,
    }
}

async fn run(url: &str, spec: &ProbeSpec) -> ProbeSample {
    let connections = [Connection {
        name: "db".into(),
        url_template: url.into(),
    }];
    Probe::new(spec, &connections).sample().await
}

async fn value(url: &str, query: &str) -> (ProbeStatus, Option<f64>, Option<String>) {
    let s = run(url, &spec(Some(query))).await;
    (s.status, s.value, s.error)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test]
async fn mariadb_latency_mode() {
    let Some(url) = servers::mysql() else { return };
    let mut s = spec(None);
    s.unit = Some("ms".into());
    s.critical = Some(Threshold::Above(2000.0));
    let got = run(&url, &s).await;
    assert_eq!(got.status, ProbeStatus::Ok, "{got:?}");
    let ms = got.value.expect("a latency");
    assert!(ms > 0.0 && ms < 2000.0, "{ms} ms");
}

#[tokio::test]
async fn mariadb_value_mode_reads_every_numeric_type() {
    let Some(url) = servers::mysql() else { return };
    assert_eq!(value(&url, "SELECT 42").await.1, Some(42.0));
    assert_eq!(value(&url, "SELECT CAST(7 AS UNSIGNED)").await.1, Some(7.0));
    assert_eq!(value(&url, "SELECT 1.25").await.1, Some(1.25));
    assert_eq!(value(&url, "SELECT CAST(2.5 AS DOUBLE)").await.1, Some(2.5));
    assert_eq!(value(&url, "SELECT '3.5'").await.1, Some(3.5));
    assert_eq!(
        value(
            &url,
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'test'"
        )
        .await
        .1,
        Some(1.0)
    );
    // A real status value, as a runbook would probe it.
    let (status, v, _) = value(
        &url,
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'",
    )
    .await;
    assert_eq!(status, ProbeStatus::Ok);
    assert!(v.is_some_and(|v| v >= 1.0), "{v:?}");
}

#[tokio::test]
async fn mariadb_null_and_no_row_are_no_data_and_text_is_an_error() {
    let Some(url) = servers::mysql() else { return };
    let (status, v, e) = value(&url, "SELECT NULL").await;
    assert_eq!((status, v), (ProbeStatus::NoData, None));
    assert_eq!(e.as_deref(), Some("the query returned NULL"));
    let (status, _, e) = value(&url, "SELECT 1 FROM DUAL WHERE 1 = 0").await;
    assert_eq!(status, ProbeStatus::NoData);
    assert_eq!(e.as_deref(), Some("the query returned no row"));
    let (status, _, e) = value(&url, "SELECT 'primary'").await;
    assert_eq!(status, ProbeStatus::Error);
    assert_eq!(
        e.as_deref(),
        Some("bad response: the first column is \"primary\", not a number")
    );
}

#[tokio::test]
async fn mariadb_thresholds_classify_the_value() {
    let Some(url) = servers::mysql() else { return };
    let mut s = spec(Some("SELECT 12"));
    s.warn = Some(Threshold::Above(5.0));
    s.critical = Some(Threshold::Above(10.0));
    assert_eq!(run(&url, &s).await.status, ProbeStatus::Critical);
    s.query = Some("SELECT 7".into());
    assert_eq!(run(&url, &s).await.status, ProbeStatus::Warn);
    s.query = Some("SELECT 1".into());
    assert_eq!(run(&url, &s).await.status, ProbeStatus::Ok);
}

#[tokio::test]
async fn mariadb_a_failing_query_shows_the_servers_message() {
    let Some(url) = servers::mysql() else { return };
    let (status, v, e) = value(&url, "SELECT x FROM warroom_no_such_table").await;
    assert_eq!((status, v), (ProbeStatus::Error, None));
    let e = e.expect("an error");
    assert!(
        e.starts_with("query failed: ")
            && e.contains("warroom_no_such_table")
            && e.contains("doesn't exist"),
        "{e}"
    );
}

#[tokio::test]
async fn mariadb_a_slow_query_times_out() {
    let Some(url) = servers::mysql() else { return };
    let mut s = spec(Some("SELECT SLEEP(3)"));
    s.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let got = run(&url, &s).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(got.error.as_deref(), Some("timed out after 500ms"));
}

#[tokio::test]
async fn a_refused_port_says_so() {
    let port = closed_port();
    for url in [
        format!("mysql://root@127.0.0.1:{port}/test"),
        format!("postgres://postgres@127.0.0.1:{port}/test"),
    ] {
        let mut s = spec(Some("SELECT 1"));
        s.timeout = Duration::from_secs(3);
        let started = Instant::now();
        let got = run(&url, &s).await;
        assert_eq!(got.status, ProbeStatus::Error, "{got:?}");
        let e = got.error.expect("an error");
        assert!(
            e.contains("refused") && e.contains(&port.to_string()),
            "{url}: {e}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}

#[tokio::test]
async fn a_missing_password_variable_is_named_not_leaked() {
    let s = spec(Some("SELECT 1"));
    let got = run(
        "mysql://app:${WARROOM_TEST_SURELY_UNSET_PW}@127.0.0.1:3306/test",
        &s,
    )
    .await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert!(
        got.error
            .as_deref()
            .is_some_and(|e| e.contains("${WARROOM_TEST_SURELY_UNSET_PW} is not set")),
        "{got:?}"
    );
}

#[tokio::test]
async fn postgres_latency_and_values() {
    let Some(url) = servers::postgres() else {
        return;
    };
    let got = run(&url, &spec(None)).await;
    assert_eq!(got.status, ProbeStatus::Ok, "{got:?}");
    assert!(got.value.is_some_and(|ms| ms > 0.0));

    assert_eq!(value(&url, "SELECT 42").await.1, Some(42.0));
    assert_eq!(value(&url, "SELECT 3::int2").await.1, Some(3.0));
    assert_eq!(value(&url, "SELECT 2.5::numeric").await.1, Some(2.5));
    assert_eq!(value(&url, "SELECT 0.5::float4").await.1, Some(0.5));
    assert_eq!(value(&url, "SELECT true").await.1, Some(1.0));
    let (status, v, _) = value(&url, "SELECT count(*) FROM pg_stat_activity").await;
    assert_eq!(status, ProbeStatus::Ok);
    assert!(v.is_some_and(|v| v >= 1.0));
    let (status, _, e) = value(&url, "SELECT NULL::int8").await;
    assert_eq!(status, ProbeStatus::NoData);
    assert_eq!(e.as_deref(), Some("the query returned NULL"));
    let (status, _, e) = value(&url, "SELECT now()").await;
    assert_eq!(status, ProbeStatus::Error);
    assert!(e.is_some_and(|e| e.contains("TIMESTAMPTZ") && e.contains("not a number")));
}

#[tokio::test]
async fn postgres_failing_and_slow_queries() {
    let Some(url) = servers::postgres() else {
        return;
    };
    let (status, _, e) = value(&url, "SELECT x FROM warroom_no_such_table").await;
    assert_eq!(status, ProbeStatus::Error);
    assert_eq!(
        e.as_deref(),
        Some("query failed: relation \"warroom_no_such_table\" does not exist")
    );
    let mut s = spec(Some("SELECT 1 FROM pg_sleep(3)"));
    s.timeout = Duration::from_millis(500);
    let got = run(&url, &s).await;
    assert_eq!(got.error.as_deref(), Some("timed out after 500ms"));
}
