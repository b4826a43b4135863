//! `pct`: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).
//!
//! Draw order, all at construction from the seed's stream (`DrawRng::below`):
//! 1. a Fisher–Yates shuffle of the threads: for i from n-1 down to 1, swap `perm[i]` with
//!    `perm[below(i + 1)]`; thread `perm[i]` gets the initial priority `depth + n - 1 - i`,
//!    so `perm[0]` is the most urgent;
//! 2. `depth - 1` change points: for i in 1..depth, `k_i = 1 + below(K)` where K is the
//!    scenario's maximum step count — but at most K of them: a depth beyond K + 1 draws
//!    no more change points than that (a run has no more steps to change at).
//!
//! At each step the ready thread with the highest priority runs; when step number `k_i` has been
//! taken, the thread that took it drops to priority `depth - i` (below every initial priority).

use super::Policy;
use crate::rng::DrawRng;
use crate::scenario::ThreadId;

#[derive(Debug, Clone)]
pub struct Pct {
    priorities: Vec<u64>,
    /// (step, new priority), sorted by step (stably, so that of two change points at one step
    /// the later drawn applies last).
    change_points: Vec<(u64, u64)>,
    /// The first change point not yet passed.
    next: usize,
    /// The change points' steps in draw order, as documented.
    drawn: Vec<u64>,
}

impl Pct {
    pub fn new(seed: u64, threads: usize, depth: u32, max_steps: u64) -> Pct {
        let mut rng = DrawRng::new(seed);
        let mut perm: Vec<usize> = (0..threads).collect();
        for i in (1..threads).rev() {
            let j = rng.below(i + 1);
            perm.swap(i, j);
        }
        let depth = u64::from(depth.max(1));
        let mut priorities = vec![0; threads];
        for (i, &t) in perm.iter().enumerate() {
            priorities[t] = depth + (threads - 1 - i) as u64;
        }
        let steps = max_steps.max(1);
        let points = (depth - 1).min(steps);
        let mut change_points: Vec<(u64, u64)> = (1..=points)
            .map(|i| (1 + rng.below(steps as usize) as u64, depth - i))
            .collect();
        let drawn = change_points.iter().map(|&(k, _)| k).collect();
        change_points.sort_by_key(|&(k, _)| k);
        Pct {
            priorities,
            change_points,
            next: 0,
            drawn,
        }
    }

    /// PCT over `scenario`'s threads, with change points over its step bound.
    pub fn for_scenario(scenario: &crate::scenario::Scenario, seed: u64, depth: u32) -> Pct {
        Pct::new(seed, scenario.transactions.len(), depth, scenario.step_bound())
    }

    pub fn priorities(&self) -> &[u64] {
        &self.priorities
    }

    /// The change points' steps, in draw order.
    pub fn change_points(&self) -> Vec<u64> {
        self.drawn.clone()
    }
}

impl Policy for Pct {
    fn pick(&mut self, ready: &[ThreadId], step: u64) -> Result<ThreadId, super::ScheduleError> {
        let chosen = *ready
            .iter()
            .max_by_key(|&&t| self.priorities[t])
            .expect("ready is never empty");
        while let Some(&(k, priority)) = self.change_points.get(self.next) {
            if k > step {
                break;
            }
            if k == step {
                self.priorities[chosen] = priority;
            }
            self.next += 1;
        }
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_priority_runs_until_a_change_point() {
        let mut p = Pct {
            priorities: vec![3, 4],
            change_points: vec![(2, 2)],
            next: 0,
            drawn: vec![2],
        };
        let all: &[ThreadId] = &[0, 1];
        let picks: Vec<ThreadId> = (1..=5).map(|s| p.pick(all, s).unwrap()).collect();
        assert_eq!(picks, [1, 1, 0, 0, 0]);
    }

    #[test]
    fn initial_priorities_are_distinct_and_above_the_change_priorities() {
        for seed in 0..50 {
            let p = Pct::new(seed, 4, 3, 20);
            let mut prios = p.priorities().to_vec();
            prios.sort_unstable();
            assert_eq!(prios, [3, 4, 5, 6]);
            assert!(p.change_points().iter().all(|k| (1..=20).contains(k)));
        }
    }
}
