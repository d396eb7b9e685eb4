#![allow(dead_code)]
pub mod prometheus;
pub mod servers;
pub mod tmux;
