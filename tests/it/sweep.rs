//! sweep: histograms over seed ranges, identical for any --jobs, consistent with explore.
//!
//! - Golden files: `racesim sweep NAME.toml --seeds 0..1000` of every scenario directly in
//!   `scenarios/`, text and JSON, must equal `tests/golden/sweep/NAME.txt` and `NAME.json`
//!   (a seed means the same schedule forever, so these never change by accident). Regenerate
//!   with `RACESIM_BLESS=1 cargo test --test it sweep` and review the diff.
//! - `--jobs` never changes the output; the JSON has the spec's keys; every first seed
//!   reproduces its outcome under `run --seed`.
//! - Differential: over many seeds, sweep only reports outcomes that explore lists, each about
//!   as often as explore's exact probability says.
//! - A failing `[expect]` names the first failing seed, which really fails under `run`.

use std::collections::BTreeMap;

use racesim::outcome::Status;
use racesim::run::{self, PolicyChoice};
use racesim::scenario::Scenario;
use serde_json::Value;

use crate::common::{self, LESSON_NODELAY, json_balances, racesim_json, scenario_file};
use crate::golden::{self, check_output, orphan_golden_files, report_failures};

/// An outcome as both commands name it: status, final balances, and the rest (`rest_of`).
type Key = (String, Vec<i64>, String);

/// A sweep's JSON outcomes: key → (count, first seed).
fn sweep_outcomes(sc: &Scenario, v: &Value) -> BTreeMap<Key, (u64, u64)> {
    v["outcomes"]
        .as_array()
        .expect("outcomes is an array")
        .iter()
        .map(|o| {
            let key = (
                o["status"].as_str().expect("status").to_string(),
                json_balances(sc, &o["balances"]),
                rest_of(sc, &o["queues"], o["message"].as_str()),
            );
            let count = o["count"].as_u64().expect("count");
            let first = o["first_seed"].as_u64().expect("first_seed");
            (key, (count, first))
        })
        .collect()
}

/// What tells outcomes with the same status and balances apart: the queues' contents and an
/// error's message (without its step: a sweep's message is its first seed's).
fn rest_of(sc: &Scenario, queues: &Value, message: Option<&str>) -> String {
    let contents: Vec<String> = sc
        .queues
        .iter()
        .map(|q| queues[q.name.as_str()].to_string())
        .collect();
    let message = message.map(|m| m.split_once(": ").map_or(m, |(_, rest)| rest));
    format!("{contents:?} {message:?}")
}

/// Explore's outcomes: key → exact probability under the random policy.
fn explored(sc: &Scenario) -> BTreeMap<Key, f64> {
    let x = racesim::explore::explore(sc, 1_000_000).unwrap_or_else(|e| panic!("{e:?}"));
    let v: Value =
        serde_json::from_str(&racesim::render::json::explore_json(sc, &x, "f.toml")).expect("explore json");
    x.outcomes
        .iter()
        .zip(v["outcomes"].as_array().expect("outcomes"))
        .map(|(o, j)| {
            let rest = rest_of(sc, &j["queues"], j["message"].as_str());
            (
                (o.status.name().to_string(), o.balances.clone(), rest),
                o.probability,
            )
        })
        .collect()
}

/// Runs `racesim sweep` with `extra` arguments as JSON, expecting exit status `status`.
fn sweep_json(path: &str, seeds: &str, extra: &[&str], status: i32) -> Value {
    let mut args = vec!["sweep", path, "--seeds", seeds, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, v) = racesim_json(&args);
    assert_eq!(code, status, "`racesim {}`", args.join(" "));
    v
}

// ---------------------------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------------------------

#[test]
fn golden_files() {
    let mut failures = Vec::new();
    for path in golden::top_level_scenarios() {
        let stem = golden::stem(&path);
        for (format, ext) in [("text", "txt"), ("json", "json")] {
            // Exit 0: the scenario's [expect] holds on every seed. Nothing on stderr: not a
            // terminal, so no progress bar.
            let args = ["sweep", path.as_str(), "--seeds", "0..1000", "--format", format];
            let golden = format!("sweep/{stem}.{ext}");
            failures.extend(check_output(&args, 0, &golden, "sweep"));
        }
    }
    report_failures("sweep golden check(s)", &failures);
}

#[test]
fn no_orphan_golden_files() {
    let orphans = orphan_golden_files("sweep", &["txt", "json"]);
    assert!(
        orphans.is_empty(),
        "tests/golden/sweep has files for no scenario in scenarios/ (delete them): {}",
        orphans.join(", ")
    );
}

// ---------------------------------------------------------------------------------------------
// --jobs, JSON keys, first seeds
// ---------------------------------------------------------------------------------------------

