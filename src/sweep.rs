//! sweep: run a seeded policy once per seed over a range, in parallel, and count the outcomes.
//!
//! Seeds are cut into fixed-size chunks (independent of the thread count); each chunk builds a
//! small histogram with one reusable `Runner`, and histograms merge by adding counts and keeping
//! the smallest seed, so the result is identical for any `--jobs` and memory stays flat.

use std::ops::Range;

use rayon::prelude::*;

use crate::expect::SweepVerdict;
use crate::outcome::{EndState, Status};
use crate::policy::{Pct, Random};
use crate::run::Runner;
use crate::scenario::Scenario;

/// Seeds per unit of parallel work.
pub const CHUNK: u64 = 1 << 14;

/// The most worker threads a sweep starts, whatever `--jobs` asks for.
pub const MAX_JOBS: usize = 256;

/// The worker threads a sweep of `seeds` uses: `requested` (default: every core), never more
/// than there are chunks of work nor [`MAX_JOBS`].
pub fn jobs(requested: Option<usize>, seeds: &Range<u64>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunks = seeds.end.saturating_sub(seeds.start).div_ceil(CHUNK).max(1);
    requested
        .unwrap_or(cores)
        .clamp(1, MAX_JOBS)
        .min(usize::try_from(chunks).unwrap_or(usize::MAX))
}

/// The seeded policies a sweep can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeededPolicy {
    Random,
    Pct { depth: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOutcome {
    /// How the first seed's run ended (an error names that run's failing step).
    pub status: Status,
    pub balances: Vec<i64>,
    pub queues: Vec<Vec<i64>>,
    pub count: u64,
    /// The smallest seed that reaches this outcome (`run --seed` reproduces it).
    pub first_seed: u64,
    /// Reachable when the transactions run one at a time (no race needed).
    pub serial: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub seeds: u64,
    /// Most frequent first; ties in outcome order.
    pub outcomes: Vec<SweepOutcome>,
    /// Every seed's run passed `[expect]`, or the smallest seed whose run did not.
    pub verdict: SweepVerdict,
}

#[derive(Default)]
struct Histogram {
    outcomes: Vec<SweepOutcome>,
    first_failure: Option<u64>,
}

impl Histogram {
    #[inline]
    fn record(&mut self, status: &Status, balances: &[i64], queues: &[Vec<i64>], seed: u64) {
        // Few distinct outcomes: a linear scan beats hashing, and allocates only on a new one.
        for o in &mut self.outcomes {
            if o.balances == balances && o.queues == queues && same_outcome(&o.status, status) {
                o.count += 1;
                return;
            }
        }
        self.outcomes.push(SweepOutcome {
            status: status.clone(),
            balances: balances.to_vec(),
            queues: queues.to_vec(),
            count: 1,
            first_seed: seed,
            serial: false,
        });
    }

    fn merge(mut self, other: Histogram) -> Histogram {
        for o in other.outcomes {
            match self.outcomes.iter_mut().find(|m| {
                m.balances == o.balances && m.queues == o.queues && same_outcome(&m.status, &o.status)
            }) {
                Some(m) => {
                    m.count += o.count;
                    if o.first_seed < m.first_seed {
                        m.first_seed = o.first_seed;
                        m.status = o.status;
                    }
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
        b.count.cmp(&a.count).then_with(|| {
            (a.status.key(), &a.balances, &a.queues).cmp(&(b.status.key(), &b.balances, &b.queues))
        })
    });
    let serial = crate::explore::serial_outcomes(scenario);
    for o in &mut outcomes {
        o.serial = serial.contains(&EndState {
            key: o.status.key(),
            balances: o.balances.clone(),
            queues: o.queues.clone(),
        });
    }
    Sweep {
        seeds: seeds.end.saturating_sub(seeds.start),
        outcomes,
        verdict: SweepVerdict {
            first_failing_seed: histogram.first_failure,
        },
    }
}

fn sweep_chunk(scenario: &Scenario, seeds: Range<u64>, policy: SeededPolicy) -> Histogram {
    let mut runner = Runner::new(scenario);
    let mut h = Histogram::default();
    for seed in seeds {
        let status = match policy {
            SeededPolicy::Random => runner.run_with(&mut Random::new(seed), &mut (), None),
            SeededPolicy::Pct { depth } => {
                runner.run_with(&mut Pct::for_scenario(scenario, seed, depth), &mut (), None)
            }
        };
        if h.first_failure.is_none() && !runner.last_run_passed() {
            h.first_failure = Some(seed);
        }
        let end = runner.state();
        h.record(&status, &end.balances, &end.queues, seed);
    }
    h
}

/// Two runs end in the same outcome status (an error's step does not matter).
#[inline]
fn same_outcome(a: &Status, b: &Status) -> bool {
    match (a, b) {
        (Status::Error(x), Status::Error(y)) => x.thread == y.thread && x.kind == y.kind,
        (Status::Limit { .. }, Status::Limit { .. }) => true,
        _ => a == b,
    }
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
