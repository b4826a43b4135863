//! The engine, one step kind at a time: what each step reads and writes, timing, the pool, faults.
//! End to end here: inline scenarios run through the library, and `[expect]` through the binary.

use racesim::engine::Effect;
use racesim::outcome::{OutcomeKey, Status};
use racesim::run::{PolicyChoice, run};
use racesim::scenario::{Scenario, format_schedule};

use crate::common::{LESSON_NODELAY, parse, racesim, scenario_file, scripted, transfers};

/// The distinct (status, balances) over many seeds of the random policy.
fn outcomes(sc: &Scenario, seeds: u64) -> Vec<(OutcomeKey, Vec<i64>)> {
    let mut out: Vec<_> = (0..seeds)
        .map(|seed| {
            let o = run(sc, &PolicyChoice::Random { seed }).summary.outcome;
            (o.status.key(), o.balances)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn ok(balances: &[i64]) -> (OutcomeKey, Vec<i64>) {
    (OutcomeKey::Ok, balances.to_vec())
}

#[test]
fn the_update_race_has_three_outcomes() {
    let sc = parse(LESSON_NODELAY);
    assert_eq!(outcomes(&sc, 200), [ok(&[-50]), ok(&[0]), ok(&[150])]);
    // The lost update, step by step: both read 100, the deposit's write is overwritten.
    let report = scripted(
        &sc,
        "deposit*3,withdrawal*3,deposit,withdrawal,deposit,withdrawal",
    );
    assert_eq!(report.summary.outcome.balances, [-50]);
    let writes: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match e.effect {
            Effect::Write { value, old, .. } => Some((e.step, sc.thread_name(e.thread), old, value)),
            _ => None,
        })
        .collect();
    assert_eq!(writes, [(7, "deposit", 100, 150), (8, "withdrawal", 150, -50)]);
}

#[test]
fn with_a_delay_between_read_and_write_every_run_loses_an_update() {
    let sc = crate::common::load("scenarios/bank_account.toml");
    assert_eq!(outcomes(&sc, 200), [ok(&[-50]), ok(&[150])]);
}

#[test]
fn one_worker_runs_the_transactions_one_after_the_other() {
    let text = format!("[pool]\nworkers = 1\n{LESSON_NODELAY}");
    let sc = parse(&text);
    assert_eq!(outcomes(&sc, 50), [ok(&[0])]);
    let report = run(&sc, &PolicyChoice::Random { seed: 3 });
    assert_eq!(format_schedule(&sc, &report.schedule), "deposit*5,withdrawal*5");
    let starts: Vec<_> = report
        .events
        .iter()
        .flat_map(|e| e.started.iter().map(|s| s.0))
        .collect();
    assert_eq!(starts, [1]);
}

#[test]
fn a_lock_around_the_update_fixes_the_race() {
    let sc = parse(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "account"
        balance = 100
        [[transactions]]
        name = "deposit"
        steps = [
          { lock = "m" },
          { read = "account", into = "c" },
          { set = "c", value = "c + 50", delay = 1 },
          { write = "account", value = "c" },
          { unlock = "m" },
        ]
        [[transactions]]
        name = "withdrawal"
        steps = [
          { lock = "m" },
          { read = "account", into = "c" },
          { set = "c", value = "c - 150", delay = 1 },
          { write = "account", value = "c" },
          { unlock = "m" },
        ]
    "#,
    );
    assert_eq!(outcomes(&sc, 100), [ok(&[0])]);
    // While the deposit holds the lock, the withdrawal cannot start.
    let report = scripted(&sc, "deposit,withdrawal");
    assert_eq!(
        crate::common::message(&sc, &report.summary.outcome.status),
        Some("schedule position 2: `withdrawal` is not ready (ready: deposit)".into())
    );
}

#[test]
fn atomic_add_fixes_the_race() {
    let sc = parse(
        r#"
        [[accounts]]
        name = "account"
        balance = 100
        [[transactions]]
        name = "deposit"
        steps = [{ atomic_add = "account", value = "50", delay = 1 }]
        [[transactions]]
        name = "withdrawal"
        steps = [{ atomic_add = "account", value = "-150", delay = 1 }]
    "#,
    );
    assert_eq!(outcomes(&sc, 50), [ok(&[0])]);
}

#[test]
fn check_then_act_overdraws_when_both_check_first() {
    let withdraw = r#"
        steps = [
          { read = "account", into = "b" },
          { require = "b >= 80" },
          { atomic_add = "account", value = "-80" },
        ]
    "#;
    let sc = parse(&format!(
        "[[accounts]]\nname = \"account\"\nbalance = 100\n\
         [[transactions]]\nname = \"alice\"\n{withdraw}\n\
         [[transactions]]\nname = \"bob\"\n{withdraw}"
    ));
    // Serial: the second one checks, is declined, and its withdrawal never happens.
    let report = scripted(&sc, "alice*3,bob*2");
    assert_eq!(report.summary.outcome.balances, [20]);
    let last = report.events.last().unwrap();
    assert_eq!(last.effect, Effect::Require { value: 0 });
    assert!(last.finished);
    // Both check before either acts: both pass, and the account is overdrawn.
    let report = scripted(&sc, "alice*2,bob*2,alice,bob");
    assert_eq!(report.summary.outcome.balances, [-60]);
    assert_eq!(outcomes(&sc, 100), [ok(&[-60]), ok(&[20])]);
}

#[test]
fn opposite_lock_order_deadlocks_and_a_global_order_does_not() {
    // `b_to_a` takes `lock_b` first, `a_to_b` takes `lock_a` first.
    let opposite = parse(&transfers("lock_b", "lock_a"));
    // Both take their first lock at t=0 and sleep: at t=1 each waits for the other's.
    for seed in 0..20 {
        let report = run(&opposite, &PolicyChoice::Random { seed });
        assert_eq!(report.summary.outcome.status, Status::Deadlock, "seed {seed}");
        assert_eq!(report.summary.steps, 2);
        assert_eq!(report.summary.outcome.balances, [100, 100]);
    }
    // Both take `lock_a` first.
    let ordered = parse(&transfers("lock_a", "lock_b"));
    assert_eq!(outcomes(&ordered, 50), [ok(&[110, 90])]);
}

#[test]
fn a_runtime_error_ends_the_run_with_its_message() {
    let sc = parse(
        r#"
        [[accounts]]
        name = "account"
        balance = 9223372036854775000
        [[transactions]]
        name = "deposit"
        kind = "update"
        account = "account"
        amount = 1000
        [[transactions]]
        name = "log"
        steps = [{ log = "1" }, { log = "2" }, { log = "3" }]
    "#,
    );
    let report = run(&sc, &PolicyChoice::RoundRobin { quantum: 1 });
    assert_eq!(
        crate::common::message(&sc, &report.summary.outcome.status),
        Some("step 5: deposit: arithmetic overflow".into())
    );
    assert_eq!(report.summary.steps, 4, "the failed step is not counted");
    assert_eq!(
        format_schedule(&sc, &report.schedule),
        "deposit,log,deposit,log,deposit"
    );
    assert!(matches!(report.events.last().unwrap().effect, Effect::Fault(_)));
}

// ---- [expect] in run, through the binary ----

/// The lesson without the delay with an `[expect]` block, in a file of its own.
fn with_expect(name: &str, expect: &str) -> String {
    scenario_file(
        &format!("engine_{name}"),
        &format!("{LESSON_NODELAY}\n[expect]\n{expect}\n"),
    )
}

#[test]
fn a_failed_final_expectation_exits_1() {
    let file = with_expect("final", "final = { account = 0 }");
    let out = racesim(&["run", &file, "--policy", "round-robin"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("expect    final account = 0: FAILED: the run ended with account = -50 (step 10)"),
        "{}",
        out.stdout
    );
    let out = racesim(&["run", &file, "--policy", "round-robin", "--quantum", "5"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("expect    final account = 0: ok"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_failed_always_expectation_names_the_step() {
    let file = with_expect("always", r#"always = ["account >= 0"]"#);
    let out = racesim(&["run", &file, "--policy", "round-robin"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    // Step 7 is the deposit's write (150), step 8 the withdrawal's (-50).
    assert!(
        out.stdout
            .contains("expect    always account >= 0: FAILED at step 8 (account = -50)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("   8  withdrawal  write account = -50 (was 150)")
    );
    // Deposit first, then the withdrawal: 100 → 150 → 0, never negative.
    let out = racesim(&["run", &file, "--schedule", "deposit*5,withdrawal*5"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains("expect    always account >= 0: ok"));
    // The withdrawal first: 100 → -50 at its write, step 4.
    let out = racesim(&["run", &file, "--schedule", "withdrawal*5,deposit*5"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout
            .contains("always account >= 0: FAILED at step 4 (account = -50)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_failed_at_end_expectation_exits_1() {
    let file = with_expect("at_end", r#"at_end = ["account == 0"]"#);
    let out = racesim(&["run", &file, "--policy", "round-robin"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("expect    at_end account == 0: FAILED at the end, step 10 (account = -50)"),
        "{}",
        out.stdout
    );
    let out = racesim(&["run", &file, "--schedule", "withdrawal*5,deposit*5"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
}

#[test]
fn every_expectation_holding_exits_0() {
    let file = with_expect(
        "all",
        "final = { account = 0 }\nalways = [\"account >= -50\", \"account <= 150\"]\nat_end = [\"account == 0\"]\noutcomes = [{ account = 0 }]",
    );
    let out = racesim(&["run", &file, "--schedule", "deposit*5,withdrawal*5"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    for line in [
        "expect    final account = 0: ok",
        "          always account >= -50: ok",
        "          always account <= 150: ok",
        "          at_end account == 0: ok",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
    let out = racesim(&["run", &file, "--schedule", "withdrawal*5,deposit*5"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    // The lost update breaks `final` and `at_end` but not the `always` bounds.
    let out = racesim(&["run", &file, "--policy", "round-robin"]);
    assert_eq!(out.status, 1);
    assert!(out.stdout.contains("always account >= -50: ok"));
    assert!(out.stdout.contains("final account = 0: FAILED"));
}
