//! Who is connected to a served drill: published by the network server whenever someone
//! connects or leaves, shown in the people panel and counted in `/metrics`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::drill::Role;

/// Named people are listed one by one; anonymous observers only counted, so the message
/// stays small with hundreds of them connected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    /// Connections that authenticated as a person in the runbook.
    pub people: Vec<RemoteClient>,
    /// Connections without a person's token (read-only).
    pub anonymous_observers: usize,
}

/// One remote console of a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteClient {
    pub handle: String,
    pub role: Role,
    pub since: DateTime<Utc>,
    /// The peer's address, as the server saw it.
    pub peer: String,
}

impl Presence {
    /// The earliest connection of `handle`, if they are connected at all.
    pub fn since(&self, handle: &str) -> Option<DateTime<Utc>> {
        self.people
            .iter()
            .filter(|c| c.handle == handle)
            .map(|c| c.since)
            .min()
    }

    /// Connected consoles of `role` (anonymous observers count as observers).
    pub fn count(&self, role: Role) -> usize {
        let named = self.people.iter().filter(|c| c.role == role).count();
        if role == Role::Observer {
            named + self.anonymous_observers
        } else {
            named
        }
    }

    pub fn total(&self) -> usize {
        self.people.len() + self.anonymous_observers
    }
}
