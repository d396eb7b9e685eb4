//! The drill over the network: the server behind `warroom run --listen` (live stream,
//! `/api/state`, `/metrics`, `/healthz`) and the client behind `observe` and `join`.
//! Depends on `drill` and `hub` only; the consoles it feeds are the same TUI.

pub mod client;
pub mod frame;
pub mod metrics;
pub mod mirror;
pub mod server;
pub mod tokens;

pub use client::{connect, ClientError, Remote};
pub use frame::{Identity, RunbookText};
pub use server::{serve, serve_with, ServeError, Served, Timeouts};
pub use tokens::{ObserverPolicy, Tokens};
