//! `kind = "prometheus"`: a PromQL instant query against a Prometheus HTTP API
//! (`GET <url>/api/v1/query?query=...`).
//!
//! Every series the query returns is kept, labelled. The probe's value is the worst series
//! against the thresholds (see [`super::probe`]); to show an aggregate instead, aggregate in
//! PromQL (`max(...)`, `sum by () (...)`). A query returning no series is NO DATA, never 0.
//!
//! Authentication, from the environment only: credentials in the URL (`https://${PROM_USER}:
//! ${PROM_PASSWORD}@prom/`) become basic auth; otherwise `WARROOM_PROMETHEUS_TOKEN_<PROBE>`
//! (probe name upper-cased, other characters as `_`) or `WARROOM_PROMETHEUS_TOKEN` is sent as
//! a bearer token, or `WARROOM_PROMETHEUS_USER`/`WARROOM_PROMETHEUS_PASSWORD` as basic auth.

use std::time::Duration;

use serde_json::Value;

use super::error::ProbeError;
use super::reading::Reading;
use super::sample::Labels;
use super::web::{self, Target};

/// How to authenticate to Prometheus.
#[derive(Clone, PartialEq, Eq)]
pub enum PromAuth {
    None,
    Bearer(String),
    Basic {
        user: String,
        password: Option<String>,
    },
}

impl std::fmt::Debug for PromAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PromAuth::None => "PromAuth::None",
            PromAuth::Bearer(_) => "PromAuth::Bearer(***)",
            PromAuth::Basic { .. } => "PromAuth::Basic(***)",
        })
    }
}

impl PromAuth {
    /// Reads the credentials for `probe` from `lookup` (the environment in production).
    pub fn from_env(probe: &str, lookup: &dyn Fn(&str) -> Option<String>) -> PromAuth {
        let suffix = crate::runbook::names::env_suffix(probe);
        if let Some(token) = lookup(&format!("WARROOM_PROMETHEUS_TOKEN_{suffix}"))
            .or_else(|| lookup("WARROOM_PROMETHEUS_TOKEN"))
        {
            return PromAuth::Bearer(token);
        }
        match lookup("WARROOM_PROMETHEUS_USER") {
            Some(user) => PromAuth::Basic {
                user,
                password: lookup("WARROOM_PROMETHEUS_PASSWORD"),
            },
            None => PromAuth::None,
        }
    }
}

pub(crate) struct PrometheusProbe {
    target: Target,
    query: String,
    auth: PromAuth,
    client: reqwest::Client,
    timeout: Duration,
}

impl PrometheusProbe {
    pub(crate) fn new(
        base: &str,
        query: &str,
        auth: PromAuth,
        timeout: Duration,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PrometheusProbe, ProbeError> {
        let mut target = web::target(base, lookup)?;
        let path = format!("{}/api/v1/query", target.url.path().trim_end_matches('/'));
        target.url.set_path(&path);
        // Credentials in the URL win over the environment's.
        let auth = match target.basic.take() {
            Some((user, password)) => PromAuth::Basic { user, password },
            None => auth,
        };
        Ok(PrometheusProbe {
            target,
            query: query.to_string(),
            auth,
            client: web::client(timeout)?,
            timeout,
        })
    }

    pub(crate) async fn measure(&self) -> Result<Reading, ProbeError> {
        let mut request = self
            .client
            .get(self.target.url.clone())
            .query(&[("query", self.query.as_str())]);
        request = match &self.auth {
            PromAuth::None => request,
            PromAuth::Bearer(token) => request.bearer_auth(token),
            PromAuth::Basic { user, password } => request.basic_auth(user, password.as_ref()),
        };
        let response = request
            .send()
            .await
            .map_err(|e| web::transport_error(e, &self.target.shown, self.timeout))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| web::transport_error(e, &self.target.shown, self.timeout))?;
        parse_response(status, &body)
    }
}

