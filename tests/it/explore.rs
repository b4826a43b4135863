//! explore: exact outcome sets, counts, probabilities and replayable witnesses.
//!
//! - Golden files: `racesim explore --format json` of every scenario directly in `scenarios/`
//!   must equal `tests/golden/explore/NAME.json` byte for byte (the text report is pinned in
//!   `scenarios/NAME.golden`). After an intended change, `RACESIM_BLESS=1 cargo test` and review
//!   the diff before committing.
//! - Exactness: on small inline scenarios explore's outcomes, schedule counts, probabilities and
//!   witness preemption counts equal those of the brute force in `oracle.rs`.
//! - Witnesses: every outcome's witness replays under `run --schedule` to that outcome.
//! - `[expect]` failures, `--max-states`, and schedule counts beyond 128 bits.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use racesim::expect::Check;
use racesim::expect::holds;
use racesim::outcome::Status;
use racesim::scenario::{ExpectedOutcome, Scenario};
use serde_json::Value;

use crate::common::{self, LESSON_NODELAY, json_balances, racesim_json, scenario_file};
use crate::golden::{self, check_output, orphan_golden_files, report_failures};
use crate::oracle::{
    BruteForce, assert_exact, assert_witnesses_replay, explore_ok, names, outcome, replay_prefix,
};

// ---------------------------------------------------------------------------------------------
// 1. Golden files of every shipped scenario
// ---------------------------------------------------------------------------------------------

#[test]
fn golden_files() {
    let mut failures = Vec::new();
    for path in golden::top_level_scenarios() {
        let stem = golden::stem(&path);
        {
            let (format, ext) = ("json", "json");
            // A shipped scenario documents a lesson: its [expect] block must hold in every
            // interleaving (exit 0).
            let args = ["explore", path.as_str(), "--format", format];
            let golden = format!("explore/{stem}.{ext}");
            failures.extend(check_output(&args, 0, &golden, "explore"));
        }
    }
    report_failures("explore golden check(s)", &failures);
}

#[test]
fn no_orphan_golden_files() {
    let orphans = orphan_golden_files("explore", &["json"]);
    assert!(
        orphans.is_empty(),
        "tests/golden/explore has files for no scenario in scenarios/ (delete them): {}",
        orphans.join(", ")
    );
}

