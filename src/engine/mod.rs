//! The one interpreter: the state of a run (balances, locks, semaphores, events, condition wait
//! sets, barrier rounds, queues, threads, pool, virtual clock) and `step`, which executes one
//! atomic step of one thread.
//!
//! Every runner — seeded and scripted runs, sweep, explore and the os-threads runner — drives
//! this same `step`. It performs no I/O and allocates nothing on the hot path (a `put` may grow
//! a queue); observers receive borrowed events and may look at the state after the step.

#[cfg(test)]
mod tests;

use crate::outcome::Status;
use crate::scenario::{
    AccountId, BarrierId, CondId, Env, EvalError, EventId, LockId, Op, QueueId, Scenario, SemaphoreId,
    ThreadId,
};

/// `holders[l]` when lock `l` is free.
pub const FREE: u32 = u32::MAX;

/// Virtual time, in ticks. Wider than any delay (u64) so that a run would need more than 2^64
/// steps of the longest delay to overflow it: in practice virtual time has no bound, and run,
/// sweep and explore agree on every scenario.
pub type Time = u128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Waiting in the pool queue for a worker.
    Pending,
    Running,
    Finished,
}

/// What a running thread is held in, besides its next step's own readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blocked {
    No,
    /// In the wait set of a condition, until notified.
    Condition(u32),
    /// Arrived at a barrier, until the round is complete.
    Barrier(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadState {
    pub phase: Phase,
    /// Index of the next step.
    pub pc: u32,
    /// Completed passes of the body (`repeat`).
    pub iteration: u32,
    /// Virtual time at which the thread may run again.
    pub ready_at: Time,
    /// The pool worker running the transaction (meaningful once started).
    pub worker: u32,
    pub blocked: Blocked,
}

/// Everything that determines the rest of a run.
#[derive(Debug)]
pub struct State {
    pub now: Time,
    /// Number of steps executed so far.
    pub steps: u64,
    /// The first transaction that has not started; transactions start in file order.
    pub next_pending: u32,
    pub balances: Vec<i64>,
    /// The holder of each lock, or `FREE`.
    pub holders: Vec<u32>,
    /// How many times each lock is held (1 for a held plain lock; an rlock counts re-entries).
    pub counts: Vec<u32>,
    pub semaphores: Vec<i64>,
    pub events: Vec<bool>,
    /// Each condition's wait set, longest waiting first.
    pub wait_sets: Vec<Vec<u32>>,
    /// Each queue's contents, front first.
    pub queues: Vec<Vec<i64>>,
    pub threads: Vec<ThreadState>,
    /// All threads' locals, thread `t`'s at `local_base[t]..`.
    pub locals: Vec<i64>,
    /// What the step being taken did to other threads, for its observer (not part of the
    /// state: cleared by every step).
    scratch: Scratch,
}

#[derive(Debug, Clone, Default)]
struct Scratch {
    woken: Vec<ThreadId>,
    finished: Vec<ThreadId>,
    started: Vec<(ThreadId, Time)>,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.now == other.now
            && self.steps == other.steps
            && self.next_pending == other.next_pending
            && self.balances == other.balances
            && self.holders == other.holders
            && self.counts == other.counts
            && self.semaphores == other.semaphores
            && self.events == other.events
            && self.wait_sets == other.wait_sets
            && self.queues == other.queues
            && self.threads == other.threads
            && self.locals == other.locals
    }
}

impl Eq for State {}

impl Clone for State {
    fn clone(&self) -> Self {
        State {
            now: self.now,
            steps: self.steps,
            next_pending: self.next_pending,
            balances: self.balances.clone(),
            holders: self.holders.clone(),
            counts: self.counts.clone(),
            semaphores: self.semaphores.clone(),
            events: self.events.clone(),
            wait_sets: self.wait_sets.clone(),
            queues: self.queues.clone(),
            threads: self.threads.clone(),
            locals: self.locals.clone(),
            scratch: Scratch::default(),
        }
    }