/// Reads a `/api/v1/query` answer (HTTP status and body).
pub(crate) fn parse_response(
    status: reqwest::StatusCode,
    body: &str,
) -> Result<Reading, ProbeError> {
    let json: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) if !status.is_success() => {
            return Err(ProbeError::Status {
                status: status.to_string(),
                body: Some(web::excerpt(body, 120)).filter(|b| !b.is_empty()),
            })
        }
        Err(e) => {
            return Err(ProbeError::BadResponse(format!(
                "not a Prometheus API answer ({e}): {}",
                web::excerpt(body, 80)
            )))
        }
    };
    if json["status"] == "error" {
        let kind = json["errorType"].as_str().unwrap_or("error");
        let message = json["error"].as_str().unwrap_or("no message");
        return Err(ProbeError::Query(format!("{kind}: {message}")));
    }
    if !status.is_success() || json["status"] != "success" {
        return Err(ProbeError::Status {
            status: status.to_string(),
            body: Some(web::excerpt(body, 120)),
        });
    }
    let data = &json["data"];
    let series = match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or_else(|| bad("`data.result` is not a list"))?
            .iter()
            .map(|item| Ok((labels(&item["metric"]), sample_value(&item["value"])?)))
            .collect::<Result<Vec<_>, ProbeError>>()?,
        Some("scalar") => vec![(Labels::new(), sample_value(&data["result"])?)],
        Some("matrix") => {
            return Err(ProbeError::Query(
                "the query returns a range vector: write an instant query (drop the `[5m]`, \
                 or wrap it in rate() / max_over_time())"
                    .into(),
            ))
        }
        Some(other) => {
            return Err(ProbeError::Query(format!(
                "the query returns a {other}, not a number"
            )))
        }
        None => return Err(bad("no `data.resultType`")),
    };
    Ok(Reading {
        labelled: true,
        series,
        no_data: Some("the query returned no series".into()),
    })
}

fn bad(what: &str) -> ProbeError {
    ProbeError::BadResponse(what.to_string())
}

fn labels(metric: &Value) -> Labels {
    metric
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `[1700000000.123, "42"]` -> 42. Prometheus writes values as strings ("NaN", "+Inf").
fn sample_value(pair: &Value) -> Result<f64, ProbeError> {
    let text = pair
        .get(1)
        .and_then(Value::as_str)
        .ok_or_else(|| bad("a sample is not [time, \"value\"]"))?;
    text.parse::<f64>()
        .map_err(|_| bad(&format!("`{text}` is not a number")))
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::*;

    // The readings are exact small numbers parsed from text.
    #[allow(clippy::float_cmp)]
    #[test]
    fn vector_with_several_series() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"a"},"value":[1.0,"3"]},
            {"metric":{"instance":"b"},"value":[1.0,"NaN"]}]}}"#;
        let r = parse_response(StatusCode::OK, body).expect("reading");
        assert_eq!(r.series.len(), 2);
        assert_eq!(r.series[0].0.get("instance").map(String::as_str), Some("a"));
        assert_eq!(r.series[0].1, 3.0);
        assert!(r.series[1].1.is_nan());
    }

    #[test]
    fn empty_vector_is_no_data_not_zero() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let r = parse_response(StatusCode::OK, body).expect("reading");
        assert!(r.series.is_empty());
        assert!(r.no_data.is_some());
    }

    // The readings are exact small numbers parsed from text.
    #[allow(clippy::float_cmp)]
    #[test]
    fn scalar() {
        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1.0,"+Inf"]}}"#;
        let r = parse_response(StatusCode::OK, body).expect("reading");
        assert_eq!(r.series[0].1, f64::INFINITY);
    }

    #[test]
    fn errors_are_named() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
        let e = parse_response(StatusCode::BAD_REQUEST, body).expect_err("error");
        assert_eq!(
            e.to_string(),
            "query failed: bad_data: parse error at char 4"
        );
        let e =
            parse_response(StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").expect_err("error");
        assert_eq!(
            e.to_string(),
            "HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
        let e = parse_response(StatusCode::OK, "hello").expect_err("error");
        assert!(e
            .to_string()
            .starts_with("bad response: not a Prometheus API answer"));
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(parse_response(StatusCode::OK, body)
            .expect_err("matrix")
            .to_string()
            .contains("range vector"));
    }

    #[test]
    fn auth_from_the_environment() {
        let env = |v: &str| match v {
            "WARROOM_PROMETHEUS_TOKEN" => Some("global".to_string()),
            "WARROOM_PROMETHEUS_TOKEN_REPL_LAG" => Some("mine".to_string()),
            _ => None,
        };
        assert_eq!(
            PromAuth::from_env("repl-lag", &env),
            PromAuth::Bearer("mine".into())
        );
        assert_eq!(
            PromAuth::from_env("other", &env),
            PromAuth::Bearer("global".into())
        );
        let basic = |v: &str| match v {
            "WARROOM_PROMETHEUS_USER" => Some("ops".to_string()),
            _ => None,
        };
        assert_eq!(
            PromAuth::from_env("x", &basic),
            PromAuth::Basic {
                user: "ops".into(),
                password: None
            }
        );
        assert_eq!(PromAuth::from_env("x", &|_| None), PromAuth::None);
        assert!(!format!("{:?}", PromAuth::Bearer("secret".into())).contains("secret"));
    }
}