/// What the golden files must say, checked independently of their bytes: the outcome set is
/// the scenario's `[expect] outcomes`, probabilities sum to 100%, counts add up, witnesses name
/// transactions, and the verdict matches the number of outcomes.
#[test]
fn shipped_reports_agree_with_their_expect_blocks() {
    for path in golden::top_level_scenarios() {
        let sc = common::load(&path);
        let (status, v) = racesim_json(&["explore", &path, "--format", "json"]);
        assert_eq!(status, 0, "{path}");
        assert_eq!(v["scenario"], sc.name.as_str(), "{path}");
        assert!(v["states"].as_u64().is_some_and(|s| s > 0), "{path}: states");
        let total: BigUint = v["schedules"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{path}: schedules is a decimal string"));
        let outcomes = v["outcomes"].as_array().expect("outcomes");
        let mut sum = BigUint::from(0u8);
        let mut probability = 0.0;
        let mut reached = Vec::new();
        for o in outcomes {
            let balances = json_balances(&sc, &o["balances"]);
            let queues: Vec<Vec<i64>> = sc
                .queues
                .iter()
                .map(|q| {
                    o["queues"][q.name.as_str()]
                        .as_array()
                        .unwrap_or_else(|| panic!("{path}: queue {} in {o}", q.name))
                        .iter()
                        .map(|v| v.as_i64().expect("a queue holds integers"))
                        .collect()
                })
                .collect();
            let status = o["status"].as_str().expect("status");
            reached.push((status.to_string(), balances, queues));
            assert_eq!(o["message"].is_string(), status == "error", "{path}: message");
            sum += o["schedules"]
                .as_str()
                .and_then(|s| s.parse::<BigUint>().ok())
                .expect("an outcome's schedules is a decimal string");
            probability += o["probability"].as_f64().expect("probability");
            // Empty when the initial state is already the end (a pool that deadlocks at once).
            let witness = o["witness"].as_array().expect("witness");
            for name in witness {
                let name = name.as_str().expect("witness entries are names");
                assert!(sc.thread_by_name(name).is_some(), "{path}: witness names {name}");
            }
        }
        assert_eq!(sum, total, "{path}: the outcomes' schedules add up to the total");
        assert!(
            (probability - 1.0).abs() < 1e-12,
            "{path}: probabilities sum to {probability}"
        );
        // Every reachable outcome matches an entry, and every entry matches a reachable outcome
        // (several may match one: "error").
        let expected = sc
            .expect
            .outcomes
            .clone()
            .expect("shipped scenarios list outcomes");
        let fits =
            |e: &ExpectedOutcome, (status, balances, queues): &(String, Vec<i64>, Vec<Vec<i64>>)| match e {
                ExpectedOutcome::Ok(p) => status == "ok" && p.matches(balances, queues),
                ExpectedOutcome::Deadlock => status == "deadlock",
                ExpectedOutcome::Livelock => status == "livelock",
                ExpectedOutcome::Error => status == "error",
            };
        for r in &reached {
            assert!(
                expected.iter().any(|e| fits(e, r)),
                "{path}: {r:?} is reachable but matches no [expect] outcome"
            );
        }
        for e in &expected {
            assert!(
                reached.iter().any(|r| fits(e, r)),
                "{path}: {e:?} is expected but unreachable"
            );
        }

        let out = common::racesim(&["explore", &path]);
        assert_eq!(out.status, 0, "{path}");
        let verdict = out
            .stdout
            .lines()
            .find(|l| l.starts_with("verdict"))
            .unwrap_or_else(|| panic!("{path}: no verdict line:\n{}", out.stdout));
        if outcomes.len() == 1 {
            assert!(verdict.contains(" race-free"), "{path}: {verdict}");
        } else {
            assert!(
                verdict.contains(&format!("not race-free: {} outcomes", outcomes.len())),
                "{path}: {verdict}"
            );
        }
        assert!(
            out.stdout.contains("outcomes: ok, exactly the")
                || out.stdout.contains("and every entry is reached"),
            "{path}: the expect line:\n{}",
            out.stdout
        );
        assert!(!out.stdout.contains("FAILED"), "{path}:\n{}", out.stdout);
    }
}

/// The ready-to-paste witness command lines of the text report really reproduce each outcome.
#[test]
fn witness_command_lines_replay() {
    for path in golden::top_level_scenarios() {
        let (_, v) = racesim_json(&["explore", &path, "--format", "json"]);
        let text = common::racesim(&["explore", &path]).stdout;
        let commands: Vec<&str> = text
            .lines()
            .filter_map(|l| l.find("racesim run ").map(|i| &l[i..]))
            .filter(|c| c.contains("--schedule "))
            .collect();
        let outcomes = v["outcomes"].as_array().unwrap();
        assert_eq!(
            commands.len(),
            outcomes.len(),
            "{path}: one command per outcome:\n{text}"
        );
        for (command, o) in commands.iter().zip(outcomes) {
            // "racesim run FILE --schedule a*3,b (1 preemption)"
            let words: Vec<&str> = command.split_whitespace().collect();
            assert_eq!(
                words[..4],
                ["racesim", "run", path.as_str(), "--schedule"],
                "{command}"
            );
            // The empty schedule is printed shell-quoted.
            let schedule = if words[4] == "''" { "" } else { words[4] };
            let out = common::racesim(&["run", &path, "--schedule", schedule, "--format", "jsonl"]);
            let last: Value = serde_json::from_str(out.stdout.lines().last().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{command}: {e}\n{}{}", out.stdout, out.stderr));
            assert_eq!(last["status"], o["status"], "{command}");
            assert_eq!(last["final"], o["balances"], "{command}");
            assert_eq!(last["schedule"], o["witness"], "{command}");
        }
    }
}

/// With `--workers`, the witness command lines must carry the override, or they replay another
/// scenario (here both transactions start at once and `deposit*6` stops at deposit's sleep).
#[test]
fn witness_command_lines_carry_the_workers_override() {
    let path = "scenarios/bank_account.toml";
    let out = common::racesim(&["explore", path, "--workers", "1"]);
    let command = out
        .stdout
        .lines()
        .find_map(|l| l.find("racesim run ").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("no witness:\n{}", out.stdout));
    // "racesim run FILE ... --schedule X (0 preemptions)": drop the note in parentheses.
    let words: Vec<&str> = command
        .split_whitespace()
        .take_while(|w| !w.starts_with('('))
        .collect();
    let mut args = words[1..].to_vec();
    args.extend(["--format", "jsonl"]);
    let run = common::racesim(&args);
    let last: Value = serde_json::from_str(run.stdout.lines().last().unwrap_or("")).unwrap();
    assert_eq!(last["status"], "ok", "`{command}`:\n{}{}", run.stdout, run.stderr);
    assert_eq!(last["final"]["account"], 0, "`{command}`");
}

// ---------------------------------------------------------------------------------------------
// 2. Exactness against the brute force
// ---------------------------------------------------------------------------------------------

/// The seed lesson: deposit +50 and withdrawal -150 on an account of 100, `update` sugar.
fn lesson(delay: u32) -> Scenario {
    common::parse(&format!(
        r#"
        name = "lesson-delay-{delay}"
        [[accounts]]
        name = "account"
        balance = 100
        [[transactions]]
        name = "deposit"
        kind = "update"
        account = "account"
        amount = 50
        delay = {delay}
        [[transactions]]
        name = "withdrawal"
        kind = "update"
        account = "account"
        amount = -150
        delay = {delay}
        "#
    ))
}

#[test]
fn lesson_without_delay_counts_and_probabilities() {
    let sc = lesson(0);
    let x = assert_exact(&sc);
    // Five steps each: C(10, 5) = 252 interleavings.
    assert_eq!(x.schedules.to_string(), "252");
    let summary: Vec<(Vec<i64>, String, f64)> = x
        .outcomes
        .iter()
        .map(|o| (o.balances.clone(), o.schedules.to_string(), o.probability))
        .collect();
    assert_eq!(
        summary,
        [
            (vec![0], "52".to_string(), 0.375),
            (vec![-50], "100".to_string(), 0.3125),
            (vec![150], "100".to_string(), 0.3125),
        ]
    );
    assert!(x.outcomes.iter().all(|o| o.status == Status::Ok));
    // 0 needs no race; each lost update needs one switch between a read and its write.
    assert_eq!(outcome(&x, &[0]).preemptions, 0);
    assert_eq!(outcome(&x, &[-50]).preemptions, 1);
    assert_eq!(outcome(&x, &[150]).preemptions, 1);
}

#[test]
fn lesson_with_delay_always_loses_an_update() {
    let sc = lesson(1);
    let x = assert_exact(&sc);
    let balances: Vec<i64> = x.outcomes.iter().map(|o| o.balances[0]).collect();
    assert_eq!(balances, [-50, 150]);
    assert_eq!(x.schedules.to_string(), "420");
    // The sleep hands the turn over: losing an update needs no preemption at all.
    assert!(
        x.outcomes
            .iter()
            // Exact: one half is exact in binary.
            .all(|o| o.preemptions == 0 && (o.probability - 0.5).abs() == 0.0)
    );
}

#[test]
fn lock_scenario() {
    // Deposit and withdrawal under `m` (with a sleep inside the critical section), plus an
    // unprotected "audit" that reads the balance and writes it back: the lock keeps the two
    // updates apart, but the audit can still undo either of them.
    let sc = common::parse(
        r#"
        name = "lock-with-a-rogue"
        locks = ["m"]
        [[accounts]]
        name = "account"
        balance = 100
        [[transactions]]
        name = "deposit"
        steps = [
          { log = "deposit wants m" },
          { lock = "m" },
          { read = "account", into = "c" },
          { set = "c", value = "c + 50" },
          { sleep = 1 },
          { write = "account", value = "c" },
          { unlock = "m" },
        ]
        [[transactions]]
        name = "withdrawal"
        steps = [
          { lock = "m" },
          { read = "account", into = "c" },
          { write = "account", value = "c - 150", delay = 1 },
          { unlock = "m" },
        ]
        [[transactions]]
        name = "audit"
        steps = [
          { read = "account", into = "seen" },
          { write = "account", value = "seen" },
        ]
        "#,
    );
    let x = assert_exact(&sc);
    assert!(x.outcomes.iter().any(|o| o.balances == [0]), "the serial answer");
    assert!(x.outcomes.len() > 1, "the audit loses updates");

    // Without the rogue, the lock makes it race-free.
    let sc = common::parse(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "account"
        balance = 100
        [[transactions]]
        name = "deposit"
        steps = [{ log = "d" }, { lock = "m" }, { read = "account", into = "c" }, { sleep = 1 }, { write = "account", value = "c + 50" }, { unlock = "m" }]
        [[transactions]]
        name = "withdrawal"
        steps = [{ log = "w" }, { lock = "m" }, { read = "account", into = "c" }, { sleep = 1 }, { write = "account", value = "c - 150" }, { unlock = "m" }]
        "#,
    );
    let x = assert_exact(&sc);
    assert_eq!(x.outcomes.len(), 1);
    assert_eq!(x.outcomes[0].balances, [0]);
}

#[test]
fn deadlock_scenarios() {
    // Opposite lock order.
    let sc = common::parse(
        r#"
        name = "opposite-order"
        locks = ["la", "lb"]
        [[accounts]]
        name = "a"
        balance = 100
        [[accounts]]
        name = "b"
        balance = 100
        [[transactions]]
        name = "ab"
        steps = [{ lock = "la" }, { lock = "lb" }, { atomic_add = "a", value = "-30" }, { atomic_add = "b", value = "30" }, { unlock = "lb" }, { unlock = "la" }]
        [[transactions]]
        name = "ba"
        steps = [{ log = "starting" }, { lock = "lb" }, { lock = "la" }, { atomic_add = "b", value = "-20" }, { atomic_add = "a", value = "20" }, { unlock = "la" }, { unlock = "lb" }]
        "#,
    );
    let x = assert_exact(&sc);
    let statuses: Vec<&str> = x.outcomes.iter().map(|o| o.status.name()).collect();
    assert!(
        statuses.contains(&"deadlock") && statuses.contains(&"ok"),
        "{statuses:?}"
    );
    let dead = x.outcomes.iter().find(|o| o.status == Status::Deadlock).unwrap();
    assert_eq!(
        dead.balances,
        [100, 100],
        "a deadlock strikes before any money moves"
    );

    // Locking a lock you hold blocks forever, whatever the other thread does.
    let sc = common::parse(
        r#"
        name = "self-deadlock"
        locks = ["m"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "greedy"
        steps = [{ lock = "m" }, { atomic_add = "a", value = "1" }, { lock = "m" }]
        [[transactions]]
        name = "other"
        steps = [{ atomic_add = "a", value = "10" }, { log = "done" }]
        "#,
    );
    let x = assert_exact(&sc);
    assert_eq!(x.outcomes.len(), 1);
    assert_eq!(
        (x.outcomes[0].status.clone(), x.outcomes[0].balances.clone()),
        (Status::Deadlock, vec![11])
    );
}

#[test]
fn require_scenario() {
    // Three withdrawals of 40 from 100, check-then-act: two or all three pass their check (the
    // third is declined only if it reads after both others debited).
    let withdrawal = |name: &str| {
        format!(
            r#"
            [[transactions]]
            name = "{name}"
            steps = [
              {{ read = "account", into = "seen" }},
              {{ require = "seen >= 40" }},
              {{ atomic_add = "account", value = "-40" }},
            ]
            "#
        )
    };
    let sc = common::parse(&format!(
        "name = \"three-withdrawals\"\n[[accounts]]\nname = \"account\"\nbalance = 100\n{}{}{}",
        withdrawal("w1"),
        withdrawal("w2"),
        withdrawal("w3")
    ));
    let x = assert_exact(&sc);
    let mut balances: Vec<i64> = x.outcomes.iter().map(|o| o.balances[0]).collect();
    balances.sort_unstable();
    assert_eq!(balances, [-20, 20]);
}

#[test]
fn pools() {
    let text = |workers: u32, delays: [u32; 2]| {
        format!(
            r#"
            name = "pool-{workers}"
            [pool]
            workers = {workers}
            [[accounts]]
            name = "account"
            balance = 100
            [[transactions]]
            name = "a"
            kind = "update"
            account = "account"
            amount = 10
            delay = {}
            [[transactions]]
            name = "b"
            kind = "update"
            account = "account"
            amount = 20
            delay = {}
            [[transactions]]
            name = "c"
            kind = "update"
            account = "account"
            amount = 40
            "#,
            delays[0], delays[1]
        )
    };
    // One worker: the transactions run one after another (each starts once the previous one's
    // last delay has elapsed), so there is exactly one schedule.
    let x = assert_exact(&common::parse(&text(1, [2, 1])));
    assert_eq!(x.schedules.to_string(), "1");
    assert_eq!(x.outcomes[0].balances, [170]);
    assert_eq!(x.outcomes[0].witness.len(), 6 + 6 + 5);
    // Two workers for three transactions: c waits for a free worker.
    let x = assert_exact(&common::parse(&text(2, [0, 0])));
    assert!(x.outcomes.len() > 1);
    assert!(x.outcomes.iter().any(|o| o.balances == [170]));
    // With the delays, time alone decides: a and b both read 100 at time 0, b writes 120 at
    // time 1 and finishes, c starts and writes 160, a writes 110 at time 2.
    let x = assert_exact(&common::parse(&text(2, [2, 1])));
    assert_eq!(x.outcomes.len(), 1);
    assert_eq!(x.outcomes[0].balances, [110]);
}

#[test]
fn runtime_errors_are_outcomes() {
    // Two +1 updates of an account one below i64::MAX: one at a time, the second overflows
    // (an error outcome); when an update is lost, the run ends ok at i64::MAX.
    let sc = common::parse(&format!(
        r#"
        name = "overflow"
        [[accounts]]
        name = "account"
        balance = {}
        [[transactions]]
        name = "first"
        kind = "update"
        account = "account"
        amount = 1
        [[transactions]]
        name = "second"
        kind = "update"
        account = "account"
        amount = 1
        "#,
        i64::MAX - 1
    ));
    let x = assert_exact(&sc);
    let errors: Vec<String> = x
        .outcomes
        .iter()
        .filter_map(|o| racesim::render::words::outcome_message(&sc, &o.status))
        .collect();
    assert_eq!(
        errors.len(),
        2,
        "each thread can be the one that overflows: {errors:?}"
    );
    assert!(errors.iter().all(|m| m.contains("overflow")), "{errors:?}");
    assert!(
        x.outcomes
            .iter()
            .any(|o| o.status == Status::Ok && o.balances == [i64::MAX])
    );

    // Division by zero and an unlock of a lock not held, only in some interleavings.
    let sc = common::parse(
        r#"
        name = "faults"
        locks = ["m"]
        [[accounts]]
        name = "d"
        balance = 5
        [[transactions]]
        name = "zeroer"
        steps = [{ atomic_add = "d", value = "-5" }, { lock = "m" }, { unlock = "m" }]
        [[transactions]]
        name = "divider"
        steps = [{ read = "d", into = "x" }, { set = "x", value = "100 / x" }, { unlock = "m" }]
        "#,
    );
    let x = assert_exact(&sc);
    let errors: Vec<String> = x
        .outcomes
        .iter()
        .filter_map(|o| racesim::render::words::outcome_message(&sc, &o.status))
        .collect();
    assert!(errors.iter().any(|m| m.contains("divider")), "{errors:?}");
}

#[test]
fn repeat_two() {
    let sc = common::parse(
        r#"
        name = "counter-2x2"
        [[accounts]]
        name = "counter"
        [[transactions]]
        name = "t1"
        repeat = 2
        steps = [{ read = "counter", into = "x" }, { set = "x", value = "x + 1" }, { write = "counter", value = "x" }]
        [[transactions]]
        name = "t2"
        repeat = 2
        steps = [{ read = "counter", into = "x" }, { set = "x", value = "x + 1", delay = 1 }, { write = "counter", value = "x" }]
        "#,
    );
    let x = assert_exact(&sc);
    let mut balances: Vec<i64> = x.outcomes.iter().map(|o| o.balances[0]).collect();
    balances.sort_unstable();
    assert_eq!(balances, [2, 3, 4]);
}

// ---------------------------------------------------------------------------------------------
// 3. Every witness replays
// ---------------------------------------------------------------------------------------------

#[test]
fn every_witness_of_every_shipped_scenario_replays() {
    for path in common::shipped_scenarios() {
        let sc = common::load(&path);
        let x = explore_ok(&sc);
        assert!(!x.outcomes.is_empty(), "{path}");
        assert_witnesses_replay(&sc, &x);
    }
}

/// Fewest preemptions, checked by brute force (inside `assert_exact`) on scenarios where some
/// outcomes need more than one.
#[test]
fn witnesses_have_the_fewest_preemptions() {
    let sc = common::parse(
        r#"
        name = "three-updates"
        [[accounts]]
        name = "account"
        [[transactions]]
        name = "a"
        steps = [{ read = "account", into = "x" }, { write = "account", value = "x + 1" }]
        [[transactions]]
        name = "b"
        steps = [{ read = "account", into = "x" }, { log = "thinking" }, { write = "account", value = "x + 10" }]
        [[transactions]]
        name = "c"
        steps = [{ read = "account", into = "x" }, { write = "account", value = "x + 100" }]
        "#,
    );
    let x = assert_exact(&sc);
    assert_eq!(
        x.outcomes.len(),
        7,
        "every subset of surviving updates but the empty one"
    );
    assert_eq!(outcome(&x, &[111]).preemptions, 0);

    // Two threads × two increments: 3 needs two preemptions (t2 increments; t1 increments and
    // reads; t2 reads the same value; both write it).
    let sc = common::parse(&counter_threads(2, 2, UNPROTECTED_INCREMENT));
    let x = assert_exact(&sc);
    assert_eq!(x.schedules.to_string(), "924");
    assert_eq!(outcome(&x, &[4]).preemptions, 0);
    assert_eq!(outcome(&x, &[2]).preemptions, 1);
    assert_eq!(outcome(&x, &[3]).preemptions, 2);
}

// ---------------------------------------------------------------------------------------------
// 4. [expect] failures
// ---------------------------------------------------------------------------------------------

#[test]
fn outcomes_mismatch_names_missing_and_unexpected() {
    // -50 is reachable but not listed; 999 is listed but unreachable.
    let file = scenario_file(
        "explore-outcomes-mismatch",
        &format!(
            "{LESSON_NODELAY}\n[expect]\noutcomes = [{{ account = 0 }}, {{ account = 150 }}, {{ account = 999 }}]\n"
        ),
    );
    for format in ["text", "json"] {
        let out = common::racesim(&["explore", &file, "--format", format]);
        assert_eq!(out.status, 1, "{format}: {}{}", out.stdout, out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all.contains("account = 999"),
            "{format}: names the unreachable outcome:\n{all}"
        );
        assert!(
            all.contains("account = -50"),
            "{format}: names the unexpected outcome:\n{all}"
        );
        let line = all
            .lines()
            .find(|l| l.contains("outcomes: FAILED"))
            .unwrap_or_else(|| panic!("{format}: no failure line:\n{all}"));
        assert!(
            line.contains("expected but unreachable: account = 999")
                && line.contains("reachable but not expected: account = -50"),
            "{format}: {line}"
        );
        assert!(
            !line.contains("account = 150;") && !line.contains("account = 0;"),
            "{line}"
        );
    }
    let (_, v) = racesim_json(&["explore", &file, "--format", "json"]);
    assert_eq!(v["expect_passed"], false);
}

#[test]
fn failing_always_reports_the_shortest_schedule() {
    // 0 needs both updates, one after the other: at least 4 + 4 steps (the deposit's trailing
    // log is not needed), and a depth-first walk meets longer schedules first.
    let text = format!("{LESSON_NODELAY}\n[expect]\nalways = [\"account != 0\", \"account > -1000\"]\n");
    let file = scenario_file("explore-always-fails", &text);
    let sc = common::parse(&text);
    let shortest = BruteForce::shortest_violation(&sc, 0).expect("account 0 is reachable");
    assert_eq!(shortest, 8);
    assert_eq!(BruteForce::shortest_violation(&sc, 1), None);

    let x = explore_ok(&sc);
    assert_eq!(x.violations.len(), 1, "{:?}", x.violations);
    let v = &x.violations[0];
    assert_eq!(v.check, Check::Always(0));
    assert_eq!(v.schedule.len(), shortest, "{}", names(&sc, &v.schedule));
    assert_eq!(v.balances, [0]);

    let out = common::racesim(&["explore", &file]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("always account != 0"))
        .unwrap_or_else(|| panic!("no line for the condition:\n{}", out.stdout));
    assert!(line.contains("FAILED"), "{line}");
    assert!(line.contains(&format!("after {shortest} steps")), "{line}");
    let schedule = line
        .split("--schedule ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no schedule in: {line}"));
    let schedule = racesim::scenario::parse_schedule(&sc, schedule).unwrap();
    assert_eq!(schedule, v.schedule);
    // Replaying it really breaks the condition, and only at its last step.
    let (state, _) = replay_prefix(&sc, &schedule);
    assert!(
        !holds(&sc.expect.always[0], &state.shared_env()),
        "{:?}",
        state.balances
    );
    let (before, _) = replay_prefix(&sc, &schedule[..schedule.len() - 1]);
    assert!(holds(&sc.expect.always[0], &before.shared_env()));
    // The other condition holds everywhere.
    let other = out
        .stdout
        .lines()
        .find(|l| l.contains("always account > -1000"))
        .unwrap();
    assert!(other.contains(": ok"), "{other}");

    let (status, v) = racesim_json(&["explore", &file, "--format", "json"]);
    assert_eq!(status, 1);
    assert_eq!(v["expect_passed"], false);
    let violations = v["violations"].as_array().expect("violations");
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0]["condition"], "account != 0");
    assert_eq!(violations[0]["schedule"].as_array().unwrap().len(), shortest);
}

