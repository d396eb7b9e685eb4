//! Prometheus probes against a real Prometheus scraping a real `mysqld_exporter` (which reads
//! the real MariaDB): values arrive, thresholds classify them, several series are labelled,
//! no series is NO DATA, and stopping the exporter or Prometheus mid-test turns the probes
//! NO DATA / error / stale, then healthy again when restarted.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use warroom::drill::SystemClock;
use warroom::health::{self, HealthUpdate, Probe, ProbeSample, ProbeStatus, StatusChange};
use warroom::runbook::{ProbeKind, ProbeSpec, Threshold};

use support::prometheus::{self as prom, Stack};

fn spec(name: &str, url: &str, query: &str) -> ProbeSpec {
    ProbeSpec {
        name: name.into(),
        kind: ProbeKind::Prometheus,
        url: Some(url.into()),
        query: Some(query.into()),
        connection: None,
        json_pointer: None,
        interval: Duration::from_millis(250),
        timeout: Duration::from_secs(2),
        stale_after: Duration::from_secs(3),
        unit: None,
        warn: None,
        critical: None,
        rollback_path: false,
        active: None,
    }
}

async fn once(spec: &ProbeSpec) -> ProbeSample {
    Probe::new(spec, &[]).sample().await
}

/// Waits for an update satisfying `done`, collecting every status change on the way.
// The error is deliberately dropped: the panic says what is missing.
#[allow(clippy::match_wild_err_arm)]
async fn wait_for(
    rx: &mut mpsc::Receiver<HealthUpdate>,
    timeout: Duration,
    what: &str,
    changes: &mut Vec<StatusChange>,
    done: impl Fn(&HealthUpdate) -> bool,
) -> HealthUpdate {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(update)) => {
                changes.extend(update.changes.iter().cloned());
                if done(&update) {
                    return update;
                }
                last = Some(update);
            }
            Ok(None) => panic!("the sampler stopped while waiting for {what}"),
            Err(_) => panic!(
                "{what} did not happen within {timeout:?}; last snapshot: {:#?}",
                last.map(|u| u.snapshot)
            ),
        }
    }
}

