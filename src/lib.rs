//! racesim: make race conditions visible, reproducible, explorable and testable.
//!
//! The library has no file or terminal I/O: scenarios come in as text, reports go out as
//! strings. The `racesim` binary (`src/cli/`) wires it to files, the terminal and exit statuses.

pub mod analysis;
pub mod engine;
pub mod expect;
pub mod explore;
pub mod outcome;
pub mod policy;
pub mod render;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod sweep;
pub mod threads;