// ---------------------------------------------------------------------------------------------
// 5. --max-states
// ---------------------------------------------------------------------------------------------

#[test]
fn max_states_stops_cleanly() {
    let started = Instant::now();
    let out = common::racesim(&[
        "explore",
        "scenarios/bench/counter_2x20.toml",
        "--max-states",
        "1000",
    ]);
    let took = started.elapsed();
    assert_eq!(out.status, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "", "nothing on stdout");
    assert!(out.stderr.contains("1000"), "names the limit: {}", out.stderr);
    assert!(
        out.stderr.contains("--max-states"),
        "names the option: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("panick"), "{}", out.stderr);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// 6. Counts beyond 128 bits
// ---------------------------------------------------------------------------------------------

fn factorial(n: u32) -> BigUint {
    (1..=n).fold(BigUint::from(1u8), |acc, k| acc * k)
}

/// One unprotected increment of `counter`: read it, add one to the copy, write the copy back.
const UNPROTECTED_INCREMENT: &str =
    r#"{ read = "counter", into = "x" }, { set = "x", value = "x + 1" }, { write = "counter", value = "x" }"#;

/// `threads` transactions of `repeat` × `steps` each.
fn counter_threads(threads: u32, repeat: u32, steps: &str) -> String {
    let mut text = "name = \"counter\"\n[[accounts]]\nname = \"counter\"\n".to_string();
    for t in 1..=threads {
        let _ = writeln!(
            text,
            "[[transactions]]\nname = \"t{t}\"\nrepeat = {repeat}\nsteps = [{steps}]"
        );
    }
    text
}

/// Three threads × 20 increments: (3·20·3)! / ((20·3)!)^3 = 180!/(60!)^3 ≈ 3.5·10^83
/// interleavings, far beyond u128, so explore must fall back to big integers. Every increment
/// here is three steps (log, atomic add, log), so the count is the same as for unprotected
/// read/set/write increments, whose states are far too many to explore in a test (three threads
/// of eight already exceed 20 million).
#[test]
fn counts_beyond_128_bits() {
    let text = counter_threads(
        3,
        20,
        r#"{ log = "incrementing" }, { atomic_add = "counter", value = "1" }, { log = "done" }"#,
    );
    let file = scenario_file("explore-3x20", &text);
    let expected = factorial(180) / factorial(60).pow(3);
    assert!(expected > BigUint::from(u128::MAX));
    let (status, v) = racesim_json(&["explore", &file, "--format", "json"]);
    assert_eq!(status, 0);
    assert_eq!(v["schedules"], expected.to_string().as_str());
    let outcomes = v["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0]["balances"]["counter"], 60);
    assert_eq!(outcomes[0]["schedules"], expected.to_string().as_str());
    assert_eq!(outcomes[0]["probability"], 1.0);
}

/// Unprotected read/set/write increments, 3 threads × 3: 27!/(9!)^3 interleavings, split over
/// the outcomes.
#[test]
fn unprotected_increments_count_every_interleaving() {
    let sc = common::parse(&counter_threads(3, 3, UNPROTECTED_INCREMENT));
    let x = explore_ok(&sc);
    let expected = factorial(27) / factorial(9).pow(3);
    assert_eq!(x.schedules.finite(), Some(&expected));
    let sum: BigUint = x.outcomes.iter().filter_map(|o| o.schedules.finite()).sum();
    assert_eq!(sum, expected);
    let total: f64 = x.outcomes.iter().map(|o| o.probability).sum();
    assert!((total - 1.0).abs() < 1e-12, "{total}");
    let balances: Vec<i64> = x.outcomes.iter().map(|o| o.balances[0]).collect();
    assert!(balances.contains(&9), "no lost update");
    assert!(balances.iter().all(|b| (1..=9).contains(b)), "{balances:?}");
    assert_witnesses_replay(&sc, &x);
    // One increment each is small enough for the brute force: 9!/(3!)^3 = 1680.
    let sc = common::parse(&counter_threads(3, 1, UNPROTECTED_INCREMENT));
    let x = assert_exact(&sc);
    assert_eq!(x.schedules.to_string(), "1680");
}

/// A spin-wait: the waiter's `while` steps back to the same state until the setter runs, so the
/// state graph has a cycle (a step from a state back to itself). explore finishes it: one
/// outcome, infinitely many schedules (spin any number of times), probability 1.
#[test]
fn a_spin_wait_has_infinitely_many_schedules_and_one_outcome() {
    let file = scenario_file(
        "explore-spin-wait",
        r#"name = "spin"
[[accounts]]
name = "flag"
[[transactions]]
name = "waiter"
steps = [{ while = "flag == 0", steps = [] }]
[[transactions]]
name = "setter"
steps = [{ write = "flag", value = "1" }]
"#,
    );
    let out = common::racesim(&["explore", &file, "--format", "json"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["schedules"], "infinite");
    let outcomes = json["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 1, "{}", out.stdout);
    assert_eq!(outcomes[0]["status"], "ok");
    assert_eq!(outcomes[0]["schedules"], "infinite");
    assert_eq!(outcomes[0]["probability"], 1.0);
    assert_eq!(outcomes[0]["witness"], serde_json::json!(["setter", "waiter"]));
    assert_eq!(outcomes[0]["preemptions"], 0);
}

/// A point of no return: when `t1` writes before `t2` first checks, `t2` spins forever
/// (livelock with a = 1); when `t2` checks first it leaves at once. Each half of the
/// probability; the livelock's stem is empty and its cycle is t2's check.
#[test]
fn a_livelock_is_an_outcome_with_its_stem_and_cycle() {
    let file = scenario_file(
        "explore-livelock",
        r#"name = "pnr"
[[accounts]]
name = "a"
[[transactions]]
name = "t1"
steps = [{ write = "a", value = "1" }]
[[transactions]]
name = "t2"
steps = [{ while = "a == 1", steps = [] }]
"#,
    );
    let out = common::racesim(&["explore", &file, "--format", "json"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let outcomes = json["outcomes"].as_array().unwrap();
    let summary: Vec<String> = outcomes
        .iter()
        .map(|o| {
            format!(
                "{} {} {} {} w={} stem={} cycle={}",
                o["status"],
                o["balances"],
                o["schedules"],
                o["probability"],
                o["witness"],
                o["stem"],
                o["cycle"]
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            r#""ok" {"a":1} "1" 0.5 w=["t2","t1"] stem=null cycle=null"#,
            r#""livelock" {"a":1} "infinite" 0.5 w=["t1"] stem=[] cycle=["t2"]"#,
        ]
    );
    // The text report prints the whole lasso as its replay command, then the repetition.
    let text = common::racesim(&["explore", &file]);
    assert!(
        text.stdout
            .contains("--schedule t1,t2*2 --max-steps 3 (0 preemptions)\n"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("  then repeat: t2\n"), "{}", text.stdout);
    // witness + stem + cycle twice stops at the step limit, repeating the cycle.
    let run = common::racesim(&["run", &file, "--schedule", "t1,t2,t2", "--max-steps", "3"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("status    limit"), "{}", run.stdout);
}

/// A wait-and-recheck loop reaches some states by paths of different lengths without any
/// cycle: explore must finish it (the shipped Condition teller).
#[test]
fn a_loop_without_a_cycle_is_explored_to_the_end() {
    let out = common::racesim(&["explore", "scenarios/condition_teller.toml"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("\nverdict   "), "{}", out.stdout);
}

/// The two explorers agree on every shipped scenario without a `while` (the graph explorer
/// runs on them here only): same outcomes, schedules, fewest preemptions, and probabilities
/// within 1e-12 (the graph explorer sums them in another order).
#[test]
fn the_graph_explorer_agrees_with_the_level_explorer() {
    let limits = racesim::explore::Limits::default();
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut compared = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let sc = common::parse(&text);
        if sc.has_loops() {
            continue;
        }
        let level = racesim::explore::explore_as(&sc, &limits, false).unwrap();
        let graph = racesim::explore::explore_as(&sc, &limits, true).unwrap();
        let what = path.display();
        assert_eq!(level.schedules, graph.schedules, "{what}");
        assert_eq!(level.outcomes.len(), graph.outcomes.len(), "{what}");
        for (a, b) in level.outcomes.iter().zip(&graph.outcomes) {
            assert_eq!(
                (
                    &a.status.key(),
                    &a.balances,
                    &a.queues,
                    &a.schedules,
                    a.preemptions
                ),
                (
                    &b.status.key(),
                    &b.balances,
                    &b.queues,
                    &b.schedules,
                    b.preemptions
                ),
                "{what}"
            );
            assert!((a.probability - b.probability).abs() <= 1e-12, "{what}");
            assert_eq!(b.lasso, None, "{what}");
        }
        assert_eq!(level.verdicts.passed(), graph.verdicts.passed(), "{what}");
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} scenarios compared");
}

/// Exact probabilities on cycles: two waiters spin on a flag that a setter raises once. Every
/// state before the setter runs loops on itself; the whole unit of probability must still
/// reach the one end (nothing leaks in the loops), with infinitely many schedules.
#[test]
#[allow(clippy::float_cmp)] // exactly 1 is the point
fn probability_does_not_leak_in_spin_loops() {
    let sc = common::parse(
        r#"name = "retry"
[[accounts]]
name = "flag"
[[accounts]]
name = "tries"
[[transactions]]
name = "w1"
steps = [{ while = "flag == 0", steps = [] }, { atomic_add = "tries", value = "1" }]
[[transactions]]
name = "w2"
steps = [{ while = "flag == 0", steps = [] }, { atomic_add = "tries", value = "1" }]
[[transactions]]
name = "setter"
steps = [{ write = "flag", value = "1" }]
"#,
    );
    let x = racesim::explore::explore_as(&sc, &racesim::explore::Limits::default(), true).unwrap();
    assert_eq!(x.outcomes.len(), 1);
    assert_eq!(x.outcomes[0].balances, [1, 2]);
    assert_eq!(x.outcomes[0].probability, 1.0);
    assert_eq!(x.outcomes[0].schedules.to_string(), "infinite");
}
