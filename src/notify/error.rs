//! What can go wrong announcing. No message here ever holds a webhook URL.

use std::time::Duration;

/// Setting up delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("cannot set up the HTTP client for announcements: {0}")]
    Client(String),
}

/// One delivery attempt that did not deliver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error(
        "${var} is not set in the console's environment: set it to the webhook URL and resume"
    )]
    NotSet { var: String },
    #[error("${var} does not hold an http:// or https:// URL")]
    BadUrl { var: String },
    #[error("no answer within {}", crate::runbook::duration::format(*after))]
    Timeout { after: Duration },
    #[error("cannot reach the webhook: {0}")]
    Unreachable(String),
    /// `body`: the start of what the server said; `retry_after`: how long its
    /// `Retry-After` header asked to wait (Slack's rate limit answers 429 with one).
    #[error("HTTP {status}{}{}",
        if body.is_empty() { String::new() } else { format!(": {body}") },
        retry_after.map(|d| format!(" (asked to retry after {})", crate::runbook::duration::format(d))).unwrap_or_default())]
    Status {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
}

impl DeliveryError {
    /// Whether trying again cannot help: the server refused the message itself (a 4xx other
    /// than 408 and 429), or the URL is not one.
    pub fn is_permanent(&self) -> bool {
        match self {
            DeliveryError::Status { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            DeliveryError::BadUrl { .. } => true,
            _ => false,
        }
    }

    /// How long the server asked to wait before the next attempt, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
