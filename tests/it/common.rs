//! Helpers shared by the integration tests: running the real binary and loading scenarios.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where `scenarios/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Output of one run of the racesim binary.
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the racesim binary with `args` from the repository root.
pub fn racesim(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_racesim"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the racesim binary runs");
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Loads a scenario from a path relative to the repository root.
pub fn load(path: &str) -> racesim::scenario::Scenario {
    let full = root().join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    racesim::scenario::parse(path, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses scenario text given inline in a test.
pub fn parse(text: &str) -> racesim::scenario::Scenario {
    racesim::scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

/// Every shipped scenario file under `scenarios/`, sorted, as paths relative to the root.
pub fn shipped_scenarios() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p.strip_prefix(root()).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("scenarios"), &mut out);
    out
}
