//! Shared helpers for the benches: load a shipped scenario relative to the crate root.

use racesim::scenario::Scenario;

/// Parses `scenarios/<rel>`; panics with the validation error if the file is broken.
pub fn load(rel: &str) -> Scenario {
    let path = format!("{}/scenarios/{rel}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    racesim::scenario::parse(&format!("scenarios/{rel}"), &source).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}