    /// Reuses this state's buffers: sweeps and explore reset states without allocating.
    fn clone_from(&mut self, source: &Self) {
        /// Copies `from` into `to` in place: one `memcpy` when the lengths agree (always, in
        /// explore and sweep), nothing for an object kind the scenario does not use.
        #[inline]
        fn copy<T: Copy>(to: &mut Vec<T>, from: &[T]) {
            if to.len() == from.len() {
                if !from.is_empty() {
                    to.copy_from_slice(from);
                }
            } else {
                to.clear();
                to.extend_from_slice(from);
            }
        }
        /// The same for vectors of vectors (wait sets, queues).
        #[inline]
        fn copy_nested<T: Clone>(to: &mut Vec<T>, from: &Vec<T>) {
            if !(to.is_empty() && from.is_empty()) {
                to.clone_from(from);
            }
        }
        self.now = source.now;
        self.steps = source.steps;
        self.next_pending = source.next_pending;
        copy(&mut self.balances, &source.balances);
        copy(&mut self.holders, &source.holders);
        copy(&mut self.counts, &source.counts);
        copy(&mut self.semaphores, &source.semaphores);
        copy(&mut self.events, &source.events);
        copy_nested(&mut self.wait_sets, &source.wait_sets);
        copy_nested(&mut self.queues, &source.queues);
        copy(&mut self.threads, &source.threads);
        copy(&mut self.locals, &source.locals);
    }
}

/// How a run ended by itself, when no thread can run any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Every transaction finished.
    Ok,
    /// Some transaction is blocked forever.
    Deadlock,
}

impl From<End> for Status {
    fn from(end: End) -> Status {
        match end {
            End::Ok => Status::Ok,
            End::Deadlock => Status::Deadlock,
        }
    }
}

/// What `settle` found: some thread can run now, or the run is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Ready,
    Ended(End),
}

/// What a step did, with the values it saw. Counts and values are those after the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read {
        account: AccountId,
        into: u16,
        value: i64,
    },
    Write {
        account: AccountId,
        value: i64,
        old: i64,
    },
    Set {
        local: u16,
        value: i64,
    },
    AtomicAdd {
        account: AccountId,
        added: i64,
        old: i64,
        value: i64,
    },
    /// `count`: how many times the lock is now held (1 for a plain lock).
    Lock {
        lock: LockId,
        count: u32,
    },
    /// `count` 0: the lock is free.
    Unlock {
        lock: LockId,
        count: u32,
    },
    TryLock {
        lock: LockId,
        got: bool,
        count: u32,
    },
    Acquire {
        semaphore: SemaphoreId,
        value: i64,
    },
    Release {
        semaphore: SemaphoreId,
        value: i64,
    },
    TryAcquire {
        semaphore: SemaphoreId,
        got: bool,
        value: i64,
    },
    Signal {
        event: EventId,
        was: bool,
    },
    Clear {
        event: EventId,
        was: bool,
    },
    WaitEvent {
        event: EventId,
    },
    /// Released `lock` and joined the wait set, which now has `waiting` threads.
    WaitCondition {
        cond: CondId,
        lock: LockId,
        waiting: u32,
    },
    Reacquire {
        cond: CondId,
        lock: LockId,
    },
    /// The woken threads are in the event's `woken`.
    Notify {
        cond: CondId,
    },
    NotifyAll {
        cond: CondId,
    },
    /// The `arrived`-th arrival of a round of `parties`; the last one releases the round.
    WaitBarrier {
        barrier: BarrierId,
        arrived: u32,
        parties: u32,
    },
    Put {
        queue: QueueId,
        value: i64,
        len: u32,
    },
    Get {
        queue: QueueId,
        into: u16,
        value: i64,
        len: u32,
    },
    Join {
        target: ThreadId,
    },
    Await {
        value: i64,
    },
    Assert {
        value: i64,
    },
    Cas {
        account: AccountId,
        expected: i64,
        value: i64,
        old: i64,
        swapped: bool,
        into: u16,
    },
    If {
        value: i64,
        taken: bool,
    },
    While {
        value: i64,
    },
    Require {
        value: i64,
    },
    Sleep(u64),
    Log,
    /// The step failed; the run ends with status error.
    Fault(Fault),
}

/// Why the engine refused a step; the run ends with status error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Eval(EvalError),
    /// `ready_at` would overflow the clock.
    ClockOverflow,
    /// Unlock of a lock the thread does not hold: it is free (`None`) or another's.
    BadUnlock {
        lock: LockId,
        holder: Option<ThreadId>,
    },
    /// An rlock held more times than a u32 counts.
    LockCountOverflow {
        lock: LockId,
    },
    /// A bounded semaphore released above its initial value.
    BoundedRelease {
        semaphore: SemaphoreId,
    },
    /// A semaphore's value beyond i64.
    SemaphoreOverflow {
        semaphore: SemaphoreId,
    },
    /// `wait`, `notify` or `notify_all` (`op`) on a condition without holding its lock.
    NotHolding {
        op: CondOp,
        cond: CondId,
        holder: Option<ThreadId>,
    },
    /// The `assert` at step `pc` of the thread's program found its condition 0.
    AssertFailed {
        pc: u32,
    },
}

