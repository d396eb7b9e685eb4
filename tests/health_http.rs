//! HTTP probes (and Prometheus auth) against a real local HTTP server; the sampler's
//! isolation of a slow probe; the headless output.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use warroom::cli::probe;
use warroom::drill::testkit::RunbookBuilder;
use warroom::drill::SystemClock;
use warroom::health::{self, Probe, ProbeStatus};
use warroom::runbook::{ProbeKind, ProbeSpec, Runbook, Threshold};

/// A tiny HTTP/1.1 server on a free loopback port. Routes:
/// `/ok`, `/json`, `/fail` (500), `/slow` (answers after 5 s), `/notjson`, and a
/// Prometheus-shaped `/api/v1/query` (bearer `tok`) and `/basic/api/v1/query` (ops:pw).
async fn server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&buf).to_string();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let header = |name: &str| {
                    request
                        .lines()
                        .find(|l| l.to_lowercase().starts_with(&format!("{name}:")))
                        .map(|l| l[name.len() + 1..].trim().to_string())
                };
                let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1,"7"]}]}}"#;
                let (status, body) = match path.split('?').next().unwrap_or("") {
                    "/ok" => ("200 OK", "hello".to_string()),
                    "/json" => (
                        "200 OK",
                        r#"{"replication":{"lag_seconds":2.5},"ready":true}"#.to_string(),
                    ),
                    "/fail" => ("500 Internal Server Error", "boom".to_string()),
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        ("200 OK", "late".to_string())
                    }
                    "/notjson" => ("200 OK", "<html>hi</html>".to_string()),
                    "/api/v1/query" if header("authorization").as_deref() == Some("Bearer tok") => {
                        ("200 OK", vector.to_string())
                    }
                    "/basic/api/v1/query"
                        if header("authorization").as_deref() == Some("Basic b3BzOnB3") =>
                    {
                        ("200 OK", vector.to_string())
                    }
                    p if p.ends_with("/api/v1/query") => ("401 Unauthorized", String::new()),
                    _ => ("404 Not Found", "no such page".to_string()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    port
}

fn spec(name: &str, kind: ProbeKind, url: String) -> ProbeSpec {
    ProbeSpec {
        name: name.into(),
        kind,
        url: Some(url),
        query: None,
        connection: None,
        json_pointer: None,
        interval: Duration::from_millis(100),
        timeout: Duration::from_secs(2),
        stale_after: Duration::from_secs(5),
        unit: None,
        warn: None,
        critical: None,
        rollback_path: false,
        active: None,
    }
}

async fn sample(spec: &ProbeSpec) -> health::ProbeSample {
    Probe::new(spec, &[]).sample().await
}

#[tokio::test]
async fn latency_of_a_healthy_url() {
    let port = server().await;
    let mut s = spec(
        "web",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/ok"),
    );
    s.critical = Some(Threshold::Above(1000.0));
    let got = sample(&s).await;
    assert_eq!(got.status, ProbeStatus::Ok, "{got:?}");
    let ms = got.value.expect("latency");
    assert!(ms > 0.0 && ms < 1000.0, "latency {ms} ms");
    assert_eq!(got.error, None);
}

#[tokio::test]
async fn a_value_at_a_json_pointer_is_classified() {
    let port = server().await;
    let mut s = spec(
        "lag",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/json"),
    );
    s.json_pointer = Some("/replication/lag_seconds".into());
    s.warn = Some(Threshold::Above(2.0));
    s.critical = Some(Threshold::Above(10.0));
    let got = sample(&s).await;
    assert_eq!(
        (got.status, got.value),
        (ProbeStatus::Warn, Some(2.5)),
        "{got:?}"
    );

    s.json_pointer = Some("/ready".into());
    s.warn = None;
    s.critical = Some(Threshold::Below(1.0));
    assert_eq!(sample(&s).await.value, Some(1.0));

    s.json_pointer = Some("/replication/missing".into());
    let got = sample(&s).await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(
        got.error.as_deref(),
        Some("bad response: no value at /replication/missing")
    );
}