#[test]
fn jobs_do_not_change_the_output() {
    // 20000 seeds span two chunks of parallel work; the last range does not start at one.
    for (path, seeds) in [
        ("scenarios/bank_account_nodelay.toml", "0..20000"),
        ("scenarios/transfer_deadlock.toml", "0..20000"),
        ("scenarios/bank_account_nodelay.toml", "1234..=21233"),
    ] {
        for format in ["text", "json"] {
            let run = |jobs: &str| {
                let args = [
                    "sweep", path, "--seeds", seeds, "--jobs", jobs, "--format", format,
                ];
                let out = common::racesim(&args);
                assert_eq!(out.status, 0, "`racesim {}`: {}", args.join(" "), out.stderr);
                assert_eq!(out.stderr, "", "`racesim {}`", args.join(" "));
                out.stdout
            };
            let one = run("1");
            assert!(one.contains("20000"), "{one}");
            assert_eq!(
                one,
                run("2"),
                "{path} {seeds} {format}: --jobs 1 and --jobs 2 differ"
            );
        }
    }
}

#[test]
fn json_has_the_spec_keys() {
    for path in [
        "scenarios/bank_account_nodelay.toml",
        "scenarios/transfer_deadlock.toml",
    ] {
        let sc = common::load(path);
        let v = sweep_json(path, "0..5000", &[], 0);
        assert_eq!(v["seeds"], 5000, "{path}");
        let outcomes = v["outcomes"].as_array().expect("outcomes");
        assert!(!outcomes.is_empty());
        let mut total = 0;
        for o in outcomes {
            let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                ["status", "balances", "count", "first_seed", "serial"],
                "{path}: {o}"
            );
            assert!(["ok", "deadlock"].contains(&o["status"].as_str().unwrap()), "{o}");
            json_balances(&sc, &o["balances"]);
            let count = o["count"].as_u64().unwrap();
            assert!(count > 0);
            assert!(o["first_seed"].as_u64().unwrap() < 5000);
            total += count;
        }
        assert_eq!(total, 5000, "{path}: the counts add up to the seeds");
        let counts: Vec<u64> = outcomes.iter().map(|o| o["count"].as_u64().unwrap()).collect();
        assert!(
            counts.windows(2).all(|w| w[0] >= w[1]),
            "most frequent first: {counts:?}"
        );
    }
}

