//! sweep throughput on the lesson's no-delay scenario (two `update` threads, no sleep), in seeds
//! per second, against a bare loop that only seeds `ChaCha8` and draws from it.
//!
//! `cargo bench --bench sweep`

use divan::Bencher;
use divan::counter::ItemsCount;
use racesim::rng::DrawRng;
use racesim::sweep::{SeededPolicy, sweep};

mod common;

/// Seeds per iteration: 32 of sweep's 16,384-seed chunks, so two threads split the work evenly
/// and rayon's set-up and the final merge are noise.
const SEEDS: u64 = 1 << 19;

fn main() {
    divan::main();
}

fn sweep_on(bencher: Bencher, threads: usize) {
    let scenario = common::load("bank_account_nodelay.toml");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool");
    bencher.counter(ItemsCount::new(SEEDS)).bench(|| {
        pool.install(|| {
            sweep(
                divan::black_box(&scenario),
                0..SEEDS,
                SeededPolicy::Random,
                &|_| {},
            )
        })
    });
}

/// `racesim sweep scenarios/bank_account_nodelay.toml --jobs 1`, minus start-up and printing.
#[divan::bench(sample_count = 20)]
fn nodelay_1_thread(bencher: Bencher) {
    sweep_on(bencher, 1);
}

/// The same with two rayon threads (compare with `nodelay_1_thread` for the `--jobs 2` speedup).
#[divan::bench(sample_count = 20)]
fn nodelay_2_threads(bencher: Bencher) {
    sweep_on(bencher, 2);
}

/// The floor: per seed, only key `ChaCha8` and draw five `below(2)` (about what one run of the
/// no-delay lesson draws). No engine, no policy, no histogram.
#[divan::bench(sample_count = 20)]
fn chacha8_draws_only(bencher: Bencher) {
    bencher.counter(ItemsCount::new(SEEDS)).bench(|| {
        let mut acc = 0usize;
        for seed in 0..divan::black_box(SEEDS) {
            let mut rng = DrawRng::new(seed);
            for _ in 0..5 {
                acc += rng.below(2);
            }
        }
        acc
    });
}
