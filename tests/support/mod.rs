#![allow(dead_code)]
pub mod prometheus;
pub mod servers;
pub mod steps;
pub mod tmux;
