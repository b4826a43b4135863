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
mod oracle;
mod os_threads;
mod policies;
mod properties;
mod readme;
mod render;
mod sweep;
mod toolkit;
mod toolkit_errors;
mod user_tests;
