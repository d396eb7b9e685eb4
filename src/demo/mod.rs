//! `warroom demo`: temporary SQLite databases with real rows, and a crew of simulated
//! teammates who play the other people in the demo runbook, so a live drill moves on
//! screen within seconds while the user plays the coordinator, and an orders service that
//! keeps using the source meanwhile (see [`app`]).

pub mod app;
pub mod crew;
pub mod data;
