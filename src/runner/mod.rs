//! The one place that joins the hub and the engines. Each adapter follows the drill and,
//! when a step with an automated action starts (or is found running on resume), starts its
//! engine, feeding the coordinator's orders in and the engine's readings and results back
//! to the hub as telemetry and evidence. The engines themselves ([`crate::copy`],
//! [`crate::recon`], [`crate::actions`], [`crate::health`], [`crate::notify`]) know nothing
//! of the hub. Announcements start on their own ([`announce::start`]): a console waits for
//! them to go out before it closes.

pub mod actions;
pub mod announce;
pub mod copy;
mod copy_run;
mod copy_set;
pub mod health;
pub mod preflight;
pub mod recon;
mod recon_run;
mod recon_set;
mod recon_span;
pub mod tables;

use std::sync::Arc;

use crate::drill::Clock;
use crate::health::sampler::SamplerHandle;
use crate::hub::HubHandle;

/// Starts every adapter for the hub's drill: the health sampler (its handle stops it when
/// dropped), and the copy, recon, step-action and preflight adapters, which end with the hub.
pub fn start(hub: &HubHandle, clock: Arc<dyn Clock>, allow_shell: bool) -> Option<SamplerHandle> {
    let health = health::start(hub.clone(), clock);
    tokio::spawn(copy::run_actions(hub.clone(), allow_shell));
    tokio::spawn(actions::run_actions(hub.clone(), allow_shell));
    tokio::spawn(recon::run_actions(hub.clone()));
    tokio::spawn(preflight::run_actions(hub.clone()));
    health
}
