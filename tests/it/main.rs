//! racesim's integration tests: one binary, one module per area.

mod common;
mod determinism;
mod engine;
mod errors;
mod explore;
mod golden;
mod os_threads;
mod policies;
mod sweep;
mod render;
mod cli;
mod user_tests;
mod readme;