#[tokio::test]
async fn a_500_is_an_error_with_its_status_line() {
    let port = server().await;
    let got = sample(&spec(
        "web",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/fail"),
    ))
    .await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(got.value, None);
    assert_eq!(
        got.error.as_deref(),
        Some("HTTP 500 Internal Server Error: boom")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_bad_response() {
    let port = server().await;
    let mut s = spec(
        "web",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/notjson"),
    );
    s.json_pointer = Some("/x".into());
    let got = sample(&s).await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert!(
        got.error
            .as_deref()
            .is_some_and(|e| e.starts_with("bad response: not JSON")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out_on_time() {
    let port = server().await;
    let mut s = spec(
        "slow",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/slow"),
    );
    s.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let got = sample(&s).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(got.error.as_deref(), Some("timed out after 300ms"));
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let got = sample(&spec(
        "gone",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/"),
    ))
    .await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(
        got.error.as_deref(),
        Some(format!("connection refused by 127.0.0.1:{port}").as_str())
    );
}

#[tokio::test]
async fn a_host_that_does_not_resolve_says_so() {
    let mut s = spec(
        "dns",
        ProbeKind::Http,
        "http://no-such-host.invalid:9/".into(),
    );
    s.timeout = Duration::from_secs(8);
    let got = sample(&s).await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(
        got.error.as_deref(),
        Some("DNS lookup failed for no-such-host.invalid:9"),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_missing_environment_variable_is_named() {
    let s = spec(
        "env",
        ProbeKind::Http,
        "http://${WARROOM_TEST_SURELY_UNSET}/".into(),
    );
    let got = sample(&s).await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(
        got.error.as_deref(),
        Some("${WARROOM_TEST_SURELY_UNSET} is not set: export WARROOM_TEST_SURELY_UNSET first")
    );
}

#[tokio::test]
async fn prometheus_auth_comes_from_the_environment() {
    let port = server().await;
    let mut s = spec(
        "prom",
        ProbeKind::Prometheus,
        format!("http://127.0.0.1:{port}"),
    );
    s.query = Some("up".into());

    let env = |var: &str| (var == "WARROOM_PROMETHEUS_TOKEN").then(|| "tok".to_string());
    let got = Probe::with_env(&s, &[], &env).sample().await;
    assert_eq!(
        (got.status, got.value),
        (ProbeStatus::Ok, Some(7.0)),
        "{got:?}"
    );
    assert_eq!(got.series.len(), 1);

    let got = Probe::with_env(&s, &[], &|_| None).sample().await;
    assert_eq!(got.status, ProbeStatus::Error);
    assert_eq!(got.error.as_deref(), Some("HTTP 401 Unauthorized"));

    // Credentials in the URL, from the environment, become basic auth.
    s.url = Some(format!("http://ops:${{PROM_PW}}@127.0.0.1:{port}/basic/"));
    let env = |var: &str| (var == "PROM_PW").then(|| "pw".to_string());
    let got = Probe::with_env(&s, &[], &env).sample().await;
    assert_eq!(got.status, ProbeStatus::Ok, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_probe_does_not_hold_up_the_others() {
    let port = server().await;
    let fast = spec(
        "fast",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/ok"),
    );
    let mut slow = spec(
        "slow",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/slow"),
    );
    slow.timeout = Duration::from_secs(3);
    let probes = vec![Probe::new(&slow, &[]), Probe::new(&fast, &[])];
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let handle = health::sampler::spawn(probes, Arc::new(SystemClock), tx);
    let started = Instant::now();
    let mut fast_samples = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        let Ok(Some(update)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await else {
            panic!("no update within 2 s");
        };
        if let Some(s) = &update.sample {
            assert_ne!(s.probe, "slow", "the slow probe cannot have answered yet");
            if s.probe == "fast" {
                fast_samples += 1;
            }
        }
        let snap = &update.snapshot;
        assert_eq!(snap.probes[0].name, "slow", "runbook order is kept");
    }
    assert!(
        fast_samples >= 5,
        "only {fast_samples} fast samples in 1.5 s"
    );
    handle.stop();
}

fn runbook(probes: Vec<ProbeSpec>) -> Runbook {
    probes
        .into_iter()
        .fold(
            RunbookBuilder::new("health test").coordinator("ana"),
            warroom::drill::testkit::RunbookBuilder::probe,
        )
        .build()
}

#[tokio::test]
async fn headless_once_prints_every_probe_and_says_whether_all_are_green() {
    let port = server().await;
    let mut lag = spec(
        "repl_lag",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/json"),
    );
    lag.json_pointer = Some("/replication/lag_seconds".into());
    lag.unit = Some("s".into());
    let web = spec(
        "web",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/ok"),
    );
    let broken = spec(
        "api",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/fail"),
    );

    let mut out = Vec::new();
    let green = probe::run_headless(
        &runbook(vec![lag.clone(), web.clone()]),
        true,
        false,
        &mut out,
    )
    .await
    .expect("headless");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(green, "{text}");
    assert!(text.starts_with("PROBE"), "{text}");
    let lag_line = text
        .lines()
        .find(|l| l.starts_with("repl_lag"))
        .expect("lag line");
    assert!(
        lag_line.contains("2.5 s") && lag_line.contains("OK"),
        "{lag_line}"
    );

    let mut out = Vec::new();
    let green = probe::run_headless(&runbook(vec![lag, web, broken]), true, true, &mut out)
        .await
        .expect("headless");
    assert!(!green);
    let json: serde_json::Value = serde_json::from_slice(&out).expect("one JSON document");
    assert_eq!(json["all_green"], false);
    assert_eq!(json["probes"][0]["probe"], "repl_lag");
    assert_eq!(json["probes"][0]["value"], 2.5);
    assert_eq!(json["probes"][0]["unit"], "s");
    assert_eq!(json["probes"][0]["status"], "ok");
    assert_eq!(json["probes"][2]["status"], "error");
    assert_eq!(
        json["probes"][2]["error"],
        "HTTP 500 Internal Server Error: boom"
    );
    assert_eq!(json["probes"][2]["value"], serde_json::Value::Null);
}

#[tokio::test]
async fn headless_with_no_probes_is_green() {
    let mut out = Vec::new();
    let green = probe::run_headless(&runbook(vec![]), true, false, &mut out)
        .await
        .expect("headless");
    assert!(green);
    assert_eq!(
        String::from_utf8_lossy(&out),
        "this runbook declares no probes\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_continuous_prints_a_line_per_sample_until_stopped() {
    let port = server().await;
    let mut web = spec(
        "web",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/ok"),
    );
    web.interval = Duration::from_millis(200);
    let mut api = spec(
        "api",
        ProbeKind::Http,
        format!("http://127.0.0.1:{port}/fail"),
    );
    api.interval = Duration::from_millis(200);
    let stop = tokio::time::sleep(Duration::from_millis(1100));
    let mut out = Vec::new();
    let green = probe::run_headless_until(&runbook(vec![web, api]), false, true, &mut out, stop)
        .await
        .expect("headless");
    assert!(!green, "api fails");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    let web_samples = lines.iter().filter(|l| l["probe"] == "web").count();
    assert!(web_samples >= 3, "{text}");
    assert!(lines
        .iter()
        .all(|l| l["probe"] != "web" || l["status"] == "ok"));
    // The failing probe's first sample is news: a status change line.
    assert!(
        lines
            .iter()
            .any(|l| l["change"]["probe"] == "api" && l["change"]["to"] == "error"),
        "{text}"
    );
}
