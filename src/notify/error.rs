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
    /// `body`: the start of what the server said.
    #[error("HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status { status: u16, body: String },
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
}
