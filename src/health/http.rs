//! `kind = "http"`: GET a URL. A non-2xx status is an error (shown with the status line).
//! The value is the latency in milliseconds, or, with `json_pointer`, the number at that
//! pointer in the JSON body (numbers, numeric strings, and booleans as 1/0; `null` is NO
//! DATA).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::ProbeError;
use super::reading::Reading;
use super::web::{self, Target};

pub(crate) struct HttpProbe {
    target: Target,
    json_pointer: Option<String>,
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpProbe {
    pub(crate) fn new(
        url: &str,
        json_pointer: Option<&str>,
        timeout: Duration,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HttpProbe, ProbeError> {
        if let Some(p) = json_pointer {
            if !p.is_empty() && !p.starts_with('/') {
                return Err(ProbeError::Config(format!(
                    "json_pointer `{p}` must start with `/` (e.g. \"/replication/lag\")"
                )));
            }
        }
        Ok(HttpProbe {
            target: web::target(url, lookup)?,
            json_pointer: json_pointer.map(str::to_string),
            client: web::client(timeout)?,
            timeout,
        })
    }

    pub(crate) async fn measure(&self) -> Result<Reading, ProbeError> {
        let started = Instant::now();
        let mut request = self.client.get(self.target.url.clone());
        if let Some((user, password)) = &self.target.basic {
            request = request.basic_auth(user, password.as_ref());
        }
        let fail = |e| web::transport_error(e, &self.target.shown, self.timeout);
        let response = request.send().await.map_err(fail)?;
        let status = response.status();
        let body = response.text().await.map_err(fail)?;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            return Err(ProbeError::Status {
                status: status.to_string(),
                body: Some(web::excerpt(&body, 120)).filter(|b| !b.is_empty()),
            });
        }
        match &self.json_pointer {
            None => Ok(Reading::one(latency_ms)),
            Some(pointer) => value_at(&body, pointer),
        }
    }
}

/// The number at `pointer` in a JSON body.
pub(crate) fn value_at(body: &str, pointer: &str) -> Result<Reading, ProbeError> {
    let json: Value = serde_json::from_str(body).map_err(|e| {
        ProbeError::BadResponse(format!("not JSON ({e}): {}", web::excerpt(body, 80)))
    })?;
    let value = json
        .pointer(pointer)
        .ok_or_else(|| ProbeError::BadResponse(format!("no value at {pointer}")))?;
    match value {
        Value::Null => Ok(Reading::none(format!("{pointer} is null"))),
        Value::Number(n) => n
            .as_f64()
            .map(Reading::one)
            .ok_or_else(|| ProbeError::BadResponse(format!("{pointer} is out of range"))),
        Value::Bool(b) => Ok(Reading::one(if *b { 1.0 } else { 0.0 })),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Reading::one)
            .map_err(|_| ProbeError::BadResponse(format!("{pointer} is \"{s}\", not a number"))),
        Value::Array(_) | Value::Object(_) => Err(ProbeError::BadResponse(format!(
            "{pointer} is a JSON {}, not a number",
            if value.is_array() { "list" } else { "object" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str, pointer: &str) -> Result<Option<f64>, String> {
        value_at(body, pointer)
            .map(|r| r.series.first().map(|s| s.1))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn pointer_values() {
        let body = r#"{"repl":{"lag":1.5,"s":"2","up":true,"none":null,"list":[7]}}"#;
        assert_eq!(one(body, "/repl/lag"), Ok(Some(1.5)));
        assert_eq!(one(body, "/repl/s"), Ok(Some(2.0)));
        assert_eq!(one(body, "/repl/up"), Ok(Some(1.0)));
        assert_eq!(one(body, "/repl/list/0"), Ok(Some(7.0)));
        assert_eq!(one(body, "/repl/none"), Ok(None));
        assert_eq!(
            one(body, "/repl/nope"),
            Err("bad response: no value at /repl/nope".into())
        );
        assert!(one(body, "/repl").is_err_and(|e| e.contains("object")));
        assert!(one("<html>", "/x").is_err_and(|e| e.contains("not JSON")));
    }

    #[test]
    fn a_pointer_must_start_with_a_slash() {
        let e = HttpProbe::new("http://h/", Some("lag"), Duration::from_secs(1), &|_| None)
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("must start with `/`")));
    }
}