/// The steps that need a condition's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CondOp {
    Wait,
    Notify,
    NotifyAll,
}

/// One executed step, as observers see it (the slices are the step's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepEvent<'a> {
    /// 1-based step number.
    pub step: u64,
    pub time: Time,
    pub thread: ThreadId,
    /// Index of the step in its transaction's program and the pass it belongs to.
    pub pc: u32,
    pub iteration: u32,
    /// The step the thread runs next (0 after the end of a pass, or when it finished).
    pub next_pc: u32,
    pub effect: Effect,
    /// Ticks until the thread may run again (delay, plus the ticks of a `sleep`).
    pub delay: u64,
    /// The transaction ended with this step (its last step, or a failed `require`).
    pub finished: bool,
    /// Other transactions that ended with this step: released from a barrier after their last
    /// step, in file order.
    pub also_finished: &'a [ThreadId],
    /// Pending transactions started on the freed workers, in file order, with the time from
    /// which each may run.
    pub started: &'a [(ThreadId, Time)],
    /// Threads the step released: notified, or let through a barrier, in order.
    pub woken: &'a [ThreadId],
}

/// One executed step, owned: what run logs keep (and renderers and analyses read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub step: u64,
    pub time: Time,
    pub thread: ThreadId,
    pub pc: u32,
    pub iteration: u32,
    pub next_pc: u32,
    pub effect: Effect,
    pub delay: u64,
    pub finished: bool,
    pub also_finished: Vec<ThreadId>,
    pub started: Vec<(ThreadId, Time)>,
    pub woken: Vec<ThreadId>,
    /// After a `put` or `get`: the queue's contents, front first.
    pub queue: Option<Vec<i64>>,
}

impl Event {
    /// When the thread may run again: the step's time plus its delay.
    pub fn wakes_at(&self) -> Time {
        self.time + Time::from(self.delay)
    }

    /// The owned record of `e` in the state `after` it.
    pub fn record(e: &StepEvent<'_>, after: &State) -> Event {
        let queue = match e.effect {
            Effect::Put { queue, .. } | Effect::Get { queue, .. } => Some(after.queues[queue].clone()),
            _ => None,
        };
        Event {
            step: e.step,
            time: e.time,
            thread: e.thread,
            pc: e.pc,
            iteration: e.iteration,
            next_pc: e.next_pc,
            effect: e.effect,
            delay: e.delay,
            finished: e.finished,
            also_finished: e.also_finished.to_vec(),
            started: e.started.to_vec(),
            woken: e.woken.to_vec(),
            queue,
        }
    }
}