fn status_of(update: &HealthUpdate, probe: &str) -> Option<ProbeStatus> {
    update.snapshot.probe(probe).map(|p| p.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_arrive_and_thresholds_classify_them() {
    let Some(stack) = Stack::start() else { return };
    let url = stack.url();

    let mut up = spec("mysql_up", &url, "mysql_up");
    up.critical = Some(Threshold::Below(1.0));
    let got = once(&up).await;
    assert_eq!(
        (got.status, got.value),
        (ProbeStatus::Ok, Some(1.0)),
        "{got:?}"
    );
    assert_eq!(got.series.len(), 1);
    assert_eq!(
        got.series[0].0.get("job").map(String::as_str),
        Some("mysql")
    );

    let mut threads = spec("threads", &url, "mysql_global_status_threads_connected");
    let got = once(&threads).await;
    let connected = got.value.expect("threads connected");
    assert!(connected >= 1.0, "{got:?}");
    threads.warn = Some(Threshold::Above(connected + 10_000.0));
    assert_eq!(once(&threads).await.status, ProbeStatus::Ok);
    threads.warn = Some(Threshold::Above(0.0));
    assert_eq!(once(&threads).await.status, ProbeStatus::Warn);
    threads.critical = Some(Threshold::Outside {
        min: 10_000.0,
        max: 20_000.0,
    });
    assert_eq!(once(&threads).await.status, ProbeStatus::Critical);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_series_are_labelled_and_the_worst_decides() {
    let Some(stack) = Stack::start() else { return };
    let s = spec(
        "commands",
        &stack.url(),
        r#"mysql_global_status_commands_total{command=~"select|set_option|show_status|insert"}"#,
    );
    let got = once(&s).await;
    assert_eq!(got.status, ProbeStatus::Ok, "{got:?}");
    assert!(got.series.len() >= 2, "{got:?}");
    let max = got.series.iter().map(|(_, v)| *v).fold(f64::MIN, f64::max);
    assert_eq!(
        got.value,
        Some(max),
        "no thresholds: the largest series shows"
    );
    assert!(got
        .series
        .iter()
        .all(|(labels, _)| labels.contains_key("command")));

    // Aggregating is PromQL's job.
    let sum = once(&spec(
        "sum",
        &stack.url(),
        "sum(mysql_global_status_commands_total)",
    ))
    .await;
    assert!(sum.value.is_some_and(|v| v >= max));
    assert_eq!(sum.series.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_series_is_no_data_and_bad_promql_is_an_error() {
    let Some(stack) = Stack::start() else { return };
    let got = once(&spec(
        "none",
        &stack.url(),
        "warroom_metric_that_does_not_exist",
    ))
    .await;
    assert_eq!((got.status, got.value), (ProbeStatus::NoData, None));
    assert_eq!(got.error.as_deref(), Some("the query returned no series"));

    let got = once(&spec("bad", &stack.url(), "sum(")).await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert!(
        got.error
            .as_deref()
            .is_some_and(|e| e.starts_with("query failed: bad_data:")),
        "{got:?}"
    );

    let got = once(&spec("range", &stack.url(), "mysql_up[1m]")).await;
    assert!(got
        .error
        .as_deref()
        .is_some_and(|e| e.contains("range vector")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_exporter_turns_probes_red_and_restarting_heals_them() {
    let Some(mut stack) = Stack::start() else {
        return;
    };
    let url = stack.url();
    let uptime = spec("uptime", &url, "mysql_global_status_uptime");
    let mut up = spec("scrape_up", &url, r#"up{job="mysql"}"#);
    up.critical = Some(Threshold::Below(1.0));
    let (tx, mut rx) = mpsc::channel(256);
    let probes = vec![Probe::new(&uptime, &[]), Probe::new(&up, &[])];
    let _sampler = health::sampler::spawn(probes, Arc::new(SystemClock), tx);
    let mut changes = vec![];

    let healthy = |u: &HealthUpdate| {
        status_of(u, "uptime") == Some(ProbeStatus::Ok)
            && status_of(u, "scrape_up") == Some(ProbeStatus::Ok)
    };
    let first = wait_for(
        &mut rx,
        Duration::from_secs(10),
        "healthy",
        &mut changes,
        healthy,
    )
    .await;
    assert_eq!(first.snapshot.worst, ProbeStatus::Ok);
    assert!(first.snapshot.evidence_holds("uptime"));

    stack.stop_exporter();
    let down = wait_for(
        &mut rx,
        Duration::from_secs(15),
        "exporter down",
        &mut changes,
        |u| {
            status_of(u, "uptime") == Some(ProbeStatus::NoData)
                && status_of(u, "scrape_up") == Some(ProbeStatus::Critical)
        },
    )
    .await;
    assert!(!down.snapshot.evidence_holds("uptime"));
    assert_eq!(down.snapshot.worst, ProbeStatus::Critical);
    let uptime_state = down.snapshot.probe("uptime").expect("uptime");
    assert!(uptime_state.last_value.is_some(), "the last value is kept");
    assert!(changes
        .iter()
        .any(|c| c.probe == "scrape_up" && c.to == ProbeStatus::Critical && c.is_alarm()));

    stack.start_exporter();
    wait_for(
        &mut rx,
        Duration::from_secs(15),
        "healthy again",
        &mut changes,
        healthy,
    )
    .await;
    assert!(changes
        .iter()
        .any(|c| c.probe == "uptime" && c.is_recovery()));
    assert!(changes
        .iter()
        .any(|c| c.probe == "scrape_up" && c.is_recovery() && c.describe().contains("recovered")));
}

// `state` and `stale`: the probe state of the stale snapshot.
#[allow(clippy::similar_names)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_prometheus_errors_then_goes_stale_and_restarting_heals() {
    let Some(mut stack) = Stack::start() else {
        return;
    };
    let url = stack.url();
    let mut up = spec("mysql_up", &url, "mysql_up");
    up.critical = Some(Threshold::Below(1.0));
    up.stale_after = Duration::from_secs(2);
    up.timeout = Duration::from_millis(500);
    let (tx, mut rx) = mpsc::channel(256);
    let _sampler = health::sampler::spawn(vec![Probe::new(&up, &[])], Arc::new(SystemClock), tx);
    let mut changes = vec![];
    let ok = |u: &HealthUpdate| status_of(u, "mysql_up") == Some(ProbeStatus::Ok);
    wait_for(
        &mut rx,
        Duration::from_secs(10),
        "healthy",
        &mut changes,
        ok,
    )
    .await;

    stack.stop_prometheus();
    let stopped = Instant::now();
    let err = wait_for(
        &mut rx,
        Duration::from_secs(5),
        "error",
        &mut changes,
        |u| status_of(u, "mysql_up") == Some(ProbeStatus::Error),
    )
    .await;
    let sample = err.sample.expect("the failing sample");
    let error = sample.error.expect("error text");
    assert_eq!(
        error,
        format!("connection refused by 127.0.0.1:{}", stack.prometheus_port)
    );

    let stale = wait_for(
        &mut rx,
        Duration::from_secs(6),
        "stale",
        &mut changes,
        |u| status_of(u, "mysql_up") == Some(ProbeStatus::NoData),
    )
    .await;
    // Staleness counts from the last good sample, up to one interval before the stop.
    assert!(
        stopped.elapsed() >= Duration::from_millis(1_500),
        "stale well before stale_after"
    );
    let state = stale.snapshot.probe("mysql_up").expect("probe");
    let stale_for = state.stale_for.expect("stale");
    assert!(stale_for > Duration::from_secs(2), "{stale_for:?}");
    let detail = state.detail().expect("detail");
    assert!(
        detail.starts_with("no data for ") && detail.contains("connection refused"),
        "{detail}"
    );
    assert!(changes
        .iter()
        .any(|c| c.to == ProbeStatus::NoData && c.from == ProbeStatus::Error));

    stack.start_prometheus();
    stack.wait_for_query("mysql_up == 1", Duration::from_secs(30));
    let back = wait_for(
        &mut rx,
        Duration::from_secs(10),
        "healthy again",
        &mut changes,
        ok,
    )
    .await;
    assert_eq!(
        back.snapshot.probe("mysql_up").and_then(|p| p.stale_for),
        None
    );
    assert!(changes.last().is_some_and(StatusChange::is_recovery));
}

#[tokio::test]
async fn the_ci_prometheus_scrapes_mariadb() {
    let Some(url) = prom::shared() else { return };
    let mut up = spec("mysql_up", &url, "mysql_up");
    up.critical = Some(Threshold::Below(1.0));
    let got = once(&up).await;
    assert_eq!(
        (got.status, got.value),
        (ProbeStatus::Ok, Some(1.0)),
        "{got:?}"
    );
}
