//! explore throughput on the three benchmark scenarios, in distinct states per second (divan's
//! "item" is one state, from the `states` the exploration reports).
//!
//! `cargo bench --bench explore`

use divan::Bencher;
use divan::counter::ItemsCount;
use racesim::explore::{DEFAULT_MAX_STATES, explore};

mod common;

fn main() {
    divan::main();
}

fn explore_file(bencher: Bencher, rel: &str) {
    let scenario = common::load(rel);
    let states = explore(&scenario, DEFAULT_MAX_STATES)
        .expect("within the default state limit")
        .states;
    bencher
        .counter(ItemsCount::new(states))
        .bench(|| explore(divan::black_box(&scenario), DEFAULT_MAX_STATES));
}

/// Two threads x 20 unprotected increments: about two million states.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn counter_2x20(bencher: Bencher) {
    explore_file(bencher, "bench/counter_2x20.toml");
}

/// Five concurrent `update` transactions on one account: about 660 thousand states.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn update_5(bencher: Bencher) {
    explore_file(bencher, "bench/update_5.toml");
}

/// Semaphores, a lock, a condition and a queue over five threads: about 1.6 million states.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn pipeline_5(bencher: Bencher) {
    explore_file(bencher, "bench/pipeline_5.toml");
}
