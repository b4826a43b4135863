//! racesim's integration tests: one binary, one module per area.

mod cli;
mod common;
mod determinism;
mod engine;
mod errors;
mod explore;
mod first_use;
mod golden;
mod hostile;
mod os_threads;
mod policies;
mod readme;
mod render;
mod sweep;
mod user_tests;