/// Each outcome's `first_seed` reproduces it under `run --policy random --seed N`, and no
/// smaller seed of the range reaches it.
#[test]
fn first_seeds_reproduce_under_run() {
    for path in [
        "scenarios/bank_account_nodelay.toml",
        "scenarios/transfer_deadlock.toml",
        "scenarios/counter_increment.toml",
        "scenarios/overdraft.toml",
    ] {
        let sc = common::load(path);
        let v = sweep_json(path, "0..3000", &[], 0);
        for ((status, balances, _), (_, first)) in sweep_outcomes(&sc, &v) {
            let seed = first.to_string();
            // --policy random: counter_increment.toml and overdraft.toml have other policies.
            let out = common::racesim(&[
                "run", path, "--policy", "random", "--seed", &seed, "--format", "jsonl",
            ]);
            let last: Value = serde_json::from_str(out.stdout.lines().last().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{path} seed {seed}: {e}\n{}", out.stderr));
            assert_eq!(last["status"], status.as_str(), "{path} seed {seed}");
            assert_eq!(json_balances(&sc, &last["final"]), balances, "{path} seed {seed}");
            for earlier in 0..first {
                let r = run::run(&sc, &PolicyChoice::Random { seed: earlier });
                let o = &r.summary.outcome;
                assert!(
                    !(o.status.name() == status && o.balances == balances),
                    "{path}: seed {earlier} < first_seed {first} already reaches {status} {balances:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Differential: sweep against explore
// ---------------------------------------------------------------------------------------------

/// Over 200000 seeds every outcome sweep reports is one explore lists, and each outcome's count
/// is within 5 standard deviations (binomial: sqrt(n p (1-p))) of n times explore's exact
/// probability — including outcomes sweep never reached.
#[test]
fn sweep_frequencies_match_explore_probabilities() {
    const N: u64 = 200_000;
    for path in [
        "scenarios/bank_account_nodelay.toml",
        "scenarios/counter_increment.toml",
        "scenarios/bounded_semaphore.toml",
        "scenarios/handoff_release_first.toml",
        "scenarios/queue_check_then_act.toml",
        "scenarios/cas_counter.toml",
    ] {
        let sc = common::load(path);
        let exact = explored(&sc);
        let v = sweep_json(path, &format!("0..{N}"), &[], 0);
        assert_eq!(v["seeds"], N);
        let seen = sweep_outcomes(&sc, &v);
        for key in seen.keys() {
            assert!(
                exact.contains_key(key),
                "{path}: sweep reached {key:?}, which explore does not list: {exact:?}"
            );
        }
        for (key, &p) in &exact {
            let count = seen.get(key).map_or(0, |c| c.0) as f64;
            let n = N as f64;
            let sd = (n * p * (1.0 - p)).sqrt();
            let off = (count - n * p).abs();
            assert!(
                off <= 5.0 * sd + 1e-9,
                "{path}: {key:?} seen {count} times in {N} seeds, expected {:.1} ± {:.1} (p = {p})",
                n * p,
                sd
            );
        }
    }
}

/// PCT is a different distribution, but it can only reach what explore lists.
#[test]
fn pct_sweeps_reach_only_explored_outcomes() {
    for path in [
        "scenarios/bank_account_nodelay.toml",
        "scenarios/counter_increment.toml",
        "scenarios/transfer_deadlock.toml",
        "scenarios/overdraft.toml",
        "scenarios/bank_account.toml",
        "scenarios/condition_teller.toml",
        "scenarios/tellers_semaphore.toml",
        "scenarios/barrier_tellers.toml",
        "scenarios/reentry_lock.toml",
    ] {
        let sc = common::load(path);
        let exact = explored(&sc);
        let v = sweep_json(path, "0..20000", &["--policy", "pct", "--depth", "2"], 0);
        let seen = sweep_outcomes(&sc, &v);
        assert!(!seen.is_empty());
        for key in seen.keys() {
            assert!(
                exact.contains_key(key),
                "{path}: pct reached {key:?}, which explore does not list"
            );
        }
        // Each first seed reproduces under `run --policy pct --depth 2`.
        for ((status, balances, _), (_, first)) in seen {
            let r = run::run(
                &sc,
                &PolicyChoice::Pct {
                    seed: first,
                    depth: 2,
                },
            );
            let o = &r.summary.outcome;
            assert_eq!(
                (o.status.name(), &o.balances),
                (status.as_str(), &balances),
                "{path} pct seed {first}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// [expect] failures
// ---------------------------------------------------------------------------------------------

/// The first failing seed and the command line the text report prints for it.
fn first_failure(file: &str, extra: &[&str]) -> (u64, String) {
    let v = sweep_json(file, "0..3000", extra, 1);
    assert_eq!(v["expect_passed"], false);
    let seed = v["first_failing_seed"]
        .as_u64()
        .unwrap_or_else(|| panic!("no first_failing_seed: {v}"));
    let mut args = vec!["sweep", file, "--seeds", "0..3000"];
    args.extend_from_slice(extra);
    let out = common::racesim(&args);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("FAILED"))
        .unwrap_or_else(|| panic!("no failure line:\n{}", out.stdout));
    assert!(line.contains(&format!("first on seed {seed}")), "{line}");
    let command = &line[line
        .find("racesim run ")
        .unwrap_or_else(|| panic!("no command: {line}"))..];
    (seed, command.to_string())
}

/// Runs a printed `racesim run ...` command line (no quoting needed for these paths).
fn run_command_line(command: &str) -> common::Output {
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[..2], ["racesim", "run"], "{command}");
    common::racesim(&words[1..])
}

#[test]
fn failing_expect_reports_the_first_failing_seed() {
    // The right answer, 0, is the failure here: seed 0 reaches -50, so the first failing seed
    // is a later one.
    let text = format!("{LESSON_NODELAY}\n[expect]\nat_end = [\"account != 0\"]\n");
    let file = scenario_file("sweep-at-end-fails", &text);
    let sc = common::parse(&text);
    let (seed, command) = first_failure(&file, &[]);
    assert!(seed > 0, "the test wants a first failure after seed 0");
    assert_eq!(
        command,
        format!("racesim run {file} --policy random --seed {seed}")
    );
    let out = run_command_line(&command);
    assert_eq!(out.status, 1, "`{command}` fails:\n{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("account = 0") || out.stdout.contains("account != 0"),
        "{}",
        out.stdout
    );
    // Every earlier seed passes, the reported one fails.
    for s in 0..=seed {
        let r = run::run(&sc, &PolicyChoice::Random { seed: s });
        assert_eq!(
            r.summary.checks.passed(),
            s != seed,
            "seed {s}: {:?}",
            r.summary.outcome
        );
    }

    // An `always` that fails mid-run: 150 is passed through on the way to 0 as well.
    let text = format!("{LESSON_NODELAY}\n[expect]\nalways = [\"account < 150\"]\n");
    let file = scenario_file("sweep-always-fails", &text);
    let sc = common::parse(&text);
    let (seed, command) = first_failure(&file, &[]);
    assert_eq!(run_command_line(&command).status, 1, "`{command}` fails");
    for s in 0..=seed {
        let r = run::run(&sc, &PolicyChoice::Random { seed: s });
        assert_eq!(r.summary.checks.passed(), s != seed, "seed {s}");
        assert_eq!(r.summary.outcome.status, Status::Ok);
    }
}

/// Under `--policy pct --depth 2`, the printed command must reproduce the failure too: it has to
/// carry the depth, since `run --policy pct` otherwise uses the scenario's (here the default 3).
#[test]
fn failing_expect_under_pct_prints_a_reproducing_command() {
    let text = format!("{LESSON_NODELAY}\n[expect]\nat_end = [\"account != 0\"]\n");
    let file = scenario_file("sweep-pct-fails", &text);
    let sc = common::parse(&text);
    let (seed, command) = first_failure(&file, &["--policy", "pct", "--depth", "2"]);
    let r = run::run(&sc, &PolicyChoice::Pct { seed, depth: 2 });
    assert!(!r.summary.checks.passed(), "seed {seed} fails under pct depth 2");
    let out = run_command_line(&command);
    assert_eq!(
        out.status, 1,
        "`{command}` should reproduce the failure:\n{}",
        out.stdout
    );
}
