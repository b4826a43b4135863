//! `random`: a uniform choice among the ready threads, one draw per decision with two or more.

use super::Policy;
use crate::rng::DrawRng;
use crate::scenario::ThreadId;

#[derive(Debug, Clone)]
pub struct Random {
    rng: DrawRng,
}

impl Random {
    pub fn new(seed: u64) -> Random {
        Random {
            rng: DrawRng::new(seed),
        }
    }
}

impl Policy for Random {
    #[inline]
    fn pick(&mut self, ready: &[ThreadId], _step: u64) -> Result<ThreadId, super::ScheduleError> {
        // No draw when there is no choice: a seed's stream is spent only on real decisions.
        Ok(match ready {
            [only] => *only,
            _ => ready[self.rng.below(ready.len())],
        })
    }
}
