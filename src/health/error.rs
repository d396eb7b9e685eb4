//! Why a probe has no value: each failure named as a person on call would name it.

use std::time::Duration;

use super::sample::human;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// The probe is declared wrongly or its environment is missing.
    #[error("{0}")]
    Config(String),
    #[error("timed out after {}", human(*.0))]
    Timeout(Duration),
    #[error("connection refused by {0}")]
    Refused(String),
    #[error("DNS lookup failed for {0}")]
    Dns(String),
    /// Any other network failure (reset, TLS...), with its cause chain.
    #[error("{0}")]
    Transport(String),
    /// An HTTP status that is not 2xx.
    #[error("HTTP {status}{}", body.as_ref().map(|b| format!(": {b}")).unwrap_or_default())]
    Status {
        status: String,
        body: Option<String>,
    },
    /// The answer could not be understood.
    #[error("bad response: {0}")]
    BadResponse(String),
    /// Prometheus or the database rejected the query.
    #[error("query failed: {0}")]
    Query(String),
    /// The database could not be reached.
    #[error("{0}")]
    Database(String),
}