/// Receives the events of a run with the state after each step. Hot paths use `()`, which
/// ignores them at no cost.
pub trait Observer {
    fn on_step(&mut self, event: &StepEvent<'_>, after: &State);
}

impl Observer for () {
    #[inline(always)]
    fn on_step(&mut self, _: &StepEvent<'_>, _: &State) {}
}

impl Observer for Vec<Event> {
    fn on_step(&mut self, event: &StepEvent<'_>, after: &State) {
        self.push(Event::record(event, after));
    }
}

/// Static facts about a scenario that the engine needs on every step, computed once.
#[derive(Debug, Clone)]
pub struct Layout {
    pub local_base: Vec<usize>,
    pub locals_len: usize,
    /// Each step's readiness condition, `gates[gate_base[t] + pc]`: a compact copy of what
    /// `is_ready` needs, so that the hottest test of every runner does not walk the steps.
    gates: Vec<Gate>,
    gate_base: Vec<usize>,
}

/// When a step may execute (see the version-2 table of the format).
#[derive(Debug, Clone, Copy)]
enum Gate {
    Always,
    Lock {
        lock: u32,
        reentrant: bool,
    },
    Acquire(u32),
    Event(u32),
    /// A condition's reacquire: its lock is free.
    Reacquire(u32),
    Put {
        queue: u32,
        capacity: u64,
    },
    Get(u32),
    Join(u32),
    /// An `await`: its guard, evaluated over the state.
    Guard,
}

impl Gate {
    fn of(scenario: &Scenario, op: &Op) -> Gate {
        let id = |i: usize| i as u32;
        match op {
            Op::Lock(l) => Gate::Lock {
                lock: id(*l),
                reentrant: scenario.locks[*l].reentrant,
            },
            Op::Acquire(s) => Gate::Acquire(id(*s)),
            Op::WaitEvent(e) => Gate::Event(id(*e)),
            Op::Reacquire(c) => Gate::Reacquire(id(scenario.conditions[*c].lock)),
            Op::Put { queue, .. } => Gate::Put {
                queue: id(*queue),
                capacity: scenario.queues[*queue].capacity,
            },
            Op::Get { queue, .. } => Gate::Get(id(*queue)),
            Op::Join(u) => Gate::Join(id(*u)),
            Op::Await(_) => Gate::Guard,
            _ => Gate::Always,
        }
    }
}

impl Layout {
    pub fn new(scenario: &Scenario) -> Layout {
        let mut local_base = Vec::with_capacity(scenario.transactions.len());
        let mut gate_base = Vec::with_capacity(scenario.transactions.len());
        let mut gates = Vec::new();
        let mut total = 0;
        for t in &scenario.transactions {
            local_base.push(total);
            total += t.locals.len();
            gate_base.push(gates.len());
            gates.extend(t.steps.iter().map(|s| Gate::of(scenario, &s.op)));
        }
        Layout {
            local_base,
            locals_len: total,
            gates,
            gate_base,
        }
    }
}

/// The thread holding a lock, from its `holders` entry.
#[inline]
pub fn holder(entry: u32) -> Option<ThreadId> {
    (entry != FREE).then_some(entry as ThreadId)
}

impl State {
    /// The state at time 0: the first `workers` transactions started, the rest queued.
    pub fn initial(scenario: &Scenario, layout: &Layout) -> State {
        let n = scenario.transactions.len();
        let started = scenario.workers.min(n);
        State {
            now: 0,
            steps: 0,
            next_pending: started as u32,
            balances: scenario.initial_balances(),
            holders: vec![FREE; scenario.locks.len()],
            counts: vec![0; scenario.locks.len()],
            semaphores: scenario.semaphores.iter().map(|s| s.initial).collect(),
            events: vec![false; scenario.events.len()],
            wait_sets: vec![Vec::new(); scenario.conditions.len()],
            queues: scenario.initial_queues(),
            threads: (0..n)
                .map(|t| ThreadState {
                    phase: if t < started {
                        Phase::Running
                    } else {
                        Phase::Pending
                    },
                    pc: 0,
                    iteration: 0,
                    ready_at: 0,
                    worker: if t < started { t as u32 } else { u32::MAX },
                    blocked: Blocked::No,
                })
                .collect(),
            locals: vec![0; layout.locals_len],
            scratch: Scratch::default(),
        }
    }

    /// The operation `t` executes next (meaningful while it is running).
    #[inline]
    pub fn next_op<'s>(&self, scenario: &'s Scenario, t: ThreadId) -> &'s Op {
        &scenario.transactions[t].steps[self.threads[t].pc as usize].op
    }

