//! One seeded run of the lesson (`scenarios/bank_account.toml`) with its full event log and
//! schedule, as `racesim run` records them (the cost of output), next to the same run through
//! a reused `Runner` that records nothing (the cost of a sweep's run).
//!
//! `cargo bench --bench run`

use divan::Bencher;
use racesim::policy::Random;
use racesim::run::{PolicyChoice, Runner, run};

mod common;

fn main() {
    divan::main();
}

/// `racesim::run::run`: a fresh `Runner`, a `Vec<Event>` log and the schedule.
#[divan::bench]
fn bank_account_full_log(bencher: Bencher) {
    let scenario = common::load("bank_account.toml");
    let choice = PolicyChoice::Random { seed: 0 };
    bencher.bench(|| run(divan::black_box(&scenario), &choice).events.len());
}

/// The same run with no observer and a reused `Runner` (what sweep does per seed).
#[divan::bench]
fn bank_account_no_log(bencher: Bencher) {
    let scenario = common::load("bank_account.toml");
    let mut runner = Runner::new(&scenario);
    bencher.bench_local(|| runner.run_with(&mut Random::new(divan::black_box(0)), &mut (), None));
}
