#![allow(dead_code)]
pub mod browser;
pub mod pipe;
pub mod prometheus;
pub mod recon;
pub mod recorder;
pub mod runbooks;
pub mod servers;
pub mod steps;
pub mod tmux;
pub mod webhook;
