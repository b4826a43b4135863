//! `round-robin`: the last thread keeps the turn for up to `quantum` steps in a row while it is
//! ready, then the turn passes to the next ready thread after it in file order, cyclically.

use super::Policy;
use crate::scenario::ThreadId;

#[derive(Debug, Clone)]
pub struct RoundRobin {
    quantum: u32,
    last: Option<ThreadId>,
    run_length: u32,
}

impl RoundRobin {
    pub fn new(quantum: u32) -> RoundRobin {
        RoundRobin {
            quantum: quantum.max(1),
            last: None,
            run_length: 0,
        }
    }
}

impl Policy for RoundRobin {
    fn pick(&mut self, ready: &[ThreadId], _step: u64) -> Result<ThreadId, super::ScheduleError> {
        let chosen = match self.last {
            None => ready[0],
            Some(last) if self.run_length < self.quantum && ready.contains(&last) => last,
            // The next ready thread after `last`, wrapping around; `last` itself comes last.
            Some(last) => ready.iter().copied().find(|&t| t > last).unwrap_or(ready[0]),
        };
        if Some(chosen) == self.last {
            self.run_length += 1;
        } else {
            self.last = Some(chosen);
            self.run_length = 1;
        }
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(quantum: u32, readiness: &[&[ThreadId]]) -> Vec<ThreadId> {
        let mut rr = RoundRobin::new(quantum);
        readiness
            .iter()
            .enumerate()
            .map(|(i, r)| rr.pick(r, i as u64 + 1).unwrap())
            .collect()
    }

    #[test]
    fn quantum_one_alternates_in_file_order() {
        let all: &[ThreadId] = &[0, 1, 2];
        assert_eq!(picks(1, &[all; 7]), [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn quantum_keeps_the_turn_while_ready() {
        let all: &[ThreadId] = &[0, 1];
        assert_eq!(picks(2, &[all; 6]), [0, 0, 1, 1, 0, 0]);
        // Thread 0 stops being ready after one step: the turn passes early.
        assert_eq!(picks(3, &[all, &[1], all, all, all]), [0, 1, 1, 1, 0]);
    }

    #[test]
    fn the_turn_wraps_and_skips_threads_that_are_not_ready() {
        assert_eq!(picks(1, &[&[0, 1, 2], &[0, 2], &[0, 2], &[2]]), [0, 2, 0, 2]);
        // The last thread itself is chosen only when nobody else is ready.
        assert_eq!(picks(1, &[&[1], &[1], &[0, 1]]), [1, 1, 0]);
    }
}