    /// What thread `t`'s expressions read: its locals and the shared state.
    #[inline]
    pub fn env(&self, scenario: &Scenario, layout: &Layout, t: ThreadId) -> Env<'_> {
        let base = layout.local_base[t];
        Env {
            locals: &self.locals[base..base + scenario.transactions[t].locals.len()],
            balances: &self.balances,
            queues: &self.queues,
            events: &self.events,
        }
    }

    /// What `[expect]` conditions read: the shared state, no locals.
    #[inline]
    pub fn shared_env(&self) -> Env<'_> {
        Env {
            locals: &[],
            balances: &self.balances,
            queues: &self.queues,
            events: &self.events,
        }
    }

    /// Whether `t` can execute its next step now.
    #[inline(always)]
    pub fn is_ready(&self, scenario: &Scenario, layout: &Layout, t: ThreadId) -> bool {
        let th = &self.threads[t];
        th.phase == Phase::Running
            && th.ready_at <= self.now
            && th.blocked == Blocked::No
            && self.step_ready(scenario, layout, t)
    }

    /// Whether the next step of running thread `t` may execute (its own readiness condition).
    #[inline(always)]
    fn step_ready(&self, scenario: &Scenario, layout: &Layout, t: ThreadId) -> bool {
        let pc = self.threads[t].pc as usize;
        match layout.gates[layout.gate_base[t] + pc] {
            Gate::Always => true,
            Gate::Lock { lock, reentrant } => {
                let h = self.holders[lock as usize];
                h == FREE || (reentrant && h == t as u32)
            }
            Gate::Acquire(s) => self.semaphores[s as usize] > 0,
            Gate::Event(e) => self.events[e as usize],
            Gate::Reacquire(lock) => self.holders[lock as usize] == FREE,
            Gate::Put { queue, capacity } => {
                capacity == 0 || (self.queues[queue as usize].len() as u64) < capacity
            }
            Gate::Get(queue) => !self.queues[queue as usize].is_empty(),
            Gate::Join(u) => self.threads[u as usize].phase == Phase::Finished,
            // A guard that cannot be evaluated lets the thread run, and its step fails.
            Gate::Guard => match self.next_op(scenario, t) {
                Op::Await(guard) => guard.eval(&self.env(scenario, layout, t)) != Ok(0),
                _ => true,
            },
        }
    }

    /// Appends the ready threads, in file order, to `out`.
    #[inline]
    pub fn ready_threads(&self, scenario: &Scenario, layout: &Layout, out: &mut Vec<ThreadId>) {
        // A plain loop: the iterator-adapter form was left as an out-of-line closure call in
        // some builds, 12% of a sweep.
        for t in 0..self.threads.len() {
            if self.is_ready(scenario, layout, t) {
                out.push(t);
            }
        }
    }

    /// Advances the clock until some thread is ready, or reports how the run ended.
    pub fn settle(&mut self, scenario: &Scenario, layout: &Layout) -> Settled {
        loop {
            for t in 0..self.threads.len() {
                if self.is_ready(scenario, layout, t) {
                    return Settled::Ready;
                }
            }
            if let Some(ended) = self.advance_clock() {
                return ended;
            }
        }
    }

    /// `settle`, also leaving the ready threads in `ready` (one pass instead of two: the hot
    /// loop of runs and sweeps).
    #[inline]
    pub fn settle_ready(
        &mut self,
        scenario: &Scenario,
        layout: &Layout,
        ready: &mut Vec<ThreadId>,
    ) -> Settled {
        loop {
            ready.clear();
            self.ready_threads(scenario, layout, ready);
            if !ready.is_empty() {
                return Settled::Ready;
            }
            if let Some(ended) = self.advance_clock() {
                return ended;
            }
        }
    }

    /// With no thread ready: jump to the earliest wake-up, or say how the run ended.
    fn advance_clock(&mut self) -> Option<Settled> {
        let wake = self
            .threads
            .iter()
            .filter(|th| th.phase == Phase::Running && th.ready_at > self.now)
            .map(|th| th.ready_at)
            .min();
        match wake {
            Some(t) => {
                self.now = t;
                None
            }
            None if self.threads.iter().all(|th| th.phase == Phase::Finished) => {
                Some(Settled::Ended(End::Ok))
            }
            None => Some(Settled::Ended(End::Deadlock)),
        }
    }

    /// Evaluates one of thread `t`'s expressions.
    #[inline]
    fn eval(
        &self,
        scenario: &Scenario,
        layout: &Layout,
        t: ThreadId,
        code: &crate::scenario::Code,
    ) -> Result<i64, Fault> {
        code.eval(&self.env(scenario, layout, t)).map_err(Fault::Eval)
    }

    fn set_local(&mut self, layout: &Layout, t: ThreadId, slot: u16, value: i64) {
        self.locals[layout.local_base[t] + usize::from(slot)] = value;
    }

    /// Executes the next step of `t`, which must be ready. A fault leaves the state unchanged,
    /// is reported to the observer as `Effect::Fault` and ends the run.
    pub fn step(
        &mut self,
        scenario: &Scenario,
        layout: &Layout,
        t: ThreadId,
        observer: &mut impl Observer,
    ) -> Result<(), Fault> {
        debug_assert!(self.is_ready(scenario, layout, t));
        let tx = &scenario.transactions[t];
        let th = self.threads[t];
        let step = &tx.steps[th.pc as usize];
        self.scratch.woken.clear();
        self.scratch.finished.clear();
        self.scratch.started.clear();
        let sleep = match step.op {
            Op::Sleep(n) => n,
            _ => 0,
        };
        // Both u64, so their sum fits a u128 clock; only the clock itself could overflow.
        let delay = Time::from(step.delay) + Time::from(sleep);
        let applied = match self.now.checked_add(delay) {
            Some(_) => self.apply(scenario, layout, t, &step.op),
            None => Err(Fault::ClockOverflow),
        };
        let (effect, next, blocked) = match applied {
            Ok(applied) => applied,
            Err(fault) => return Err(self.fail(t, th, fault, observer)),
        };
        let ready_at = self.now + delay;
        let delay = u64::try_from(delay).unwrap_or(u64::MAX);
        self.steps += 1;
        let declined = matches!(effect, Effect::Require { value: 0 });
        {
            let th = &mut self.threads[t];
            th.ready_at = ready_at;
            th.blocked = blocked;
            let next = match next {
                Next::Step => step.next,
                Next::Alt => step.alt,
            };
            if !declined {
                th.pc = next;
                if next as usize == tx.steps.len() {
                    th.pc = 0;
                    th.iteration += 1;
                }
            }
        }
        let done = |state: &State, u: ThreadId| {
            let th = &state.threads[u];
            th.blocked == Blocked::No && th.iteration == scenario.transactions[u].repeat
        };
        // Who finishes with this step: this thread (its last step, or a failed require), and
        // threads a barrier released after their last step; they free their workers in file
        // order.
        let this_finished = declined || done(self, t);
        let barrier = matches!(effect, Effect::WaitBarrier { .. });
        // Most steps finish nobody: skip the bookkeeping (the hot path of explore and sweep).
        if this_finished || barrier {
            let mut finished = std::mem::take(&mut self.scratch.finished);
            if this_finished {
                finished.push(t);
            }
            if barrier {
                for &u in &self.scratch.woken {
                    if done(self, u) {
                        finished.push(u);
                    }
                }
                finished.sort_unstable();
            }
            for &u in &finished {
                self.free_worker(u, u == t && declined);
            }
            finished.retain(|&u| u != t);
            self.scratch.finished = finished;
        }
        let event = StepEvent {
            step: self.steps,
            time: self.now,
            thread: t,
            pc: th.pc,
            iteration: th.iteration,
            next_pc: self.threads[t].pc,
            effect,
            delay,
            finished: this_finished,
            also_finished: &self.scratch.finished,
            started: &self.scratch.started,
            woken: &self.scratch.woken,
        };
        observer.on_step(&event, self);
        Ok(())
    }

    /// The effect of `op` by `t`: the state changed (unless it faults), where the thread goes
    /// next, and what it is now held in.
    #[inline(always)]
    fn apply(
        &mut self,
        sc: &Scenario,
        layout: &Layout,
        t: ThreadId,
        op: &Op,
    ) -> Result<(Effect, Next, Blocked), Fault> {
        let me = t as u32;
        let pc = self.threads[t].pc;
        let effect = match op {
            Op::Read { account, into } => {
                let value = self.balances[*account];
                self.set_local(layout, t, *into, value);
                Effect::Read {
                    account: *account,
                    into: *into,
                    value,
                }
            }
            Op::Write { account, value } => {
                let v = self.eval(sc, layout, t, value)?;
                let old = std::mem::replace(&mut self.balances[*account], v);
                Effect::Write {
                    account: *account,
                    value: v,
                    old,
                }
            }
            Op::Set { local, value } => {
                let v = self.eval(sc, layout, t, value)?;
                self.set_local(layout, t, *local, v);
                Effect::Set {
                    local: *local,
                    value: v,
                }
            }
            Op::AtomicAdd { account, value } => {
                let added = self.eval(sc, layout, t, value)?;
                let old = self.balances[*account];
                let new = old.checked_add(added).ok_or(Fault::Eval(EvalError::Overflow))?;
                self.balances[*account] = new;
                Effect::AtomicAdd {
                    account: *account,
                    added,
                    old,
                    value: new,
                }
            }
            Op::Lock(l) => {
                let count = self.take_lock(sc, t, *l)?;
                Effect::Lock { lock: *l, count }
            }
            Op::Unlock(l) => {
                if self.holders[*l] != me {
                    return Err(Fault::BadUnlock {
                        lock: *l,
                        holder: holder(self.holders[*l]),
                    });
                }
                self.counts[*l] -= 1;
                if self.counts[*l] == 0 {
                    self.holders[*l] = FREE;
                }
                Effect::Unlock {
                    lock: *l,
                    count: self.counts[*l],
                }
            }
            Op::TryLock { lock, into } => {
                let h = self.holders[*lock];
                let can = h == FREE || (sc.locks[*lock].reentrant && h == me);
                let count = if can {
                    self.take_lock(sc, t, *lock)?
                } else {
                    self.counts[*lock]
                };
                self.set_local(layout, t, *into, i64::from(can));
                Effect::TryLock {
                    lock: *lock,
                    got: can,
                    count,
                }
            }
            Op::Acquire(s) => {
                self.semaphores[*s] -= 1;
                Effect::Acquire {
                    semaphore: *s,
                    value: self.semaphores[*s],
                }
            }
            Op::Release(s) => {
                let decl = &sc.semaphores[*s];
                if decl.bounded && self.semaphores[*s] >= decl.initial {
                    return Err(Fault::BoundedRelease { semaphore: *s });
                }
                self.semaphores[*s] = self.semaphores[*s]
                    .checked_add(1)
                    .ok_or(Fault::SemaphoreOverflow { semaphore: *s })?;
                Effect::Release {
                    semaphore: *s,
                    value: self.semaphores[*s],
                }
            }
            Op::TryAcquire { semaphore, into } => {
                let got = self.semaphores[*semaphore] > 0;
                if got {
                    self.semaphores[*semaphore] -= 1;
                }
                self.set_local(layout, t, *into, i64::from(got));
                Effect::TryAcquire {
                    semaphore: *semaphore,
                    got,
                    value: self.semaphores[*semaphore],
                }
            }
            Op::Signal(e) => Effect::Signal {
                event: *e,
                was: std::mem::replace(&mut self.events[*e], true),
            },
            Op::Clear(e) => Effect::Clear {
                event: *e,
                was: std::mem::replace(&mut self.events[*e], false),
            },
            Op::WaitEvent(e) => Effect::WaitEvent { event: *e },
            Op::WaitCondition(c) => {
                let lock = sc.conditions[*c].lock;
                if self.holders[lock] != me {
                    return Err(Fault::NotHolding {
                        op: CondOp::Wait,
                        cond: *c,
                        holder: holder(self.holders[lock]),
                    });
                }
                self.holders[lock] = FREE;
                self.counts[lock] = 0;
                self.wait_sets[*c].push(me);
                let waiting = self.wait_sets[*c].len() as u32;
                return Ok((
                    Effect::WaitCondition {
                        cond: *c,
                        lock,
                        waiting,
                    },
                    Next::Step,
                    Blocked::Condition(*c as u32),
                ));
            }
            Op::Reacquire(c) => {
                let lock = sc.conditions[*c].lock;
                self.holders[lock] = me;
                self.counts[lock] = 1;
                Effect::Reacquire { cond: *c, lock }
            }
            Op::Notify(c) | Op::NotifyAll(c) => {
                let lock = sc.conditions[*c].lock;
                let all = matches!(op, Op::NotifyAll(_));
                if self.holders[lock] != me {
                    return Err(Fault::NotHolding {
                        op: if all { CondOp::NotifyAll } else { CondOp::Notify },
                        cond: *c,
                        holder: holder(self.holders[lock]),
                    });
                }
                let n = if all {
                    self.wait_sets[*c].len()
                } else {
                    self.wait_sets[*c].len().min(1)
                };
                for u in self.wait_sets[*c].drain(..n) {
                    self.threads[u as usize].blocked = Blocked::No;
                    self.scratch.woken.push(u as usize);
                }
                if all {
                    Effect::NotifyAll { cond: *c }
                } else {
                    Effect::Notify { cond: *c }
                }
            }
            Op::WaitBarrier(b) => {
                let parties = sc.barriers[*b].parties;
                let mark = Blocked::Barrier(*b as u32);
                let waiting = self.threads.iter().filter(|th| th.blocked == mark).count() as u32;
                let arrived = waiting + 1;
                let effect = Effect::WaitBarrier {
                    barrier: *b,
                    arrived,
                    parties,
                };
                if arrived < parties {
                    return Ok((effect, Next::Step, mark));
                }
                // The round is complete: everyone who arrived goes on; a new round starts.
                for (u, th) in self.threads.iter_mut().enumerate() {
                    if th.blocked == mark {
                        th.blocked = Blocked::No;
                        self.scratch.woken.push(u);
                    }
                }
                effect
            }
            Op::Put { queue, value } => {
                let v = self.eval(sc, layout, t, value)?;
                self.queues[*queue].push(v);
                Effect::Put {
                    queue: *queue,
                    value: v,
                    len: self.queues[*queue].len() as u32,
                }
            }
            Op::Get { queue, into } => {
                let v = self.queues[*queue].remove(0);
                self.set_local(layout, t, *into, v);
                Effect::Get {
                    queue: *queue,
                    into: *into,
                    value: v,
                    len: self.queues[*queue].len() as u32,
                }
            }
            Op::Join(u) => Effect::Join { target: *u },
            Op::Await(guard) => Effect::Await {
                value: self.eval(sc, layout, t, guard)?,
            },
            Op::Assert { condition, .. } => {
                let value = self.eval(sc, layout, t, condition)?;
                if value == 0 {
                    return Err(Fault::AssertFailed { pc });
                }
                Effect::Assert { value }
            }
            Op::Cas {
                account,
                expect,
                value,
                into,
            } => {
                let expected = self.eval(sc, layout, t, expect)?;
                let v = self.eval(sc, layout, t, value)?;
                let old = self.balances[*account];
                let swapped = old == expected;
                if swapped {
                    self.balances[*account] = v;
                }
                self.set_local(layout, t, *into, i64::from(swapped));
                Effect::Cas {
                    account: *account,
                    expected,
                    value: v,
                    old,
                    swapped,
                    into: *into,
                }
            }
            Op::If(cond) => {
                let value = self.eval(sc, layout, t, cond)?;
                let taken = value != 0;
                return Ok((
                    Effect::If { value, taken },
                    if taken { Next::Step } else { Next::Alt },
                    Blocked::No,
                ));
            }
            Op::While(cond) => {
                let value = self.eval(sc, layout, t, cond)?;
                return Ok((
                    Effect::While { value },
                    if value != 0 { Next::Step } else { Next::Alt },
                    Blocked::No,
                ));
            }
            Op::Require(cond) => Effect::Require {
                value: self.eval(sc, layout, t, cond)?,
            },
            Op::Sleep(n) => Effect::Sleep(*n),
            Op::Log(_) => Effect::Log,
        };
        Ok((effect, Next::Step, Blocked::No))
    }

    /// Reports a failed step of `t` (in state `th`) to the observer; the state is unchanged.
    #[cold]
    fn fail(&self, t: ThreadId, th: ThreadState, fault: Fault, observer: &mut impl Observer) -> Fault {
        let event = StepEvent {
            step: self.steps + 1,
            time: self.now,
            thread: t,
            pc: th.pc,
            iteration: th.iteration,
            next_pc: th.pc,
            effect: Effect::Fault(fault),
            delay: 0,
            finished: false,
            also_finished: &[],
            started: &[],
            woken: &[],
        };
        observer.on_step(&event, self);
        fault
    }

    /// Marks `u` finished and starts the first pending transaction on its worker: at once for
    /// a failed `require` (`at_once`: its delay does not hold the worker), else when `u`'s last
    /// delay has elapsed.
    fn free_worker(&mut self, u: ThreadId, at_once: bool) {
        let freed = &mut self.threads[u];
        freed.phase = Phase::Finished;
        freed.pc = 0;
        let worker = freed.worker;
        let start_at = if at_once { self.now } else { freed.ready_at };
        let next = self.next_pending as usize;
        if next < self.threads.len() {
            let started = &mut self.threads[next];
            started.phase = Phase::Running;
            started.ready_at = start_at;
            started.worker = worker;
            self.next_pending += 1;
            self.scratch.started.push((next, start_at));
        }
    }

    /// Takes lock `l` for `t` (it is free, or an rlock `t` holds); returns the new count.
    fn take_lock(&mut self, sc: &Scenario, t: ThreadId, l: LockId) -> Result<u32, Fault> {
        let count = if sc.locks[l].reentrant {
            self.counts[l]
                .checked_add(1)
                .ok_or(Fault::LockCountOverflow { lock: l })?
        } else {
            1
        };
        self.holders[l] = t as u32;
        self.counts[l] = count;
        Ok(count)
    }
}

/// Which successor a step goes on to: `next`, or `alt` (an `if` or `while` whose condition was
/// 0).
#[derive(Debug, Clone, Copy)]
enum Next {
    Step,
    Alt,
}
