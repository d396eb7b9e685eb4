//! ENGINE. Announcements: what the drill's events and clock have to say to the war room's
//! channels ([`message`] for events, [`schedule`] for a step passing its plan and the
//! T-minus reminders), the bodies webhooks are sent ([`format`]: Slack-compatible blocks or
//! plain JSON), and delivery with a timeout and an idempotency key ([`deliver`]), retried
//! with [`backoff`].
//!
//! A library: it reads the runbook and the drill's state and knows nothing of the hub. The
//! outbox itself is journaled ([`crate::drill::outbox`]); `runner::announce` follows the
//! drill, queues what this module builds and reports each attempt.

pub mod backoff;
pub mod deliver;
pub mod error;
pub mod format;
pub mod key;
pub mod message;
pub mod schedule;
mod words;

pub use deliver::{Client, Sent, Webhook};
pub use error::{DeliveryError, NotifyError};
