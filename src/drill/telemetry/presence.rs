//! Who is connected to a served drill: published by the network server whenever someone
//! connects or leaves, shown in the people panel and counted in `/metrics`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::drill::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub clients: Vec<RemoteClient>,
}

/// One remote console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteClient {
    /// The person's handle; `None` for an anonymous observer.
    pub handle: Option<String>,
    pub role: Role,
    pub since: DateTime<Utc>,
    /// The peer's address, as the server saw it.
    pub peer: String,
}

impl Presence {
    /// The earliest connection of `handle`, if they are connected at all.
    pub fn since(&self, handle: &str) -> Option<DateTime<Utc>> {
        self.clients
            .iter()
            .filter(|c| c.handle.as_deref() == Some(handle))
            .map(|c| c.since)
            .min()
    }

    pub fn anonymous(&self) -> usize {
        self.clients.iter().filter(|c| c.handle.is_none()).count()
    }
}
