//! Scheduling policies: given the ready threads, pick the one that runs the next step.
//!
//! A policy sees only thread ids, never the state, so a run is a pure function of the scenario,
//! the policy and its seed. os-threads is not a policy: it is a runner (see `threads`).

mod pct;
mod random;
mod round_robin;
mod scripted;

pub use pct::Pct;
pub use random::Random;
pub use round_robin::RoundRobin;
pub use scripted::Scripted;

use crate::scenario::ThreadId;

/// Chooses the thread for each step.
pub trait Policy {
    /// Picks the thread that executes step number `step` (1-based). `ready` is non-empty and in
    /// file order. An `Err` (a script that does not fit) ends the run with status error.
    fn pick(&mut self, ready: &[ThreadId], step: u64) -> Result<ThreadId, ScheduleError>;

    /// Called once when the run ends after `steps` steps; a script objects to unused entries.
    fn finish(&mut self, _steps: u64) -> Result<(), ScheduleError> {
        Ok(())
    }
}

/// Why a scripted schedule does not fit a run. Positions and counts are 1-based and in steps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScheduleError {
    /// Entry `position` names `wanted`, which is not ready then.
    NotReady {
        position: u64,
        wanted: ThreadId,
        ready: Vec<ThreadId>,
    },
    /// All `entries` were used and the run goes on.
    RanOut { entries: usize, ready: Vec<ThreadId> },
    /// The run ended after `steps` steps, before the schedule's `entries` were used.
    LeftOver { steps: u64, entries: usize },
}

/// Any of the simulator's policies, dispatched without a vtable. (Random is the large one
/// and the hot one in sweeps, so it is not boxed.)
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum AnyPolicy {
    Random(Random),
    RoundRobin(RoundRobin),
    Scripted(Scripted),
    Pct(Pct),
}

impl Policy for AnyPolicy {
    #[inline]
    fn pick(&mut self, ready: &[ThreadId], step: u64) -> Result<ThreadId, ScheduleError> {
        match self {
            AnyPolicy::Random(p) => p.pick(ready, step),
            AnyPolicy::RoundRobin(p) => p.pick(ready, step),
            AnyPolicy::Scripted(p) => p.pick(ready, step),
            AnyPolicy::Pct(p) => p.pick(ready, step),
        }
    }

    fn finish(&mut self, steps: u64) -> Result<(), ScheduleError> {
        match self {
            AnyPolicy::Random(p) => p.finish(steps),
            AnyPolicy::RoundRobin(p) => p.finish(steps),
            AnyPolicy::Scripted(p) => p.finish(steps),
            AnyPolicy::Pct(p) => p.finish(steps),
        }
    }
}
