//! The one interpreter: the state of a run (balances, locks, threads, pool, virtual clock) and
//! `step`, which executes one atomic step of one thread.
//!
//! Every runner — seeded and scripted runs, sweep, explore and the os-threads runner — drives
//! this same `step`. It performs no I/O and allocates nothing; observers receive borrowed events.

use crate::scenario::{AccountId, EvalError, LockId, Op, Scenario, ThreadId};

/// `holders[l]` when lock `l` is free.
pub const FREE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Waiting in the pool queue for a worker.
    Pending,
    Running,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadState {
    pub phase: Phase,
    /// Index of the next step.
    pub pc: u32,
    /// Completed repeats.
    pub iteration: u32,
    /// Virtual time at which the thread may run again.
    pub ready_at: u64,
    /// The pool worker running the transaction (meaningful once started).
    pub worker: u32,
}

/// Everything that determines the rest of a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct State {
    pub now: u64,
    /// Number of steps executed so far.
    pub steps: u64,
    /// The first transaction that has not started; transactions start in file order.
    pub next_pending: u32,
    pub balances: Vec<i64>,
    pub holders: Vec<u32>,
    pub threads: Vec<ThreadState>,
    /// All threads' locals, thread `t`'s at `local_base[t]..`.
    pub locals: Vec<i64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Ok,
    Deadlock,
    Error(String),
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Deadlock => "deadlock",
            Status::Error(_) => "error",
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Status::Error(m) => Some(m),
            _ => None,
        }
    }
}

/// What `settle` found: some thread can run now, or the run is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Ready,
    Ended(Status),
}

/// What a step did, with the values it read or wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect<'s> {
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
    Lock(LockId),
    Unlock(LockId),
    Require {
        value: i64,
    },
    Sleep(u64),
    Log(&'s str),
    /// The step failed; the run ends with status error.
    Fault(Fault),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Eval(EvalError),
    /// `ready_at` would overflow u64 ticks.
    ClockOverflow,
    /// Unlock of a lock the thread does not hold (holder `FREE` or another thread).
    BadUnlock {
        lock: LockId,
        holder: u32,
    },
}

/// One executed step, as observers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'s> {
    /// 1-based step number.
    pub step: u64,
    pub time: u64,
    pub thread: ThreadId,
    /// Index of the step in its transaction and the repeat it belongs to.
    pub pc: u32,
    pub iteration: u32,
    pub effect: Effect<'s>,
    /// Ticks until the thread may run again (delay, plus the ticks of a `sleep`).
    pub delay: u64,
    /// The transaction ended with this step (last step, or a failed `require`).
    pub finished: bool,
    /// A pending transaction started on the freed worker.
    pub started: Option<ThreadId>,
}

/// Receives the events of a run. Hot paths use `()`, which ignores them at no cost.
pub trait Observer<'s> {
    fn on_step(&mut self, event: &Event<'s>);
}

impl<'s> Observer<'s> for () {
    #[inline(always)]
    fn on_step(&mut self, _: &Event<'s>) {}
}

impl<'s> Observer<'s> for Vec<Event<'s>> {
    fn on_step(&mut self, event: &Event<'s>) {
        self.push(*event);
    }
}

/// Static facts about a scenario that the engine needs on every step, computed once.
#[derive(Debug, Clone)]
pub struct Layout {
    pub local_base: Vec<usize>,
    pub locals_len: usize,
}

