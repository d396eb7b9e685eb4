#![allow(dead_code)]
pub mod prometheus;
pub mod recon;
pub mod servers;
pub mod steps;
pub mod tmux;
