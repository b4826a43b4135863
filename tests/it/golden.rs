//! Golden files: every shipped scenario under its own policy and seed, byte for byte.
//!
//! One mechanism for every golden file, one way to bless them all:
//!
//! ```sh
//! RACESIM_BLESS=1 cargo test     # then read the diff before committing
//! ```
//!
//! - The text of a run and of its exploration is pinned once, in `scenarios/NAME.golden`
//!   beside each shipped scenario, by racesim's own `racesim test` (`user_tests`); blessing
//!   runs `racesim test --bless`.
//! - The machine-readable forms are pinned here, in `tests/golden/`: for each
//!   `scenarios/NAME.toml` (not the subdirectories, e.g. `scenarios/bench/`) the output of
//!   `racesim run scenarios/NAME.toml --format jsonl` must equal `tests/golden/NAME.jsonl`
//!   (explore's and sweep's in their own modules).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common;

/// The environment variable that makes the golden tests write the files instead of comparing.
pub(crate) const BLESS_VAR: &str = "RACESIM_BLESS";

pub(crate) fn blessing() -> bool {
    std::env::var(BLESS_VAR).is_ok_and(|v| v == "1")
}

pub(crate) fn golden_dir() -> PathBuf {
    common::root().join("tests").join("golden")
}

/// The shipped scenarios directly in `scenarios/` (paths relative to the root).
pub(crate) fn top_level_scenarios() -> Vec<String> {
    let scenarios = common::shipped_scenarios()
        .into_iter()
        .filter(|p| Path::new(p).parent() == Some(Path::new("scenarios")))
        .collect::<Vec<_>>();
    assert!(!scenarios.is_empty(), "no scenarios found in scenarios/");
    scenarios
}

pub(crate) fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .expect("a scenario file has a stem")
        .to_string_lossy()
        .into_owned()
}

/// A unified diff of `expected` against `actual` (similar's, as `racesim test` prints),
/// `-` for golden lines that are missing, `+` for actual lines that are new.
pub(crate) fn diff(expected: &str, actual: &str) -> String {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let out = diff
        .unified_diff()
        .context_radius(2)
        .header("golden", "actual")
        .missing_newline_hint(true)
        .to_string();
    if out.is_empty() && expected != actual {
        return "(the lines are equal; the difference is in line endings)\n".into();
    }
    out
}

/// Compares `actual` with `tests/golden/<relative>`, or writes it when blessing. Returns a
/// description of the failure, if any. `module` is the test filter that regenerates the file.
fn check_golden(relative: &str, actual: &str, module: &str) -> Option<String> {
    let path = golden_dir().join(relative);
    let shown = format!("tests/golden/{relative}");
    let bless = format!("{BLESS_VAR}=1 cargo test --test it {module}");
    if blessing() {
        let parent = path.parent().expect("a golden file has a directory");
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == actual);
        if !unchanged {
            std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            eprintln!("blessed {shown}");
        }
        return None;
    }
    match std::fs::read_to_string(&path) {
        Err(e) => Some(format!("{shown} is missing ({e}); run `{bless}` to create it")),
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "{shown} differs from the output (- golden, + actual):\n{}\
             if the new output is right, run `{bless}` and review the diff",
            diff(&expected, actual)
        )),
    }
}

/// Runs `racesim ARGS` and checks it against `tests/golden/<golden>`: exit status `status`,
/// nothing on stderr, stdout byte for byte. Returns the failures. `module` is the test filter
/// that regenerates the file.
pub(crate) fn check_output(args: &[&str], status: i32, golden: &str, module: &str) -> Vec<String> {
    let out = common::racesim(args);
    let command = format!("racesim {}", args.join(" "));
    let mut failures = Vec::new();
    if out.status != status {
        failures.push(format!(
            "`{command}` exited with {} (expected {status}); stderr:\n{}",
            out.status, out.stderr
        ));
    }
    if !out.stderr.is_empty() {
        failures.push(format!("`{command}` wrote to stderr:\n{}", out.stderr));
    }
    if let Some(f) = check_golden(golden, &out.stdout, module) {
        failures.push(format!("`{command}`: {f}"));
    }
    failures
}

/// Files in `tests/golden/<dir>` that belong to no top-level scenario (`allowed` extensions).
pub(crate) fn orphan_golden_files(dir: &str, allowed: &[&str]) -> Vec<String> {
    let stems: Vec<String> = top_level_scenarios().iter().map(|p| stem(p)).collect();
    let Ok(entries) = std::fs::read_dir(golden_dir().join(dir)) else {
        return Vec::new(); // Nothing blessed yet: the golden test reports the missing files.
    };
    let mut orphans = Vec::new();
    for entry in entries {
        let path = entry.expect("read a golden directory").path();
        let known = path
            .extension()
            .is_some_and(|e| allowed.iter().any(|a| *a == e.to_string_lossy()))
            && path
                .file_stem()
                .is_some_and(|s| stems.iter().any(|t| *t == *s.to_string_lossy()));
        if !known {
            orphans.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    orphans.sort();
    orphans
}

/// Panics with every failure, one paragraph each.
pub(crate) fn report_failures(what: &str, failures: &[String]) {
    if !failures.is_empty() {
        let mut message = String::new();
        for f in failures {
            let _ = writeln!(message, "{f}\n");
        }
        panic!("{} {what} failed:\n\n{message}", failures.len());
    }
}

/// The exit status `racesim run` should give: 0 when every expectation holds, else 1.
fn expected_status(path: &str) -> i32 {
    let sc = common::load(path);
    let choice = racesim::run::PolicyChoice::resolve(&sc, &racesim::run::Overrides::default())
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert!(
        !matches!(choice, racesim::run::PolicyChoice::OsThreads { .. }),
        "{path}: an os-threads scenario cannot have a golden file (its order is the OS's)"
    );
    let report = racesim::run::run(&sc, &choice);
    assert!(
        !report.summary.outcome.status.is_usage_error(),
        "{path}: the scenario's own schedule does not fit it: {:?}",
        report.summary.outcome.status
    );
    i32::from(!report.verdicts.passed())
}

#[test]
fn golden_files() {
    let mut failures = Vec::new();
    for path in top_level_scenarios() {
        let stem = stem(&path);
        let status = expected_status(&path);
        // A shipped scenario documents a lesson; its `[expect]` block must be true.
        if status != 0 {
            failures.push(format!(
                "{path}: the scenario's own [expect] block fails under its own policy"
            ));
        }
        let args = ["run", path.as_str(), "--format", "jsonl"];
        failures.extend(check_output(&args, status, &format!("{stem}.jsonl"), "golden"));
    }
    report_failures("golden check(s)", &failures);
}

/// Every golden file belongs to a shipped scenario, so a renamed or deleted scenario does not
/// leave a stale file behind.
#[test]
fn no_orphan_golden_files() {
    let mut orphans = orphan_golden_files("", &["jsonl"]);
    // tests/golden/explore, tests/golden/sweep, ...: checked by their own modules.
    orphans.retain(|name| !golden_dir().join(name).is_dir());
    assert!(
        orphans.is_empty(),
        "tests/golden has files for no scenario in scenarios/ (delete them): {}",
        orphans.join(", ")
    );
}

#[test]
fn diff_shows_changed_lines() {
    let d = diff("a\nb\nc\n", "a\nB\nc\n");
    assert_eq!(d, "--- golden\n+++ actual\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    let d = diff("a\n", "a");
    assert!(d.contains("No newline at end of file"), "{d}");
}
