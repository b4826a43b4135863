//! Who waits for what in a state where no thread can run: the deadlock's explanation.

use crate::engine::{Blocked, Phase, State, holder};
use crate::scenario::{
    BarrierId, CondId, EventId, LockId, Op, QueueId, Scenario, SemaphoreId, ThreadId, Var,
};

/// What a thread blocked forever waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitingOn {
    /// A lock, and who holds it (possibly the waiter itself: locks are not re-entrant).
    Lock { lock: LockId, holder: Option<ThreadId> },
    /// A semaphore at 0.
    Semaphore { semaphore: SemaphoreId },
    /// An event that is not set.
    Event { event: EventId },
    /// In a condition's wait set, never notified.
    Notify { cond: CondId },
    /// Notified, waiting to take the condition's lock back from its holder.
    Reacquire {
        cond: CondId,
        lock: LockId,
        holder: Option<ThreadId>,
    },
    /// At a barrier whose round is not complete.
    Barrier {
        barrier: BarrierId,
        arrived: u32,
        parties: u32,
    },
    /// A `get` from an empty queue.
    QueueEmpty { queue: QueueId },
    /// A `put` into a full queue.
    QueueFull { queue: QueueId, capacity: u64 },
    /// A transaction that has not finished (`pending`: it never started).
    Join { target: ThreadId, pending: bool },
    /// An `await` whose guard is 0, with the values it read.
    Guard { pc: u32, values: Vec<(Var, i64)> },
    /// Queued in the pool: every worker is held by a blocked transaction.
    Worker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub thread: ThreadId,
    pub on: WaitingOn,
}

/// Who waits for what in `state` (where no thread can run), in file order.
pub fn waiting(scenario: &Scenario, state: &State) -> Vec<Waiting> {
    let layout = crate::engine::Layout::new(scenario);
    (0..state.threads.len())
        .filter_map(|t| reason(scenario, &layout, state, t).map(|on| Waiting { thread: t, on }))
        .collect()
}

/// What unfinished thread `t` waits for in `state`, asked of a thread that cannot run (a
/// pending one waits for a worker); `None` for a finished thread and for a next step that never
/// waits. It does not look at sleeps: a thread held in a wait set is held there asleep or not.
/// (`blocking` asks it at every scheduling point of a run, `waiting` where a deadlock ended.)
pub(super) fn reason(
    scenario: &Scenario,
    layout: &crate::engine::Layout,
    state: &State,
    t: ThreadId,
) -> Option<WaitingOn> {
    let th = &state.threads[t];
    Some(match th.phase {
        Phase::Finished => return None,
        Phase::Pending => WaitingOn::Worker,
        Phase::Running => match th.blocked {
            Blocked::Condition(c) => WaitingOn::Notify { cond: c as usize },
            Blocked::Barrier(b) => {
                let mark = Blocked::Barrier(b);
                WaitingOn::Barrier {
                    barrier: b as usize,
                    arrived: state.threads.iter().filter(|x| x.blocked == mark).count() as u32,
                    parties: scenario.barriers[b as usize].parties,
                }
            }
            Blocked::No => match state.next_op(scenario, t) {
                Op::Lock(lock) => WaitingOn::Lock {
                    lock: *lock,
                    holder: holder(state.holders[*lock]),
                },
                Op::Acquire(s) => WaitingOn::Semaphore { semaphore: *s },
                Op::WaitEvent(e) => WaitingOn::Event { event: *e },
                Op::Reacquire(c) => {
                    let lock = scenario.conditions[*c].lock;
                    WaitingOn::Reacquire {
                        cond: *c,
                        lock,
                        holder: holder(state.holders[lock]),
                    }
                }
                Op::Get { queue, .. } => WaitingOn::QueueEmpty { queue: *queue },
                Op::Put { queue, .. } => WaitingOn::QueueFull {
                    queue: *queue,
                    capacity: scenario.queues[*queue].capacity,
                },
                Op::Join(u) => WaitingOn::Join {
                    target: *u,
                    pending: state.threads[*u].phase == Phase::Pending,
                },
                Op::Await(guard) => {
                    let env = state.env(scenario, layout, t);
                    let mut values: Vec<(Var, i64)> = Vec::new();
                    guard.expr.for_each_var(&mut |v| {
                        if !values.iter().any(|(x, _)| *x == v) {
                            values.push((v, env.get(v)));
                        }
                    });
                    WaitingOn::Guard { pc: th.pc, values }
                }
                // Sleeping or able to run: not waiting (a deadlocked run would not have ended).
                _ => return None,
            },
        },
    })
}
