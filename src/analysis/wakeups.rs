//! Races of waiting: a `notify` that came before the `wait` it was meant for (a lost wakeup),
//! and a permit that a `release` freed while one thread waited for it and another took (a
//! stolen permit). Both are reported only for waiters that are still waiting where the run
//! ended: the race is what kept them waiting.

use super::At;
use crate::engine::{Blocked, Effect, Event, Phase, State};
use crate::scenario::{CondId, Op, Scenario, SemaphoreId, ThreadId};

/// A notify that woke nobody, then a wait on the same condition that nothing woke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostWakeup {
    pub cond: CondId,
    /// The notify (value unused).
    pub notify: At,
    pub waiter: ThreadId,
    /// The step at which the waiter joined the wait set.
    pub wait: u64,
}

/// A permit released while `waiter` waited for one, taken by another thread first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StolenPermit {
    pub semaphore: SemaphoreId,
    pub waiter: ThreadId,
    /// The release (value: the semaphore's value after it).
    pub release: At,
    /// The acquire that took the permit (value: the semaphore's value after it).
    pub thief: At,
}

/// Every lost wakeup whose waiter `end` still holds in the wait set.
pub fn lost_wakeups(scenario: &Scenario, events: &[Event], end: &State) -> Vec<LostWakeup> {
    let mut silent: Vec<Option<At>> = vec![None; scenario.conditions.len()];
    let mut last_wait: Vec<Option<(CondId, u64, Option<At>)>> = vec![None; scenario.transactions.len()];
    for e in events {
        match e.effect {
            Effect::Notify { cond } | Effect::NotifyAll { cond } if e.woken.is_empty() => {
                silent[cond] = Some(At::of(e, 0));
            }
            Effect::WaitCondition { cond, .. } => {
                last_wait[e.thread] = Some((cond, e.step, silent[cond]));
            }
            _ => {}
        }
    }
    let mut out: Vec<LostWakeup> = last_wait
        .iter()
        .enumerate()
        .filter_map(|(t, w)| {
            let (cond, wait, notify) = (*w)?;
            let notify = notify?;
            (end.threads[t].blocked == Blocked::Condition(cond as u32)).then_some(LostWakeup {
                cond,
                notify,
                waiter: t,
                wait,
            })
        })
        .collect();
    out.sort_by_key(|l| l.wait);
    out
}

/// Every stolen permit whose waiter is still waiting for the semaphore where the run ended.
pub fn stolen_permits(scenario: &Scenario, events: &[Event]) -> Vec<StolenPermit> {
    let n = scenario.transactions.len();
    let mut phase: Vec<Phase> = (0..n)
        .map(|t| {
            if t < scenario.workers {
                Phase::Running
            } else {
                Phase::Pending
            }
        })
        .collect();
    let mut pc = vec![0u32; n];
    // Per semaphore: the last release with the threads that were waiting at it.
    let mut released: Vec<Option<(At, Vec<ThreadId>)>> = vec![None; scenario.semaphores.len()];
    let mut thefts: Vec<StolenPermit> = Vec::new();
    let waits_for = |phase: &[Phase], pc: &[u32], t: ThreadId, s: SemaphoreId| {
        phase[t] == Phase::Running
            && matches!(scenario.transactions[t].steps[pc[t] as usize].op, Op::Acquire(x) if x == s)
    };
    for e in events {
        match e.effect {
            Effect::Release { semaphore, value } => {
                let waiting: Vec<ThreadId> = (0..n)
                    .filter(|&u| u != e.thread && waits_for(&phase, &pc, u, semaphore))
                    .collect();
                released[semaphore] = (!waiting.is_empty()).then(|| (At::of(e, value), waiting));
            }
            Effect::Acquire { semaphore, value }
            | Effect::TryAcquire {
                semaphore,
                got: true,
                value,
            } => {
                if let Some((release, waiting)) = released[semaphore].take()
                    && !waiting.contains(&e.thread)
                {
                    thefts.push(StolenPermit {
                        semaphore,
                        waiter: waiting[0],
                        release,
                        thief: At::of(e, value),
                    });
                }
            }
            _ => {}
        }
        pc[e.thread] = e.next_pc;
        for &u in std::iter::once(&e.thread)
            .filter(|_| e.finished)
            .chain(&e.also_finished)
        {
            phase[u] = Phase::Finished;
        }
        for &(u, _) in &e.started {
            phase[u] = Phase::Running;
        }
    }
    // Only the thefts whose waiter never got a permit after all.
    thefts.retain(|s| waits_for(&phase, &pc, s.waiter, s.semaphore));
    thefts
}
