//! racesim test: golden files for users' own scenarios, diffs, --bless, --filter.

use std::path::Path;

use crate::common::{self, Output};

const RACY: &str = r#"
# Two unprotected increments: 1 or 2.
[[accounts]]
name = "counter"

[[transactions]]
name = "t1"
steps = [{ read = "counter", into = "x" }, { set = "x", value = "x + 1" }, { write = "counter", value = "x" }]

[[transactions]]
name = "t2"
steps = [{ read = "counter", into = "x" }, { set = "x", value = "x + 1" }, { write = "counter", value = "x" }]

[expect]
outcomes = [{ counter = 1 }, { counter = 2 }]
"#;

const SERIAL: &str = r#"
[pool]
workers = 1

[[accounts]]
name = "account"
balance = 100

[[transactions]]
name = "deposit"
kind = "update"
account = "account"
amount = 50

[expect]
final = { account = 150 }
"#;

/// A fresh directory holding the given scenario files, removed when the test ends.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("racesim-user-tests-")
        .tempdir()
        .unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Runs `racesim test ARGS` inside `dir`.
fn racesim_test(dir: &Path, args: &[&str]) -> Output {
    let args: Vec<&str> = std::iter::once("test").chain(args.iter().copied()).collect();
    common::racesim_in(dir, &args)
}

fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or("")
}

#[test]
fn a_missing_golden_file_fails_and_says_to_bless() {
    let tmp = project(&[("scenarios/racy.toml", RACY)]);
    let dir = tmp.path();
    let out = racesim_test(dir, &[]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("test scenarios/racy.toml ... FAILED"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("run `racesim test --bless scenarios/racy.toml`"),
        "{}",
        out.stdout
    );
    assert_eq!(last_line(&out.stdout), "0 passed, 1 failed");
}

#[test]
fn bless_writes_golden_files_then_the_test_passes() {
    let tmp = project(&[
        ("scenarios/racy.toml", RACY),
        ("scenarios/more/serial.toml", SERIAL),
    ]);
    let dir = tmp.path();
    let out = racesim_test(dir, &["--bless"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("test scenarios/racy.toml ... ok (blessed: new golden file)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("test scenarios/more/serial.toml ... ok (blessed: new golden file)")
    );
    let golden = std::fs::read_to_string(dir.join("scenarios/racy.golden")).unwrap();
    // The run log, then the explore report because the file lists outcomes.
    assert!(
        golden.contains("replay    racesim run racy.toml --schedule "),
        "{golden}"
    );
    assert!(golden.contains("--- explore ---"), "{golden}");
    assert!(
        golden.contains("outcomes: ok, exactly the 2 expected"),
        "{golden}"
    );
    let serial = std::fs::read_to_string(dir.join("scenarios/more/serial.golden")).unwrap();
    assert!(!serial.contains("--- explore ---"), "{serial}");

    let out = racesim_test(dir, &[]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("test scenarios/racy.toml ... ok\n"),
        "{}",
        out.stdout
    );
    assert_eq!(last_line(&out.stdout), "2 passed, 0 failed");

    let again = racesim_test(dir, &["--bless"]);
    assert!(
        again.stdout.contains("ok (golden file unchanged)"),
        "{}",
        again.stdout
    );
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_changed_output_shows_a_diff_and_the_command_to_reproduce() {
    let tmp = project(&[("s/racy.toml", RACY)]);
    let dir = tmp.path();
    assert_eq!(racesim_test(dir, &["s", "--bless"]).status, 0);
    let golden_path = dir.join("s/racy.golden");
    let golden = std::fs::read_to_string(&golden_path).unwrap();
    std::fs::write(
        &golden_path,
        golden.replace("policy    random, seed 0", "policy    random, seed 9"),
    )
    .unwrap();
    let out = racesim_test(dir, &["s"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("output differs from s/racy.golden"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("-policy    random, seed 9\n+policy    random, seed 0\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("reproduce: racesim test s/racy.toml"),
        "{}",
        out.stdout
    );
    assert_eq!(last_line(&out.stdout), "0 passed, 1 failed");
}

#[test]
fn a_scenario_that_fails_its_expectations_is_never_blessed() {
    let wrong = RACY.replace(
        "outcomes = [{ counter = 1 }, { counter = 2 }]",
        "outcomes = [{ counter = 2 }]",
    );
    let tmp = project(&[("scenarios/wrong.toml", &wrong)]);
    let dir = tmp.path();
    let out = racesim_test(dir, &["--bless"]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("[expect] does not hold (so the golden file was not blessed)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("reachable but not expected: counter = 1"),
        "{}",
        out.stdout
    );
    assert!(!dir.join("scenarios/wrong.golden").exists());
}

#[test]
fn filter_selects_scenarios_by_path() {
    let tmp = project(&[("scenarios/racy.toml", RACY), ("scenarios/serial.toml", SERIAL)]);
    let dir = tmp.path();
    let out = racesim_test(dir, &["--bless", "--filter", "ser"]);
    assert_eq!(out.status, 0);
    assert!(out.stdout.starts_with("running 1 scenario\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("racy"), "{}", out.stdout);
    assert_eq!(last_line(&out.stdout), "1 passed, 0 failed");
}

#[test]
fn invalid_scenarios_and_missing_paths_exit_2() {
    let tmp = project(&[
        ("scenarios/bad.toml", "[[accounts]]\nname = 1\n"),
        ("scenarios/racy.toml", RACY),
    ]);
    let dir = tmp.path();
    let out = racesim_test(dir, &[]);
    assert_eq!(out.status, 2, "{}", out.stdout);
    assert!(
        out.stdout.contains("test scenarios/bad.toml ... FAILED"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("error: scenarios/bad.toml:2:8: "),
        "{}",
        out.stdout
    );
    assert_eq!(last_line(&out.stdout), "0 passed, 2 failed");

    let out = racesim_test(dir, &["nowhere"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("nowhere: no such file or directory"),
        "{}",
        out.stderr
    );
}

/// racesim's own shipped scenarios keep golden files beside them, checked by `racesim test`
/// (the one place their text output is pinned). `RACESIM_BLESS=1` blesses them.
#[test]
fn the_shipped_scenarios_pass_racesim_test() {
    if crate::golden::blessing() {
        let out = common::racesim(&["test", "--bless", "scenarios"]);
        assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    }
    let out = common::racesim(&["test", "scenarios"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let n = common::shipped_scenarios().len();
    assert_eq!(last_line(&out.stdout), format!("{n} passed, 0 failed"));
}
