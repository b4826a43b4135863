//! sweep: run a seeded policy once per seed over a range, in parallel, and count the outcomes.
//!
//! Seeds are cut into fixed-size chunks (independent of the thread count); each chunk builds a
//! small histogram with one reusable `Runner`, and histograms merge by adding counts and keeping
//! the smallest seed, so the result is identical for any `--jobs` and memory stays flat.

use std::ops::Range;

use rayon::prelude::*;

use crate::engine::Status;
use crate::policy::{Pct, Random};
use crate::run::Runner;
use crate::scenario::Scenario;

/// Seeds per unit of parallel work.
const CHUNK: u64 = 1 << 14;

/// The seeded policies a sweep can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeededPolicy {
    Random,
    Pct { depth: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOutcome {
    pub status: Status,
    pub balances: Vec<i64>,
    pub count: u64,
    /// The smallest seed that reaches this outcome (`run --seed` reproduces it).
    pub first_seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub seeds: u64,
    /// Most frequent first; ties in outcome order.
    pub outcomes: Vec<SweepOutcome>,
    /// The smallest seed whose run failed an `[expect]` condition.
    pub first_failure: Option<u64>,
}

#[derive(Default)]
struct Histogram {
    outcomes: Vec<SweepOutcome>,
    first_failure: Option<u64>,
}

impl Histogram {
    #[inline]
    fn record(&mut self, status: &Status, balances: &[i64], seed: u64) {
        // Few distinct outcomes: a linear scan beats hashing, and allocates only on a new one.
        for o in self.outcomes.iter_mut() {
            if o.balances == balances && o.status == *status {
                o.count += 1;
                return;
            }
        }
        self.outcomes.push(SweepOutcome {
            status: status.clone(),
            balances: balances.to_vec(),
            count: 1,
            first_seed: seed,
        });
    }

    fn merge(mut self, other: Histogram) -> Histogram {
        for o in other.outcomes {
            match self
                .outcomes
                .iter_mut()
                .find(|m| m.balances == o.balances && m.status == o.status)
            {
                Some(m) => {
                    m.count += o.count;
                    m.first_seed = m.first_seed.min(o.first_seed);
                }
                None => self.outcomes.push(o),
            }
        }
        self.first_failure = match (self.first_failure, other.first_failure) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self
    }
}

/// Runs `policy` once per seed in `seeds`; `progress` is told how many seeds each finished chunk
/// covered. Parallelism comes from the ambient rayon pool.
pub fn sweep(
    scenario: &Scenario,
    seeds: Range<u64>,
    policy: SeededPolicy,
    progress: &(dyn Fn(u64) + Sync),
) -> Sweep {
    let chunks = seeds.end.saturating_sub(seeds.start).div_ceil(CHUNK);
    let histogram = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let start = seeds.start + c * CHUNK;
            let end = (start + CHUNK).min(seeds.end);
            let h = sweep_chunk(scenario, start..end, policy);
            progress(end - start);
            h
        })
        .reduce(Histogram::default, Histogram::merge);
    let mut outcomes = histogram.outcomes;
    outcomes.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (&a.status, &a.balances).cmp(&(&b.status, &b.balances)))
    });
    Sweep {
        seeds: seeds.end.saturating_sub(seeds.start),
        outcomes,
        first_failure: histogram.first_failure,
    }
}

fn sweep_chunk(scenario: &Scenario, seeds: Range<u64>, policy: SeededPolicy) -> Histogram {
    let mut runner = Runner::new(scenario);
    let mut h = Histogram::default();
    let max_steps = scenario.max_steps();
    let threads = scenario.transactions.len();
    for seed in seeds {
        let (status, _) = match policy {
            SeededPolicy::Random => runner.run_with(&mut Random::new(seed), &mut (), None),
            SeededPolicy::Pct { depth } => {
                runner.run_with(&mut Pct::new(seed, threads, depth, max_steps), &mut (), None)
            }
        };
        if h.first_failure.is_none() && !runner.last_run_passed(&status) {
            h.first_failure = Some(seed);
        }
        h.record(&status, &runner.state().balances, seed);
    }
    h
}

/// Parses `A..B` (B excluded) or `A..=B`.
pub fn parse_seeds(text: &str) -> Result<Range<u64>, String> {
    let bad = || format!("`{text}` is not a seed range; write A..B (B excluded) or A..=B");
    let (a, b, inclusive) = if let Some((a, b)) = text.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = text.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let a: u64 = a.trim().replace('_', "").parse().map_err(|_| bad())?;
    let b: u64 = b.trim().replace('_', "").parse().map_err(|_| bad())?;
    let end = if inclusive {
        b.checked_add(1).ok_or_else(bad)?
    } else {
        b
    };
    if end <= a {
        return Err(format!("`{text}` is an empty seed range"));
    }
    Ok(a..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges() {
        assert_eq!(parse_seeds("0..10"), Ok(0..10));
        assert_eq!(parse_seeds("5..=5"), Ok(5..6));
        assert_eq!(parse_seeds("0..1_000_000"), Ok(0..1_000_000));
        assert!(parse_seeds("3..3").is_err());
        assert!(parse_seeds("x..3").is_err());
        assert!(parse_seeds("10").is_err());
    }
}