impl Layout {
    pub fn new(scenario: &Scenario) -> Layout {
        let mut local_base = Vec::with_capacity(scenario.transactions.len());
        let mut total = 0;
        for t in &scenario.transactions {
            local_base.push(total);
            total += t.locals.len();
        }
        Layout {
            local_base,
            locals_len: total,
        }
    }
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
                })
                .collect(),
            locals: vec![0; layout.locals_len],
        }
    }

    /// Whether `t` can execute its next step now.
    #[inline]
    pub fn is_ready(&self, scenario: &Scenario, t: ThreadId) -> bool {
        let th = &self.threads[t];
        th.phase == Phase::Running
            && th.ready_at <= self.now
            && match scenario.transactions[t].steps[th.pc as usize].op {
                Op::Lock(l) => self.holders[l] == FREE,
                _ => true,
            }
    }

    /// Appends the ready threads, in file order, to `out`.
    #[inline]
    pub fn ready_threads(&self, scenario: &Scenario, out: &mut Vec<ThreadId>) {
        out.extend((0..self.threads.len()).filter(|&t| self.is_ready(scenario, t)));
    }

    /// Advances the clock until some thread is ready, or reports how the run ended.
    pub fn settle(&mut self, scenario: &Scenario) -> Settled {
        loop {
            if (0..self.threads.len()).any(|t| self.is_ready(scenario, t)) {
                return Settled::Ready;
            }
            let wake = self
                .threads
                .iter()
                .filter(|th| th.phase == Phase::Running && th.ready_at > self.now)
                .map(|th| th.ready_at)
                .min();
            match wake {
                Some(t) => self.now = t,
                None if self.threads.iter().all(|th| th.phase == Phase::Finished) => {
                    return Settled::Ended(Status::Ok);
                }
                None => return Settled::Ended(Status::Deadlock),
            }
        }
    }

    /// Executes the next step of `t`, which must be ready. A fault leaves the state unchanged,
    /// is reported to the observer as `Effect::Fault` and ends the run.
    pub fn step<'s>(
        &mut self,
        scenario: &'s Scenario,
        layout: &Layout,
        t: ThreadId,
        observer: &mut impl Observer<'s>,
    ) -> Result<(), Fault> {
        debug_assert!(self.is_ready(scenario, t));
        let tx = &scenario.transactions[t];
        let th = self.threads[t];
        let step = &tx.steps[th.pc as usize];
        let base = layout.local_base[t];
        let locals = &mut self.locals[base..base + tx.locals.len()];
        let mut declined = false;
        let mut event = Event {
            step: self.steps + 1,
            time: self.now,
            thread: t,
            pc: th.pc,
            iteration: th.iteration,
            effect: Effect::Fault(Fault::ClockOverflow),
            delay: 0,
            finished: false,
            started: None,
        };
        let sleep = match step.op {
            Op::Sleep(n) => n,
            _ => 0,
        };
        let timing = step
            .delay
            .checked_add(sleep)
            .and_then(|delay| Some((delay, self.now.checked_add(delay)?)));
        let Some((delay, ready_at)) = timing else {
            observer.on_step(&event);
            return Err(Fault::ClockOverflow);
        };
        let outcome: Result<Effect<'s>, Fault> = match &step.op {
            Op::Read { account, into } => {
                let value = self.balances[*account];
                locals[*into as usize] = value;
                Ok(Effect::Read {
                    account: *account,
                    into: *into,
                    value,
                })
            }
            Op::Write { account, value } => value.expr.eval(locals).map_err(Fault::Eval).map(|v| {
                let old = std::mem::replace(&mut self.balances[*account], v);
                Effect::Write {
                    account: *account,
                    value: v,
                    old,
                }
            }),
            Op::Set { local, value } => value.expr.eval(locals).map_err(Fault::Eval).map(|v| {
                locals[*local as usize] = v;
                Effect::Set {
                    local: *local,
                    value: v,
                }
            }),
            Op::AtomicAdd { account, value } => value
                .expr
                .eval(locals)
                .and_then(|added| {
                    let old = self.balances[*account];
                    let new = old.checked_add(added).ok_or(EvalError::Overflow)?;
                    self.balances[*account] = new;
                    Ok(Effect::AtomicAdd {
                        account: *account,
                        added,
                        old,
                        value: new,
                    })
                })
                .map_err(Fault::Eval),
            Op::Lock(l) => {
                self.holders[*l] = t as u32;
                Ok(Effect::Lock(*l))
            }
            Op::Unlock(l) => {
                if self.holders[*l] == t as u32 {
                    self.holders[*l] = FREE;
                    Ok(Effect::Unlock(*l))
                } else {
                    Err(Fault::BadUnlock {
                        lock: *l,
                        holder: self.holders[*l],
                    })
                }
            }
            Op::Require(cond) => cond.expr.eval(locals).map_err(Fault::Eval).map(|value| {
                declined = value == 0;
                Effect::Require { value }
            }),
            Op::Sleep(n) => Ok(Effect::Sleep(*n)),
            Op::Log(message) => Ok(Effect::Log(message)),
        };
        let effect = match outcome {
            Ok(effect) => effect,
            Err(fault) => {
                event.effect = Effect::Fault(fault);
                observer.on_step(&event);
                return Err(fault);
            }
        };
        self.steps += 1;
        let th = &mut self.threads[t];
        th.ready_at = ready_at;
        th.pc += 1;
        if th.pc as usize == tx.steps.len() && !declined {
            th.pc = 0;
            th.iteration += 1;
        }
        if declined || th.iteration == tx.repeat {
            th.phase = Phase::Finished;
            th.pc = 0;
            event.finished = true;
            let worker = th.worker;
            let next = self.next_pending as usize;
            if next < self.threads.len() {
                let started = &mut self.threads[next];
                started.phase = Phase::Running;
                started.ready_at = ready_at;
                started.worker = worker;
                self.next_pending += 1;
                event.started = Some(next);
            }
        }
        event.effect = effect;
        event.delay = delay;
        observer.on_step(&event);
        Ok(())
    }
}

impl Fault {
    /// A message naming what failed, for logs and reports.
    pub fn describe(&self, scenario: &Scenario, t: ThreadId) -> String {
        match self {
            Fault::Eval(e) => format!("{}: {e}", scenario.thread_name(t)),
            Fault::ClockOverflow => format!("{}: virtual time overflows", scenario.thread_name(t)),
            Fault::BadUnlock { lock, holder } => {
                let lock_name = &scenario.locks[*lock];
                if *holder == FREE {
                    format!(
                        "{}: unlock of `{lock_name}`, which is not held",
                        scenario.thread_name(t)
                    )
                } else {
                    format!(
                        "{}: unlock of `{lock_name}`, which is held by {}",
                        scenario.thread_name(t),
                        scenario.thread_name(*holder as usize)
                    )
                }
            }
        }
    }
}
