//! One HTTP POST per attempt, with a timeout and the message's idempotency key. The webhook
//! URL is read from the environment when a target is resolved and never leaves
//! [`Webhook`]: not in its `Debug`, not in an error (reqwest's errors are stripped of it).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::backoff;
use super::error::{DeliveryError, NotifyError};
use crate::runbook::{AnnounceFormat, AnnounceTarget};

/// The header that carries a message's idempotency key (the JSON body has it as `id`).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// How much of a server's answer is kept (in errors and in what `announce test` prints).
const BODY_EXCERPT: usize = 200;

/// A target with its URL, ready to post to.
#[derive(Clone)]
pub struct Webhook {
    pub name: String,
    pub format: AnnounceFormat,
    url: Result<reqwest::Url, DeliveryError>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("url", &"<from the environment, not shown>")
            .finish()
    }
}

impl Webhook {
    /// Reads the target's URL from `env` (the process environment in the console). A
    /// variable that is not set, or not a URL, makes a webhook whose every attempt fails
    /// with that error: the target shows as failing and the other targets go on.
    pub fn resolve(target: &AnnounceTarget, env: impl Fn(&str) -> Option<String>) -> Webhook {
        let var = target.url_env.clone();
        let url = match env(&var) {
            None => Err(DeliveryError::NotSet { var }),
            Some(text) => match reqwest::Url::parse(text.trim()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
                _ => Err(DeliveryError::BadUrl { var }),
            },
        };
        Webhook {
            name: target.name.clone(),
            format: target.format,
            url,
        }
    }

    /// [`Webhook::resolve`] from the process environment.
    pub fn from_env(target: &AnnounceTarget) -> Webhook {
        Webhook::resolve(target, |var| std::env::var(var).ok())
    }
}

/// What a server answered to a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub status: u16,
    /// The start of the answer's body, trimmed.
    pub body: String,
    pub took: Duration,
}

/// The HTTP client every target shares (connection pools are per host).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration) -> Result<Client, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Client(e.without_url().to_string()))?;
        Ok(Client { http, timeout })
    }

    /// Posts `body` to `hook` with the idempotency key `key`. Delivered is any 2xx answer.
    pub async fn send(
        &self,
        hook: &Webhook,
        body: &Value,
        key: &str,
    ) -> Result<Sent, DeliveryError> {
        let url = hook.url.clone()?;
        let began = Instant::now();
        let response = self
            .http
            .post(url.clone())
            .header(IDEMPOTENCY_HEADER, key)
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport(e, &url))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| backoff::retry_after(v, chrono::Utc::now()));
        let text = match tokio::time::timeout(self.timeout, response.text()).await {
            Ok(Ok(text)) => text,
            Ok(Err(_)) | Err(_) => String::new(),
        };
        let body = excerpt(&text);
        if !(200..300).contains(&status) {
            return Err(DeliveryError::Status {
                status,
                body,
                retry_after,
            });
        }
        Ok(Sent {
            status,
            body,
            took: began.elapsed(),
        })
    }

    fn transport(&self, e: reqwest::Error, url: &reqwest::Url) -> DeliveryError {
        if e.is_timeout() {
            return DeliveryError::Timeout {
                after: self.timeout,
            };
        }
        // The error and its causes (connection refused, DNS...), without the URL; should a
        // cause ever name it, it is cut out.
        let e = e.without_url();
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        DeliveryError::Unreachable(redact(&text, url))
    }
}

/// Removes the URL, its host and its path (which holds a webhook's secret) from a text.
fn redact(text: &str, url: &reqwest::Url) -> String {
    let mut out = text.replace(url.as_str(), "<webhook>");
    let path = url.path();
    if path.len() > 1 {
        out = out.replace(path, "/<path>");
    }
    if let Some(host) = url.host_str() {
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        out = out.replace(&authority, "<webhook host>");
    }
    out
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= BODY_EXCERPT {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(BODY_EXCERPT).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_never_shows() {
        let target = AnnounceTarget {
            name: "room".into(),
            url_env: "ROOM".into(),
            format: AnnounceFormat::Slack,
            kinds: Vec::new(),
        };
        let secret = "https://hooks.example.com:8443/services/T0/B0/s3cr3t";
        let hook = Webhook::resolve(&target, |_| Some(secret.to_string()));
        assert!(!format!("{hook:?}").contains("s3cr3t"));
        let url = reqwest::Url::parse(secret).expect("a url");
        let text = format!(
            "error sending request for url ({secret}): connect to hooks.example.com:8443 failed"
        );
        let clean = redact(&text, &url);
        assert!(
            !clean.contains("s3cr3t") && !clean.contains("hooks.example.com"),
            "{clean}"
        );
        let missing = Webhook::resolve(&target, |_| None);
        assert_eq!(
            missing.url.err().map(|e| e.to_string()).unwrap_or_default(),
            "$ROOM is not set in the console's environment: set it to the webhook URL and resume"
        );
    }
}
